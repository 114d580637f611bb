//! The conformance suite every backend runs: every selection that works on
//! an ndarray works on the backend's datasets, with the same results as the
//! naive NumPy reference ([`crate::naive`]), for reads and writes, every
//! element type and every storage layout the backend names.
//!
//! A backend implements [`Backend<T>`] for each element type (a dataset of
//! `T` in layout number `k`, holding given data, written by the storage
//! library itself where it has a way) and calls the suite's tests:
//!
//! - [`every_element_type`]: random shapes (rank 0 to 4, empty and length-1
//!   axes) of `f64`, `f32`, `i8`, `i16`, `u8`, `u64` and `bool`, 60 random
//!   reads and 25 random writes each, with keys of every kind (negative
//!   steps, unsorted and duplicated lists, lists on several axes, newaxis,
//!   ellipsis, out-of-range entries);
//! - [`sparse_lists_on_long_axes`]: long axes read and written with sparse,
//!   unsorted lists and long steps (the transfers that split into pieces);
//! - [`strided_buffers`]: reads into buffers that are not contiguous;
//! - [`masks_and_long_lists`]: masks of every density and long lists
//!   (sorted, with duplicates, unsorted) on any axis, alone and under a
//!   stack of three.
//!
//! The in-memory backend (ndarray arrays) runs it too, in the facade's
//! tests.
//!
//! ```
//! use lazy_core::Element;
//! use lazy_testkit::conformance::{self, Backend};
//! use ndarray::ArrayD;
//! use rand::rngs::SmallRng;
//!
//! /// ndarray arrays in C or Fortran order.
//! struct Memory;
//!
//! impl<T: Element> Backend<T> for Memory {
//!     type Dataset = ArrayD<T>;
//!     fn layouts(&self) -> usize {
//!         2
//!     }
//!     fn create(&mut self, _name: &str, data: &ArrayD<T>, layout: usize, _rng: &mut SmallRng) -> ArrayD<T> {
//!         let mut a = if layout == 0 { data.clone() } else { data.t().to_owned().reversed_axes() };
//!         a.assign(data);
//!         a
//!     }
//! }
//!
//! let report = conformance::strided_buffers(&mut Memory, 1);
//! assert!(report.reads > 0);
//! ```

use std::fmt::Debug;

use lazy_core::{
    resolve, DatasetExt, DatasetMut, DatasetMutExt, Dyn, DynSelection, Element, ErrorKind,
    SelectionItem,
};
use ndarray::{ArrayD, Axis, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::compare;
use crate::entropy::Entropy;
use crate::keys::{self, KeyStyle};
use crate::naive::{identity_map, naive_assignments, naive_read, scatter, Naive};

/// A storage backend under test, for element type `T`.
pub trait Backend<T: Element> {
    /// Its datasets, opened for writing.
    type Dataset: DatasetMut<Elem = T, Rank = Dyn> + Send;

    /// The number of storage layouts it tests (contiguous, chunked,
    /// compressed, sharded, …); cases go through them in turn.
    fn layouts(&self) -> usize;

    /// A new dataset named `name` holding `data`, stored in layout number
    /// `layout` (below [`layouts`](Backend::layouts)), written by the
    /// storage library itself rather than the code under test where it has
    /// a way; `rng` may pick chunk shapes.
    fn create(
        &mut self,
        name: &str,
        data: &ArrayD<T>,
        layout: usize,
        rng: &mut SmallRng,
    ) -> Self::Dataset;

    /// What a fresh handle on dataset `name` reads, to check that writes
    /// reached storage; `None` (the default) when there is no storage to
    /// open again.
    fn reopened(&mut self, name: &str) -> Option<ArrayD<T>> {
        let _ = name;
        None
    }
}

/// Random values of an element type.
pub trait Sample: Element + Debug {
    /// A random value: any bit pattern of integers, floats in `-1000..1000`.
    fn sample(rng: &mut SmallRng) -> Self;
}

macro_rules! sample_ints {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            fn sample(rng: &mut SmallRng) -> Self {
                rng.random()
            }
        }
    )*};
}

sample_ints!(bool, i8, i16, i32, i64, u8, u16, u32, u64);

impl Sample for f32 {
    fn sample(rng: &mut SmallRng) -> Self {
        rng.random_range(-1e3..1e3)
    }
}

impl Sample for f64 {
    fn sample(rng: &mut SmallRng) -> Self {
        rng.random_range(-1e3..1e3)
    }
}

/// What a run of the suite did: every count is of checks that compared
/// the backend with the reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Datasets created.
    pub datasets: usize,
    /// Reads compared.
    pub reads: usize,
    /// Of those, reads of valid keys (compared element by element; the
    /// others compared by error kind).
    pub valid_reads: usize,
    /// Writes compared.
    pub writes: usize,
    /// Of those, writes of valid keys.
    pub valid_writes: usize,
}

impl Report {
    fn add(&mut self, other: &Report) {
        self.datasets += other.datasets;
        self.reads += other.reads;
        self.valid_reads += other.valid_reads;
        self.writes += other.writes;
        self.valid_writes += other.valid_writes;
    }
}

/// A dataset under test beside its naive value.
struct Case<'a, D: lazy_core::Dataset> {
    ds: D,
    value: Naive<D::Elem>,
    what: &'a str,
}

impl<D> Case<'_, D>
where
    D: DatasetMut<Rank = Dyn>,
    D::Elem: Sample,
{
    /// Reads `key` from the backend and the reference and compares results,
    /// or error kinds; returns whether the key was valid.
    fn read(&self, key: &[SelectionItem]) -> bool {
        let got = self.ds.read_dyn(&DynSelection::from(key.to_vec()));
        let ctx = || format!("{}: read of {key:?}", self.what);
        compare::read(ctx, got, naive_read(&self.value, key)).is_ok()
    }

    /// Writes random values through `key` to both, sometimes from a source
    /// that is not contiguous, and compares the whole dataset; returns
    /// whether the key was valid.
    fn write(&mut self, key: &[SelectionItem], rng: &mut SmallRng) -> bool {
        let sel = DynSelection::from(key.to_vec());
        let map = identity_map(&self.value.shape, 0);
        let targets = match naive_read(&map, key) {
            Ok(targets) => targets,
            Err(kind) => {
                let err = self
                    .ds
                    .write_dyn(&sel, ndarray::arr0(D::Elem::sample(rng)).into_dyn().view())
                    .expect_err(&format!("{}: write of invalid key {key:?}", self.what));
                assert_eq!(err.kind(), kind, "{}: {err}", self.what);
                return false;
            }
        };
        let values: Vec<D::Elem> = (0..targets.data.len())
            .map(|_| D::Elem::sample(rng))
            .collect();
        let src = ArrayD::from_shape_vec(IxDyn(&targets.shape), values.clone())
            .expect("values of the selection's shape");
        let src = sometimes_reversed(src, rng);
        let value = Naive::new(&targets.shape, values);
        let stores = naive_assignments(&map, key, &value).expect("a valid key");
        scatter(std::slice::from_mut(&mut self.value.data), stores);
        self.ds
            .write_dyn(&sel, src.view())
            .unwrap_or_else(|e| panic!("{}: write of {key:?}: {e}", self.what));
        let all = self
            .ds
            .read_dyn(&DynSelection::all())
            .expect("a read of everything");
        let got: Vec<D::Elem> = all.iter().copied().collect();
        assert_eq!(got, self.value.data, "{}: after writing {key:?}", self.what);
        true
    }
}

/// `src`, three times in ten (when it has an axis) held with its first axis
/// reversed in memory, so that a write from it reads through a negative
/// stride: the values are the same, the source is not contiguous.
fn sometimes_reversed<T: Clone>(src: ArrayD<T>, rng: &mut SmallRng) -> ArrayD<T> {
    if !(rng.random_bool(0.3) && src.ndim() > 0) {
        return src;
    }
    let mut rev = src;
    rev.invert_axis(Axis(0));
    let mut stored = rev.as_standard_layout().into_owned();
    stored.invert_axis(Axis(0));
    stored
}

fn naive_of<T: Element>(a: &ArrayD<T>) -> Naive<T> {
    Naive::new(a.shape(), a.iter().copied().collect())
}

/// `datasets` datasets of `T` in random shapes, each read 60 times and
/// written 25 times with random keys.
pub fn random_selections<T: Sample, B: Backend<T>>(
    backend: &mut B,
    rng: &mut SmallRng,
    datasets: usize,
) -> Report {
    let mut report = Report::default();
    for i in 0..datasets {
        let shape = keys::shape(rng, 4, 7, 7 * 7 * 7 * 7);
        let data = ArrayD::from_shape_simple_fn(IxDyn(&shape), || T::sample(rng));
        let name = format!("{}_{i}", T::DTYPE);
        let layout = i % backend.layouts().max(1);
        let ds = backend.create(&name, &data, layout, rng);
        let what = format!("{name} of shape {shape:?} in layout {layout}");
        let mut case = Case {
            ds,
            value: naive_of(&data),
            what: &what,
        };
        assert_eq!(
            lazy_core::Dataset::shape(&case.ds),
            &shape[..],
            "{what}: shape"
        );
        report.datasets += 1;
        for _ in 0..60 {
            let key = keys::key(rng, &shape, KeyStyle::STORAGE);
            report.reads += 1;
            report.valid_reads += usize::from(case.read(&key));
        }
        for _ in 0..25 {
            let key = keys::key(rng, &shape, KeyStyle::STORAGE);
            report.writes += 1;
            report.valid_writes += usize::from(case.write(&key, rng));
        }
        if let Some(stored) = backend.reopened(&name) {
            let stored: Vec<T> = stored.iter().copied().collect();
            assert_eq!(stored, case.value.data, "{what}: opened again");
        }
    }
    report
}

/// [`random_selections`] of every element type: 45 datasets of `f64`, 12
/// of `i16`, `u8` and `bool`, 6 of `u64`, `i8` and `f32`. Checks that
/// most keys were valid, so that the comparison is not vacuous.
pub fn every_element_type<B>(backend: &mut B, seed: u64) -> Report
where
    B: Backend<f64>
        + Backend<f32>
        + Backend<i8>
        + Backend<i16>
        + Backend<u8>
        + Backend<u64>
        + Backend<bool>,
{
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut report = Report::default();
    report.add(&random_selections::<f64, B>(backend, &mut rng, 45));
    report.add(&random_selections::<i16, B>(backend, &mut rng, 12));
    report.add(&random_selections::<u8, B>(backend, &mut rng, 12));
    report.add(&random_selections::<bool, B>(backend, &mut rng, 12));
    report.add(&random_selections::<u64, B>(backend, &mut rng, 6));
    report.add(&random_selections::<i8, B>(backend, &mut rng, 6));
    report.add(&random_selections::<f32, B>(backend, &mut rng, 6));
    println!("{report:?}");
    assert!(report.valid_reads > report.reads / 2, "{report:?}");
    assert!(report.valid_writes > report.writes / 2, "{report:?}");
    assert!(
        report.valid_reads < report.reads,
        "{report:?}: no invalid key"
    );
    report
}

/// Long axes (`[20000]`, `[3000, 40]`, `[40, 3000]`, `[300, 20, 30]`) in
/// every layout, read `rounds` times with sparse lists (unsorted, with
/// duplicates, up to `max_list` entries) on one or several axes, short
/// negative steps and (with `long_steps`) steps of 50 to 899, and written
/// every third round.
pub fn sparse_lists_on_long_axes<B: Backend<i64>>(
    backend: &mut B,
    seed: u64,
    rounds: usize,
    max_list: usize,
    long_steps: bool,
) -> Report {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut report = Report::default();
    for (i, shape) in [
        vec![20_000],
        vec![3000, 40],
        vec![40, 3000],
        vec![300, 20, 30],
    ]
    .into_iter()
    .enumerate()
    {
        for layout in 0..backend.layouts() {
            let data =
                ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(0..1_000_000i64));
            let name = format!("sparse_{i}_{layout}");
            let what = format!("{name} of shape {shape:?} in layout {layout}");
            let mut case = Case {
                ds: backend.create(&name, &data, layout, &mut rng),
                value: naive_of(&data),
                what: &what,
            };
            report.datasets += 1;
            for round in 0..rounds {
                let key = keys::sparse_key(&mut rng, &shape, max_list, long_steps);
                report.reads += 1;
                report.valid_reads += usize::from(case.read(&key));
                if round % 3 == 0 {
                    report.writes += 1;
                    report.valid_writes += usize::from(case.write(&key, &mut rng));
                }
            }
        }
    }
    assert_eq!(
        report.valid_reads, report.reads,
        "sparse keys are all valid"
    );
    report
}

/// Reads into buffers that are not contiguous (a transposed view of the
/// output), of every layout, compared element by element.
pub fn strided_buffers<B: Backend<i32>>(backend: &mut B, seed: u64) -> Report {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut report = Report::default();
    for layout in 0..backend.layouts() {
        let data = ArrayD::from_shape_simple_fn(IxDyn(&[6, 5]), || rng.random::<i32>());
        let ds = backend.create(&format!("strided_{layout}"), &data, layout, &mut rng);
        report.datasets += 1;
        for key in [
            vec![
                SelectionItem::slice(Some(1), None, Some(2)),
                SelectionItem::FULL,
            ],
            vec![
                SelectionItem::List(vec![4, 0, 4]),
                SelectionItem::slice(None, None, Some(-2)),
            ],
            vec![
                SelectionItem::FULL,
                SelectionItem::NewAxis,
                SelectionItem::List(vec![3, 1]),
            ],
        ] {
            let region = resolve(&[6, 5], &key).expect("a valid key");
            let want = naive_read(&naive_of(&data), &key).expect("a valid key");
            let mut shape = want.shape.clone();
            shape.reverse();
            let mut out = ArrayD::<i32>::zeros(IxDyn(&shape));
            ds.read_into(&region, out.view_mut().reversed_axes())
                .unwrap_or_else(|e| panic!("layout {layout}: read of {key:?}: {e}"));
            let got: Vec<i32> = out.view().reversed_axes().iter().copied().collect();
            assert_eq!(
                got, want.data,
                "layout {layout}: read of {key:?} into a transposed buffer"
            );
            report.reads += 1;
            report.valid_reads += 1;
        }
        // A region resolved against another shape is refused.
        let other = resolve(&[5, 6], &[]).expect("a valid key");
        let mut out = ArrayD::<i32>::zeros(IxDyn(&[5, 6]));
        let err = ds.read_into(&other, out.view_mut()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Shape);
    }
    report
}

/// Reads `key` from `got` and from `want` (the same view over in-memory
/// arrays, say) and compares results, or error kinds; returns whether the
/// key was valid. `what` names the case in messages.
pub fn same_read<A, B>(got: &A, want: &B, key: &[SelectionItem], what: &str) -> bool
where
    A: lazy_core::Dataset,
    B: lazy_core::Dataset<Elem = A::Elem>,
{
    let sel = DynSelection::from(key.to_vec());
    match (want.read_dyn(&sel), got.read_dyn(&sel)) {
        (Ok(want), Ok(got)) => {
            // Equal, NaN matching NaN (decoded views read missing values as NaN).
            #[allow(clippy::eq_op)]
            let same = got.shape() == want.shape()
                && got
                    .iter()
                    .zip(want.iter())
                    .all(|(g, w)| g == w || (g != g && w != w));
            assert!(
                same,
                "read of {key:?} from {what}: got {got:?}, want {want:?}"
            );
            true
        }
        (Err(want), Err(got)) => {
            assert_eq!(got.kind(), want.kind(), "error of {key:?} on {what}: {got}");
            false
        }
        (want, got) => panic!("key {key:?} on {what}: expected {want:?}, got {got:?}"),
    }
}

/// Writes the same random values through `key` to `got` and to `want`,
/// sometimes from a source that is not contiguous, and compares everything
/// both hold afterwards; returns whether the key was valid.
pub fn same_write<A, B>(
    got: &mut A,
    want: &mut B,
    key: &[SelectionItem],
    rng: &mut SmallRng,
    value: &impl Fn(&mut SmallRng) -> A::Elem,
    what: &str,
) -> bool
where
    A: DatasetMut,
    B: DatasetMut<Elem = A::Elem>,
{
    let sel = DynSelection::from(key.to_vec());
    let shape = match want.read_dyn(&sel) {
        Ok(a) => a.shape().to_vec(),
        Err(e) => {
            let zero = ndarray::arr0(value(rng)).into_dyn();
            let err = got.write_dyn(&sel, zero.view()).expect_err(what);
            assert_eq!(err.kind(), e.kind(), "write of {key:?} to {what}: {err}");
            return false;
        }
    };
    let src = ArrayD::from_shape_simple_fn(IxDyn(&shape), || value(rng));
    let src = sometimes_reversed(src, rng);
    want.write_dyn(&sel, src.view())
        .unwrap_or_else(|e| panic!("reference write of {key:?}: {e}"));
    got.write_dyn(&sel, src.view())
        .unwrap_or_else(|e| panic!("write of {key:?} to {what}: {e}"));
    let (after, expected) = (
        got.read_dyn(&DynSelection::all())
            .expect("a read of everything"),
        want.read_dyn(&DynSelection::all())
            .expect("a read of everything"),
    );
    assert!(
        same_values(&after, &expected),
        "after writing {key:?} to {what}: got {after:?}, want {expected:?}"
    );
    true
}

/// Equal shapes and elements, NaN matching NaN (decoded views read missing
/// values as NaN).
fn same_values<T: PartialEq>(a: &ArrayD<T>, b: &ArrayD<T>) -> bool {
    #[allow(clippy::eq_op)]
    let nan = |x: &T| x != x;
    a.shape() == b.shape()
        && a.iter()
            .zip(b.iter())
            .all(|(x, y)| x == y || (nan(x) && nan(y)))
}

/// Views over the backend's datasets read and write exactly as the same
/// views over ndarray arrays: `Stacked` of three datasets (each in another
/// layout) along a random axis, and `Scaled` of that stack, with random keys.
pub fn views<B: Backend<i32>>(backend: &mut B, seed: u64) -> Report {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut report = Report::default();
    for case in 0..12 {
        let ndim: usize = rng.random_range(0..=2);
        let shape: Vec<usize> = (0..ndim).map(|_| rng.random_range(1..=6)).collect();
        let mut arrays: Vec<ArrayD<i32>> = (0..3)
            .map(|_| ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(-1000..1000)))
            .collect();
        let mut stored: Vec<B::Dataset> = arrays
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let layout = (case + i) % backend.layouts().max(1);
                backend.create(&format!("view_{case}_{i}"), a, layout, &mut rng)
            })
            .collect();
        report.datasets += 3;
        let axis = rng.range(-(ndim as i128) - 1, ndim as i128) as isize;
        let what = format!("Stacked(axis {axis}) of 3 datasets of shape {shape:?}");
        let mut got = lazy_core::Stacked::new(stored.iter_mut().collect(), axis).expect("a stack");
        let mut want = lazy_core::Stacked::new(arrays.iter_mut().collect(), axis).expect("a stack");
        let stack_shape = want.shape().to_vec();
        let mut run = Exercise {
            shape: &stack_shape,
            rng: &mut rng,
            report: &mut report,
            what: &what,
        };
        run.reads_and_writes(&mut got, &mut want, 40, 15, &|r| {
            r.random_range(-1000..1000)
        });
        // Pointwise reads of the stack, in range (negative half the time).
        if stack_shape.iter().all(|&n| n > 0) {
            for _ in 0..10 {
                let points: Vec<Vec<isize>> = (0..run.rng.random_range(1..8))
                    .map(|_| {
                        stack_shape
                            .iter()
                            .map(|&n| {
                                let i = run.rng.random_range(0..n) as isize;
                                if run.rng.random_bool(0.5) {
                                    i - n as isize
                                } else {
                                    i
                                }
                            })
                            .collect()
                    })
                    .collect();
                run.report.reads += 1;
                let (g, w) = (got.read_points(&points), want.read_points(&points));
                assert_eq!(g.ok(), w.ok(), "{what}: points {points:?}");
                run.report.valid_reads += 1;
            }
        }
        // Scaled over the stack: reads multiply, writes divide and truncate.
        let mut got = lazy_core::Scaled::new(got, 0.5);
        let mut want = lazy_core::Scaled::new(want, 0.5);
        run.reads_and_writes(&mut got, &mut want, 20, 10, &|r| {
            r.random_range(-500.0..500.0)
        });
        // The stack transposed: reads and writes compose through both.
        let mut got = lazy_core::Transposed::new(got.into_source());
        let mut want = lazy_core::Transposed::new(want.into_source());
        let t_shape = want.shape().to_vec();
        run.shape = &t_shape;
        run.reads_and_writes(&mut got, &mut want, 20, 10, &|r| {
            r.random_range(-1000..1000)
        });
        // Cast to f64 (writes truncate back), and Map, read-only.
        let mut got = lazy_core::Cast::<f64, _>::new(got.into_source());
        let mut want = lazy_core::Cast::<f64, _>::new(want.into_source());
        run.shape = &stack_shape;
        run.reads_and_writes(&mut got, &mut want, 20, 10, &|r| {
            r.random_range(-1000.0..1000.0)
        });
        // CF-decoded (scale, offset, a fill value): reads mask and scale,
        // writes unscale, round and range-check.
        let cf = lazy_core::Cf {
            scale_factor: Some(0.5),
            add_offset: Some(-3.0),
            fill_value: Some(-7.0),
            ..lazy_core::Cf::default()
        };
        let mut got =
            lazy_core::Decoded::<f64, _>::new(got.into_source(), cf.clone()).expect("a view");
        let mut want = lazy_core::Decoded::<f64, _>::new(want.into_source(), cf).expect("a view");
        run.reads_and_writes(&mut got, &mut want, 20, 10, &|r| {
            if r.random_range(0..8) == 0 {
                f64::NAN
            } else {
                f64::from(r.random_range(-1000..1000)) * 0.5
            }
        });
        let got = lazy_core::Map::new(got.into_source(), |v: i32| i64::from(v) * 7);
        let want = lazy_core::Map::new(want.into_source(), |v: i32| i64::from(v) * 7);
        for _ in 0..20 {
            let key = keys::key(run.rng, run.shape, KeyStyle::STORAGE);
            run.report.reads += 1;
            run.report.valid_reads += usize::from(same_read(&got, &want, &key, run.what));
        }
        // Zip of the stack with itself.
        let (got, want) = (got.source(), want.source());
        let got = lazy_core::Zip::new(got, got, |a: i32, b: i32| i64::from(a) - 2 * i64::from(b))
            .expect("a view");
        let want =
            lazy_core::Zip::new(want, want, |a: i32, b: i32| i64::from(a) - 2 * i64::from(b))
                .expect("a view");
        for _ in 0..20 {
            let key = keys::key(run.rng, run.shape, KeyStyle::STORAGE);
            run.report.reads += 1;
            run.report.valid_reads += usize::from(same_read(&got, &want, &key, run.what));
        }
        // Concatenated along their first axis (a window touches only the
        // datasets under it).
        if ndim > 0 {
            let mut got = lazy_core::Concat::new(stored.iter_mut().collect(), 0).expect("a concat");
            let mut want =
                lazy_core::Concat::new(arrays.iter_mut().collect(), 0).expect("a concat");
            let c_shape = want.shape().to_vec();
            let what = format!("Concat(axis 0) of 3 datasets of shape {shape:?}");
            let mut run = Exercise {
                shape: &c_shape,
                rng: &mut rng,
                report: &mut report,
                what: &what,
            };
            run.reads_and_writes(&mut got, &mut want, 30, 10, &|r| {
                r.random_range(-1000..1000)
            });
        }
        // Storage holds what the arrays hold.
        for (s, a) in stored.iter().zip(&arrays) {
            assert_eq!(
                &s.read_dyn(&DynSelection::all()).expect("a read"),
                a,
                "{what}"
            );
        }
    }
    println!("{report:?}");
    assert!(report.valid_reads > report.reads / 2, "{report:?}");
    report
}

/// Random reads and writes of one view over backend datasets and the same
/// view over arrays, compared with [`same_read`] and [`same_write`].
struct Exercise<'a> {
    shape: &'a [usize],
    rng: &'a mut SmallRng,
    report: &'a mut Report,
    what: &'a str,
}

impl Exercise<'_> {
    fn reads_and_writes<A, B>(
        &mut self,
        got: &mut A,
        want: &mut B,
        reads: usize,
        writes: usize,
        value: &impl Fn(&mut SmallRng) -> A::Elem,
    ) where
        A: DatasetMut,
        B: DatasetMut<Elem = A::Elem>,
    {
        for _ in 0..reads {
            let key = keys::key(self.rng, self.shape, KeyStyle::STORAGE);
            self.report.reads += 1;
            self.report.valid_reads += usize::from(same_read(got, want, &key, self.what));
        }
        for _ in 0..writes {
            let key = keys::key(self.rng, self.shape, KeyStyle::STORAGE);
            self.report.writes += 1;
            self.report.valid_writes +=
                usize::from(same_write(got, want, &key, self.rng, value, self.what));
        }
    }
}

/// Masks and long lists, the selections a read gathers from most of an
/// axis (issue 24): on 1-, 2- and 3-dimensional datasets of every layout,
/// masks of every density (empty, 3%, 50%, 97%, all true), the sorted
/// positions of a mask, sorted lists with duplicates, unsorted, descending
/// and negative lists, on the first axis or another, beside full axes,
/// ranges, integers or a second mask; read from one dataset and from a
/// `Stacked` of three under the mask, and written every fourth round,
/// compared with the naive reference element by element.
pub fn masks_and_long_lists<B: Backend<i32>>(backend: &mut B, seed: u64) -> Report {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut report = Report::default();
    for (i, shape) in [vec![20_000], vec![300, 67], vec![24, 50, 30]]
        .into_iter()
        .enumerate()
    {
        for layout in 0..backend.layouts() {
            let data: Vec<ArrayD<i32>> = (0..3)
                .map(|_| ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random::<i32>()))
                .collect();
            let name = format!("masks_{i}_{layout}");
            let what = format!("{name} of shape {shape:?} in layout {layout}");
            let mut sources: Vec<B::Dataset> = data
                .iter()
                .enumerate()
                .map(|(k, d)| backend.create(&format!("{name}_{k}"), d, layout, &mut rng))
                .collect();
            report.datasets += 3;
            let mut value = naive_of(data.first().expect("three sources"));
            for round in 0..16 {
                let key = dense_key(&mut rng, &shape);
                let mut case = Case {
                    ds: sources.first_mut().expect("three sources"),
                    value,
                    what: &what,
                };
                report.reads += 1;
                report.valid_reads += usize::from(case.read(&key));
                if round % 4 == 3 {
                    report.writes += 1;
                    report.valid_writes += usize::from(case.write(&key, &mut rng));
                }
                value = case.value;
                // The stack of the three under the same key, all three
                // sources or two of them.
                let first = ArrayD::from_shape_vec(IxDyn(&shape), value.data.clone())
                    .expect("the reference's shape");
                let mut views = vec![first.view()];
                views.extend(data.iter().skip(1).map(|d| d.view()));
                let stacked_data = ndarray::stack(Axis(shape.len()), &views).expect("a stack");
                let stacked =
                    lazy_core::Stacked::new(sources.iter().collect(), -1).expect("a stack");
                let mut stack_key = key.clone();
                stack_key.push(if round % 2 == 0 {
                    SelectionItem::FULL
                } else {
                    SelectionItem::List(vec![2, 0])
                });
                let got = stacked.read_dyn(&DynSelection::from(stack_key.clone()));
                let ctx = || format!("Stacked(-1) of 3 of {what}: read of {stack_key:?}");
                compare::read(ctx, got, naive_read(&naive_of(&stacked_data), &stack_key))
                    .expect("a valid key");
                report.reads += 1;
                report.valid_reads += 1;
            }
        }
    }
    assert_eq!(report.valid_reads, report.reads, "dense keys are all valid");
    report
}

/// A key of one item per axis of `shape`: on one axis (any) a mask or a
/// long list, on the others full axes, ranges, integers or (sometimes) a
/// second mask.
fn dense_key(rng: &mut SmallRng, shape: &[usize]) -> Vec<SelectionItem> {
    let dense_axis = rng.random_range(0..shape.len().max(1));
    shape
        .iter()
        .enumerate()
        .map(|(axis, &n)| {
            if axis == dense_axis {
                return dense_item(rng, n);
            }
            match rng.random_range(0..5) {
                0 => SelectionItem::Index(rng.random_range(0..n) as isize),
                1 => SelectionItem::slice(Some(1), None, Some(2)),
                2 => dense_item(rng, n),
                _ => SelectionItem::FULL,
            }
        })
        .collect()
}

/// A mask or a long list on an axis of length `n`.
fn dense_item(rng: &mut SmallRng, n: usize) -> SelectionItem {
    let density = [0.0, 0.03, 0.5, 0.97, 1.0][rng.random_range(0..5)];
    let mask: Vec<bool> = (0..n).map(|_| rng.random_bool(density)).collect();
    let sorted: Vec<isize> = (0..n).filter(|&i| mask[i]).map(|i| i as isize).collect();
    match rng.random_range(0..7) {
        0 | 1 => SelectionItem::Mask(mask),
        2 => SelectionItem::List(sorted),
        3 => SelectionItem::List(
            // Sorted, each position once to three times.
            sorted
                .iter()
                .flat_map(|&p| std::iter::repeat_n(p, rng.random_range(1..=3)))
                .collect(),
        ),
        4 => {
            let mut list = sorted;
            for k in (1..list.len()).rev() {
                list.swap(k, rng.random_range(0..=k));
            }
            SelectionItem::List(list)
        }
        5 => SelectionItem::List(sorted.into_iter().rev().collect()),
        _ => SelectionItem::List(sorted.into_iter().map(|p| p - n as isize).collect()),
    }
}
