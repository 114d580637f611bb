//! Masked writes: values stored where a mask is true, every other element
//! kept — what a [`Buffered`](crate::Buffered) handle writes back.

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, Slice, Zip};

use crate::dataset::DatasetMut;
use crate::error::{Error, Result};
use crate::ext::DatasetMutExt;
use crate::region::{AxisSelection, Region};

/// The values of a box of a dataset to store where `mask` is true (see
/// [`DatasetMut::write_masked`]).
///
/// ```
/// use lazy_core::{DatasetMut, MaskedBlock};
/// use ndarray::array;
///
/// let mut x = array![[0, 0, 0], [0, 0, 0]];
/// let values = array![[1, 2], [3, 4]].into_dyn();
/// let mask = array![[true, false], [false, true]].into_dyn();
/// let block = MaskedBlock::new(vec![0, 1], values.view(), mask.view())?;
/// x.write_masked(&[block])?;
/// assert_eq!(x, array![[0, 1, 0], [0, 0, 4]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaskedBlock<'a, T> {
    start: Vec<usize>,
    values: ArrayViewD<'a, T>,
    mask: ArrayViewD<'a, bool>,
}

impl<'a, T> MaskedBlock<'a, T> {
    /// The block at `start` (one position per axis) holding `values`,
    /// stored where `mask` (of the same shape) is true; a
    /// [`Shape`](crate::ErrorKind::Shape) error when the shapes or the
    /// start's length differ.
    pub fn new(
        start: Vec<usize>,
        values: ArrayViewD<'a, T>,
        mask: ArrayViewD<'a, bool>,
    ) -> Result<Self> {
        if values.shape() != mask.shape() || start.len() != values.ndim() {
            return Err(Error::shape(format!(
                "a masked block of values of shape {:?} needs a mask of that shape and a start of {} positions, got a mask of shape {:?} and start {:?}",
                values.shape(),
                values.ndim(),
                mask.shape(),
                start
            )));
        }
        Ok(MaskedBlock {
            start,
            values,
            mask,
        })
    }

    /// Where the block starts in the dataset.
    pub fn start(&self) -> &[usize] {
        &self.start
    }

    /// The values.
    pub fn values(&self) -> &ArrayViewD<'a, T> {
        &self.values
    }

    /// Where the values are stored.
    pub fn mask(&self) -> &ArrayViewD<'a, bool> {
        &self.mask
    }

    /// The block's box in a dataset of `shape`, checked to fit: its end
    /// along each axis.
    pub(crate) fn end_in(&self, shape: &[usize]) -> Result<Vec<usize>> {
        let fits = shape.len() == self.start.len();
        let end: Option<Vec<usize>> = self
            .start
            .iter()
            .zip(self.values.shape())
            .zip(shape)
            .map(|((&s, &n), &len)| s.checked_add(n).filter(|&e| e <= len))
            .collect();
        match end {
            Some(end) if fits => Ok(end),
            _ => Err(Error::index(format!(
                "a masked block of shape {:?} at {:?} does not fit a dataset of shape {shape:?}",
                self.values.shape(),
                self.start
            ))),
        }
    }
}

/// Copies `values` into `dst` where `mask` is true (all three one shape).
pub(crate) fn apply_masked<T: Clone>(
    dst: ArrayViewMutD<'_, T>,
    values: ArrayViewD<'_, T>,
    mask: ArrayViewD<'_, bool>,
) {
    Zip::from(dst).and(values).and(mask).for_each(|d, v, &m| {
        if m {
            d.clone_from(v);
        }
    });
}

/// The default [`DatasetMut::write_masked`]: one write per run of `true`
/// along the last axis of each block (for backends that override it for
/// some of their datasets and fall back to it for others).
pub fn write_runs<D: DatasetMut + ?Sized>(
    ds: &mut D,
    blocks: &[MaskedBlock<'_, D::Elem>],
) -> Result<()> {
    let shape = ds.shape().to_vec();
    for block in blocks {
        block.end_in(&shape)?;
        let ndim = shape.len();
        if ndim == 0 {
            if block.mask.iter().all(|&m| m) {
                ds.write_from(&Region::full(&[]), block.values.view())?;
            }
            continue;
        }
        let last = ndim - 1;
        let rows = block.mask.lanes(Axis(last));
        let values = block.values.lanes(Axis(last));
        let lead: Vec<usize> = block.mask.shape()[..last].to_vec();
        for (k, (mask, row)) in rows.into_iter().zip(values).enumerate() {
            // The row's position along the leading axes (row-major).
            let mut rest = k;
            let mut at = vec![0usize; last];
            for axis in (0..last).rev() {
                let n = lead[axis].max(1);
                at[axis] = rest % n;
                rest /= n;
            }
            let mut j = 0;
            let n = mask.len();
            while j < n {
                if !mask[j] {
                    j += 1;
                    continue;
                }
                let begin = j;
                while j < n && mask[j] {
                    j += 1;
                }
                let mut axes: Vec<AxisSelection> = at
                    .iter()
                    .zip(&block.start)
                    .map(|(&a, &s)| AxisSelection::range(s + a, 1, 1))
                    .collect();
                axes.push(AxisSelection::range(
                    block.start[last] + begin,
                    1,
                    j - begin,
                ));
                let region = Region::new(shape.clone(), axes)?;
                let mut src_shape = vec![1usize; last];
                src_shape.push(j - begin);
                let part = row.slice_axis(Axis(0), Slice::from(begin..j));
                let part = part
                    .into_shape_with_order(src_shape)
                    .map_err(|e| Error::internal(format!("a run of a masked block: {e}")))?;
                ds.write_from(&region, part)?;
            }
        }
    }
    Ok(())
}
