//! Moving a planned region between storage and the caller's buffer:
//! straight into (or out of) the caller's buffer when the layout allows,
//! else through a temporary buffer of the plan's shape that the region is
//! gathered from (or scattered into) in memory.
//!
//! A backend supplies its [`Plan`] and two transfers of whole buffers:
//! *fetch* fills a buffer of the plan's shape from storage, and *store*
//! writes one to storage (both of any memory layout). Everything else —
//! reordering, duplicates, negative steps, strided outputs — is done here,
//! once for every backend.
//!
//! ```
//! use lazy_core::backend::{read_via, write_via, Grouping, Plan};
//! use lazy_core::{AxisSelection, Region};
//! use ndarray::{Array1, ArrayD};
//!
//! // "Storage": 10 numbers that can only be moved one whole run at a time.
//! let storage = std::sync::Mutex::new((0..10).map(|i| i * 10).collect::<Vec<i32>>());
//! let fetch = |plan: &Plan, mut buf: ndarray::ArrayViewMutD<'_, i32>| {
//!     let stored = storage.lock().unwrap();
//!     for run in plan.runs(0) {
//!         for (k, p) in run.positions().enumerate() {
//!             buf[[run.offset + k]] = stored[p];
//!         }
//!     }
//!     Ok(())
//! };
//! let plan = |r: &Region| Plan::new(r, |_| Grouping::Spans { gap: 2 });
//!
//! // NumPy: x[[7, 1, 1]]
//! let region = Region::new(vec![10], vec![AxisSelection::List(vec![7, 1, 1])])?;
//! let mut out = ArrayD::<i32>::zeros(vec![3]);
//! read_via(&region, out.view_mut(), usize::MAX, &plan, &fetch)?;
//! assert_eq!(out.as_slice().unwrap(), &[70, 10, 10]);
//!
//! // NumPy: x[[2, 4]] = [-1, -2]: runs 2..=4 are read, changed and stored.
//! let region = Region::new(vec![10], vec![AxisSelection::List(vec![2, 4])])?;
//! let src = Array1::from(vec![-1, -2]).into_dyn();
//! write_via(&plan(&region)?, src.view(), Some(&fetch), |plan, data| {
//!     let mut stored = storage.lock().unwrap();
//!     for run in plan.runs(0) {
//!         for (k, p) in run.positions().enumerate() {
//!             stored[p] = data[run.offset + k];
//!         }
//!     }
//!     Ok(())
//! })?;
//! assert_eq!(&storage.lock().unwrap()[..6], &[0, 10, -1, 30, -2, 50]);
//! # Ok::<(), lazy_core::Error>(())
//! ```

use ndarray::{ArrayViewD, ArrayViewMutD, Axis};

use crate::alloc::zeroed;
use crate::blocks::for_each_block;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::plan::Plan;
use crate::region::Region;

/// Plans a region: how a backend groups positions into runs.
pub type PlanFn<'a> = dyn Fn(&Region) -> Result<Plan> + Sync + 'a;

/// Fills a buffer of a plan's shape (any memory layout) from storage.
pub type FetchFn<'a, T> = dyn Fn(&Plan, ArrayViewMutD<'_, T>) -> Result<()> + Sync + 'a;

/// Reads `region` (canonical, of the storage's shape) into `out` (of its
/// output shape, not empty): `plan` groups it into runs, `fetch` fills a
/// buffer of the plan.
///
/// When the buffer is the output in its order, `fetch` fills `out` itself
/// (with a length-1 axis where the region has an index), whatever its
/// memory layout. Otherwise it fills a temporary buffer that the region is
/// gathered from. A strided `out` larger than `split` elements (a column of
/// a stack, say) is first cut into blocks of at most `split` elements, read
/// in parallel with the `parallel` feature, for storage that fills only
/// contiguous buffers and copies the rest (HDF5); pass `usize::MAX` to read
/// it whole (storage that fills strided buffers itself, or whose every call
/// is expensive).
pub fn read_via<T: Element>(
    region: &Region,
    out: ArrayViewMutD<'_, T>,
    split: usize,
    plan: &PlanFn<'_>,
    fetch: &FetchFn<'_, T>,
) -> Result<()> {
    if !out.is_standard_layout() && out.len() > split {
        return for_each_block(region, out, split, &|region, out| {
            read_via(region, out, usize::MAX, plan, fetch)
        });
    }
    let plan = plan(region)?;
    if plan.is_identity() {
        return fetch(&plan, with_dropped_axes(&plan, out)?);
    }
    let mut buffer = zeroed::<T>(plan.shape())?;
    fetch(&plan, buffer.view_mut())?;
    buffer.read_into(&plan.inner()?, out)
}

/// Writes `src` (of the output shape of the region `plan` was made for, not
/// empty, any layout) through `plan`: `store` writes a buffer of the plan's
/// shape to storage, in row-major order of the plan (`data` may have any
/// memory layout).
///
/// When the buffer is the region's output in its order, `store` gets `src`
/// itself (with a length-1 axis where the region has an index, as the
/// buffer has). Otherwise the buffer is built in memory: read first with `fetch`
/// unless every element of it is written ([`Plan::is_complete`]), then the
/// values scattered in (for a list that repeats a position, the last value
/// wins, as in NumPy). Storage that plans only complete writes
/// ([`Grouping::Exact`](crate::backend::Grouping::Exact)) passes no `fetch`.
pub fn write_via<T: Element>(
    plan: &Plan,
    src: ArrayViewD<'_, T>,
    fetch: Option<&FetchFn<'_, T>>,
    store: impl FnOnce(&Plan, ArrayViewD<'_, T>) -> Result<()>,
) -> Result<()> {
    if plan.is_identity() {
        return store(plan, with_dropped_axes(plan, src)?);
    }
    let mut buffer = zeroed::<T>(plan.shape())?;
    if !plan.is_complete() {
        let fetch = fetch.ok_or_else(|| {
            Error::internal("a write of part of a buffer without a way to read the rest")
        })?;
        fetch(plan, buffer.view_mut())?;
    }
    buffer.write_from(&plan.inner()?, src)?;
    store(plan, buffer.view())
}

/// Fills `buf` (any memory layout) with `fill`, which fills a row-major
/// buffer of `buf`'s shape: `buf` itself when it is contiguous in standard
/// layout, else a contiguous temporary copied into it. For storage that
/// transfers only into contiguous memory.
///
/// ```
/// use lazy_core::backend::fill_contiguous;
/// use ndarray::Array2;
///
/// let mut a = Array2::<u8>::zeros((2, 3));
/// // A column: strided, so filled through a temporary.
/// fill_contiguous(a.column_mut(1).into_dyn(), |buf| { buf.copy_from_slice(&[7, 8]); Ok(()) })?;
/// assert_eq!(a.column(1).to_vec(), [7, 8]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn fill_contiguous<T: Element>(
    mut buf: ArrayViewMutD<'_, T>,
    fill: impl FnOnce(&mut [T]) -> Result<()>,
) -> Result<()> {
    if let Some(slice) = buf.as_slice_mut() {
        return fill(slice);
    }
    let mut tmp = zeroed::<T>(buf.shape().to_vec())?;
    let slice = tmp
        .as_slice_mut()
        .ok_or_else(|| Error::internal("a new array is not contiguous"))?;
    fill(slice)?;
    buf.assign(&tmp);
    Ok(())
}

/// `a`, of a region's output shape, with the plan's buffer shape: a length-1
/// axis where the region has an index.
fn with_dropped_axes<S: ndarray::RawData>(
    plan: &Plan,
    a: ndarray::ArrayBase<S, ndarray::IxDyn>,
) -> Result<ndarray::ArrayBase<S, ndarray::IxDyn>> {
    let mut a = a;
    for axis in plan.dropped_axes() {
        if axis > a.ndim() {
            return Err(Error::internal("a buffer has fewer axes than its plan"));
        }
        a = a.insert_axis(Axis(axis));
    }
    Ok(a)
}
