//! [`Sliced`]: a lazy selection of a dataset, itself a dataset.
//!
//! A view of a view composes into one region of the source: reading a slice of
//! a slice asks the source for exactly the elements requested, once.
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, SelectionItem};
//! use ndarray::{array, Array1};
//!
//! let a = Array1::from_iter(0..10);
//! // NumPy: a[2:9][::-2][1:]
//! let v = (&a).sliced(DynSelection::from(vec![SelectionItem::slice(Some(2), Some(9), None)])).unwrap();
//! let v = v.view(DynSelection::from(vec![SelectionItem::slice(None, None, Some(-2))])).unwrap();
//! let v = v.view(DynSelection::from(vec![SelectionItem::slice(Some(1), None, None)])).unwrap();
//! assert_eq!(v.read_all().unwrap(), array![6, 4, 2].into_dyn());
//! ```

use std::marker::PhantomData;

use crate::dataset::{Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ops::parts::{parted_methods, Parted, Parts};
use crate::rank::Rank;
use crate::region::Region;
use crate::resolve::resolve;
use crate::selection::SelectionItem;

/// A lazy selection of a dataset of rank `R` (the selection's output rank).
/// Nothing is read until the view is; reads and writes through it are mapped
/// onto one region of the source (the view's region composed with the one
/// asked for, [`Region::compose`]). Writable when the source is.
///
/// Made by [`DatasetExt::sliced`](crate::DatasetExt::sliced), or the
/// inherent `view(sel)` of the views of this crate.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
/// use ndarray::array;
///
/// let mut a = array![[1, 2, 3], [4, 5, 6]];
/// // NumPy: v = a[:, np.newaxis, 1:]; v[...] = 0
/// let key = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::NewAxis, SelectionItem::slice(Some(1), None, None)]);
/// let mut v = (&mut a).sliced(key).unwrap();
/// assert_eq!(v.shape(), &[2, 1, 2]);
/// v.write_all(0).unwrap();
/// assert_eq!(a, array![[1, 0, 0], [4, 0, 0]]);
/// ```
#[derive(Debug, Clone)]
pub struct Sliced<D, R> {
    source: D,
    region: Region,
    shape: Vec<usize>,
    rank: PhantomData<R>,
}

impl<D: Dataset, R: Rank> Sliced<D, R> {
    /// A view of `key` resolved against `source`'s shape.
    pub fn new(source: D, key: &[SelectionItem]) -> Result<Self> {
        let region = resolve(source.shape(), key)?;
        Self::of_region(source, region)
    }

    /// A view of `region`, a region of `source` (any output axes: a
    /// transposition, new axes).
    pub fn of_region(source: D, region: Region) -> Result<Self> {
        region.check_shape(source.shape())?;
        let shape = region.out_shape();
        if R::NDIM.is_some_and(|n| n != shape.len()) {
            return Err(Error::shape(format!(
                "the selection produces {} axes but the view's rank is {:?}",
                shape.len(),
                R::NDIM
            )));
        }
        Ok(Sliced {
            source,
            region,
            shape,
            rank: PhantomData,
        })
    }

    /// A view of `region`, which is known to fit `source` and this rank:
    /// for views of this crate that build such regions themselves.
    pub(crate) fn from_parts(source: D, region: Region) -> Self {
        let shape = region.out_shape();
        Sliced {
            source,
            region,
            shape,
            rank: PhantomData,
        }
    }

    /// The viewed dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// Gives the viewed dataset back.
    pub fn into_source(self) -> D {
        self.source
    }

    /// The region of the source this view selects.
    pub fn region(&self) -> &Region {
        &self.region
    }
}

impl<D: Dataset, R: Rank> Parted for Sliced<D, R> {
    type Source = D;

    fn sources(&self) -> &[D] {
        std::slice::from_ref(&self.source)
    }

    fn sources_mut(&mut self) -> &mut [D] {
        std::slice::from_mut(&mut self.source)
    }

    /// One part: the view's region composed with `region`, all of the
    /// output.
    fn parts(&self, region: &Region) -> Result<Parts> {
        Ok(Parts::one(0, self.region.compose(region)?))
    }
}

impl<D: Dataset, R: Rank> Dataset for Sliced<D, R> {
    type Elem = D::Elem;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn hints(&self) -> Hints {
        self.source.hints()
    }

    parted_methods!(read);
}

impl<D: DatasetMut, R: Rank> DatasetMut for Sliced<D, R> {
    parted_methods!(write);
}

crate::backend::dataset_methods!(Sliced<D, R>);
