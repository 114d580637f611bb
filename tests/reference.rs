//! Every view, read and written with random keys, against a naive reference.
//!
//! What these tests compare with comes from the test kit: the naive NumPy
//! reference (`lazy_testkit::naive`, shared with the backend conformance suite
//! and the fuzz harness), written from NumPy's documented rules and sharing no
//! code with lazy-core's `resolve`/`Region`. A view is modelled by its
//! *location map*, an array saying where each of its elements is stored
//! (source number, flat index): `np.stack`, `np.concatenate` and
//! `np.transpose` of maps are maps, a key applied to a map is a map, and
//! reading or writing a view is gathering from or scattering into the stored
//! sources through its map. Shapes, keys and the shapes of values to write
//! come from the kit's one generator (`lazy_testkit::keys`), and a read or a
//! write is checked against the reference by `lazy_testkit::compare`. What a
//! view does to the values themselves (a scale, a cast, a CF decoding, a sum)
//! is written out by hand in each test.
//!
//! Lists index orthogonally (like h5py and `np.ix_`), as the library documents;
//! a zero slice step is an `ErrorKind::Index` error here (NumPy raises
//! `ValueError`), like every other malformed key.
//!
//! The random generator has a fixed seed per test, so a failure reproduces; its
//! message names the case, shape and key.

use std::fmt::Debug;

use lazy_datasets::prelude::*;
use lazy_testkit::compare;
use lazy_testkit::entropy::Entropy;
use lazy_testkit::keys::{self, KeyStyle};
use lazy_testkit::naive::*;
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Random cases per view kind; each case reads with one random key and (for
/// writable views) writes with another.
const CASES: usize = 3000;

// ---------------------------------------------------------------------------
// The naive reference, checked by hand
// ---------------------------------------------------------------------------

#[test]
fn reference_self_check() {
    // Python: list(range(5)[::-2]), range(7)[-100:100:3], range(3)[5::-1]
    assert_eq!(slice_positions(None, None, Some(-2), 5), Ok(vec![4, 2, 0]));
    assert_eq!(
        slice_positions(Some(-100), Some(100), Some(3), 7),
        Ok(vec![0, 3, 6])
    );
    assert_eq!(
        slice_positions(Some(5), None, Some(-1), 3),
        Ok(vec![2, 1, 0])
    );
    assert_eq!(
        slice_positions(Some(-1), Some(-4), Some(-1), 5),
        Ok(vec![4, 3, 2])
    );
    assert_eq!(slice_positions(Some(2), Some(2), None, 5), Ok(vec![]));
    assert_eq!(
        slice_positions(Some(isize::MIN), Some(isize::MAX), Some(isize::MIN), 4),
        Ok(vec![])
    );
    assert_eq!(
        slice_positions(Some(isize::MAX), None, Some(isize::MIN), 4),
        Ok(vec![3])
    );
    assert_eq!(
        slice_positions(None, None, Some(0), 4),
        Err(ErrorKind::Index)
    );
    assert_eq!(wrap_index(-3, 3), Ok(0));
    assert_eq!(wrap_index(3, 3), Err(ErrorKind::Index));
    assert_eq!(wrap_index(isize::MIN, 3), Err(ErrorKind::Index));

    // x = np.arange(24).reshape(2, 3, 4); x[1, None, ::-1, [3, 0, 3]]
    let x = Naive::new(&[2, 3, 4], (0..24).collect());
    let key = [
        SelectionItem::Index(1),
        SelectionItem::NewAxis,
        SelectionItem::slice(None, None, Some(-1)),
        SelectionItem::List(vec![3, 0, -1]),
    ];
    let r = naive_read(&x, &key).unwrap();
    assert_eq!(r.shape, vec![1, 3, 3]);
    assert_eq!(r.data, vec![23, 20, 23, 19, 16, 19, 15, 12, 15]);
    // x[..., 0] and too many indices
    let r = naive_read(&x, &[SelectionItem::Ellipsis, SelectionItem::Index(0)]).unwrap();
    assert_eq!((r.shape, r.data), (vec![2, 3], vec![0, 4, 8, 12, 16, 20]));
    let four = vec![SelectionItem::Index(0); 4];
    assert_eq!(naive_read(&x, &four), Err(ErrorKind::Index));

    // Broadcasting: (1, 1, 3) -> (2, 3) works; (2,) -> (2, 3) does not.
    let v = Naive::new(&[1, 1, 3], vec![7, 8, 9]);
    assert_eq!(
        naive_broadcast(&v, &[2, 3]).unwrap().data,
        vec![7, 8, 9, 7, 8, 9]
    );
    let v = Naive::new(&[2], vec![1, 2]);
    assert_eq!(naive_broadcast(&v, &[2, 3]), Err(ErrorKind::Shape));
    assert_eq!(
        naive_broadcast(&Naive::new(&[2, 1], vec![1, 2]), &[2, 3])
            .unwrap()
            .data,
        vec![1, 1, 1, 2, 2, 2]
    );

    // np.stack([a, b], axis=1) of two (2,) arrays: [[a0, b0], [a1, b1]]
    let m = stack_maps(&[identity_map(&[2], 0), identity_map(&[2], 1)], 1);
    assert_eq!(m.shape, vec![2, 2]);
    assert_eq!(m.data, vec![(0, 0), (1, 0), (0, 1), (1, 1)]);

    // np.concatenate([a, b]) of a (2, 2) and a (1, 2) array; along axis 1
    // their rows differ, along axis 2 there is none.
    let (a, b) = (identity_map(&[2, 2], 0), identity_map(&[1, 2], 1));
    let m = concat_maps(&[a.clone(), b.clone()], -2).unwrap();
    assert_eq!(m.shape, vec![3, 2]);
    assert_eq!(m.data, vec![(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1)]);
    assert_eq!(
        concat_maps(&[a.clone(), b.clone()], 1),
        Err(ErrorKind::Shape)
    );
    assert_eq!(concat_maps(&[a, b], 2), Err(ErrorKind::Value));
    assert_eq!(concat_maps(&[], 0), Err(ErrorKind::Value));

    // np.transpose(x, (1, 0)) of a (2, 3) array: x.T[i, j] == x[j, i]
    let m = permute_map(&identity_map(&[2, 3], 0), &[1, 0]).unwrap();
    assert_eq!(m.shape, vec![3, 2]);
    assert_eq!(m.data, vec![(0, 0), (0, 3), (0, 1), (0, 4), (0, 2), (0, 5)]);
    let m = identity_map(&[2, 3], 0);
    assert_eq!(permute_map(&m, &[0, 0]), Err(ErrorKind::Value));

    // Duplicate targets: the last write wins. a[[0, 0]] = [1, 2] -> a[0] == 2
    let s = naive_assignments(
        &identity_map(&[3], 0),
        &[SelectionItem::List(vec![0, -3])],
        &Naive::new(&[2], vec![1, 2]),
    )
    .unwrap();
    assert_eq!(s, vec![((0, 0), 1), ((0, 0), 2)]);
    let mut storage = vec![vec![0, 0, 0]];
    scatter(&mut storage, s);
    assert_eq!(storage, vec![vec![2, 0, 0]]);
}

// ---------------------------------------------------------------------------
// Random shapes, keys and values
// ---------------------------------------------------------------------------

/// A uniform `isize` in `lo..=hi`.
fn irange(rng: &mut SmallRng, lo: isize, hi: isize) -> isize {
    rng.range(lo as i128, hi as i128) as isize
}

/// A shape of rank `0..=max_rank` with zero-length and length-1 axes, at most
/// 150 elements.
fn gen_shape(rng: &mut SmallRng, max_rank: usize) -> Vec<usize> {
    keys::shape(rng, max_rank, 5, 150)
}

/// A random key for `shape`, from the kit's one generator: extreme
/// integers and malformed keys included.
fn gen_key(rng: &mut SmallRng, shape: &[usize]) -> Vec<SelectionItem> {
    keys::key(rng, shape, KeyStyle::REFERENCE)
}

/// A value for `view[key] = value` on a view with map `map`.
fn gen_value<V: Clone>(
    rng: &mut SmallRng,
    map: &Naive<Loc>,
    key: &[SelectionItem],
    mut elem: impl FnMut(&mut SmallRng) -> V,
) -> Naive<V> {
    let out = naive_read(map, key).ok().map(|t| t.shape);
    let shape = keys::value_shape(rng, out);
    let data = (0..numel(&shape)).map(|_| elem(rng)).collect();
    Naive::new(&shape, data)
}

fn small_i32(rng: &mut SmallRng) -> i32 {
    rng.random_range(-99..100)
}

fn gen_data<T>(
    rng: &mut SmallRng,
    shape: &[usize],
    mut elem: impl FnMut(&mut SmallRng) -> T,
) -> Vec<T> {
    (0..numel(shape)).map(|_| elem(rng)).collect()
}

fn to_array<T: Clone>(shape: &[usize], data: &[T]) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap()
}

fn contents<T: Clone>(a: &ArrayD<T>) -> Vec<T> {
    a.iter().cloned().collect()
}

fn sel(key: &[SelectionItem]) -> DynSelection {
    DynSelection::from(key.to_vec())
}

// ---------------------------------------------------------------------------
// Comparison and bookkeeping
// ---------------------------------------------------------------------------

/// Successful and failed cases of one operation on one view kind.
struct Stats {
    name: &'static str,
    ok: usize,
    err: usize,
    /// Errors by kind: Index, Shape, Value.
    kinds: [usize; 3],
}

impl Stats {
    fn new(name: &'static str) -> Self {
        Stats {
            name,
            ok: 0,
            err: 0,
            kinds: [0; 3],
        }
    }

    /// Counts an outcome both the library and the reference agreed on.
    fn record(&mut self, outcome: Result<(), ErrorKind>) {
        match outcome {
            Ok(()) => self.ok += 1,
            Err(kind) => self.record_err(kind),
        }
    }

    fn record_err(&mut self, kind: ErrorKind) {
        self.err += 1;
        match kind {
            ErrorKind::Index => self.kinds[0] += 1,
            ErrorKind::Shape => self.kinds[1] += 1,
            ErrorKind::Value => self.kinds[2] += 1,
            other => panic!("{}: unexpected error kind {other:?}", self.name),
        }
    }

    /// Prints the counts and checks that both outcomes are a substantial
    /// share, so that the comparison cannot pass vacuously.
    fn finish(&self) {
        let total = self.ok + self.err;
        println!(
            "{:>24}: {total:5} cases, {:5} ok, {:5} errors (index {}, shape {}, value {})",
            self.name, self.ok, self.err, self.kinds[0], self.kinds[1], self.kinds[2]
        );
        assert!(total >= 1000, "{}: only {total} cases", self.name);
        assert!(
            self.ok * 100 >= total * 40,
            "{}: only {} of {total} cases succeeded",
            self.name,
            self.ok
        );
        assert!(
            self.err * 100 >= total * 10,
            "{}: only {} of {total} cases failed",
            self.name,
            self.err
        );
    }
}

/// [`compare::read`], counted in `stats`.
fn check_read<T: PartialEq + Debug>(
    ctx: impl Fn() -> String,
    got: lazy_datasets::Result<ArrayD<T>>,
    want: Result<Naive<T>, ErrorKind>,
    stats: &mut Stats,
) {
    stats.record(compare::read(ctx, got, want));
}

/// [`compare::write`], counted in `stats`.
fn check_write<T: Clone + PartialEq + Debug>(
    ctx: impl Fn() -> String,
    got: lazy_datasets::Result<()>,
    want: Result<Vec<(Loc, T)>, ErrorKind>,
    before: &[Vec<T>],
    after: &[Vec<T>],
    stats: &mut Stats,
) {
    stats.record(compare::write(ctx, got, want, before, after));
}

/// Compares the construction of a view; `Some` when both succeeded.
fn check_build<A, B: Debug>(
    ctx: impl Fn() -> String,
    got: lazy_datasets::Result<A>,
    want: Result<B, ErrorKind>,
    stats: &mut Stats,
) -> Option<(A, B)> {
    match (got, want) {
        (Ok(a), Ok(b)) => {
            stats.ok += 1;
            Some((a, b))
        }
        (Err(e), Err(k)) => {
            assert_eq!(e.kind(), k, "{}: error kind ({e})", ctx());
            stats.record_err(k);
            None
        }
        (Err(e), Ok(b)) => panic!("{}: library failed ({e}), reference built {b:?}", ctx()),
        (Ok(_), Err(k)) => panic!("{}: library built, reference failed ({k:?})", ctx()),
    }
}

// ---------------------------------------------------------------------------
// The views
// ---------------------------------------------------------------------------

#[test]
fn plain_array() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0001);
    let (mut reads, mut writes) = (Stats::new("ArrayD read"), Stats::new("ArrayD write"));
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let data = gen_data(&mut rng, &shape, small_i32);
        let map = identity_map(&shape, 0);
        let storage = vec![data.clone()];
        let mut a = to_array(&shape, &data);

        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| gather(&m, &storage));
        check_read(ctx, a.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, small_i32);
        let ctx = || format!("case {case}: shape {shape:?}, write {key:?} = {value:?}");
        let got = a.write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value);
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    reads.finish();
    writes.finish_write();
}

/// A random stack axis for sources of rank `ndim`, sometimes out of range.
fn gen_axis(rng: &mut SmallRng, ndim: usize) -> isize {
    let ndim = ndim as isize;
    match rng.random_range(0..25) {
        0 => ndim + irange(rng, 1, 2),
        1 => -ndim - irange(rng, 2, 3),
        _ => irange(rng, -ndim - 1, ndim),
    }
}

#[test]
fn stacked() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0002);
    let mut builds = Stats::new("Stacked::new");
    let (mut reads, mut writes) = (Stats::new("Stacked read"), Stats::new("Stacked write"));
    for case in 0..CASES {
        let src_shape = gen_shape(&mut rng, 3);
        let n_src = rng.random_range(1..=4);
        let storage: Vec<Vec<i32>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &src_shape, small_i32))
            .collect();
        let arrays = storage.iter().map(|d| to_array(&src_shape, d)).collect();
        let axis = gen_axis(&mut rng, src_shape.len());
        let ctx = || format!("case {case}: {n_src} sources of shape {src_shape:?}, axis {axis}");
        let Some((mut st, axis_n)) = check_build(
            ctx,
            Stacked::new(arrays, axis),
            naive_stack_axis(axis, src_shape.len()),
            &mut builds,
        ) else {
            continue;
        };
        let maps: Vec<_> = (0..n_src).map(|s| identity_map(&src_shape, s)).collect();
        let map = stack_maps(&maps, axis_n);
        assert_eq!(st.shape(), &map.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &map.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&map, &key).map(|m| gather(&m, &storage));
        check_read(ctx, st.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &map.shape);
        let value = gen_value(&mut rng, &map, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let got = st.write_dyn(&sel(&key), value.to_array().view());
        let after: Vec<_> = st.sources().iter().map(contents).collect();
        let want = naive_assignments(&map, &key, &value);
        check_write(ctx, got, want, &storage, &after, &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

impl Stats {
    /// As [`Stats::finish`], and both bad keys and values that do not
    /// broadcast must have occurred.
    fn finish_write(&self) {
        self.finish();
        let total = self.ok + self.err;
        assert!(
            self.kinds[0] * 100 >= total * 3 && self.kinds[1] * 100 >= total * 3,
            "{}: too few index ({}) or shape ({}) errors",
            self.name,
            self.kinds[0],
            self.kinds[1]
        );
    }

    /// Construction counts: printed, and both outcomes must occur.
    fn finish_builds(&self) {
        println!(
            "{:>24}: {:5} cases, {:5} ok, {:5} errors (index {}, shape {}, value {})",
            self.name,
            self.ok + self.err,
            self.ok,
            self.err,
            self.kinds[0],
            self.kinds[1],
            self.kinds[2]
        );
        assert!(self.ok > 0 && self.err > 0, "{}: one-sided", self.name);
    }
}

const FACTORS: [f64; 8] = [2.0, 0.5, -3.0, 0.1, 1.0, -0.25, 7.5, 1e-3];

/// A value to write through a scale: mostly moderate, sometimes far beyond
/// `i32` (a write of one is refused: nothing is written).
fn scaled_value(rng: &mut SmallRng) -> f64 {
    match rng.random_range(0..20) {
        0 => *[1e12, -1e12, 3e9].get(rng.random_range(0..3)).unwrap(),
        _ => rng.random_range(-16000..16000) as f64 / 4.0,
    }
}

/// The `i32` values stored by a write of `stores` through a scale of `f`:
/// NumPy's assignment truncates `v / f` toward zero; a quotient that does
/// not fit `i32` once truncated is a `Value` error and nothing is written.
fn unscaled_i32(stores: Vec<(Loc, f64)>, f: f64) -> Result<Vec<(Loc, i32)>, ErrorKind> {
    let fits = |q: f64| (-2147483648.0..=2147483647.0).contains(&q.trunc());
    if !stores.iter().all(|&(_, v)| fits(v / f)) {
        return Err(ErrorKind::Value);
    }
    Ok(stores
        .into_iter()
        .map(|(loc, v)| (loc, (v / f).trunc() as i32))
        .collect())
}

#[test]
fn scaled_i32() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0003);
    let (mut reads, mut writes) = (
        Stats::new("Scaled<i32> read"),
        Stats::new("Scaled<i32> write"),
    );
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let data = gen_data(&mut rng, &shape, |r| r.random_range(-1000..1000));
        let f = FACTORS[rng.random_range(0..FACTORS.len())];
        let map = identity_map(&shape, 0);
        let storage = vec![data.clone()];
        let mut a = to_array(&shape, &data);
        let mut scaled: Scaled<&mut ArrayD<i32>, f64> = Scaled::new(&mut a, f);
        assert_eq!(scaled.shape(), &shape[..]);

        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, factor {f}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| gather(&m, &storage));
        let want = want.map(|n| Naive {
            shape: n.shape,
            data: n.data.iter().map(|&x| x as f64 * f).collect(),
        });
        check_read(ctx, scaled.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, scaled_value);
        let ctx = || format!("case {case}: shape {shape:?}, factor {f}, write {key:?} = {value:?}");
        let got = scaled.write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value).and_then(|s| unscaled_i32(s, f));
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    reads.finish();
    writes.finish_write();
}

#[test]
fn scaled_f64() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0004);
    let (mut reads, mut writes) = (
        Stats::new("Scaled<f64> read"),
        Stats::new("Scaled<f64> write"),
    );
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let data = gen_data(&mut rng, &shape, |r| {
            r.random_range(-2000..2000) as f64 / 2.0
        });
        let f = FACTORS[rng.random_range(0..FACTORS.len())];
        let map = identity_map(&shape, 0);
        let storage = vec![data.clone()];
        let a = to_array(&shape, &data);
        let mut scaled = Scaled::new(a, f);

        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, factor {f}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| gather(&m, &storage));
        let want = want.map(|n| Naive {
            shape: n.shape,
            data: n.data.iter().map(|&x| x * f).collect(),
        });
        check_read(ctx, scaled.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, scaled_value);
        let ctx = || format!("case {case}: shape {shape:?}, factor {f}, write {key:?} = {value:?}");
        let got = scaled.write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value)
            .map(|stores| stores.into_iter().map(|(loc, v)| (loc, v / f)).collect());
        let after = contents(scaled.source());
        check_write(ctx, got, want, &storage, &[after], &mut writes);
    }
    reads.finish();
    writes.finish_write();
}

/// Reads an element-wise combination of `n` same-shape sources with random
/// keys: `view` builds the library view, `combine` is the reference for one
/// element given the sources' elements at that position.
fn elementwise<T, O, V>(
    name: &'static str,
    seed: u64,
    mut elem: impl FnMut(&mut SmallRng) -> T,
    view: impl Fn(Vec<ArrayD<T>>) -> lazy_datasets::Result<V>,
    combine: impl Fn(&[T]) -> O,
) where
    T: Clone,
    O: PartialEq + Debug,
    V: Dataset<Elem = O>,
{
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut reads = Stats::new(name);
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let n_src = rng.random_range(1..=4);
        let storage: Vec<Vec<T>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &shape, &mut elem))
            .collect();
        let ds = view(storage.iter().map(|d| to_array(&shape, d)).collect()).unwrap();
        assert_eq!(ds.shape(), &shape[..]);
        let map = identity_map(&shape, 0);

        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: {n_src} sources of shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| Naive {
            shape: m.shape,
            data: m
                .data
                .iter()
                .map(|&(_, f)| {
                    let at: Vec<T> = storage.iter().map(|s| s[f].clone()).collect();
                    combine(&at)
                })
                .collect(),
        });
        check_read(ctx, ds.read_dyn(&sel(&key)), want, &mut reads);
    }
    reads.finish();
}

#[test]
fn sum_i32_wraps() {
    elementwise(
        "Sum<i32> read",
        0x5eed_0005,
        |r| r.random::<i32>(),
        Sum::new,
        |xs| xs.iter().fold(0i32, |acc, &x| acc.wrapping_add(x)),
    );
}

#[test]
fn sum_f64() {
    // Integer values: the sum is exact in any order.
    elementwise(
        "Sum<f64> read",
        0x5eed_0006,
        |r| r.random_range(-1000..1000) as f64,
        Sum::new,
        |xs| xs.iter().sum::<f64>(),
    );
}

#[test]
fn boolean_or_i32() {
    elementwise(
        "BooleanOr<i32> read",
        0x5eed_0007,
        |r| if r.random_bool(0.6) { 0 } else { r.random() },
        BooleanOr::new,
        |xs: &[i32]| xs.iter().any(|&x| x != 0),
    );
}

#[test]
fn boolean_or_f64() {
    // -0.0 is false; NaN and infinities are true, as in NumPy.
    elementwise(
        "BooleanOr<f64> read",
        0x5eed_0008,
        |r| match r.random_range(0..10) {
            0..=3 => 0.0,
            4 | 5 => -0.0,
            6 => f64::NAN,
            7 => f64::NEG_INFINITY,
            _ => r.random_range(-5.0..5.0),
        },
        BooleanOr::new,
        |xs: &[f64]| xs.iter().any(|&x| x != 0.0 || x.is_nan()),
    );
}

#[test]
fn sliced_array() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0009);
    let mut builds = Stats::new("view of ArrayD");
    let (mut reads, mut writes) = (Stats::new("view read"), Stats::new("view write"));
    while reads.ok + reads.err < CASES {
        let case = builds.ok + builds.err;
        let shape = gen_shape(&mut rng, 4);
        let data = gen_data(&mut rng, &shape, small_i32);
        let map = identity_map(&shape, 0);
        let storage = vec![data.clone()];
        let mut a = to_array(&shape, &data);

        let k1 = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, view {k1:?}");
        let Some((v, vmap)) = check_build(
            ctx,
            (&a).sliced(sel(&k1)),
            naive_read(&map, &k1),
            &mut builds,
        ) else {
            continue;
        };
        assert_eq!(v.shape(), &vmap.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &vmap.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&vmap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, v.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &vmap.shape);
        let value = gen_value(&mut rng, &vmap, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let mut v = (&mut a).sliced(sel(&k1)).unwrap();
        let got = v.write_dyn(&sel(&key), value.to_array().view());
        drop(v);
        let want = naive_assignments(&vmap, &key, &value);
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

#[test]
fn sliced_sliced_array() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_000a);
    let mut builds = Stats::new("view of view of ArrayD");
    let (mut reads, mut writes) = (
        Stats::new("view of view read"),
        Stats::new("view of view write"),
    );
    while reads.ok + reads.err < CASES {
        let case = builds.ok + builds.err;
        let shape = gen_shape(&mut rng, 4);
        let data = gen_data(&mut rng, &shape, small_i32);
        let map = identity_map(&shape, 0);
        let storage = vec![data.clone()];
        let mut a = to_array(&shape, &data);

        let k1 = gen_key(&mut rng, &shape);
        let Ok(m1) = naive_read(&map, &k1) else {
            continue; // the first view's construction is covered by `sliced_array`
        };
        let k2 = gen_key(&mut rng, &m1.shape);
        let ctx = || format!("case {case}: shape {shape:?}, view {k1:?} then {k2:?}");
        let got = (&a).sliced(sel(&k1)).and_then(|v| v.view(sel(&k2)));
        let Some((v, vmap)) = check_build(ctx, got, naive_read(&m1, &k2), &mut builds) else {
            continue;
        };
        assert_eq!(v.shape(), &vmap.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &vmap.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&vmap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, v.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &vmap.shape);
        let value = gen_value(&mut rng, &vmap, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let mut v = (&mut a)
            .sliced(sel(&k1))
            .and_then(|v| v.view(sel(&k2)))
            .unwrap();
        let got = v.write_dyn(&sel(&key), value.to_array().view());
        drop(v);
        let want = naive_assignments(&vmap, &key, &value);
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

#[test]
fn sliced_stacked() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_000b);
    let mut builds = Stats::new("view of Stacked");
    let (mut reads, mut writes) = (
        Stats::new("view of Stacked read"),
        Stats::new("view of Stacked write"),
    );
    while reads.ok + reads.err < CASES {
        let case = builds.ok + builds.err;
        let src_shape = gen_shape(&mut rng, 3);
        let n_src = rng.random_range(1..=4);
        let storage: Vec<Vec<i32>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &src_shape, small_i32))
            .collect();
        let arrays = storage.iter().map(|d| to_array(&src_shape, d)).collect();
        let axis = rng.random_range(0..=src_shape.len());
        let mut st = Stacked::new(arrays, axis as isize).unwrap();
        let maps: Vec<_> = (0..n_src).map(|s| identity_map(&src_shape, s)).collect();
        let map = stack_maps(&maps, axis);

        let k1 = gen_key(&mut rng, &map.shape);
        let ctx = || {
            format!("case {case}: {n_src} sources of shape {src_shape:?}, axis {axis}, view {k1:?}")
        };
        let Some((v, vmap)) = check_build(
            ctx,
            (&st).sliced(sel(&k1)),
            naive_read(&map, &k1),
            &mut builds,
        ) else {
            continue;
        };
        assert_eq!(v.shape(), &vmap.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &vmap.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&vmap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, v.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &vmap.shape);
        let value = gen_value(&mut rng, &vmap, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let mut v = (&mut st).sliced(sel(&k1)).unwrap();
        let got = v.write_dyn(&sel(&key), value.to_array().view());
        drop(v);
        let after: Vec<_> = st.sources().iter().map(contents).collect();
        let want = naive_assignments(&vmap, &key, &value);
        check_write(ctx, got, want, &storage, &after, &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

#[test]
fn scaled_stack_of_views() {
    // Scaled over Stacked over sliced views of separate arrays: one chain of
    // region compositions per source, written back through all three layers.
    let mut rng = SmallRng::seed_from_u64(0x5eed_000c);
    let mut builds = Stats::new("Scaled(Stacked(views))");
    let (mut reads, mut writes) = (Stats::new("chain read"), Stats::new("chain write"));
    while reads.ok + reads.err < CASES {
        let case = builds.ok + builds.err;
        let shape = gen_shape(&mut rng, 3);
        let n_src = rng.random_range(1..=3);
        let storage: Vec<Vec<i32>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &shape, |r| r.random_range(-1000..1000)))
            .collect();
        let mut arrays: Vec<ArrayD<i32>> = storage.iter().map(|d| to_array(&shape, d)).collect();
        let k1 = gen_key(&mut rng, &shape);
        let f = FACTORS[rng.random_range(0..FACTORS.len())];
        let ctx =
            || format!("case {case}: {n_src} sources of shape {shape:?}, views {k1:?}, factor {f}");
        let views: lazy_datasets::Result<Vec<_>> =
            arrays.iter_mut().map(|a| a.sliced(sel(&k1))).collect();
        let vmaps: Result<Vec<_>, _> = (0..n_src)
            .map(|s| naive_read(&identity_map(&shape, s), &k1))
            .collect();
        let Some((views, vmaps)) = check_build(ctx, views, vmaps, &mut builds) else {
            continue;
        };
        let axis = rng.random_range(0..=vmaps[0].shape.len());
        let map = stack_maps(&vmaps, axis);
        let mut chain = Scaled::new(Stacked::new(views, axis as isize).unwrap(), f);
        assert_eq!(chain.shape(), &map.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &map.shape);
        let ctx = || format!("{}: axis {axis}, read {key:?}", ctx());
        let want = naive_read(&map, &key).map(|m| {
            let n = gather(&m, &storage);
            Naive {
                shape: n.shape,
                data: n.data.iter().map(|&x| x as f64 * f).collect(),
            }
        });
        check_read(ctx, chain.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &map.shape);
        let value = gen_value(&mut rng, &map, &key, scaled_value);
        let ctx = || format!("{}: axis {axis}, write {key:?} = {value:?}", ctx());
        let got = chain.write_dyn(&sel(&key), value.to_array().view());
        drop(chain);
        let after: Vec<_> = arrays.iter().map(contents).collect();
        let want = naive_assignments(&map, &key, &value).and_then(|s| unscaled_i32(s, f));
        check_write(ctx, got, want, &storage, &after, &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

/// Shapes of 32 Ki to 80 Ki elements, so that views which work in blocks
/// (or in parallel) split their regions.
fn gen_large_shape(rng: &mut SmallRng) -> Vec<usize> {
    let shapes: [&[usize]; 5] = [
        &[70, 600],
        &[3, 120, 100],
        &[40_000],
        &[2, 2, 9_000],
        &[5, 4, 40, 50],
    ];
    shapes[rng.random_range(0..shapes.len())].to_vec()
}

#[test]
fn large_regions() {
    const LARGE: usize = 12;
    let mut rng = SmallRng::seed_from_u64(0x5eed_000d);
    let mut stats = Stats::new("large regions");
    for case in 0..LARGE {
        let shape = gen_large_shape(&mut rng);
        let storage: Vec<Vec<i32>> = (0..2)
            .map(|_| gen_data(&mut rng, &shape, |r| r.random_range(-1000..1000)))
            .collect();
        let arrays: Vec<ArrayD<i32>> = storage.iter().map(|d| to_array(&shape, d)).collect();
        let map = identity_map(&shape, 0);
        let both = |m: &Naive<Loc>, f: &dyn Fn(i32, i32) -> i32| Naive {
            shape: m.shape.clone(),
            data: m
                .data
                .iter()
                .map(|&(_, i)| f(storage[0][i], storage[1][i]))
                .collect(),
        };

        // Sum and BooleanOr of the two sources.
        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: Sum, shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| both(&m, &|a, b| a + b));
        let sum = Sum::new(arrays.iter().collect()).unwrap();
        check_read(ctx, sum.read_dyn(&sel(&key)), want, &mut stats);
        // Whole, and reversed along the first axis: always split into blocks.
        for key in [vec![], vec![SelectionItem::slice(None, None, Some(-1))]] {
            let ctx = || format!("case {case}: Sum, shape {shape:?}, read {key:?}");
            let want = naive_read(&map, &key).map(|m| both(&m, &|a, b| a + b));
            check_read(ctx, sum.read_dyn(&sel(&key)), want, &mut stats);
        }
        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: BooleanOr, shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| {
            let n = both(&m, &|a, b| i32::from(a > 500 || b < -500));
            Naive {
                shape: n.shape,
                data: n.data.iter().map(|&x| x != 0).collect(),
            }
        });
        let flags: Vec<ArrayD<bool>> =
            vec![arrays[0].mapv(|a| a > 500), arrays[1].mapv(|b| b < -500)];
        let or = BooleanOr::new(flags.iter().collect()).unwrap();
        check_read(ctx, or.read_dyn(&sel(&key)), want, &mut stats);

        // Scaled, read and write.
        let f = FACTORS[rng.random_range(0..FACTORS.len())];
        let mut a = arrays[0].clone();
        let mut scaled = Scaled::new(&mut a, f);
        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: Scaled {f}, shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| {
            let n = gather(&m, &storage);
            Naive {
                shape: n.shape,
                data: n.data.iter().map(|&x| x as f64 * f).collect(),
            }
        });
        check_read(ctx, scaled.read_dyn(&sel(&key)), want, &mut stats);
        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, scaled_value);
        let ctx = || format!("case {case}: Scaled {f}, shape {shape:?}, write {key:?}");
        let got = scaled.write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value).and_then(|s| unscaled_i32(s, f));
        check_write(ctx, got, want, &storage[..1], &[contents(&a)], &mut stats);

        // Stacked, read and write.
        let axis = rng.random_range(0..=shape.len());
        let mut st = Stacked::new(arrays, axis as isize).unwrap();
        let smap = stack_maps(&[identity_map(&shape, 0), identity_map(&shape, 1)], axis);
        let key = gen_key(&mut rng, &smap.shape);
        let ctx = || format!("case {case}: Stacked {axis}, shape {shape:?}, read {key:?}");
        let want = naive_read(&smap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, st.read_dyn(&sel(&key)), want, &mut stats);
        let key = vec![
            SelectionItem::Ellipsis,
            SelectionItem::slice(None, None, Some(-2)),
        ];
        let ctx = || format!("case {case}: Stacked {axis}, shape {shape:?}, read {key:?}");
        let want = naive_read(&smap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, st.read_dyn(&sel(&key)), want, &mut stats);
        let key = gen_key(&mut rng, &smap.shape);
        let value = gen_value(&mut rng, &smap, &key, small_i32);
        let ctx = || format!("case {case}: Stacked {axis}, shape {shape:?}, write {key:?}");
        let got = st.write_dyn(&sel(&key), value.to_array().view());
        let after: Vec<_> = st.sources().iter().map(contents).collect();
        let want = naive_assignments(&smap, &key, &value);
        check_write(ctx, got, want, &storage, &after, &mut stats);
    }
    println!(
        "{:>24}: {:5} cases, {:5} ok, {:5} errors",
        stats.name,
        stats.ok + stats.err,
        stats.ok,
        stats.err
    );
    assert!(stats.ok >= stats.err && stats.err > 0);
}

// ---------------------------------------------------------------------------
// Permuted, Transposed, Cast, Map, Zip
// ---------------------------------------------------------------------------

/// Random axes: mostly a permutation, sometimes a repeat or a wrong count.
fn gen_axes(rng: &mut SmallRng, n: usize) -> Vec<usize> {
    let mut axes: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        axes.swap(i, rng.random_range(0..=i));
    }
    match rng.random_range(0..10) {
        0 if n > 1 => axes[0] = axes[1],
        1 => axes.push(n),
        2 if n > 0 => {
            axes.pop();
        }
        _ => {}
    }
    axes
}

#[test]
fn permuted_and_transposed_stacks() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0010);
    let mut builds = Stats::new("Permuted::new");
    let (mut reads, mut writes) = (Stats::new("Permuted read"), Stats::new("Permuted write"));
    for case in 0..CASES {
        // A stack of 1 to 3 arrays, so reads and writes compose through
        // two views into several sources.
        let src_shape = gen_shape(&mut rng, 3);
        let n_src = rng.random_range(1..=3);
        let storage: Vec<Vec<i32>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &src_shape, small_i32))
            .collect();
        let arrays: Vec<_> = storage.iter().map(|d| to_array(&src_shape, d)).collect();
        let maps: Vec<_> = (0..n_src).map(|s| identity_map(&src_shape, s)).collect();
        let map = stack_maps(&maps, 0);
        let st = Stacked::new(arrays, 0).unwrap();
        let transpose = rng.random_bool(0.2);
        let axes = if transpose {
            (0..map.shape.len()).rev().collect()
        } else {
            gen_axes(&mut rng, map.shape.len())
        };
        let ctx = || format!("case {case}: {n_src} x {src_shape:?}, axes {axes:?}");
        let built = if transpose {
            Ok(Transposed::new(st).into_source()).and_then(|st| Permuted::new(st, &axes))
        } else {
            Permuted::new(st, &axes)
        };
        let Some((mut p, pmap)) = check_build(ctx, built, permute_map(&map, &axes), &mut builds)
        else {
            continue;
        };
        assert_eq!(p.shape(), &pmap.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &pmap.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&pmap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, p.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &pmap.shape);
        let value = gen_value(&mut rng, &pmap, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let got = p.write_dyn(&sel(&key), value.to_array().view());
        let after: Vec<_> = p.source().sources().iter().map(contents).collect();
        let want = naive_assignments(&pmap, &key, &value);
        check_write(ctx, got, want, &storage, &after, &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

#[test]
fn transposed_is_reversed_axes() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0011);
    let mut reads = Stats::new("Transposed read");
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let storage = vec![gen_data(&mut rng, &shape, small_i32)];
        let a = to_array(&shape, &storage[0]);
        let axes: Vec<usize> = (0..shape.len()).rev().collect();
        let tmap = permute_map(&identity_map(&shape, 0), &axes).unwrap();
        let t = Transposed::new(&a);
        assert_eq!(t.shape(), &tmap.shape[..]);
        let key = gen_key(&mut rng, &tmap.shape);
        let ctx = || format!("case {case}: shape {shape:?}, read {key:?}");
        let want = naive_read(&tmap, &key).map(|m| gather(&m, &storage));
        check_read(ctx, t.read_dyn(&sel(&key)), want, &mut reads);
    }
    reads.finish();
}

#[test]
fn cast_reads_and_writes() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0012);
    let (mut reads, mut writes) = (Stats::new("Cast read"), Stats::new("Cast write"));
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 4);
        let storage = vec![gen_data(&mut rng, &shape, |r: &mut SmallRng| {
            r.random_range(-100_000..100_000)
        })];
        let mut a = to_array(&shape, &storage[0]);
        let map = identity_map(&shape, 0);
        // i32 read as i16 (wrapping, the low 16 bits) and as f32.
        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, read {key:?}");
        let want = naive_read(&map, &key).map(|m| {
            let n = gather(&m, &storage);
            Naive::new(
                &n.shape,
                n.data.iter().map(|&v| (v & 0xffff) as u16 as i16).collect(),
            )
        });
        check_read(
            ctx,
            Cast::<i16, _>::new(&a).read_dyn(&sel(&key)),
            want,
            &mut reads,
        );
        let want = naive_read(&map, &key).map(|m| {
            let n = gather(&m, &storage);
            Naive::new(&n.shape, n.data.iter().map(|&v| v as f32).collect())
        });
        let ctx = || format!("case {case}: shape {shape:?}, read {key:?} as f32");
        check_read(
            ctx,
            Cast::<f32, _>::new(&a).read_dyn(&sel(&key)),
            want,
            &mut reads,
        );

        // Writes of f64 values through a Cast<f64> of i32: truncated,
        // saturated, NaN as 0 (written out by hand).
        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, |r: &mut SmallRng| {
            match r.random_range(0..10) {
                0 => f64::NAN,
                1 => 1e12,
                2 => -1e12,
                _ => r.random_range(-1000.0..1000.0),
            }
        });
        let ctx = || format!("case {case}: write {key:?} = {value:?}");
        let got = Cast::<f64, _>::new(&mut a).write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value).map(|stores| {
            stores
                .into_iter()
                .map(|(loc, v)| {
                    let v = if v.is_nan() {
                        0
                    } else if v >= i32::MAX as f64 {
                        i32::MAX
                    } else if v <= i32::MIN as f64 {
                        i32::MIN
                    } else {
                        v.trunc() as i64 as i32
                    };
                    (loc, v)
                })
                .collect()
        });
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    reads.finish();
    writes.finish_write();
}

#[test]
fn map_of_one_zip_of_two() {
    elementwise(
        "Map<i32 -> i64> read",
        0x5eed_0013,
        |r| r.random_range(-1000..1000),
        |mut v: Vec<ArrayD<i32>>| {
            let a = v.swap_remove(0);
            Ok(Map::new(a, |x: i32| i64::from(x) * 3 - 1))
        },
        |xs: &[i32]| i64::from(xs[0]) * 3 - 1,
    );
    elementwise(
        "Zip<i32, i32 -> f64> read",
        0x5eed_0014,
        |r| r.random_range(-1000..1000),
        |mut v: Vec<ArrayD<i32>>| {
            let a = v.remove(0);
            let b = v.pop().unwrap_or_else(|| a.clone());
            Zip::new(a, b, |x: i32, y: i32| f64::from(x) - 0.5 * f64::from(y))
        },
        |xs: &[i32]| {
            let y = if xs.len() > 1 {
                xs[xs.len() - 1]
            } else {
                xs[0]
            };
            f64::from(xs[0]) - 0.5 * f64::from(y)
        },
    );
}

// ---------------------------------------------------------------------------
// Concat
// ---------------------------------------------------------------------------

#[test]
fn concat() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0015);
    let mut builds = Stats::new("Concat::new");
    let (mut reads, mut writes) = (Stats::new("Concat read"), Stats::new("Concat write"));
    for case in 0..CASES {
        let base = gen_shape(&mut rng, 3);
        let axis = gen_axis(&mut rng, base.len().saturating_sub(1));
        let n_src = rng.random_range(1..=4);
        // Each source: the base shape with its own length along the axis;
        // sometimes another axis differs too.
        let shapes: Vec<Vec<usize>> = (0..n_src)
            .map(|_| {
                let mut s = base.clone();
                if let Some(k) = usize::try_from(if axis < 0 {
                    axis + base.len() as isize
                } else {
                    axis
                })
                .ok()
                .filter(|&k| k < s.len())
                {
                    s[k] = rng.random_range(0..4);
                }
                if !s.is_empty() && rng.random_range(0..25) == 0 {
                    let k = rng.random_range(0..s.len());
                    s[k] += 1;
                }
                s
            })
            .collect();
        let storage: Vec<Vec<i32>> = shapes
            .iter()
            .map(|s| gen_data(&mut rng, s, small_i32))
            .collect();
        let arrays: Vec<_> = shapes
            .iter()
            .zip(&storage)
            .map(|(s, d)| to_array(s, d))
            .collect();
        let maps: Vec<_> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| identity_map(s, i))
            .collect();
        let ctx = || format!("case {case}: shapes {shapes:?}, axis {axis}");
        let Some((mut c, map)) = check_build(
            ctx,
            Concat::new(arrays, axis),
            concat_maps(&maps, axis),
            &mut builds,
        ) else {
            continue;
        };
        assert_eq!(c.shape(), &map.shape[..], "{}", ctx());

        let key = gen_key(&mut rng, &map.shape);
        let ctx = || format!("{}: read {key:?}", ctx());
        let want = naive_read(&map, &key).map(|m| gather(&m, &storage));
        check_read(ctx, c.read_dyn(&sel(&key)), want, &mut reads);

        let key = gen_key(&mut rng, &map.shape);
        let value = gen_value(&mut rng, &map, &key, small_i32);
        let ctx = || format!("{}: write {key:?} = {value:?}", ctx());
        let got = c.write_dyn(&sel(&key), value.to_array().view());
        let after: Vec<_> = c.sources().iter().map(contents).collect();
        let want = naive_assignments(&map, &key, &value);
        check_write(ctx, got, want, &storage, &after, &mut writes);
    }
    builds.finish_builds();
    reads.finish();
    writes.finish_write();
}

// ---------------------------------------------------------------------------
// Pointwise reads
// ---------------------------------------------------------------------------

#[test]
fn read_points_of_stacks() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0016);
    let mut reads = Stats::new("read_points");
    for case in 0..CASES {
        let src_shape = gen_shape(&mut rng, 3);
        let n_src = rng.random_range(1..=3);
        let storage: Vec<Vec<i32>> = (0..n_src)
            .map(|_| gen_data(&mut rng, &src_shape, small_i32))
            .collect();
        let arrays: Vec<_> = storage.iter().map(|d| to_array(&src_shape, d)).collect();
        let maps: Vec<_> = (0..n_src).map(|s| identity_map(&src_shape, s)).collect();
        let map = stack_maps(&maps, 0);
        let st = Stacked::new(arrays, 0).unwrap();
        let shape = map.shape.clone();
        // Points: mostly in range (negative half the time), now and then one
        // coordinate off the end or a wrong count of coordinates.
        let points: Vec<Vec<isize>> = (0..rng.random_range(0..12))
            .map(|_| {
                let mut p: Vec<isize> = shape
                    .iter()
                    .map(|&n| {
                        let n = n as isize;
                        match rng.random_range(0..40) {
                            0 => n,
                            1 => -n - 1,
                            _ if n == 0 => 0,
                            k if k % 2 == 0 => irange(&mut rng, 0, n - 1),
                            _ => irange(&mut rng, -n, -1),
                        }
                    })
                    .collect();
                if rng.random_range(0..40) == 0 {
                    p.push(0);
                }
                p
            })
            .collect();
        let ctx = || format!("case {case}: shape {shape:?}, points {points:?}");
        // The reference: each point resolved by hand and looked up in the map.
        let want: Result<Naive<i32>, ErrorKind> = points
            .iter()
            .map(|p| {
                if p.len() != shape.len() {
                    return Err(ErrorKind::Index);
                }
                let idx = p
                    .iter()
                    .zip(&shape)
                    .map(|(&i, &n)| wrap_index(i, n))
                    .collect::<Result<Vec<_>, _>>()?;
                let (s, f) = map.data[ravel(&idx, &shape)];
                Ok(storage[s][f])
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| Naive::new(&[v.len()], v));
        let got = st.read_points(&points).map(|a| a.into_dyn());
        check_read(ctx, got, want, &mut reads);
    }
    reads.finish();
}

// ---------------------------------------------------------------------------
// Decoded (CF)
// ---------------------------------------------------------------------------

#[test]
fn decoded_reads_and_writes() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_0017);
    let (mut reads, mut writes) = (Stats::new("Decoded read"), Stats::new("Decoded write"));
    let cf = Cf {
        scale_factor: Some(0.5),
        add_offset: Some(-3.0),
        fill_value: Some(-999.0),
        missing_values: vec![77.0],
        valid_min: Some(-2000.0),
        valid_max: Some(2000.0),
    };
    // By hand: masked stored values, then raw * 0.5 - 3.
    let decode = |raw: i16| -> f64 {
        if raw == -999 || raw == 77 || !(-2000..=2000).contains(&raw) {
            f64::NAN
        } else {
            f64::from(raw) * 0.5 - 3.0
        }
    };
    // NaN writes -999; others (v + 3) / 0.5 rounded, and must fit i16.
    let encode = |v: f64| -> Option<i16> {
        if v.is_nan() {
            return Some(-999);
        }
        let r = ((v + 3.0) / 0.5).round();
        (r >= f64::from(i16::MIN) && r <= f64::from(i16::MAX)).then_some(r as i16)
    };
    let bits = |v: &Naive<f64>| v.data.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for case in 0..CASES {
        let shape = gen_shape(&mut rng, 3);
        let storage = vec![gen_data(&mut rng, &shape, |r: &mut SmallRng| {
            match r.random_range(0..10) {
                0 => -999,
                1 => 77,
                2 => r.random_range(2001..3000),
                _ => r.random_range(-2000..=2000),
            }
        })];
        let mut a = to_array(&shape, &storage[0]);
        let map = identity_map(&shape, 0);
        let key = gen_key(&mut rng, &shape);
        let ctx = || format!("case {case}: shape {shape:?}, read {key:?}");
        // NaN != NaN: compare the bits of both sides.
        let want = naive_read(&map, &key).map(|m| {
            let n = gather(&m, &storage);
            Naive::new(&n.shape, n.data.iter().map(|&r| decode(r)).collect())
        });
        let got = Decoded::<f64, _>::new(&a, cf.clone())
            .unwrap()
            .read_dyn(&sel(&key));
        let want_bits =
            want.map(|w| Naive::new(&w.shape, bits(&w).into_iter().map(|b| b as i64).collect()));
        let got_bits = got.map(|g| g.mapv(|x| x.to_bits() as i64));
        check_read(ctx, got_bits, want_bits, &mut reads);

        let key = gen_key(&mut rng, &shape);
        let value = gen_value(&mut rng, &map, &key, |r: &mut SmallRng| {
            match r.random_range(0..12) {
                0 => f64::NAN,
                1 => 1e9,
                _ => f64::from(r.random_range(-1000..1000)) * 0.5,
            }
        });
        let ctx = || format!("case {case}: write {key:?} = {value:?}");
        let got = Decoded::<f64, _>::new(&mut a, cf.clone())
            .unwrap()
            .write_dyn(&sel(&key), value.to_array().view());
        let want = naive_assignments(&map, &key, &value).and_then(|stores| {
            stores
                .into_iter()
                .map(|(loc, v)| encode(v).map(|r| (loc, r)).ok_or(ErrorKind::Value))
                .collect::<Result<Vec<_>, _>>()
        });
        check_write(ctx, got, want, &storage, &[contents(&a)], &mut writes);
    }
    reads.finish();
    writes.finish();
}

/// A value one `Decoded` source of a stack or concatenation cannot store
/// fails the whole write before any source is written.
#[test]
fn a_value_one_decoded_source_refuses_leaves_every_source_unchanged() {
    let cf = Cf {
        scale_factor: Some(1.0),
        fill_value: Some(-1.0),
        ..Cf::default()
    };
    let (mut a, mut b) = (ndarray::array![0u8, 0], ndarray::array![0u8, 0]);
    let both = sel(&[SelectionItem::FULL]);
    // 300 fits nothing stored as u8: the second source's part.
    let value = ndarray::array![[1.0, 300.0], [2.0, 3.0]].into_dyn();
    {
        let sources = vec![
            Decoded::<f64, _>::new(&mut a, cf.clone()).unwrap(),
            Decoded::<f64, _>::new(&mut b, cf.clone()).unwrap(),
        ];
        let mut st = Stacked::new(sources, -1).unwrap();
        let err = st.write_dyn(&both, value.view()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    }
    assert_eq!((a.to_vec(), b.to_vec()), (vec![0, 0], vec![0, 0]));
    {
        let sources = vec![
            Decoded::<f64, _>::new(&mut a, cf.clone()).unwrap(),
            Decoded::<f64, _>::new(&mut b, cf.clone()).unwrap(),
        ];
        let mut c = Concat::new(sources, 0).unwrap();
        let err = c
            .write_dyn(
                &both,
                ndarray::array![1.0, 2.0, 3.0, -7.0].into_dyn().view(),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    }
    assert_eq!((a.to_vec(), b.to_vec()), (vec![0, 0], vec![0, 0]));
}
