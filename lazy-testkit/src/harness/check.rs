//! What the modes share for comparing the library with the naive model:
//! [`Want`], the model's verdict; [`check_read`], a read against it; and
//! [`read_and_check`], a random read that is compared when its output is
//! small and required to fail when it cannot be allocated.

use std::fmt::Debug;

use lazy_core::{Dataset, DatasetExt, DynSelection, ErrorKind, SelectionItem};
use ndarray::ArrayD;

use super::count;
use crate::compare;
use crate::naive::{naive_read, naive_resolve, out_shape, Naive};

/// Reads larger than this many elements are not compared element by element.
pub(super) const LIMIT: usize = 1 << 16;

pub(super) fn sel(key: &[SelectionItem]) -> DynSelection {
    DynSelection::from(key.to_vec())
}

/// The number of elements of `shape`, or `None` when it overflows `usize`.
pub(super) fn checked_numel(shape: &[usize]) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n))
}

/// What the naive model says about an operation.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Want<T> {
    /// It succeeds with this result.
    Ok(T),
    /// It fails with this kind of error.
    Err(ErrorKind),
    /// Its result is too large to compute naively: not checked.
    TooBig,
}

impl<T> From<Result<T, ErrorKind>> for Want<T> {
    fn from(r: Result<T, ErrorKind>) -> Self {
        match r {
            Ok(t) => Want::Ok(t),
            Err(k) => Want::Err(k),
        }
    }
}

/// [`compare::read`], counted in [`COUNTS`](super::COUNTS).
pub(super) fn check_read<T: PartialEq + Debug>(
    ctx: &dyn Fn() -> String,
    got: lazy_core::Result<ArrayD<T>>,
    want: Result<Naive<T>, ErrorKind>,
) {
    match compare::read(ctx, got, want) {
        Ok(()) => count(0),
        Err(_) => count(1),
    }
}

/// The output shape of `key` on `shape` per the reference, counting only
/// (no enumeration of the output): `TooBig` when it has more than `LIMIT`
/// elements, with the exact count (or `None` on overflow).
pub(super) fn read_size(
    shape: &[usize],
    key: &[SelectionItem],
) -> Result<(Vec<usize>, Option<usize>), ErrorKind> {
    let out = out_shape(&naive_resolve(shape, key)?);
    let n = checked_numel(&out);
    Ok((out, n))
}

/// Whether an array of this shape and element size cannot exist: more
/// elements than `usize` holds, more than `isize::MAX` bytes, or (ndarray's
/// rule, even for an empty array) non-zero lengths whose product passes
/// `isize::MAX`. The library must refuse it without trying to allocate.
pub(super) fn unallocatable(shape: &[usize], size: usize) -> bool {
    let n = checked_numel(shape);
    let nonzero: Vec<usize> = shape.iter().copied().filter(|&l| l != 0).collect();
    n.is_none_or(|n| n.checked_mul(size).is_none_or(|b| b > isize::MAX as usize))
        || checked_numel(&nonzero).is_none_or(|p| p > isize::MAX as usize)
}

/// Reads `key` from `ds` (whose naive value is `value`) and compares; reads
/// whose output is too large to check are only done when they must fail.
pub(super) fn read_and_check<D>(
    ctx: &dyn Fn() -> String,
    ds: &D,
    value: &Naive<D::Elem>,
    key: &[SelectionItem],
) where
    D: Dataset + ?Sized,
{
    match read_size(&value.shape, key) {
        Err(k) => check_read(ctx, ds.read_dyn(&sel(key)), Err(k)),
        Ok((out, _)) if unallocatable(&out, std::mem::size_of::<D::Elem>()) => {
            let err = ds
                .read_dyn(&sel(key))
                .expect_err(&format!("{}: an unallocatable read succeeded", ctx()));
            assert_eq!(err.kind(), ErrorKind::Shape, "{}: {err}", ctx());
        }
        Ok((_, Some(n))) if n <= LIMIT => {
            check_read(ctx, ds.read_dyn(&sel(key)), naive_read(value, key))
        }
        Ok(_) => {} // large but allocatable: not read
    }
}
