//! Out-of-core work: iterating a dataset in chunks, and copying any view into
//! any writable dataset within a memory budget.
//!
//! ```
//! use lazy_core::{copy_into, DatasetExt, Scaled};
//! use ndarray::{Array1, Array2};
//!
//! let raw = Array1::from_iter(0..10i32);
//! // Iterate in chunks of 4 along axis 0: 4 + 4 + 2 elements.
//! let lens: Vec<usize> = raw.chunks(0, 4).unwrap().map(|c| c.unwrap().1.len()).collect();
//! assert_eq!(lens, vec![4, 4, 2]);
//!
//! // Copy a scaled view into a new array, a bounded piece at a time.
//! let mut out = Array1::<f64>::zeros(10);
//! copy_into(&Scaled::new(&raw, 0.5), &mut out).unwrap();
//! assert_eq!(out[9], 4.5);
//! # let _ = Array2::<f64>::zeros((1, 1));
//! ```

use ndarray::{ArrayD, ArrayViewMutD, IxDyn};

use crate::alloc::{zeroed, zeroed_vec};
use crate::blocks::for_each_block_seq;
use crate::dataset::{Dataset, DatasetMut};
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::region::{AxisSelection, Region};

/// An iterator over a dataset in chunks along one axis: each item is the
/// region read and its data. Made by [`DatasetExt::chunks`](crate::DatasetExt::chunks).
#[derive(Debug)]
pub struct Chunks<'a, D: ?Sized> {
    dataset: &'a D,
    axis: usize,
    len: usize,
    next: usize,
}

impl<'a, D: Dataset + ?Sized> Chunks<'a, D> {
    /// Chunks of `len` positions along `axis` (the last may be shorter).
    /// An axis out of range is an [`Index`](crate::ErrorKind::Index) error, a
    /// zero length a [`Value`](crate::ErrorKind::Value) error.
    pub fn new(dataset: &'a D, axis: usize, len: usize) -> Result<Self> {
        let ndim = dataset.shape().len();
        if axis >= ndim {
            return Err(Error::index(format!(
                "axis {axis} is out of bounds for a dataset of {ndim} axes"
            )));
        }
        if len == 0 {
            return Err(Error::value("chunk length must be at least 1"));
        }
        Ok(Chunks {
            dataset,
            axis,
            len,
            next: 0,
        })
    }
}

impl<D: Dataset + ?Sized> Iterator for Chunks<'_, D> {
    type Item = Result<(Region, ArrayD<D::Elem>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let shape = self.dataset.shape();
        let total = *shape.get(self.axis)?;
        if self.next >= total {
            return None;
        }
        let start = self.next;
        let n = self.len.min(total - start);
        self.next = start + n;
        Some(read_chunk(self.dataset, self.axis, start, n))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let total = self.dataset.shape().get(self.axis).copied().unwrap_or(0);
        let left = total.saturating_sub(self.next).div_ceil(self.len);
        (left, Some(left))
    }
}

impl<D: Dataset + ?Sized> ExactSizeIterator for Chunks<'_, D> {}

fn read_chunk<D: Dataset + ?Sized>(
    dataset: &D,
    axis: usize,
    start: usize,
    n: usize,
) -> Result<(Region, ArrayD<D::Elem>)> {
    let shape = dataset.shape();
    let mut axes = Region::full(shape).axes().to_vec();
    if let Some(sel) = axes.get_mut(axis) {
        *sel = AxisSelection::range(start, 1, n);
    }
    let region = Region::new(shape.to_vec(), axes)?;
    let mut data = zeroed(region.out_shape())?;
    dataset.read_into(&region, data.view_mut())?;
    Ok((region, data))
}

/// How [`copy_into_with`] copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOptions {
    /// The most bytes of data read at once (the copy buffer), at least one
    /// element. Default: 64 MiB.
    ///
    /// Outside it: where the destination is chunked and a row of its
    /// chunks is larger than the budget, one such row, gathered so that
    /// each chunk is written once, whole; what the destination's writes
    /// hold while they encode (a chunk per thread); chunks the sources
    /// keep in their cache (chunks a read used only part of).
    pub budget: usize,
    /// Show a progress bar on standard error (feature `progress`; ignored
    /// without it).
    pub progress: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            budget: 64 << 20,
            progress: false,
        }
    }
}

/// Copies all of `src` into `dst` (same shape), a piece of at most the default
/// budget (64 MiB) at a time. See [`copy_into_with`].
pub fn copy_into<S, D>(src: &S, dst: &mut D) -> Result<()>
where
    S: Dataset + ?Sized,
    D: DatasetMut<Elem = S::Elem> + ?Sized,
{
    copy_into_with(src, dst, &CopyOptions::default())
}

/// Copies all of `src` into `dst`, which must have the same shape, reading and
/// writing pieces of at most `options.budget` bytes, one buffer reused for
/// all of them.
///
/// Where `dst` is chunked ([`Dataset::chunk_grid`]), pieces are whole rows of
/// its chunks, so each chunk is written once, whole (never read back, and
/// not kept in the cache), as fast with a small budget as with a large
/// one: a row of chunks larger than the budget is gathered in a buffer of
/// its own, a budget's worth at a time (see [`CopyOptions::budget`]).
///
/// The target is validated before anything is written; a failure while
/// copying leaves the pieces before it written.
///
/// ```
/// use lazy_core::{copy_into_with, CopyOptions, ErrorKind, Stacked};
/// use ndarray::{Array1, Array2};
///
/// let (a, b) = (Array1::from_elem(1000, 1u8), Array1::from_elem(1000, 2u8));
/// let mut out = Array2::<u8>::zeros((1000, 2));
/// let options = CopyOptions { budget: 100, ..CopyOptions::default() };
/// copy_into_with(&Stacked::new(vec![&a, &b], -1).unwrap(), &mut out, &options).unwrap();
/// assert!(out.column(1).iter().all(|&v| v == 2));
///
/// let mut wrong = Array2::<u8>::zeros((2, 1000));
/// let err = copy_into_with(&Stacked::new(vec![&a, &b], -1).unwrap(), &mut wrong, &options).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Shape);
/// ```
pub fn copy_into_with<S, D>(src: &S, dst: &mut D, options: &CopyOptions) -> Result<()>
where
    S: Dataset + ?Sized,
    D: DatasetMut<Elem = S::Elem> + ?Sized,
{
    if src.shape() != dst.shape() {
        return Err(Error::shape(format!(
            "cannot copy a dataset of shape {:?} into one of shape {:?}",
            src.shape(),
            dst.shape()
        )));
    }
    let full = Region::full(src.shape());
    dst.validate_write(&full)?;
    let total = full.out_size()?;
    let elem = std::mem::size_of::<S::Elem>().max(1);
    let max = (options.budget / elem).max(1);
    let mut buffer = zeroed_vec::<S::Elem>(max.min(total))?;
    let progress = Progress::new(options.progress, total);
    let shape = src.shape().to_vec();
    let mut copy = |region: &Region, dst: &mut D| {
        let n = region.out_size()?;
        let piece = buffer
            .get_mut(..n)
            .ok_or_else(|| Error::shape("copy piece larger than its buffer"))?;
        let mut view = ArrayViewMutD::from_shape(IxDyn(&region.out_shape()), piece)
            .map_err(|e| Error::internal(e.to_string()))?;
        src.read_into(region, view.view_mut())?;
        dst.write_from(region, view.view())?;
        progress.advance(n);
        Ok(())
    };
    // Rows of the destination's chunks: how many fit in the budget.
    let grid = dst
        .chunk_grid()
        .filter(|g| g.len() == shape.len() && !shape.is_empty());
    let row = shape.iter().skip(1).product::<usize>().max(1);
    match grid.as_ref().and_then(|g| g.first().copied()) {
        Some(chunk_rows) if chunk_rows > 0 && max / row >= chunk_rows => {
            // Pieces of whole rows of chunks: each destination chunk is
            // written once, whole (never read back), and not cached.
            let rows = max / row / chunk_rows * chunk_rows;
            let n = shape.first().copied().unwrap_or(0);
            let mut start = 0;
            while start < n {
                let end = start.saturating_add(rows).min(n);
                let mut axes = vec![AxisSelection::range(start, 1, end - start)];
                axes.extend(shape.iter().skip(1).map(|&len| AxisSelection::full(len)));
                let region = Region::new(shape.clone(), axes)?;
                copy(&region, dst)?;
                start = end;
            }
        }
        Some(chunk_rows) if chunk_rows > 0 => {
            // A row of the destination's chunks is larger than the budget:
            // it is gathered in a buffer of its own (outside the budget),
            // read a budget's worth at a time, and written once, whole.
            let n = shape.first().copied().unwrap_or(0);
            let mut gathered = zeroed_vec::<S::Elem>(chunk_rows.min(n).saturating_mul(row))?;
            let mut start = 0;
            while start < n {
                let end = start.saturating_add(chunk_rows).min(n);
                let mut axes = vec![AxisSelection::range(start, 1, end - start)];
                axes.extend(shape.iter().skip(1).map(|&len| AxisSelection::full(len)));
                let rows = Region::new(shape.clone(), axes)?;
                let len = rows.out_size()?;
                let part = gathered
                    .get_mut(..len)
                    .ok_or_else(|| Error::internal("a row of chunks larger than its buffer"))?;
                let mut view = ArrayViewMutD::from_shape(IxDyn(&rows.out_shape()), part)
                    .map_err(|e| Error::internal(e.to_string()))?;
                for_each_block_seq(&rows, max, &mut |piece| {
                    // Pieces are boxes of the row: their place in the buffer.
                    let at: Vec<ndarray::Slice> = piece
                        .axes()
                        .iter()
                        .enumerate()
                        .map(|(k, a)| {
                            let first = a.bounds().map_or(0, |(lo, _)| lo);
                            let first = if k == 0 {
                                first.saturating_sub(start)
                            } else {
                                first
                            };
                            ndarray::Slice::from(first..first + a.count())
                        })
                        .collect();
                    let mut it = at.into_iter();
                    let target =
                        view.slice_each_axis_mut(|_| it.next().unwrap_or(ndarray::Slice::from(..)));
                    src.read_into(piece, target)?;
                    progress.advance(piece.out_size()?);
                    Ok(())
                })?;
                dst.write_from(&rows, view.view())?;
                start = end;
            }
        }
        _ => for_each_block_seq(&full, max, &mut |region| copy(region, dst))?,
    }
    progress.finish();
    Ok(())
}

/// A progress bar when the `progress` feature is on and one was asked for.
struct Progress {
    #[cfg(feature = "progress")]
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    #[cfg_attr(not(feature = "progress"), allow(unused_variables))]
    fn new(show: bool, total: usize) -> Self {
        Progress {
            #[cfg(feature = "progress")]
            bar: show.then(|| {
                let bar = indicatif::ProgressBar::new(total as u64);
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "{bar:40} {percent:>3}% {human_pos}/{human_len} elements, {eta} left",
                ) {
                    bar.set_style(style);
                }
                bar
            }),
        }
    }

    #[cfg_attr(not(feature = "progress"), allow(unused_variables))]
    fn advance(&self, n: usize) {
        #[cfg(feature = "progress")]
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }

    fn finish(&self) {
        #[cfg(feature = "progress")]
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
