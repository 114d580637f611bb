//! Reliability: no panic on any key, overflow-checked sizes, fallible
//! allocations, wrapping integer sums, and the fuzzer's findings.
//!
//! The fuzz harness (`lazy_testkit::harness`, run by `cargo fuzz` from
//! `fuzz/`) runs here too: every file of the committed, minimised corpus and
//! every crash the fuzzer found is replayed on stable Rust.

use lazy_testkit::datasets::Computed;
use lazy_testkit::harness;

use std::path::Path;

fn replay_dir(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    for file in &files {
        let Ok(data) = std::fs::read(file) else {
            continue; // removed meanwhile (a running fuzzer reduces its corpus)
        };
        let result = std::panic::catch_unwind(|| harness::run(&data));
        assert!(result.is_ok(), "fuzz input {} fails", file.display());
    }
    files.len()
}

fn fuzz_dir(sub: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

#[test]
fn fuzz_corpus_replays() {
    let n = replay_dir(&fuzz_dir("corpus/selections"));
    println!("replayed {n} corpus inputs");
    assert!(
        n >= 100,
        "the minimised corpus is committed: only {n} inputs"
    );
}

/// Every input the fuzzer reported. All were mistakes of the harness
/// itself, fixed there (it modelled sources or reads too large for the
/// fuzzer's memory limit); the library failures found by review are the
/// named tests below.
#[test]
fn fuzz_regressions_replay() {
    let n = replay_dir(&fuzz_dir("regressions"));
    assert!(n >= 3, "only {n} regression inputs");
}

#[test]
fn fuzz_smoke() {
    // A deterministic stream of inputs, so the harness runs without the corpus.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for len in 0..2000usize {
        let data: Vec<u8> = (0..len % 200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        harness::run(&data);
    }
    let counts: Vec<usize> = harness::COUNTS
        .iter()
        .map(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        .collect();
    println!("reads ok/err, writes ok/err, regions, huge reads: {counts:?}");
    assert!(counts.iter().all(|&c| c >= 20), "{counts:?}");
}

// ---------------------------------------------------------------------------
// Integer sums wrap, as NumPy's fixed-width integers do
// ---------------------------------------------------------------------------

use lazy_datasets::prelude::*;
use lazy_datasets::{copy_into_with, AxisSelection, CopyOptions, Region};
use ndarray::{array, Array1, Array2, ArrayD, IxDyn};

#[test]
fn integer_sums_wrap() {
    // np.array([127], np.int8) + np.array([1], np.int8) == [-128], and so on.
    let sum = |a: &Array1<i8>, b: &Array1<i8>| Sum::new(vec![a, b]).unwrap().read_all().unwrap();
    assert_eq!(
        sum(&array![127, -128, 100], &array![1, -1, 100]),
        array![-128, 127, -56]
    );
    let (a, b) = (array![250u8, 255, 0], array![10u8, 255, 0]);
    assert_eq!(
        Sum::new(vec![&a, &b]).unwrap().read_all().unwrap(),
        array![4u8, 254, 0]
    );
    let (a, b) = (array![i64::MAX, i64::MIN], array![1i64, -1]);
    assert_eq!(
        Sum::new(vec![&a, &b]).unwrap().read_all().unwrap(),
        array![i64::MIN, i64::MAX]
    );
    let (a, b, c) = (array![u64::MAX], array![u64::MAX], array![2u64]);
    assert_eq!(
        Sum::new(vec![&a, &b, &c]).unwrap().read_all().unwrap(),
        array![0u64]
    );
    let (a, b) = (array![i32::MIN], array![i32::MIN]);
    assert_eq!(
        Sum::new(vec![&a, &b]).unwrap().read_all().unwrap(),
        array![0i32]
    );
}

#[test]
fn integer_sums_wrap_in_blocks_and_views() {
    // Large enough to be split into blocks (and run in parallel).
    let n = 100_000;
    let a = Array1::from_elem(n, i16::MAX);
    let b = Array1::from_elem(n, i16::MAX);
    let sum = Sum::new(vec![&a, &b]).unwrap();
    assert!(sum.read_all().unwrap().iter().all(|&x| x == -2));
    // Through a stack and a reversed view of it.
    let st = Stacked::new(vec![&a, &b], 0).unwrap();
    let sum = Sum::new(vec![
        (&st).sliced(sel![.., ..;-1]).unwrap(),
        (&st).sliced(sel![.., ..]).unwrap(),
    ])
    .unwrap();
    let got = sum.read(sel![1, 99_990..]).unwrap();
    assert_eq!(got, Array1::from_elem(10, -2i16));
    // u8 counters summed many times over.
    let ones = Array1::from_elem(3, 200u8);
    let sources: Vec<&Array1<u8>> = std::iter::repeat_n(&ones, 300).collect();
    // 300 * 200 = 60000 = 234 * 256 + 96
    assert_eq!(
        Sum::new(sources).unwrap().read_all().unwrap(),
        array![96u8, 96, 96]
    );
}

// ---------------------------------------------------------------------------
// Sizes that overflow: errors, never a panic or an aborting allocation
// ---------------------------------------------------------------------------

fn key(elems: Vec<SelectionItem>) -> DynSelection {
    DynSelection::from(elems)
}

fn shape_error<T: std::fmt::Debug>(r: Result<T>) -> String {
    let err = r.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape, "{err}");
    err.to_string()
}

#[test]
fn element_counts_that_overflow_usize() {
    for shape in [[usize::MAX, 2], [1 << 40, 1 << 40], [1 << 32, 1 << 32]] {
        let ds = Computed::new(0, &shape);
        // Everything at once: more elements than usize holds.
        let msg = shape_error(ds.read_all());
        assert!(msg.contains("more elements than fit"), "{msg}");
        // A small region of it reads fine.
        let got = ds.read_dyn(&key(vec![
            SelectionItem::Index(-1),
            SelectionItem::slice(None, Some(2), None),
        ]));
        let last = shape[0] - 1;
        assert_eq!(
            got.unwrap(),
            array![
                Computed::value(0, &[last, 0]),
                Computed::value(0, &[last, 1])
            ]
            .into_dyn()
        );
        // Views over it are as lazy: building them allocates nothing.
        let st = Stacked::new(vec![&ds, &ds], 1).unwrap();
        assert_eq!(st.shape(), &[shape[0], 2, shape[1]]);
        shape_error(st.read_all());
        let sum = Sum::new(vec![&ds, &ds]).unwrap();
        shape_error(sum.read_all());
        let sc = Scaled::new(&ds, 0.5);
        shape_error(sc.read_all());
        let v = (&ds)
            .sliced(key(vec![SelectionItem::slice(None, None, Some(-1))]))
            .unwrap();
        assert_eq!(v.shape(), &shape);
        shape_error(v.read_all());
        let got = v
            .read_dyn(&key(vec![SelectionItem::Index(0), SelectionItem::Index(1)]))
            .unwrap();
        assert_eq!(got.shape(), &[] as &[usize]);
        assert_eq!(got.first().copied(), Some(Computed::value(0, &[last, 1])));
        // Chunks of a whole first-axis position are too large here too.
        // One chunk holding everything: refused like the whole read.
        let first = ds.chunks(1, shape[1]).unwrap().next().unwrap();
        shape_error(first);
    }
}

#[test]
fn outputs_too_large_to_allocate_are_refused() {
    // 2^50 elements (8 PiB of f64): an error, before any element is read.
    let ds = Computed::new(0, &[1 << 25, 1 << 25]);
    let msg = shape_error(ds.read_all());
    assert!(msg.contains("could not be allocated"), "{msg}");
    // 2^62 elements: more bytes than isize::MAX, refused without trying.
    let ds2 = Computed::new(0, &[1 << 31, 1 << 31]);
    let msg = shape_error(ds2.read_all());
    assert!(msg.contains("more than any allocation can hold"), "{msg}");
    // Through every view.
    shape_error(Scaled::new(&ds, 2.0).read_all());
    shape_error(Sum::new(vec![&ds, &ds]).unwrap().read_all());
    shape_error(BooleanOr::new(vec![&ds, &ds]).unwrap().read_all());
    shape_error(Stacked::new(vec![&ds, &ds], -1).unwrap().read_all());
    assert_eq!(ds.served(), 0);
    assert_eq!(ds2.served(), 0);
    // An empty output whose other axes multiply past isize::MAX cannot be
    // an ndarray array either.
    let ds3 = Computed::new(0, &[usize::MAX, 4, 0]);
    let msg = shape_error(ds3.read_all());
    assert!(msg.contains("cannot be represented"), "{msg}");
}

#[test]
fn writes_of_huge_broadcast_values_are_refused() {
    // Writing a scalar through a scale makes an inverse-scaled copy of the
    // broadcast value: 2^62 elements cannot be allocated (this panicked with
    // "capacity overflow" before).
    let mut target = Computed::new(0, &[1 << 31, 1 << 31]);
    let msg = shape_error(Scaled::new(&mut target, 2.0).write_all(1.0));
    assert!(msg.contains("more than any allocation can hold"), "{msg}");
    assert_eq!(target.served(), 0);
    // A region with more elements than isize::MAX cannot even be broadcast to.
    let mut target = Computed::new(0, &[usize::MAX, 4]);
    shape_error(Scaled::new(&mut target, 2.0).write_all(1.0));
    shape_error(target.write_all(1.0));
    // Without a scale the broadcast view goes to the source as it is.
    let mut target = Computed::new(0, &[1 << 31, 1 << 31]);
    target.write_all(1.0).unwrap();
    let mut st = Stacked::new(vec![&mut target], 0).unwrap();
    st.write_all(1.0).unwrap();
    drop(st);
    assert_eq!(target.writes(), 2);
}

#[test]
fn copy_with_an_unbounded_budget_is_refused() {
    // The copy buffer is min(budget, total) elements: with an unbounded
    // budget and 2^62 elements it cannot be allocated (this panicked with
    // "capacity overflow" before).
    let src = Computed::new(0, &[1 << 31, 1 << 31]);
    let mut dst = Computed::new(0, &[1 << 31, 1 << 31]);
    let options = CopyOptions {
        budget: usize::MAX,
        ..CopyOptions::default()
    };
    shape_error(copy_into_with(&src, &mut dst, &options));
    // More elements than usize holds.
    let src = Computed::new(0, &[1 << 40, 1 << 40]);
    let mut dst = Computed::new(0, &[1 << 40, 1 << 40]);
    shape_error(copy_into_with(&src, &mut dst, &options));
    assert_eq!(src.served(), 0);
    assert_eq!(dst.served(), 0);
    // A copy that fits works with any budget, however small.
    let src = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64);
    for budget in [1, 7, 8, 100, usize::MAX] {
        let mut dst = Array2::<f64>::zeros((7, 5));
        let options = CopyOptions {
            budget,
            ..CopyOptions::default()
        };
        copy_into_with(&Scaled::new(&src, 1.0), &mut dst, &options).unwrap();
        assert_eq!(dst, src);
    }
}

#[test]
fn slices_of_absurd_length() {
    let a = Array1::from_iter(0..10);
    let read = |elems: Vec<SelectionItem>| a.read_dyn(&key(elems));
    let s = SelectionItem::slice;
    // Bounds and steps at the ends of isize clamp as in NumPy.
    assert_eq!(
        read(vec![s(Some(isize::MIN), Some(isize::MAX), None)]).unwrap(),
        a.clone().into_dyn()
    );
    assert_eq!(
        read(vec![s(Some(isize::MAX), Some(isize::MIN), Some(-1))]).unwrap(),
        a.slice(ndarray::s![..;-1]).into_dyn()
    );
    assert_eq!(
        read(vec![s(None, None, Some(isize::MAX))]).unwrap(),
        array![0].into_dyn()
    );
    assert_eq!(
        read(vec![s(None, None, Some(isize::MIN))]).unwrap(),
        array![9].into_dyn()
    );
    assert_eq!(
        read(vec![s(Some(isize::MIN), None, Some(isize::MIN))])
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        read(vec![s(None, None, Some(0))]).unwrap_err().kind(),
        ErrorKind::Index
    );
    // On an axis longer than isize::MAX (a dataset that only says so).
    let ds = Computed::new(0, &[usize::MAX]);
    let got = ds
        .read_dyn(&key(vec![s(None, None, Some(isize::MIN))]))
        .unwrap();
    // NumPy's rule: positions n-1, n-1-2^63 (n = 2^64 - 1).
    let n = usize::MAX;
    assert_eq!(
        got,
        array![
            Computed::value(0, &[n - 1]),
            Computed::value(0, &[n - 1 - (1 << 63)])
        ]
        .into_dyn()
    );
    let got = ds.read_dyn(&key(vec![s(Some(-3), None, None)])).unwrap();
    assert_eq!(
        got,
        array![
            Computed::value(0, &[n - 3]),
            Computed::value(0, &[n - 2]),
            Computed::value(0, &[n - 1])
        ]
        .into_dyn()
    );
    let got = ds.read_dyn(&key(vec![s(
        Some(isize::MAX),
        Some(isize::MAX - 2),
        Some(-1),
    )]));
    let m = isize::MAX as usize;
    assert_eq!(
        got.unwrap(),
        array![Computed::value(0, &[m]), Computed::value(0, &[m - 1])].into_dyn()
    );
    // The whole axis: too long to read, refused before reading.
    shape_error(ds.read_dyn(&key(vec![s(Some(1), None, None)])));
    assert_eq!(ds.served(), 2 + 3 + 2);
}

#[test]
fn extreme_integers_in_keys() {
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32);
    for i in [
        isize::MIN,
        isize::MIN + 1,
        isize::MAX,
        3,
        -4,
        1 << 40,
        -(1 << 40),
    ] {
        let err = a.read_dyn(&key(vec![SelectionItem::Index(i)])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Index, "{i}: {err}");
        let err = a
            .read_dyn(&key(vec![SelectionItem::List(vec![0, i])]))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Index, "{i}: {err}");
        let mut b = a.clone();
        let err = b.write_dyn(
            &key(vec![SelectionItem::List(vec![i])]),
            ndarray::arr0(0).into_dyn().view(),
        );
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Index);
        assert_eq!(b, a);
    }
    // Stack axes at the ends of isize.
    for axis in [isize::MIN, isize::MAX, 3, -4] {
        let err = Stacked::new(vec![&a, &a], axis).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{axis}");
    }
}

#[test]
fn lists_of_millions_of_entries() {
    let a = Array1::from_iter(0..1000i64);
    // 2 million entries, with duplicates and negative positions.
    let list: Vec<isize> = (0..2_000_000i64)
        .map(|k| (k * 7919 % 2000) as isize - 1000)
        .collect();
    let got = a
        .read_dyn(&key(vec![SelectionItem::List(list.clone())]))
        .unwrap();
    assert_eq!(got.len(), list.len());
    assert!(got
        .iter()
        .zip(&list)
        .all(|(&v, &i)| v == (i as i64 + 1000) % 1000));
    // Written with a value per entry: the last write to a position wins.
    let mut b = Array1::<i64>::zeros(1000);
    let values = Array1::from_iter(0..list.len() as i64);
    b.write_dyn(
        &key(vec![SelectionItem::List(list.clone())]),
        values.view().into_dyn(),
    )
    .unwrap();
    let mut expected = Array1::<i64>::zeros(1000);
    for (k, &i) in list.iter().enumerate() {
        expected[((i + 1000) % 1000) as usize] = k as i64;
    }
    assert_eq!(b, expected);
    // On three axes at once: 8 * 10^18 elements, refused before allocating.
    let c = ArrayD::<f64>::zeros(IxDyn(&[2, 2, 2]));
    let many: Vec<isize> = (0..2_000_000).map(|k| k % 2).collect();
    let k3 = key(vec![
        SelectionItem::List(many.clone()),
        SelectionItem::List(many.clone()),
        SelectionItem::List(many.clone()),
    ]);
    shape_error(c.read_dyn(&k3));
    // Through a stack whose stacked axis takes the long list.
    let (x, y) = (array![1.0, 2.0], array![3.0, 4.0]);
    let st = Stacked::new(vec![&x, &y], 0).unwrap();
    let got = st
        .read_dyn(&key(vec![
            SelectionItem::List(many[..500_000].to_vec()),
            SelectionItem::Index(-1),
        ]))
        .unwrap();
    assert_eq!(got.len(), 500_000);
    assert!(got
        .iter()
        .enumerate()
        .all(|(k, &v)| v == if k % 2 == 0 { 2.0 } else { 4.0 }));
}

// ---------------------------------------------------------------------------
// Hand-built regions
// ---------------------------------------------------------------------------

#[test]
fn hand_built_regions_are_checked() {
    // A range of step 0 over several positions is refused (ndarray panicked
    // on it before).
    let err = Region::new(
        vec![5],
        vec![AxisSelection::Range {
            start: 1,
            step: 0,
            len: 3,
        }],
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Index);
    // Steps that do not matter for one position are normalised, so that the
    // region reads as it should.
    let a = array![10, 11, 12, 13, 14];
    for step in [0, isize::MIN, isize::MAX, -1] {
        let r = Region::new(
            vec![5],
            vec![AxisSelection::Range {
                start: 4,
                step,
                len: 1,
            }],
        )
        .unwrap();
        assert_eq!(r.axes(), &[AxisSelection::range(4, 1, 1)]);
        let mut out = Array1::<i32>::zeros(1).into_dyn();
        a.read_into(&r, out.view_mut()).unwrap();
        assert_eq!(out, array![14].into_dyn());
    }
    // Lengths and positions at the ends of usize.
    for sel in [
        AxisSelection::Range {
            start: 0,
            step: 1,
            len: usize::MAX,
        },
        AxisSelection::Range {
            start: 4,
            step: isize::MIN,
            len: 2,
        },
        AxisSelection::Range {
            start: usize::MAX,
            step: -1,
            len: 1,
        },
        AxisSelection::Index(usize::MAX),
        AxisSelection::List(vec![0, usize::MAX]),
    ] {
        let err = Region::new(vec![5], vec![sel.clone()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Index, "{sel:?}");
    }
    assert_eq!(
        AxisSelection::Range {
            start: 3,
            step: -1,
            len: usize::MAX
        }
        .position(usize::MAX - 1),
        None
    );
}

#[test]
fn empty_reads_with_long_lists_return_at_once() {
    // Found by the fuzzer (regressions/timeout-1a68…): lists of 15 880 and
    // 86 893 entries with an empty slice on the last axis select nothing,
    // but the ndarray backend walked all 1.4 * 10^9 list combinations (a
    // hang). Empty selections now return at once, however long their lists.
    let long: Vec<isize> = (0..100_000).map(|k| -(k % 2)).collect();
    let empty_tail = SelectionItem::slice(None, Some(0), None);
    let k = key(vec![
        SelectionItem::List(long.clone()),
        SelectionItem::List(long.clone()),
        empty_tail.clone(),
    ]);
    let a = ArrayD::from_shape_vec(IxDyn(&[2, 2, 2]), (0..8i64).collect()).unwrap();
    let got = a.read_dyn(&k).unwrap();
    assert_eq!(got.shape(), &[100_000, 100_000, 0]);
    let got = Sum::new(vec![&a, &a]).unwrap().read_dyn(&k).unwrap();
    assert_eq!(got.shape(), &[100_000, 100_000, 0]);
    let st = Stacked::new(vec![&a, &a], 0).unwrap();
    let mut k4 = vec![SelectionItem::List(long.clone())];
    k4.extend(k.elems().iter().cloned());
    assert_eq!(st.read_dyn(&key(k4)).unwrap().len(), 0);
    // Writes of nothing, likewise.
    let mut b = a.clone();
    b.write_dyn(&k, ndarray::arr0(9).into_dyn().view()).unwrap();
    assert_eq!(b, a);
}
