//! [`Sliced`]: a lazy selection of a dataset, itself a dataset.
//!
//! A view of a view composes into one region of the source: reading a slice of
//! a slice asks the source for exactly the elements requested, once.
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, SelElem};
//! use ndarray::{array, Array1};
//!
//! let a = Array1::from_iter(0..10);
//! // NumPy: a[2:9][::-2][1:]
//! let v = (&a).sliced(DynSelection::from(vec![SelElem::slice(Some(2), Some(9), None)])).unwrap();
//! let v = v.view(DynSelection::from(vec![SelElem::slice(None, None, Some(-2))])).unwrap();
//! let v = v.view(DynSelection::from(vec![SelElem::slice(Some(1), None, None)])).unwrap();
//! assert_eq!(v.read_all().unwrap(), array![6, 4, 2].into_dyn());
//! ```

use std::marker::PhantomData;

use ndarray::{ArrayBase, ArrayViewD, ArrayViewMutD, Axis, IxDyn, RawData};

use crate::dataset::{Dataset, DatasetMut};
use crate::element::zeroed;
use crate::error::{Error, Result};
use crate::rank::Rank;
use crate::region::{resolve, AxisSel, Region};
use crate::selection::SelElem;

/// A lazy selection of a dataset of rank `R` (the selection's output rank).
/// Nothing is read until the view is; reads and writes through it are mapped
/// onto one region of the source. Writable when the source is.
///
/// Made by [`DatasetExt::sliced`](crate::DatasetExt::sliced), or the
/// inherent `view(sel)` of the views of this crate.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelElem};
/// use ndarray::array;
///
/// let mut a = array![[1, 2, 3], [4, 5, 6]];
/// // NumPy: v = a[:, np.newaxis, 1:]; v[...] = 0
/// let key = DynSelection::from(vec![SelElem::FULL, SelElem::NewAxis, SelElem::slice(Some(1), None, None)]);
/// let mut v = (&mut a).sliced(key).unwrap();
/// assert_eq!(v.shape(), &[2, 1, 2]);
/// v.write_all(0).unwrap();
/// assert_eq!(a, array![[1, 0, 0], [4, 0, 0]]);
/// ```
#[derive(Debug, Clone)]
pub struct Sliced<D, R> {
    source: D,
    base: Region,
    new_axes: Vec<usize>,
    shape: Vec<usize>,
    rank: PhantomData<R>,
}

/// A region of a [`Sliced`] view mapped onto its source.
struct Mapped {
    /// The region of the source.
    region: Region,
    /// Output axes with no source axis (from newaxis): (output position, length).
    repeats: Vec<(usize, usize)>,
}

impl<D: Dataset, R: Rank> Sliced<D, R> {
    /// A view of `key` resolved against `source`'s shape.
    pub fn new(source: D, key: &[SelElem]) -> Result<Self> {
        let resolved = resolve(source.shape(), key)?;
        let shape = resolved.out_shape();
        if R::NDIM.is_some_and(|n| n != shape.len()) {
            return Err(Error::shape(format!(
                "the selection produces {} axes but the view's rank is {:?}",
                shape.len(),
                R::NDIM
            )));
        }
        Ok(Sliced {
            source,
            base: resolved.region,
            new_axes: resolved.new_axes,
            shape,
            rank: PhantomData,
        })
    }

    /// The viewed dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// The region of the source this view selects.
    pub fn region(&self) -> &Region {
        &self.base
    }

    /// Maps a region of this view onto the source.
    fn map(&self, region: &Region) -> Result<Mapped> {
        region.check_shape(&self.shape)?;
        let mut view_axes = region.axes().iter().enumerate();
        let mut repeats = Vec::new();
        let mut source_axes = Vec::with_capacity(self.base.axes().len());
        let mut next_source_sel = |repeats: &mut Vec<(usize, usize)>| -> Result<&AxisSel> {
            loop {
                let (k, sel) = view_axes
                    .next()
                    .ok_or_else(|| Error::index("region has too few axes for this view"))?;
                if !self.new_axes.contains(&k) {
                    return Ok(sel);
                }
                if let Some(len) = sel.out_len() {
                    repeats.push((region.out_axis(k), len));
                }
            }
        };
        for outer in self.base.axes() {
            source_axes.push(match outer {
                AxisSel::Index(i) => AxisSel::Index(*i),
                _ => outer.compose(next_source_sel(&mut repeats)?)?,
            });
        }
        // Newaxis entries after the last source axis.
        for (k, sel) in view_axes {
            if let Some(len) = sel.out_len() {
                repeats.push((region.out_axis(k), len));
            }
        }
        Ok(Mapped {
            region: Region::new(self.base.shape().to_vec(), source_axes)?,
            repeats,
        })
    }
}

impl<D: Dataset, R: Rank> Dataset for Sliced<D, R> {
    type Elem = D::Elem;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_into(&self, region: &Region, mut out: ArrayViewMutD<'_, D::Elem>) -> Result<()> {
        let mapped = self.map(region)?;
        region.check_out(out.shape())?;
        if mapped.repeats.iter().any(|&(_, n)| n == 0) {
            return Ok(());
        }
        if mapped.repeats.iter().all(|&(_, n)| n == 1) {
            let picks: Vec<_> = mapped.repeats.iter().map(|&(a, _)| (a, 0)).collect();
            return self
                .source
                .read_into(&mapped.region, pick_axes(out, &picks)?);
        }
        // A newaxis selected more than once: read once, then repeat.
        let mut once = zeroed(mapped.region.out_shape())?;
        self.source.read_into(&mapped.region, once.view_mut())?;
        let mut expanded = once.view();
        for &(axis, _) in &mapped.repeats {
            expanded = expanded.insert_axis(Axis(axis));
        }
        out.assign(&expanded);
        Ok(())
    }

    fn block_hint(&self) -> usize {
        self.source.block_hint()
    }
}

impl<D: DatasetMut, R: Rank> DatasetMut for Sliced<D, R> {
    fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        let mapped = self.map(region)?;
        region.check_out(src.shape())?;
        self.source.validate_write(&mapped.region)?;
        if mapped.repeats.iter().any(|&(_, n)| n == 0) {
            return Ok(());
        }
        // Repeated positions get the last value written to them, as in NumPy.
        let picks: Vec<_> = mapped.repeats.iter().map(|&(a, n)| (a, n - 1)).collect();
        self.source
            .write_from(&mapped.region, pick_axes(src, &picks)?)
    }

    fn validate_write(&self, region: &Region) -> Result<()> {
        let mapped = self.map(region)?;
        self.source.validate_write(&mapped.region)
    }
}

/// Removes the given axes (ascending positions), keeping one index of each.
pub(crate) fn pick_axes<S: RawData>(
    mut a: ArrayBase<S, IxDyn>,
    picks: &[(usize, usize)],
) -> Result<ArrayBase<S, IxDyn>> {
    for &(axis, index) in picks.iter().rev() {
        if a.shape().get(axis).is_none_or(|&n| index >= n) {
            return Err(Error::shape(format!(
                "cannot take index {index} of axis {axis} of an array of shape {:?}",
                a.shape()
            )));
        }
        a = a.index_axis_move(Axis(axis), index);
    }
    Ok(a)
}

crate::dataset_methods!(Sliced<D, R>);
