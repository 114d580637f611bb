//! `sel!` against what it should mean: the elements it builds, the same key
//! as a `DynSelection`, hand-written NumPy results (Python's own slicing of
//! `list(range(n))`), a naive slice reference on random keys, and a
//! recording dataset that shows which regions views ask their sources for.

use lazy_datasets::prelude::*;
use lazy_datasets::{AxisSelection, Region};
use lazy_testkit::naive::slice_positions;
use ndarray::{array, Array, Array1, Array2, Array3, ArrayD, ArrayViewD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// A rank-1 dataset of `f64` that logs every region it is asked to read.
type Recording = lazy_testkit::datasets::Recording<U1>;

fn recording(data: Array1<f64>) -> Recording {
    Recording::new(data.into_dyn())
}

fn range_region(n: usize, start: usize, step: isize, len: usize) -> Region {
    Region::new(vec![n], vec![AxisSelection::range(start, step, len)]).unwrap()
}

#[test]
fn views_of_a_stack_read_only_the_requested_region_of_one_source() -> Result<()> {
    let n = 3000;
    let a = recording(Array::range(0.0, n as f64, 1.0));
    let b = recording(Array::range(0.0, n as f64, 1.0) + 10_000.0);
    let c = recording(Array::range(0.0, n as f64, 1.0) + 20_000.0);
    let stacked = Stacked::new(vec![&a, &b, &c], -1)?; // shape (3000, 3)

    let window = stacked.view(sel![1000..2000, ..])?;
    assert_eq!(window.shape(), &[1000, 3]);
    let first: Array1<f64> = window.read(sel![.., 0])?;

    assert_eq!(first, Array::range(1000.0, 2000.0, 1.0));
    assert_eq!(a.reads(), vec![range_region(n, 1000, 1, 1000)]);
    assert!(b.reads().is_empty(), "b was read: {:?}", b.reads());
    assert!(c.reads().is_empty(), "c was read: {:?}", c.reads());
    Ok(())
}

#[test]
fn chained_views_with_negative_steps_compose_into_one_region() -> Result<()> {
    let n = 100;
    let sources: Vec<Recording> = (0..3)
        .map(|k| recording(Array::range(0.0, n as f64, 1.0) + 1000.0 * k as f64))
        .collect();
    let stacked = Stacked::new(sources.iter().collect(), -1)?; // shape (100, 3)

    // NumPy: s[::-1, 1:][10:20:2][:, 0][1:]
    let reversed = stacked.view(sel![..;-1, 1..])?; // rows 99, 98, …; sources 1 and 2
    let every_other = (&reversed).sliced(sel![10..20;2])?; // rows 89, 87, 85, 83, 81
    let column = every_other.view(sel![.., 0])?; // source 1
    let got: Array1<f64> = column.read(sel![1..])?;

    assert_eq!(got, array![1087.0, 1085.0, 1083.0, 1081.0]);
    assert_eq!(sources[1].reads(), vec![range_region(n, 87, -2, 4)]);
    assert!(sources[0].reads().is_empty() && sources[2].reads().is_empty());

    // A list on the stacked axis reads only the listed sources.
    let picked: Array2<f64> = reversed.read(sel![-1, NewAxis, [1]])?;
    assert_eq!(picked, array![[2000.0]]);
    let first_row = Region::new(vec![n], vec![AxisSelection::Index(0)])?;
    assert_eq!(sources[2].reads(), vec![first_row]);
    assert!(sources[0].reads().is_empty());
    Ok(())
}

#[test]
fn sel_builds_the_elements_numpy_would_see() {
    let i = 7usize;
    let idx = vec![4isize, 0, 2];
    let key =
        sel![.., 3, -1, i, 1..10;2, ..;-1, 2..=5, ..=-1, 3..=0;-1, [4, 0, 2], &idx, ..., NewAxis];
    let slice = SelectionItem::slice;
    assert_eq!(
        key.elems(),
        &[
            SelectionItem::FULL,
            SelectionItem::Index(3),
            SelectionItem::Index(-1),
            SelectionItem::Index(7),
            slice(Some(1), Some(10), Some(2)),
            slice(None, None, Some(-1)),
            slice(Some(2), Some(6), None),
            slice(None, None, None),
            slice(Some(3), None, Some(-1)),
            SelectionItem::List(vec![4, 0, 2]),
            SelectionItem::List(vec![4, 0, 2]),
            SelectionItem::Ellipsis,
            SelectionItem::NewAxis,
        ]
    );
    assert_eq!(sel![].elems(), &[]);
}

/// Reads `key` typed and as the equivalent `DynSelection`, checks that they
/// agree, and returns the typed result.
macro_rules! read_both {
    ($x:expr, [$($key:tt)*], $dyn_key:expr) => {{
        let typed = $x.read(sel![$($key)*]).unwrap();
        let dynamic = $x.read_dyn(&DynSelection::from($dyn_key)).unwrap();
        assert_eq!(typed.clone().into_dyn(), dynamic, "sel![{}]", stringify!($($key)*));
        typed
    }};
}

#[test]
fn typed_reads_equal_dyn_reads_and_numpy() {
    let s = SelectionItem::slice;
    // x = np.arange(24).reshape(2, 3, 4)
    let x: Array3<i32> = Array::from_iter(0..24)
        .into_shape_with_order((2, 3, 4))
        .unwrap();

    // x[1, ::-1, 1:3]
    let a: Array2<i32> = read_both!(x, [1, ..;-1, 1..3], vec![SelectionItem::Index(1), s(None, None, Some(-1)), s(Some(1), Some(3), None)]);
    assert_eq!(a, array![[21, 22], [17, 18], [13, 14]]);
    // x[..., [3, 0, 3]]
    let b: Array3<i32> = read_both!(x, [..., [3, 0, 3]], vec![SelectionItem::Ellipsis, SelectionItem::List(vec![3, 0, 3])]);
    assert_eq!(b.shape(), &[2, 3, 3]);
    assert_eq!(b.slice(ndarray::s![1, 2, ..]), array![23, 20, 23]);
    // x[-1, np.newaxis, 2::-2, -1]
    let c: Array2<i32> = read_both!(x, [-1, NewAxis, 2..;-2, -1], vec![SelectionItem::Index(-1), SelectionItem::NewAxis, s(Some(2), None, Some(-2)), SelectionItem::Index(-1)]);
    assert_eq!(c, array![[23, 15]]);
    // x[:, 1, 5:0:-2] (the stop clamps)
    let d: Array2<i32> = read_both!(x, [.., 1, 5..0;-2], vec![SelectionItem::FULL, SelectionItem::Index(1), s(Some(5), Some(0), Some(-2))]);
    assert_eq!(d, array![[7, 5], [19, 17]]);
    // x[0, 1:, :-1:2]
    let e: Array2<i32> = read_both!(x, [0, 1.., ..-1;2], vec![SelectionItem::Index(0), s(Some(1), None, None), s(None, Some(-1), Some(2))]);
    assert_eq!(e, array![[4, 6], [8, 10]]);
    // x[0] (trailing axes whole)
    let f: Array2<i32> = read_both!(x, [0], vec![SelectionItem::Index(0)]);
    assert_eq!(f, array![[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
}

#[test]
fn integer_expressions_of_any_type_mean_the_same_position() {
    let x: Array1<i32> = Array::from_iter(0..10);
    let expected: Array1<i32> = array![2, 4, 6];
    let (lo8, hi64, step16): (u8, i64, i16) = (2, 7, 2);
    let (lo, hi) = (2usize, -3isize);
    assert_eq!(x.read(sel![lo8..hi64;step16]).unwrap(), expected);
    assert_eq!(x.read(sel![lo..hi;2]).unwrap(), expected);
    assert_eq!(x.read(sel![(lo as i128)..=(6u128);2]).unwrap(), expected);
    assert_eq!(x.read(sel![vec![2u64, 4, 6]]).unwrap(), expected);
    assert_eq!(x.read(sel![[lo, 2 * lo, 3 * lo]]).unwrap(), expected);
}

/// NumPy's slice of `0..n`: the test kit's naive reference, which
/// enumerates the positions Python's `slice.indices()` gives.
fn naive_slice(n: usize, start: Option<isize>, stop: Option<isize>, step: isize) -> Vec<usize> {
    slice_positions(start, stop, Some(step), n).expect("a non-zero step")
}

/// `start..=end;step`: the positions of `start..;step` that do not go past
/// `end` (normalised) in the direction of the step.
fn naive_inclusive(n: usize, start: Option<isize>, end: isize, step: isize) -> Vec<usize> {
    let end = if end < 0 { end + n as isize } else { end };
    naive_slice(n, start, None, step)
        .into_iter()
        .filter(|&p| {
            if step > 0 {
                p as isize <= end
            } else {
                p as isize >= end
            }
        })
        .collect()
}

#[test]
fn random_ranges_match_the_naive_reference() {
    let mut rng = SmallRng::seed_from_u64(3);
    for _ in 0..2000 {
        let n: usize = rng.random_range(0..12);
        let x: Array1<u32> = Array::from_iter(0..n as u32);
        let bound = |rng: &mut SmallRng| rng.random_range(-15i64..15) as isize;
        let (a, b) = (bound(&mut rng), bound(&mut rng));
        let step = [-4isize, -3, -2, -1, 1, 2, 3, 5][rng.random_range(0..8)];
        let want = |s, e| naive_slice(n, s, e, step);
        macro_rules! read {
            ($($key:tt)*) => {
                x.read(sel![$($key)*]).unwrap().iter().map(|&p| p as usize).collect::<Vec<_>>()
            };
        }

        assert_eq!(
            read!(a..b;step),
            want(Some(a), Some(b)),
            "[{a}:{b}:{step}] of {n}"
        );
        assert_eq!(read!(a..;step), want(Some(a), None), "[{a}::{step}] of {n}");
        assert_eq!(read!(..b;step), want(None, Some(b)), "[:{b}:{step}] of {n}");
        assert_eq!(read!(..;step), want(None, None), "[::{step}] of {n}");
        assert_eq!(
            read!(a..=b;step),
            naive_inclusive(n, Some(a), b, step),
            "{a}..={b};{step} of {n}"
        );
        assert_eq!(
            read!(..=b;step),
            naive_inclusive(n, None, b, step),
            "..={b};{step} of {n}"
        );
        if step == 1 {
            assert_eq!(read!(a..b), want(Some(a), Some(b)));
            assert_eq!(read!(a..=b), naive_inclusive(n, Some(a), b, 1));
        }
    }
}

#[test]
fn random_keys_agree_with_dyn_selections_on_reads_and_writes() {
    let mut rng = SmallRng::seed_from_u64(11);
    let base: Array2<i64> = Array::from_iter(0..35)
        .into_shape_with_order((5, 7))
        .unwrap();
    for _ in 0..300 {
        let i = rng.random_range(-5i64..5) as isize;
        let (a, b) = (
            (rng.random_range(-9i64..9) as isize),
            (rng.random_range(-9i64..9) as isize),
        );
        let step = [-3isize, -1, 1, 2][rng.random_range(0..4)];
        let list: Vec<isize> = (0..rng.random_range(0..4))
            .map(|_| rng.random_range(-7i64..7) as isize)
            .collect();

        let typed: Array2<i64> = base.read(sel![NewAxis, i, a..b;step]).unwrap();
        let key = DynSelection::from(vec![
            SelectionItem::NewAxis,
            SelectionItem::Index(i),
            SelectionItem::slice(Some(a), Some(b), Some(step)),
        ]);
        assert_eq!(typed.into_dyn(), base.read_dyn(&key).unwrap());

        let typed: Array2<i64> = base.read(sel![a..;step, &list]).unwrap();
        let key = DynSelection::from(vec![
            SelectionItem::slice(Some(a), None, Some(step)),
            SelectionItem::List(list.clone()),
        ]);
        assert_eq!(typed.clone().into_dyn(), base.read_dyn(&key).unwrap());

        // Writing the negated selection back changes the same elements.
        let (mut by_sel, mut by_dyn) = (base.clone(), base.clone());
        by_sel
            .write(sel![a..;step, &list], &typed.mapv(|v| -v))
            .unwrap();
        by_dyn
            .write_dyn(&key, typed.mapv(|v| -v).into_dyn().view())
            .unwrap();
        assert_eq!(by_sel, by_dyn);
    }
}

#[test]
fn writes_through_typed_selections_and_views() -> Result<()> {
    // x = np.zeros((3, 4)); x[::-2, [3, 0]] = [[1, 2], [3, 4]]
    let mut x = Array2::<i32>::zeros((3, 4));
    x.write(sel![..;-2, [3, 0]], &array![[1, 2], [3, 4]])?;
    assert_eq!(x, array![[4, 0, 0, 3], [0, 0, 0, 0], [2, 0, 0, 1]]);

    // Through a stack and a view of it: s = stack([a, b], -1); s[1:][::-1, 1] = 7
    let (mut a, mut b) = (Array1::<i32>::zeros(4), Array1::<i32>::zeros(4));
    {
        let mut stacked = Stacked::new(vec![&mut a, &mut b], -1)?;
        let mut tail = (&mut stacked).sliced(sel![1..])?;
        tail.write(sel![..;-1, 1], &array![7, 8, 9])?;
    }
    assert_eq!((a, b), (array![0, 0, 0, 0], array![0, 9, 8, 7]));

    // A rejected write changes nothing.
    let mut y = array![1, 2, 3];
    assert_eq!(
        y.write(sel![[0, 3]], 0).unwrap_err().kind(),
        ErrorKind::Index
    );
    assert_eq!(y, array![1, 2, 3]);
    Ok(())
}

#[test]
fn one_row_of_a_rank_two_stack_is_rank_one() -> Result<()> {
    let (a, b) = (array![1.0, 2.0, 3.0, 4.0], array![5.0, 6.0, 7.0, 8.0]);
    let stacked = Stacked::new(vec![&a, &b], -1)?;
    let row: Array1<f64> = stacked.read(sel![3, ..])?;
    assert_eq!(row, array![4.0, 8.0]);
    let lifted: Array3<f64> = stacked.read(sel![NewAxis, ..2, NewAxis, -1])?;
    assert_eq!(lifted, array![[[5.0], [6.0]]]);
    Ok(())
}

#[test]
fn dyn_rank_datasets_check_at_run_time() {
    let x: ArrayD<u8> = ArrayD::zeros(IxDyn(&[2, 3]));
    let row: ArrayD<u8> = x.read(sel![1, NewAxis]).unwrap();
    assert_eq!(row.shape(), &[1, 3]);
    let err = x.read(sel![0, 0, 0]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Index);
    assert_eq!(
        err.to_string(),
        "index error: too many indices for array: array is 2-dimensional, but 3 were indexed"
    );
    let view: ArrayViewD<'_, u8> = x.view();
    assert_eq!(view.read(sel![..;-1, 2]).unwrap().shape(), &[2]);
}

#[test]
fn boolean_masks_select_along_one_axis() -> Result<()> {
    // NumPy: a = np.arange(12).reshape(3, 4); a[a[:, 0] > 0, :][:, [True, False, True, False]]
    let a = Array2::from_shape_fn((3, 4), |(i, j)| (4 * i + j) as i32);
    let rows = a.column(0).mapv(|v| v > 0);
    let picked: Array2<i32> = a.read(sel![&rows, ..])?;
    assert_eq!(picked, array![[4, 5, 6, 7], [8, 9, 10, 11]]);
    let cols = [true, false, true, false];
    let both: Array2<i32> = a.read(sel![&rows, &cols])?;
    assert_eq!(both, array![[4, 6], [8, 10]]);
    let one: Array1<i32> = a.read(sel![1, vec![false, true, true, false]])?;
    assert_eq!(one, array![5, 6]);
    // Writes through a mask, and a mask of the wrong length.
    let mut b = a.clone();
    b.write(sel![.., &cols[..]], 0)?;
    assert_eq!(b.row(2), array![0, 9, 0, 11]);
    let err = a.read(sel![&[true, false][..], ..]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Index);
    assert_eq!(
        err.to_string(),
        "index error: a boolean mask of length 2 does not fit axis 0 of length 3"
    );
    Ok(())
}
