//! Reductions with every rank: each reduces its share of the rows, and the
//! partial results are combined, in rank order, on every rank.
//!
//! Values are read as `f64` (integers converted with `as`), a piece of at
//! most 64 MiB at a time; the ranks take their pieces in lockstep and agree
//! on errors after each, as [`copy_into`](crate::copy_into) does. The
//! partial results are gathered on every rank and combined there in rank
//! order, so every rank returns the same value, and a NaN anywhere is the
//! result of [`min`] and [`max`] (as NumPy's `min` and `max`).
//!
//! ```no_run
//! use lazy_core::{Scaled, Stacked};
//! use mpi::traits::Communicator;
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! // Each rank holds the same two arrays (they could be files).
//! let (a, b) = (ndarray::Array1::<i32>::from_elem(1000, 1), ndarray::Array1::<i32>::from_elem(1000, 2));
//! let view = Scaled::new(Stacked::new(vec![&a, &b], -1)?, 0.5);
//! let total = lazy_mpi::sum(&world, &view)?; // every rank reads a third of the rows
//! assert_eq!(total, 1500.0);
//! assert_eq!(lazy_mpi::max(&world, &view)?, 1.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use lazy_core::{Cast, Dataset, DatasetExt, Error, Result};
use mpi::traits::{Communicator, CommunicatorCollectives};
use ndarray::ArrayViewD;
use num_traits::AsPrimitive;

use crate::agree::lockstep;
use crate::copy::{piece_rows, rows_selection};
use crate::share::share;

/// The bytes of `f64` values a rank reads at once.
const BUDGET: usize = 64 << 20;

/// The sum of all elements of `source`, as `f64`, on every rank of `comm`:
/// each rank sums its share of the rows, and the partial sums are added in
/// rank order. An empty dataset sums to 0. Collective.
///
/// An error on any rank (a read that fails) is an error on every rank.
pub fn sum<C, S>(comm: &C, source: &S) -> Result<f64>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    S::Elem: AsPrimitive<f64>,
{
    let partials = reduce(comm, source, 0.0, |acc, piece| acc + piece.sum())?;
    Ok(partials.iter().map(|&(value, _)| value).sum())
}

/// The smallest element of `source`, as `f64`, on every rank of `comm`
/// (NaN when any element is NaN, as NumPy's `min`). Collective.
///
/// An empty dataset has no minimum: a [`Value`](lazy_core::ErrorKind::Value)
/// error on every rank, as NumPy's "zero-size array" error.
pub fn min<C, S>(comm: &C, source: &S) -> Result<f64>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    S::Elem: AsPrimitive<f64>,
{
    extreme(comm, source, "minimum", f64::INFINITY, f64::min)
}

/// The largest element of `source`, as `f64`, on every rank of `comm`
/// (NaN when any element is NaN, as NumPy's `max`). Collective.
///
/// An empty dataset has no maximum: a [`Value`](lazy_core::ErrorKind::Value)
/// error on every rank.
pub fn max<C, S>(comm: &C, source: &S) -> Result<f64>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    S::Elem: AsPrimitive<f64>,
{
    extreme(comm, source, "maximum", f64::NEG_INFINITY, f64::max)
}

fn extreme<C, S>(
    comm: &C,
    source: &S,
    what: &str,
    init: f64,
    pick: fn(f64, f64) -> f64,
) -> Result<f64>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    S::Elem: AsPrimitive<f64>,
{
    // `f64::min` and `max` skip NaN; NumPy's propagate it.
    let nan_aware = move |a: f64, b: f64| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            pick(a, b)
        }
    };
    let partials = reduce(comm, source, init, move |acc, piece| {
        piece.iter().fold(acc, |a, &b| nan_aware(a, b))
    })?;
    partials
        .iter()
        .filter(|&&(_, count)| count > 0.0)
        .map(|&(value, _)| value)
        .reduce(nan_aware)
        .ok_or_else(|| {
            Error::value(format!(
                "a dataset of shape {:?} has no elements, so no {what}",
                source.shape()
            ))
        })
}

/// Every rank's `(partial result, elements reduced)`, in rank order, on
/// every rank: each folds the pieces of its share with `fold`, from `init`.
fn reduce<C, S>(
    comm: &C,
    source: &S,
    init: f64,
    fold: impl Fn(f64, ArrayViewD<'_, f64>) -> f64,
) -> Result<Vec<(f64, f64)>>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    S::Elem: AsPrimitive<f64>,
{
    let values = Cast::<f64, _>::new(source);
    let shape = values.shape().to_vec();
    let (mut acc, mut count) = (init, 0usize);
    match shape.split_first() {
        None => {
            // One element: the rank that owns the single row reads it.
            let rows = share(comm, 1, 1);
            lockstep(comm, rows.len(), |_| {
                let all = values.read_dyn(&lazy_core::DynSelection::from(vec![]))?;
                acc = fold(acc, all.view());
                count += all.len();
                Ok(())
            })?;
        }
        Some((&len, row)) => {
            let rows = share(comm, len, 1);
            let per_piece = piece_rows(row, std::mem::size_of::<f64>(), BUDGET, 1);
            lockstep(comm, rows.len().div_ceil(per_piece), |k| {
                let start = rows.start + k * per_piece;
                let end = (start + per_piece).min(rows.end);
                let piece = values.read_dyn(&rows_selection(start..end)?)?;
                acc = fold(acc, piece.view());
                count += piece.len();
                Ok(())
            })?;
        }
    }
    let mut gathered = vec![0.0f64; 2 * usize::try_from(comm.size()).unwrap_or(1)];
    comm.all_gather_into(&[acc, count as f64][..], &mut gathered[..]);
    Ok(gathered
        .chunks_exact(2)
        .map(|pair| {
            (
                pair.first().copied().unwrap_or(0.0),
                pair.get(1).copied().unwrap_or(0.0),
            )
        })
        .collect())
}
