//! The decoded-chunk cache: hits for a repeated window, the budget kept,
//! and no stale read after a write, whichever handle wrote and whether or
//! not it shares the reader's cache.

use lazy_core::{Cache, DatasetExt, DatasetMutExt, DynSelection, SelectionItem, Stacked};
use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
use ndarray::{Array1, Array2};
use typenum::{U1, U2};

fn window(start: isize, len: isize) -> DynSelection {
    DynSelection::from(vec![SelectionItem::slice(
        Some(start),
        Some(start + len),
        None,
    )])
}

/// Three arrays of 10,000 f64 in chunks of 1,000 (zstd), holding `i + k * 1e5`.
fn three(dir: &std::path::Path) -> Vec<ZarrDataset<f64, U1, lazy_core::ReadWrite>> {
    let options = CreateOptions::default()
        .chunks([1000])
        .compression(Compression::Zstd(1));
    (0..3)
        .map(|k| {
            let mut a = ZarrDataset::<f64, U1>::create(dir, &format!("c{k}"), &[10_000], &options)
                .unwrap()
                .with_cache(Cache::new(0));
            a.write_all(&Array1::from_iter(
                (0..10_000).map(|i| i as f64 + k as f64 * 1e5),
            ))
            .unwrap();
            a
        })
        .collect()
}

/// The three arrays of [`three`], opened read-only with `cache`.
fn open_three(dir: &std::path::Path, cache: &Cache) -> Vec<ZarrDataset<f64, U1>> {
    (0..3)
        .map(|k| {
            ZarrDataset::<f64, U1>::open(dir, &format!("c{k}"))
                .unwrap()
                .with_cache(cache.clone())
        })
        .collect()
}

#[test]
fn a_window_scan_decodes_each_chunk_once() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let cache = Cache::new(64 << 20);
    let sources = open_three(dir.path(), &cache);
    let stack = Stacked::new(sources, -1).unwrap();
    // 100 windows of 100 rows, in order: 10 chunks of each of 3 arrays.
    for w in 0..100 {
        let got = stack.read_dyn(&window(w * 100, 100)).unwrap();
        assert_eq!(got[[0, 2]], (w * 100) as f64 + 2e5);
    }
    let stats = cache.stats();
    assert_eq!(stats.misses, 30, "{stats:?}");
    assert_eq!(stats.hits, 300 - 30, "{stats:?}");
    assert_eq!(stats.bytes, 30 * 8000);
    // The same windows again: all hits.
    for w in 0..100 {
        stack.read_dyn(&window(w * 100, 100)).unwrap();
    }
    assert_eq!(cache.stats().misses, 30);
}

#[test]
fn the_budget_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    // Room for 4 chunks of 8,000 bytes: a chunk is kept when it takes at
    // most a quarter of the budget.
    let cache = Cache::new(32_000);
    let a = ZarrDataset::<f64, U1>::open(dir.path(), "c0")
        .unwrap()
        .with_cache(cache.clone());
    for w in 0..100 {
        a.read_dyn(&window(w * 100, 50)).unwrap();
        assert!(cache.stats().bytes <= 32_000);
    }
    let stats = cache.stats();
    assert_eq!(stats.entries, 4, "{stats:?}");
    // The last four chunks are held, the first is not.
    let before = cache.stats().hits;
    a.read_dyn(&window(9_990, 5)).unwrap();
    assert_eq!(cache.stats().hits, before + 1);
    a.read_dyn(&window(10, 5)).unwrap();
    assert_eq!(cache.stats().hits, before + 1);
}

#[test]
fn reads_after_writes_are_never_stale() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let shared = Cache::new(64 << 20);
    let open = |cache: &Cache| {
        ZarrDataset::<f64, U1>::open_rw(dir.path(), "c1")
            .unwrap()
            .with_cache(cache.clone())
    };
    let (mut writer, reader) = (open(&shared), open(&shared));
    let own = open(&Cache::new(64 << 20)); // a cache of its own
    let w = window(2_000, 10);
    // Both readers hold chunk 2 decoded.
    assert_eq!(reader.read_dyn(&w).unwrap()[0], 1e5 + 2_000.0);
    assert_eq!(own.read_dyn(&w).unwrap()[0], 1e5 + 2_000.0);
    for round in 0..20 {
        let value = -(round as f64);
        writer
            .write_dyn(
                &window(2_000 + round, 1),
                ndarray::arr1(&[value]).into_dyn().view(),
            )
            .unwrap();
        // Through the shared cache, which the write updated, and through
        // another cache, whose entry the file's new generation outdates.
        assert_eq!(
            reader.read_dyn(&window(2_000 + round, 1)).unwrap()[0],
            value
        );
        assert_eq!(own.read_dyn(&window(2_000 + round, 1)).unwrap()[0], value);
    }
    // Through a stack of handles sharing the cache, and a write through it.
    let (a, b) = (open(&shared), open(&shared));
    let mut stack = Stacked::new(vec![a, b], 0).unwrap();
    stack
        .write_dyn(
            &DynSelection::from(vec![
                SelectionItem::Index(1),
                SelectionItem::slice(Some(3_000), Some(3_002), None),
            ]),
            ndarray::arr1(&[7.0, 8.0]).into_dyn().view(),
        )
        .unwrap();
    let got = stack
        .read_dyn(&DynSelection::from(vec![
            SelectionItem::FULL,
            SelectionItem::slice(Some(3_000), Some(3_002), None),
        ]))
        .unwrap();
    assert_eq!(got, ndarray::arr2(&[[7.0, 8.0], [7.0, 8.0]]).into_dyn());
    assert_eq!(
        own.read_dyn(&window(3_000, 2)).unwrap(),
        ndarray::arr1(&[7.0, 8.0]).into_dyn()
    );
}

#[test]
fn two_dimensional_windows_and_strided_selections() {
    for compression in [Compression::Zstd(1), Compression::None] {
        let dir = tempfile::tempdir().unwrap();
        let options = CreateOptions::default()
            .chunks([16, 16])
            .compression(compression);
        let data = Array2::from_shape_fn((100, 70), |(i, j)| (i * 1000 + j) as f32);
        ZarrDataset::<f32, U2>::create(dir.path(), "img", &[100, 70], &options)
            .unwrap()
            .write_all(&data)
            .unwrap();
        let cache = Cache::new(1 << 20);
        let img = ZarrDataset::<f32, U2>::open(dir.path(), "img")
            .unwrap()
            .with_cache(cache.clone());
        for (r, c) in [(0, 0), (10, 30), (50, 47), (84, 54)] {
            let key = DynSelection::from(vec![
                SelectionItem::slice(Some(r), Some(r + 16), None),
                SelectionItem::slice(Some(c), Some(c + 16), None),
            ]);
            let got = img.read_dyn(&key).unwrap();
            let want = data.slice(ndarray::s![r..r + 16, c..c + 16]).into_dyn();
            assert_eq!(got, want);
        }
        // NumPy: img[::7, ::-3]
        let key = DynSelection::from(vec![
            SelectionItem::slice(None, None, Some(7)),
            SelectionItem::slice(None, None, Some(-3)),
        ]);
        let want = data.slice(ndarray::s![..;7, ..;-3]).into_dyn();
        assert_eq!(img.read_dyn(&key).unwrap(), want);
        let stats = cache.stats();
        if matches!(compression, Compression::None) {
            // Raw chunks: parts are read by byte ranges and none is kept.
            assert_eq!((stats.hits, stats.misses, stats.entries), (0, 0, 0));
        } else {
            assert!(stats.hits > 0, "{stats:?}");
        }
    }
}

#[test]
fn points_decode_each_chunk_once() {
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let cache = Cache::new(64 << 20);
    let x = ZarrDataset::<f64, U1>::open(dir.path(), "c1")
        .unwrap()
        .with_cache(cache.clone());
    // 200 points in 5 chunks (0, 3, 6, 7 and 9: 5 - 49 wraps to 9956),
    // unsorted, many repeated: each chunk decoded once.
    let points: Vec<[isize; 1]> = (0..200)
        .map(|k| [[5, 3999, 7001, -1][k % 4] - (k as isize % 50)])
        .collect();
    let got = x.read_points(&points).unwrap();
    for (p, v) in points.iter().zip(&got) {
        let i = if p[0] < 0 { p[0] + 10_000 } else { p[0] };
        assert_eq!(*v, i as f64 + 1e5, "point {p:?}");
    }
    let stats = cache.stats();
    assert_eq!(stats.misses, 5, "{stats:?}");
}

#[test]
fn in_memory_says_when_every_chunk_of_a_read_is_cached() {
    use lazy_core::{AxisSelection, Dataset, Region};
    let dir = tempfile::tempdir().unwrap();
    three(dir.path());
    let cache = Cache::new(64 << 20);
    let sources = open_three(dir.path(), &cache);
    let rows =
        |start, len| Region::new(vec![10_000], vec![AxisSelection::range(start, 1, len)]).unwrap();
    assert!(!sources[0].in_memory(&rows(1500, 100)));
    sources[0].read_dyn(&window(1500, 100)).unwrap();
    assert!(sources[0].in_memory(&rows(1500, 100)));
    assert!(sources[0].in_memory(&rows(1000, 1000)), "the same chunk");
    assert!(
        !sources[0].in_memory(&rows(1900, 200)),
        "chunk 2 was not read"
    );
    assert!(!sources[1].in_memory(&rows(1500, 100)), "another array");

    // The stack of the three: in memory once every array's chunk is.
    let stack = Stacked::new(sources, -1).unwrap();
    let stacked = Region::new(
        vec![10_000, 3],
        vec![AxisSelection::range(1500, 1, 100), AxisSelection::full(3)],
    )
    .unwrap();
    assert!(!stack.in_memory(&stacked));
    let first = stack.read_dyn(&window(1500, 100)).unwrap();
    assert!(stack.in_memory(&stacked));
    let hits = cache.stats().hits;
    assert_eq!(stack.read_dyn(&window(1500, 100)).unwrap(), first);
    assert_eq!(cache.stats().hits, hits + 3);
    let expected = Array2::from_shape_fn((100, 3), |(i, k)| (1500 + i) as f64 + k as f64 * 1e5);
    assert_eq!(first, expected.into_dyn());
}
