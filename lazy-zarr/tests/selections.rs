//! Zarr runs the test kit's backend conformance suite: every selection that
//! works on an ndarray works on a Zarr array, with the results of the naive
//! NumPy reference. Random keys (negative steps, unsorted and duplicated
//! lists, lists on several axes, newaxis, ellipsis, out-of-range entries)
//! are read from and written to uncompressed, gzip-compressed and sharded
//! arrays with random chunk shapes, of every element type; long axes with
//! small chunks split transfers into pieces. Besides: arrays never written
//! (every element the fill value) and arrays made by `ZarrDataset::create`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lazy_core::{Cache, DatasetExt, DatasetMutExt, Dyn, DynSelection, ReadWrite};
use lazy_testkit::conformance::{self, same_read, same_write, Backend};
use lazy_testkit::keys::{key, KeyStyle};
use lazy_zarr::zarrs::array::codec::GzipCodec;
use lazy_zarr::zarrs::array::{ArrayBuilder, ArraySubset};
use lazy_zarr::zarrs::filesystem::FilesystemStore;
use lazy_zarr::{ZarrDataset, ZarrElement};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy)]
enum Layout {
    Raw,
    Gzip,
    Sharded,
}

/// Creates array `name` in the store at `root` holding `data`, written by
/// zarrs itself (not by the code under test); with `fill_only` nothing is
/// written and every element is the fill value `data[0]`.
fn create<T: ZarrElement>(
    root: &Path,
    name: &str,
    data: &ArrayD<T>,
    layout: Layout,
    fill_only: bool,
    rng: &mut SmallRng,
) -> ZarrDataset<T, Dyn, ReadWrite> {
    let store = Arc::new(FilesystemStore::new(root).unwrap());
    let shape: Vec<u64> = data.shape().iter().map(|&n| n as u64).collect();
    let chunk: Vec<u64> = data
        .shape()
        .iter()
        .map(|&n| rng.random_range(1..=n.max(1)) as u64)
        .collect();
    let fill = data.iter().next().copied().unwrap_or_default();
    let mut builder = ArrayBuilder::new(
        shape.clone(),
        chunk.clone(),
        T::data_type(),
        fill.fill_value(),
    );
    match layout {
        Layout::Raw => {}
        Layout::Gzip => {
            builder.bytes_to_bytes_codecs(vec![Arc::new(GzipCodec::new(5).unwrap())]);
        }
        Layout::Sharded => {
            // Shards of 1 to 3 chunks per axis, holding the chunks.
            let shard: Vec<u64> = chunk.iter().map(|&c| c * rng.random_range(1..=3)).collect();
            builder = ArrayBuilder::new(shape.clone(), shard, T::data_type(), fill.fill_value());
            builder.subchunk_shape(chunk.clone());
        }
    }
    let array = builder.build(store, &format!("/{name}")).unwrap();
    array.store_metadata().unwrap();
    if !data.is_empty() && !fill_only {
        let std = data.as_standard_layout();
        array
            .store_array_subset(&ArraySubset::new_with_shape(shape), std.as_slice().unwrap())
            .unwrap();
    }
    let opened = ZarrDataset::<T, Dyn>::open_rw(root, name).unwrap();
    assert_eq!(opened.shape(), data.shape());
    opened
}

/// Zarr arrays in one store, in the three layouts, read through `cache`,
/// for the conformance suite of the test kit.
struct Zarr {
    root: PathBuf,
    cache: Cache,
}

impl<T: ZarrElement> Backend<T> for Zarr {
    type Dataset = ZarrDataset<T, Dyn, ReadWrite>;

    fn layouts(&self) -> usize {
        3
    }

    fn create(
        &mut self,
        name: &str,
        data: &ArrayD<T>,
        layout: usize,
        rng: &mut SmallRng,
    ) -> Self::Dataset {
        let layout = [Layout::Raw, Layout::Gzip, Layout::Sharded][layout % 3];
        create(&self.root, name, data, layout, false, rng).with_cache(self.cache.clone())
    }

    fn reopened(&mut self, name: &str) -> Option<ArrayD<T>> {
        let a = ZarrDataset::<T, Dyn>::open(&self.root, name).unwrap();
        Some(a.read_dyn(&DynSelection::all()).unwrap())
    }
}

/// A store read through the process-wide cache.
fn backend(dir: &tempfile::TempDir, name: &str) -> Zarr {
    Zarr {
        root: dir.path().join(name),
        cache: Cache::global(),
    }
}

#[test]
fn every_element_type() {
    let dir = tempfile::tempdir().unwrap();
    let report = conformance::every_element_type(&mut backend(&dir, "random.zarr"), 0x5eed_2a77);
    assert_eq!(report.datasets, 99);
}

/// The same suite with no cache (every read decodes), and with a cache so
/// small that it evicts all the time.
#[test]
fn every_element_type_without_and_with_a_small_cache() {
    let dir = tempfile::tempdir().unwrap();
    for (i, budget) in [0, 4096].into_iter().enumerate() {
        let cache = Cache::new(budget);
        let mut zarr = Zarr {
            root: dir.path().join(format!("cache{i}.zarr")),
            cache: cache.clone(),
        };
        conformance::every_element_type(&mut zarr, 0x5eed_2a78 + i as u64);
        let stats = cache.stats();
        assert!(stats.bytes <= budget, "{stats:?}");
        if budget > 0 {
            assert!(stats.hits > 0 && stats.misses > 0, "{stats:?}");
        }
    }
}

/// Long axes with small chunks and sparse lists: boxes split at gaps wider
/// than a chunk, and merged again when there would be too many.
#[test]
fn sparse_lists_on_long_axes() {
    let dir = tempfile::tempdir().unwrap();
    conformance::sparse_lists_on_long_axes(&mut backend(&dir, "sparse.zarr"), 7, 30, 40, true);
}

#[test]
fn strided_buffers() {
    let dir = tempfile::tempdir().unwrap();
    conformance::strided_buffers(&mut backend(&dir, "strided.zarr"), 11);
}

/// Masks and long lists, with the default cache and with none.
#[test]
fn masks_and_long_lists() {
    let dir = tempfile::tempdir().unwrap();
    conformance::masks_and_long_lists(&mut backend(&dir, "masks.zarr"), 24);
    let mut uncached = Zarr {
        root: dir.path().join("masks_uncached.zarr"),
        cache: Cache::new(0),
    };
    conformance::masks_and_long_lists(&mut uncached, 25);
}

#[test]
fn views_over_zarr_match_views_over_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    conformance::views(&mut backend(&dir, "views.zarr"), 0xc4a3);
}

/// Arrays whose chunks were never written read as the fill value, and take
/// writes of every kind.
#[test]
fn arrays_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fill.zarr");
    let mut rng = SmallRng::seed_from_u64(0xf111);
    for i in 0..15 {
        let shape = lazy_testkit::keys::shape(&mut rng, 4, 7, 2401);
        let fill = rng.random_range(-100..100i32);
        let mut reference = ArrayD::from_elem(IxDyn(&shape), fill);
        let layout = [Layout::Raw, Layout::Gzip, Layout::Sharded][i % 3];
        let mut zarr = create(&root, &format!("f{i}"), &reference, layout, true, &mut rng);
        let what = format!("{zarr:?}");
        for _ in 0..20 {
            same_read(
                &zarr,
                &reference,
                &key(&mut rng, &shape, KeyStyle::STORAGE),
                &what,
            );
        }
        for _ in 0..10 {
            let k = key(&mut rng, &shape, KeyStyle::STORAGE);
            same_write(
                &mut zarr,
                &mut reference,
                &k,
                &mut rng,
                &|r| r.random(),
                &what,
            );
        }
    }
}

/// An array opened read-only is a read-only type: `tests/ui/read_only.rs`
/// shows that writing to it does not compile; here, that the two opens of
/// one array read alike and that a read-write open can be made read-only.
#[test]
fn read_only_and_read_write_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SmallRng::seed_from_u64(3);
    let data = ArrayD::from_shape_simple_fn(IxDyn(&[4]), || rng.random_range(0..100u32));
    create(dir.path(), "a", &data, Layout::Raw, false, &mut rng);
    let a = ZarrDataset::<u32, Dyn>::open(dir.path(), "a").unwrap();
    let mut b = ZarrDataset::<u32, Dyn>::open_rw(dir.path(), "a").unwrap();
    assert_eq!(a.read_dyn(&DynSelection::all()).unwrap(), data);
    b.write_dyn(&DynSelection::all(), ndarray::arr0(7u32).into_dyn().view())
        .unwrap();
    assert!(a
        .read_dyn(&DynSelection::all())
        .unwrap()
        .iter()
        .all(|&v| v == 7));
    let b = b.into_read_only();
    assert!(format!("{b:?}").contains("writable: false"));
}

/// Arrays made by `ZarrDataset::create` with every compression, automatic or
/// explicit chunks, replaced with `overwrite`.
#[test]
fn created_arrays_with_every_compression() {
    use lazy_zarr::{Compression, CreateOptions};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SmallRng::seed_from_u64(5);
    let mut compressions = vec![Compression::None, Compression::Gzip(6)];
    #[cfg(feature = "zstd")]
    compressions.push(Compression::Zstd(3));
    for (i, compression) in compressions.into_iter().enumerate() {
        for chunks in [None, Some(vec![3, 4, 5])] {
            let mut options = CreateOptions::default()
                .compression(compression)
                .fill_value(-7i32)
                .overwrite(true);
            if let Some(c) = &chunks {
                options = options.chunks(c.clone());
            }
            let name = format!("c{i}");
            let mut zarr =
                ZarrDataset::<i32, Dyn>::create(dir.path(), &name, &[9, 10, 11], &options).unwrap();
            assert_eq!(zarr.fill_value(), -7);
            let mut reference = ArrayD::from_elem(IxDyn(&[9, 10, 11]), -7i32);
            assert_eq!(zarr.read_dyn(&DynSelection::all()).unwrap(), reference);
            for _ in 0..20 {
                let k = key(&mut rng, &[9, 10, 11], KeyStyle::STORAGE);
                let what = format!("{zarr:?}");
                same_write(
                    &mut zarr,
                    &mut reference,
                    &k,
                    &mut rng,
                    &|r| r.random(),
                    &what,
                );
                same_read(
                    &zarr,
                    &reference,
                    &key(&mut rng, &[9, 10, 11], KeyStyle::STORAGE),
                    &format!("{zarr:?}"),
                );
            }
        }
    }
}

/// Sparse selections of large uncompressed chunks read just the byte ranges
/// they need (one per run of the last axis and row of the outer axes), and
/// dense ones read them in slabs; compared with the same reads from an
/// array.
#[test]
fn sparse_reads_of_large_uncompressed_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("large.zarr");
    let mut rng = SmallRng::seed_from_u64(17);
    for (i, shape) in [vec![300_000], vec![64, 40_000]].into_iter().enumerate() {
        let data =
            ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(0..1_000_000i64));
        // One chunk holding everything, uncompressed.
        let store = Arc::new(FilesystemStore::new(&root).unwrap());
        let dims: Vec<u64> = shape.iter().map(|&n| n as u64).collect();
        let array = ArrayBuilder::new(
            dims.clone(),
            dims.clone(),
            i64::data_type(),
            0i64.fill_value(),
        )
        .build(store, &format!("/l{i}"))
        .unwrap();
        array.store_metadata().unwrap();
        array
            .store_array_subset(&ArraySubset::new_with_shape(dims), data.as_slice().unwrap())
            .unwrap();
        let zarr = ZarrDataset::<i64, Dyn>::open(&root, &format!("l{i}"))
            .unwrap()
            .with_cache(Cache::new(0));
        let what = format!("{zarr:?}");
        for _ in 0..30 {
            let key: Vec<lazy_core::SelectionItem> = shape
                .iter()
                .map(|&n| {
                    let len = rng.random_range(1..12);
                    lazy_core::SelectionItem::List(
                        (0..len).map(|_| rng.random_range(0..n) as isize).collect(),
                    )
                })
                .collect();
            assert!(same_read(&zarr, &data, &key, &what));
        }
        // Dense slices, forwards and backwards, and integers: the chunk is
        // larger than a slab (256 KiB), so these read it in slabs.
        for _ in 0..30 {
            let key: Vec<lazy_core::SelectionItem> = shape
                .iter()
                .map(|&n| {
                    let n = n as i64;
                    let (a, b) = (
                        rng.random_range(-n..n) as isize,
                        rng.random_range(-n..=n) as isize,
                    );
                    match rng.random_range(0..6) {
                        0 => lazy_core::SelectionItem::Index(a),
                        1 => lazy_core::SelectionItem::slice(
                            Some(a),
                            Some(b),
                            Some(-rng.random_range(1..9i64) as isize),
                        ),
                        _ => lazy_core::SelectionItem::slice(
                            Some(a.min(b)),
                            None,
                            Some(rng.random_range(1..9i64) as isize),
                        ),
                    }
                })
                .collect();
            assert!(same_read(&zarr, &data, &key, &what));
        }
    }
}

#[test]
fn shape_errors_name_the_arrays() {
    use lazy_core::{ErrorKind, Scaled, Stacked};
    use lazy_zarr::CreateOptions;
    use typenum::U1;
    let dir = tempfile::tempdir().unwrap();
    let x = ZarrDataset::<f32, U1>::create(dir.path(), "/x", &[2000], &CreateOptions::default())
        .unwrap();
    let short =
        ZarrDataset::<f32, U1>::create(dir.path(), "/short", &[1000], &CreateOptions::default())
            .unwrap();
    // Through a view of the same shape, the array's name is kept.
    let err = Stacked::new(vec![Scaled::new(x, 1.0), Scaled::new(short, 1.0)], -1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
    let store = dir.path().display().to_string();
    let want = format!(
        "\"/x\" in {store} (dataset 0) has shape [2000], \"/short\" in {store} (dataset 1) has shape [1000]"
    );
    assert!(err.to_string().contains(&want), "{err}");
}
