//! lazy-hdf5's own reader (chunks located by libhdf5, read and decoded in
//! Rust): which datasets it reads and which go through libhdf5 (and why),
//! the fill value of chunks never written, the decoded-chunk cache (exact
//! hit and miss counts) and reads after writes through other handles, and
//! eight threads reading one file. Values are checked against the arrays
//! written by hdf5-metno (not the code under test).

use lazy_core::{Cache, DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
use lazy_hdf5::{create_file, inspect, open_file, H5Dataset};
use ndarray::{Array1, Array2, ArrayD};
use typenum::{U1, U2};

fn data(rows: usize, cols: usize) -> Array2<i32> {
    Array2::from_shape_fn((rows, cols), |(r, c)| (r * 1000 + c) as i32 - 7)
}

fn rows(start: usize, stop: usize) -> DynSelection {
    DynSelection::from(vec![SelectionItem::slice(
        Some(start as isize),
        Some(stop as isize),
        None,
    )])
}

#[test]
fn who_reads_what() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("kinds.h5")).unwrap();
    let want = data(40, 30);
    let b = || file.new_dataset_builder().with_data(&want);
    b().create("contiguous").unwrap();
    b().chunk([7, 9]).create("chunked").unwrap();
    b().chunk([7, 9]).deflate(6).create("deflate").unwrap();
    b().chunk([7, 9])
        .shuffle()
        .deflate(2)
        .create("shuffle_deflate")
        .unwrap();
    b().chunk([7, 9])
        .shuffle()
        .deflate(2)
        .fletcher32()
        .create("checksummed")
        .unwrap();
    b().chunk([7, 9]).nbit().create("nbit").unwrap();
    b().chunk([7, 9])
        .scale_offset(hdf5_metno::filters::ScaleOffset::Integer(0))
        .create("scale_offset")
        .unwrap();
    file.new_dataset_builder()
        .with_data(&data(4, 5))
        .layout(hdf5_metno::dataset::Layout::Compact)
        .create("compact")
        .unwrap();
    drop(file);

    let file = open_file(dir.path().join("kinds.h5")).unwrap();
    for (name, reader) in [
        ("contiguous", "lazy-hdf5"),
        ("chunked", "lazy-hdf5"),
        ("deflate", "lazy-hdf5"),
        ("shuffle_deflate", "lazy-hdf5"),
        ("checksummed", "lazy-hdf5"),
        ("nbit", "libhdf5: the filter NBit"),
        (
            "scale_offset",
            "libhdf5: the filter ScaleOffset(Integer(0))",
        ),
        ("compact", "libhdf5: the Compact layout"),
    ] {
        let ds = H5Dataset::<i32, U2>::open(&file, name).unwrap();
        assert_eq!(ds.reader(), reader, "{name}");
        assert_eq!(inspect(&file, name).unwrap().reader, reader, "{name}");
        let want = if name == "compact" {
            data(4, 5)
        } else {
            want.clone()
        };
        assert_eq!(ds.read_all().unwrap(), want, "{name}");
        // Windows of rows across chunk boundaries, and through libhdf5.
        for (a, b) in [(0, 1), (5, 19), (33, 40)] {
            let (a, b) = (a.min(want.nrows()), b.min(want.nrows()));
            let got = ds.read_dyn(&rows(a, b)).unwrap();
            assert_eq!(got, want.slice(ndarray::s![a..b, ..]).into_dyn(), "{name}");
        }
        let via = H5Dataset::<i32, U2>::open(&file, name)
            .unwrap()
            .via_libhdf5(true);
        assert!(via.reader().starts_with("libhdf5"), "{name}");
        assert_eq!(via.read_all().unwrap(), want, "{name}");
    }
}

#[test]
fn chunks_never_written_read_the_fill_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("fill.h5")).unwrap();
    for (name, chunked) in [("chunked", true), ("contiguous", false)] {
        let builder = file.new_dataset::<f64>().shape([100]).fill_value(7.5);
        if chunked {
            builder.chunk([10]).deflate(1).create(name)
        } else {
            builder.create(name)
        }
        .unwrap();
        let mut ds = H5Dataset::<f64, U1>::open_rw(&file, name).unwrap();
        assert_eq!(ds.reader(), "lazy-hdf5");
        // Nothing written yet: all fill.
        assert_eq!(
            ds.read_all().unwrap(),
            Array1::from_elem(100, 7.5),
            "{name}"
        );
        ds.write_dyn(
            &rows(25, 31),
            ndarray::arr1(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
                .into_dyn()
                .view(),
        )
        .unwrap();
        let want = Array1::from_shape_fn(100, |i| {
            if (25..31).contains(&i) {
                (i - 24) as f64
            } else {
                7.5
            }
        });
        assert_eq!(ds.read_all().unwrap(), want, "{name}");
        let reopened = H5Dataset::<f64, U1>::open(&file, name).unwrap();
        assert_eq!(reopened.read_all().unwrap(), want, "{name}");
    }
}

#[test]
fn cached_chunks_and_reads_after_writes_through_other_handles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.h5");
    let file = create_file(&path).unwrap();
    let want = data(100, 100);
    file.new_dataset_builder()
        .with_data(&want)
        .chunk([10, 10])
        .shuffle()
        .deflate(4)
        .create("x")
        .unwrap();
    let cache = Cache::new(64 << 20);
    let reader = H5Dataset::<i32, U2>::open(&file, "x")
        .unwrap()
        .with_cache(cache.clone());
    // Rows 2..8 use part of 10 chunks: decoded once and kept, then found.
    // (Chunks a read uses whole are not kept: a full scan leaves the cache
    // to windows.)
    let window = rows(2, 8);
    let first = reader.read_dyn(&window).unwrap();
    assert_eq!(first, want.slice(ndarray::s![2..8, ..]).into_dyn());
    assert_eq!((cache.stats().misses, cache.stats().hits), (10, 0));
    for _ in 0..3 {
        assert_eq!(reader.read_dyn(&window).unwrap(), first);
    }
    assert_eq!((cache.stats().misses, cache.stats().hits), (10, 30));

    // A write through another handle of the dataset: the next read of the
    // first handle sees it (every chunk decoded again).
    let mut writer = H5Dataset::<i32, U2>::open_rw(&file, "x").unwrap();
    let key = DynSelection::from(vec![SelectionItem::Index(3), SelectionItem::Index(47)]);
    writer
        .write_dyn(&key, ndarray::arr0(-1).into_dyn().view())
        .unwrap();
    let mut expected = want.clone();
    expected[[3, 47]] = -1;
    let again = reader.read_dyn(&window).unwrap();
    assert_eq!(again, expected.slice(ndarray::s![2..8, ..]).into_dyn());
    assert_eq!((cache.stats().misses, cache.stats().hits), (20, 30));
    assert_eq!(reader.read_all().unwrap(), expected);
}

#[test]
fn a_file_rewritten_by_another_program_is_not_served_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rewritten.h5");
    let write = |values: &Array2<i32>| {
        let file = create_file(&path).unwrap();
        file.new_dataset_builder()
            .with_data(values)
            .chunk([10, 10])
            .deflate(4)
            .create("x")
            .unwrap();
    };
    let before = data(50, 20);
    write(&before);
    let cache = Cache::new(64 << 20);
    let window = rows(2, 8);
    {
        let file = open_file(&path).unwrap();
        let x = H5Dataset::<i32, U2>::open(&file, "x")
            .unwrap()
            .with_cache(cache.clone());
        let first = x.read_dyn(&window).unwrap();
        assert_eq!(first, before.slice(ndarray::s![2..8, ..]).into_dyn());
        assert_eq!(x.read_dyn(&window).unwrap(), first);
        assert_eq!((cache.stats().misses, cache.stats().hits), (2, 2));
    }
    // The same path, the same shape and chunks, other values: written by
    // hdf5-metno itself, as another program would.
    let after = before.mapv(|v| -v);
    write(&after);
    let file = open_file(&path).unwrap();
    let x = H5Dataset::<i32, U2>::open(&file, "x")
        .unwrap()
        .with_cache(cache.clone());
    assert_eq!(
        x.read_dyn(&window).unwrap(),
        after.slice(ndarray::s![2..8, ..]).into_dyn()
    );
    assert_eq!((cache.stats().misses, cache.stats().hits), (4, 2));
}

#[test]
fn eight_threads_read_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.h5");
    let want = data(2000, 50);
    create_file(&path)
        .unwrap()
        .new_dataset_builder()
        .with_data(&want)
        .chunk([64, 50])
        .shuffle()
        .deflate(4)
        .create("x")
        .unwrap();
    let checked = std::sync::atomic::AtomicUsize::new(0);
    let wrong = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..8 {
            let (path, want, checked, wrong) = (&path, &want, &checked, &wrong);
            s.spawn(move || {
                let file = open_file(path).unwrap();
                let ds = H5Dataset::<i32, U2>::open(&file, "x")
                    .unwrap()
                    .with_cache(Cache::new(0));
                for k in 0..40 {
                    let start = (t * 7919 + k * 104_729) % 1900;
                    let got: ArrayD<i32> = ds.read_dyn(&rows(start, start + 100)).unwrap();
                    let ok = got == want.slice(ndarray::s![start..start + 100, ..]).into_dyn();
                    let counter = if ok { checked } else { wrong };
                    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(wrong.into_inner(), 0);
    assert_eq!(checked.into_inner(), 320);
}

#[test]
fn in_memory_says_when_every_chunk_of_a_read_is_cached() {
    use lazy_core::{AxisSelection, Dataset, Region, Scaled, Stacked};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resident.h5");
    let file = create_file(&path).unwrap();
    let want = data(100, 100);
    for name in ["x", "y"] {
        file.new_dataset_builder()
            .with_data(&want)
            .chunk([10, 10])
            .deflate(4)
            .create(name)
            .unwrap();
    }
    let span = |start, len| AxisSelection::range(start, 1, len);
    let all = AxisSelection::full;
    let region =
        |shape: &[usize], axes: Vec<AxisSelection>| Region::new(shape.to_vec(), axes).unwrap();
    let rows_of = |start, len| region(&[100, 100], vec![span(start, len), all(100)]);
    let cache = Cache::new(64 << 20);
    let open = |name| {
        H5Dataset::<i32, U2>::open(&file, name)
            .unwrap()
            .with_cache(cache.clone())
    };
    let (x, y) = (open("x"), open("y"));
    let window = rows_of(2, 6);
    assert!(!x.in_memory(&window), "nothing is cached yet");
    x.read_dyn(&rows(2, 8)).unwrap();
    assert!(
        x.in_memory(&window),
        "rows 2..8 were read: their 10 chunks are cached"
    );
    assert!(x.in_memory(&rows_of(0, 10)), "the same chunks");
    assert!(
        !x.in_memory(&rows_of(5, 10)),
        "rows 10..15 are in chunks not read"
    );
    assert!(!y.in_memory(&window), "another dataset's chunks");
    // Views that move or pick axes ask about the part of the source they read.
    let transposed = lazy_core::Transposed::new(&x);
    let columns = |start, len| region(&[100, 100], vec![all(100), span(start, len)]);
    assert!(transposed.in_memory(&columns(2, 6)));
    assert!(!transposed.in_memory(&columns(12, 6)));
    let whole = |rows| region(&[rows, 100], vec![all(rows), all(100)]);
    assert!((&x).sliced(rows(2, 8)).unwrap().in_memory(&whole(6)));
    assert!(!(&x).sliced(rows(10, 16)).unwrap().in_memory(&whole(6)));

    // A stack (and a view over it) is in memory when every source's part is;
    // read on the calling thread then, it gives the same values.
    let stack = Scaled::new(Stacked::new(vec![&x, &y], 0).unwrap(), 2.0);
    let stacked = |start, len| region(&[2, 100, 100], vec![all(2), span(start, len), all(100)]);
    assert!(
        !stack.in_memory(&stacked(2, 6)),
        "y's chunks are not cached"
    );
    y.read_dyn(&rows(2, 8)).unwrap();
    assert!(stack.in_memory(&stacked(2, 6)));
    let key = DynSelection::from(vec![
        SelectionItem::slice(None, None, None),
        SelectionItem::slice(Some(2), Some(8), None),
    ]);
    let hits = cache.stats().hits;
    let got = stack.read_dyn(&key).unwrap();
    assert_eq!(
        cache.stats().hits,
        hits + 20,
        "every chunk came from the cache"
    );
    let part = want
        .slice(ndarray::s![2..8, ..])
        .mapv(|v| f64::from(v) * 2.0);
    let expected = ndarray::stack![ndarray::Axis(0), part, part].into_dyn();
    assert_eq!(got, expected);

    // No cache, or reads through libhdf5: never in memory.
    let uncached = H5Dataset::<i32, U2>::open(&file, "x")
        .unwrap()
        .with_cache(Cache::new(0));
    uncached.read_dyn(&rows(2, 8)).unwrap();
    assert!(!uncached.in_memory(&window));
    let via = open("x").via_libhdf5(true);
    assert!(!via.in_memory(&window));
}
