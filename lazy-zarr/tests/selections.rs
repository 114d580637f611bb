//! Every selection that works on an ndarray works on a Zarr array, with
//! identical results: random keys (negative steps, unsorted and duplicated
//! lists, lists on several axes, newaxis, ellipsis, out-of-range entries) are
//! read from and written to uncompressed, gzip-compressed and sharded arrays
//! with random chunk shapes, with an in-memory `ArrayD` as the reference.

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use lazy_core::{AxisSelection, DatasetExt, DatasetMutExt, Dyn, DynSelection, ReadWrite, Region};
use lazy_zarr::zarrs::array::codec::GzipCodec;
use lazy_zarr::zarrs::array::{ArrayBuilder, ArraySubset};
use lazy_zarr::zarrs::filesystem::FilesystemStore;
use lazy_zarr::{ZarrDataset, ZarrElement};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[path = "../../tests/support/random_keys.rs"]
mod random_keys;
use random_keys::{check_read, check_write, key, sparse_key};

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

fn random_shape(rng: &mut SmallRng) -> Vec<usize> {
    let ndim = rng.random_range(0..=4);
    (0..ndim)
        .map(|_| {
            if rng.random_bool(0.05) {
                0
            } else {
                rng.random_range(1..=7)
            }
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    arrays: usize,
    reads: usize,
    valid_reads: usize,
    writes: usize,
    valid_writes: usize,
}

fn run<T: ZarrElement + Debug>(
    rng: &mut SmallRng,
    root: &Path,
    counts: &mut Counts,
    arrays: usize,
    value: impl Fn(&mut SmallRng) -> T,
) {
    for i in 0..arrays {
        let shape = random_shape(rng);
        let layout = [Layout::Raw, Layout::Gzip, Layout::Sharded][i % 3];
        let fill_only = rng.random_bool(0.15);
        let mut reference = ArrayD::from_shape_simple_fn(IxDyn(&shape), || value(rng));
        if fill_only {
            if let Some(&first) = reference.iter().next() {
                reference.fill(first);
            }
        }
        let name = format!("{}_{i}", T::DTYPE);
        let mut zarr = create(root, &name, &reference, layout, fill_only, rng);
        counts.arrays += 1;
        for _ in 0..60 {
            let k = key(rng, &shape);
            counts.reads += 1;
            counts.valid_reads +=
                usize::from(check_read(&zarr, &reference, &k, &format!("{zarr:?}")));
        }
        for _ in 0..25 {
            let k = key(rng, &shape);
            counts.writes += 1;
            let what = format!("{zarr:?}");
            counts.valid_writes += usize::from(check_write(
                &mut zarr,
                &mut reference,
                &k,
                rng,
                &value,
                &what,
            ));
        }
        // A fresh handle sees what was written.
        let reopened = ZarrDataset::<T, Dyn>::open(root, &name).unwrap();
        assert_eq!(reopened.read_dyn(&DynSelection::all()).unwrap(), reference);
    }
}

#[test]
fn random_selections_match_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("random.zarr");
    let mut rng = SmallRng::seed_from_u64(0x5eed_2a77);
    let mut counts = Counts::default();
    run(&mut rng, &root, &mut counts, 45, |r| {
        r.random_range(-1e3..1e3f64)
    });
    run(&mut rng, &root, &mut counts, 12, |r| r.random::<i16>());
    run(&mut rng, &root, &mut counts, 12, |r| r.random::<u8>());
    run(&mut rng, &root, &mut counts, 12, |r| r.random::<bool>());
    run(&mut rng, &root, &mut counts, 6, |r| r.random::<u64>());
    run(&mut rng, &root, &mut counts, 6, |r| r.random::<i8>());
    run(&mut rng, &root, &mut counts, 6, |r| {
        r.random_range(-1e3..1e3f32)
    });
    println!(
        "{} arrays, {} random reads ({} valid keys), {} random writes ({} valid keys)",
        counts.arrays, counts.reads, counts.valid_reads, counts.writes, counts.valid_writes
    );
    assert!(counts.valid_reads > counts.reads / 2);
    assert!(counts.valid_writes > counts.writes / 2);
}

/// Long axes with small chunks and sparse lists: boxes split at gaps wider
/// than a chunk, and merged again when there would be too many.
#[test]
fn sparse_lists_on_long_axes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sparse.zarr");
    let mut rng = SmallRng::seed_from_u64(7);
    for (i, shape) in [
        vec![20_000],
        vec![3000, 40],
        vec![40, 3000],
        vec![300, 20, 30],
    ]
    .into_iter()
    .enumerate()
    {
        for (j, layout) in [Layout::Raw, Layout::Gzip, Layout::Sharded]
            .into_iter()
            .enumerate()
        {
            let mut reference =
                ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(0..1_000_000i64));
            let mut zarr = create(
                &root,
                &format!("s{i}_{j}"),
                &reference,
                layout,
                false,
                &mut rng,
            );
            for round in 0..30 {
                // Sparse lists, unsorted, with duplicates, on one or several
                // axes; long steps.
                let key = sparse_key(&mut rng, &shape, 40, true);
                check_read(&zarr, &reference, &key, &format!("{zarr:?}"));
                if round % 3 == 0 {
                    let what = format!("{zarr:?}");
                    check_write(
                        &mut zarr,
                        &mut reference,
                        &key,
                        &mut rng,
                        &|r| r.random_range(0..1_000_000i64),
                        &what,
                    );
                }
            }
        }
    }
}

/// A read into a buffer that is not contiguous goes through a temporary cover.
#[test]
fn reads_into_strided_buffers() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SmallRng::seed_from_u64(11);
    let reference = ArrayD::from_shape_simple_fn(IxDyn(&[6, 5]), || rng.random::<i32>());
    let zarr = create(dir.path(), "x", &reference, Layout::Gzip, false, &mut rng);
    let region = Region::new(
        vec![6, 5],
        vec![AxisSelection::range(1, 1, 3), AxisSelection::full(5)],
    )
    .unwrap();
    let mut want = ArrayD::<i32>::zeros(IxDyn(&[5, 3]));
    let mut got = want.clone();
    lazy_core::DatasetExt::read_into(&reference, &region, want.view_mut().reversed_axes()).unwrap();
    lazy_core::DatasetExt::read_into(&zarr, &region, got.view_mut().reversed_axes()).unwrap();
    assert_eq!(got, want);
    // A region resolved against another shape is refused.
    let other = Region::full(&[5, 6]);
    assert!(lazy_core::DatasetExt::read_into(&zarr, &other, got.view_mut()).is_err());
    assert!(zarr.validate_write(&Region::full(&[6, 5])).is_ok());
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
    use lazy_zarr::{Compression, ZarrCreate};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SmallRng::seed_from_u64(5);
    let mut compressions = vec![Compression::None, Compression::Gzip(6)];
    #[cfg(feature = "zstd")]
    compressions.push(Compression::Zstd(3));
    for (i, compression) in compressions.into_iter().enumerate() {
        for chunks in [None, Some(vec![3, 4, 5])] {
            let mut options = ZarrCreate::default()
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
                let k = key(&mut rng, &[9, 10, 11]);
                let what = format!("{zarr:?}");
                check_write(
                    &mut zarr,
                    &mut reference,
                    &k,
                    &mut rng,
                    &|r| r.random(),
                    &what,
                );
                check_read(
                    &zarr,
                    &reference,
                    &key(&mut rng, &[9, 10, 11]),
                    &format!("{zarr:?}"),
                );
            }
        }
    }
}
