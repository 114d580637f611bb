//! Copying a view into one target with every rank: each reads its share of
//! the rows and writes the same rows of the target.
//!
//! Each rank's share ([`share`](crate::share)) is cut at the target's grain,
//! so no two ranks write one chunk; it is copied in pieces of at most the
//! budget by lazy-core's [`copy_into_with`](lazy_core::copy_into_with) (one
//! reused buffer, the same piece iteration as a serial copy). The ranks
//! take their pieces in lockstep and agree on errors after each piece, so
//! an error on any rank (a missing file, a failed read) stops every rank
//! after that piece, with an error, and none waits forever in a collective
//! call; then every rank finishes the target (a collective flush for
//! parallel HDF5).
//!
//! ```no_run
//! use lazy_core::{Scaled, Stacked};
//! use lazy_hdf5::{open_file, CreateOptions, H5Dataset};
//! use typenum::{U1, U2};
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! // Every rank opens the sources by itself (read-only, its own reader) ...
//! let opened = (|| {
//!     let file = open_file("channels.h5")?;
//!     let xyz = ["x", "y", "z"].map(|name| H5Dataset::<i16, U1>::open(&file, name));
//!     let [x, y, z] = xyz;
//!     Ok::<_, lazy_core::Error>(Scaled::new(Stacked::new(vec![x?, y?, z?], -1)?, 0.01))
//! })();
//! // ... agrees that all could, then all create the target together ...
//! let view = lazy_mpi::agree(&world, opened)?;
//! let n = lazy_core::Dataset::shape(&view)[0];
//! let mut out = lazy_mpi::create_h5::<f64, U2, _>(&world, "out.h5", "xyz", &[n, 3], &CreateOptions::default().chunks([65_536, 3]))?;
//! // ... and copy their shares.
//! lazy_mpi::copy_into(&world, &view, &mut out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ops::Range;

use lazy_core::{
    CopyOptions, Dataset, DatasetExt, DatasetMutExt, DynSelection, Error, Region, Result,
    SelectionItem,
};
use mpi::traits::Communicator;

use crate::agree::{agree, lockstep};
use crate::share::share;
use crate::target::ParallelTarget;

/// Copies all of `source` into `target` (same shape) with every rank of
/// `comm`, pieces of at most 64 MiB at a time; see [`copy_into_with`].
pub fn copy_into<C, S, D>(comm: &C, source: &S, target: &mut D) -> Result<()>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    D: ParallelTarget<Elem = S::Elem> + ?Sized,
{
    copy_into_with(comm, source, target, &CopyOptions::default())
}

/// Copies all of `source` into `target`, which must have the same shape,
/// with every rank of `comm`: each rank reads its share of the first axis
/// (cut at the target's [`grain`](ParallelTarget::grain)) in pieces of at
/// most `options.budget` bytes and writes them to the same rows of
/// `target`. Collective: every rank calls it, with its own handles of the
/// same source view and target. (`options.progress` is ignored: a bar per
/// rank would be noise.)
///
/// Shapes are checked, and the target asked whether it accepts the write,
/// before anything is written; an error on any rank is an error on every
/// rank (its own on the rank that failed, one naming that rank on the
/// others), after the piece in which it happened: pieces written before it
/// stay written. Every rank makes the same collective calls whatever
/// happens, so none waits forever for another.
///
/// A dataset of rank 0 (one element) is copied by one rank.
pub fn copy_into_with<C, S, D>(
    comm: &C,
    source: &S,
    target: &mut D,
    options: &CopyOptions,
) -> Result<()>
where
    C: Communicator + ?Sized,
    S: Dataset + ?Sized,
    D: ParallelTarget<Elem = S::Elem> + ?Sized,
{
    agree(comm, check(source, target))?;
    let shape = source.shape();
    let elem = std::mem::size_of::<S::Elem>();
    let options = CopyOptions {
        progress: false,
        ..options.clone()
    };
    let (rows, per_piece) = match shape.split_first() {
        Some((&len, row)) => {
            let grain = target.grain();
            (
                share(comm, len, grain),
                piece_rows(row, elem, options.budget, grain),
            )
        }
        None => (share(comm, 1, 1), 1),
    };
    let pieces = rows.len().div_ceil(per_piece);
    lockstep(comm, pieces, |k| {
        let start = rows.start + k * per_piece;
        let end = (start + per_piece).min(rows.end);
        if shape.is_empty() {
            return lazy_core::copy_into_with(source, &mut *target, &options);
        }
        copy_rows(source, &mut *target, start..end, &options)
    })?;
    let finished = target.finish();
    agree(comm, finished)
}

/// The source and target have one shape, and the target accepts a write
/// of all of it.
fn check<S, D>(source: &S, target: &D) -> Result<()>
where
    S: Dataset + ?Sized,
    D: ParallelTarget<Elem = S::Elem> + ?Sized,
{
    if source.shape() != target.shape() {
        return Err(Error::shape(format!(
            "cannot copy a dataset of shape {:?} into one of shape {:?}",
            source.shape(),
            target.shape()
        )));
    }
    target.validate_write(&Region::full(target.shape()))
}

/// How many rows of `row` elements of `elem` bytes a piece of at most
/// `budget` bytes holds: at least one, and whole grains when a grain fits,
/// so that a piece writes whole chunks.
pub(crate) fn piece_rows(row: &[usize], elem: usize, budget: usize, grain: usize) -> usize {
    let row_bytes = row
        .iter()
        .try_fold(elem.max(1), |n, &len| n.checked_mul(len))
        .unwrap_or(usize::MAX)
        .max(1);
    let rows = (budget / row_bytes).max(1);
    let grain = grain.max(1);
    if rows >= grain {
        rows - rows % grain
    } else {
        rows
    }
}

/// Copies the rows `rows` of `source` into the same rows of `target`.
fn copy_rows<S, D>(
    source: &S,
    target: &mut D,
    rows: Range<usize>,
    options: &CopyOptions,
) -> Result<()>
where
    S: Dataset + ?Sized,
    D: ParallelTarget<Elem = S::Elem> + ?Sized,
{
    let sel = rows_selection(rows)?;
    let from = <&S as DatasetExt>::sliced(source, sel.clone())?;
    let mut to = <&mut D as DatasetExt>::sliced(target, sel)?;
    lazy_core::copy_into_with(&from, &mut to, options)
}

/// `[start:end]` on the first axis.
pub(crate) fn rows_selection(rows: Range<usize>) -> Result<DynSelection> {
    let bound =
        |n: usize| isize::try_from(n).map_err(|_| Error::index(format!("row {n} is out of range")));
    Ok(DynSelection::from(vec![SelectionItem::slice(
        Some(bound(rows.start)?),
        Some(bound(rows.end)?),
        None,
    )]))
}

#[cfg(test)]
mod tests {
    use super::piece_rows;

    #[test]
    fn pieces_hold_whole_grains_within_the_budget() {
        // Rows of 3 f64 (24 bytes), 1000 bytes: 41 rows, 40 in grains of 10.
        assert_eq!(piece_rows(&[3], 8, 1000, 10), 40);
        // A grain larger than the budget: as many rows as fit.
        assert_eq!(piece_rows(&[3], 8, 1000, 100), 41);
        // A row larger than the budget: one row.
        assert_eq!(piece_rows(&[1000], 8, 1000, 7), 1);
        // Empty rows, a zero budget, an overflowing row: at least one row.
        assert_eq!(piece_rows(&[0], 8, 64, 1), 64);
        assert_eq!(piece_rows(&[3], 8, 0, 4), 1);
        assert_eq!(piece_rows(&[usize::MAX, 2], 8, 64, 4), 1);
    }
}
