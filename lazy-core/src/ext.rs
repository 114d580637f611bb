//! The typed read and write API, for every dataset: [`DatasetExt`] and
//! [`DatasetMutExt`].
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelElem};
//! use ndarray::{array, Array2};
//!
//! let mut a: Array2<f64> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! assert_eq!(a.dtype().to_string(), "float64");
//! // NumPy: a[:, [2, 0]] = 0
//! let key = DynSelection::from(vec![SelElem::FULL, SelElem::List(vec![2, 0])]);
//! a.write_dyn(&key, ndarray::arr0(0.0).into_dyn().view()).unwrap();
//! assert_eq!(a.read_dyn(&key).unwrap(), array![[0.0, 0.0], [0.0, 0.0]].into_dyn());
//! assert_eq!(a.read_all().unwrap(), array![[0.0, 2.0, 0.0], [0.0, 5.0, 0.0]]);
//! ```

use ndarray::{Array, ArrayBase, ArrayD, ArrayViewD, IxDyn, RawData};

use crate::chunks::Chunks;
use crate::dataset::{Dataset, DatasetMut};
use crate::element::{zeroed, DType, Element};
use crate::error::{Error, Result};
use crate::ops::scaled::Scaled;
use crate::ops::sliced::{pick_axes, Sliced};
use crate::rank::Rank;
use crate::region::resolve;
use crate::selection::{DynSelection, SelElem, Selection};
use crate::value::{with_broadcast, IntoValue};

/// Reading, slicing and describing any [`Dataset`]; implemented for all of them.
///
/// Method names avoid ndarray's (`view`, `len`), so that arrays keep their own
/// methods when this trait is in scope; the views of this crate add inherent
/// `view(sel)` and `len()` methods (see [`dataset_methods!`](crate::dataset_methods)).
pub trait DatasetExt: Dataset {
    /// The number of axes.
    fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The element type at run time.
    fn dtype(&self) -> DType {
        <Self::Elem as Element>::DTYPE
    }

    /// Whether the dataset holds no elements.
    fn is_empty(&self) -> bool {
        self.shape().contains(&0)
    }

    /// Reads a selection. The output rank is computed by the compiler for
    /// typed selections (`sel!`), and is `Dyn` for a [`DynSelection`].
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelElem};
    /// use ndarray::array;
    ///
    /// let a = array![[1, 2], [3, 4]];
    /// let col = a.read(DynSelection::from(vec![SelElem::FULL, SelElem::Index(1)])).unwrap();
    /// assert_eq!(col, array![2, 4].into_dyn());
    /// ```
    fn read<S: Selection<Self::Rank>>(
        &self,
        sel: S,
    ) -> Result<Array<Self::Elem, <S::Out as Rank>::Dim>> {
        into_rank::<_, S::Out>(read_elems(self, sel.elems())?)
    }

    /// Reads the whole dataset into an array of its rank.
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::{array, Array1};
    /// let a: Array1<u8> = array![1, 2].read_all().unwrap();
    /// assert_eq!(a, array![1, 2]);
    /// ```
    fn read_all(&self) -> Result<Array<Self::Elem, <Self::Rank as Rank>::Dim>> {
        into_rank::<_, Self::Rank>(read_elems(self, &[])?)
    }

    /// Reads a runtime selection into an `ArrayD`.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelElem};
    /// use ndarray::array;
    /// let a = array![10, 20, 30];
    /// let key = DynSelection::from(vec![SelElem::List(vec![2, -3, 2])]);
    /// assert_eq!(a.read_dyn(&key).unwrap(), array![30, 10, 30].into_dyn());
    /// ```
    fn read_dyn(&self, sel: &DynSelection) -> Result<ArrayD<Self::Elem>> {
        read_elems(self, sel.elems())
    }

    /// A lazy view of a selection: nothing is read until the view is. The view
    /// is itself a dataset, writable when `self` is (pass `&mut ds` to keep
    /// the source). The views of this crate also have it as an inherent
    /// `view` method; on ndarray arrays `view()` stays ndarray's, so this one
    /// is named `sliced`.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelElem};
    /// use ndarray::array;
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// let v = (&a).sliced(DynSelection::from(vec![SelElem::FULL, SelElem::slice(None, None, Some(-1))])).unwrap();
    /// assert_eq!(v.read_all().unwrap(), array![[3, 2, 1], [6, 5, 4]].into_dyn());
    /// assert_eq!(a.view().len(), 6); // ndarray's own methods are untouched
    /// ```
    fn sliced<S: Selection<Self::Rank>>(self, sel: S) -> Result<Sliced<Self, S::Out>>
    where
        Self: Sized,
    {
        Sliced::new(self, sel.elems())
    }

    /// Iterates the dataset in chunks of `len` positions along `axis`, each
    /// item the region read and its data (see [`Chunks`]).
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::Array2;
    /// let a = Array2::<f32>::ones((5, 3));
    /// let rows: Vec<usize> = a.chunks(0, 2).unwrap().map(|c| c.unwrap().1.shape()[0]).collect();
    /// assert_eq!(rows, vec![2, 2, 1]);
    /// ```
    fn chunks(&self, axis: usize, len: usize) -> Result<Chunks<'_, Self>> {
        Chunks::new(self, axis, len)
    }

    /// A view that reads `self * factor` (see [`Scaled`]).
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::array;
    /// let counts = array![1i16, 2, 3];
    /// assert_eq!(counts.scaled(0.5).read_all().unwrap(), array![0.5, 1.0, 1.5]);
    /// ```
    fn scaled<F>(self, factor: F) -> Scaled<Self, F>
    where
        Self: Sized,
    {
        Scaled::new(self, factor)
    }
}

impl<D: Dataset + ?Sized> DatasetExt for D {}

/// Writing to any [`DatasetMut`]; implemented for all of them.
pub trait DatasetMutExt: DatasetMut {
    /// Writes `value` (an array, view or scalar, broadcast as NumPy does) to a
    /// selection. Nothing is written if the selection, the value's shape or the
    /// target is rejected.
    ///
    /// ```
    /// use lazy_core::{DatasetMutExt, DynSelection, SelElem};
    /// use ndarray::array;
    /// let mut a = array![0, 0, 0, 0];
    /// a.write(DynSelection::from(vec![SelElem::slice(None, None, Some(2))]), &array![7, 8]).unwrap();
    /// assert_eq!(a, array![7, 0, 8, 0]);
    /// ```
    fn write<'v, S, V>(&mut self, sel: S, value: V) -> Result<()>
    where
        S: Selection<Self::Rank>,
        V: IntoValue<'v, Self::Elem>,
    {
        write_elems(self, sel.elems(), value.into_value().view())
    }

    /// Writes `value` to the whole dataset.
    ///
    /// ```
    /// use lazy_core::DatasetMutExt;
    /// use ndarray::array;
    /// let mut a = array![[1, 2], [3, 4]];
    /// a.write_all(&array![9, 8]).unwrap();
    /// assert_eq!(a, array![[9, 8], [9, 8]]);
    /// ```
    fn write_all<'v, V: IntoValue<'v, Self::Elem>>(&mut self, value: V) -> Result<()> {
        write_elems(self, &[], value.into_value().view())
    }

    /// Writes `value` to a runtime selection.
    ///
    /// ```
    /// use lazy_core::{DatasetMutExt, DynSelection, SelElem};
    /// use ndarray::array;
    /// let mut a = array![1.0, 2.0, 3.0];
    /// a.write_dyn(&DynSelection::from(vec![SelElem::Index(-1)]), array![0.0].into_dyn().view()).unwrap();
    /// assert_eq!(a, array![1.0, 2.0, 0.0]);
    /// ```
    fn write_dyn(&mut self, sel: &DynSelection, value: ArrayViewD<'_, Self::Elem>) -> Result<()> {
        write_elems(self, sel.elems(), value)
    }
}

impl<D: DatasetMut + ?Sized> DatasetMutExt for D {}

fn read_elems<D: Dataset + ?Sized>(ds: &D, key: &[SelElem]) -> Result<ArrayD<D::Elem>> {
    let resolved = resolve(ds.shape(), key)?;
    let mut out = zeroed(resolved.out_shape())?;
    ds.read_into(
        &resolved.region,
        drop_unit_axes(out.view_mut(), &resolved.new_axes)?,
    )?;
    Ok(out)
}

fn write_elems<D: DatasetMut + ?Sized>(
    ds: &mut D,
    key: &[SelElem],
    value: ArrayViewD<'_, D::Elem>,
) -> Result<()> {
    let resolved = resolve(ds.shape(), key)?;
    ds.validate_write(&resolved.region)?;
    with_broadcast(value, &resolved.out_shape(), |v| {
        ds.write_from(&resolved.region, drop_unit_axes(v, &resolved.new_axes)?)
    })
}

fn into_rank<T, R: Rank>(a: ArrayD<T>) -> Result<Array<T, R::Dim>> {
    let ndim = a.ndim();
    a.into_dimensionality().map_err(|_| {
        Error::shape(format!(
            "the selection produced {ndim} axes where the type says {:?}",
            R::NDIM
        ))
    })
}

/// Removes the length-1 axes that newaxis put into the output.
fn drop_unit_axes<S: RawData>(
    a: ArrayBase<S, IxDyn>,
    axes: &[usize],
) -> Result<ArrayBase<S, IxDyn>> {
    let picks: Vec<_> = axes.iter().map(|&a| (a, 0)).collect();
    pick_axes(a, &picks)
}
