//! Values to write: arrays, views and scalars, broadcast as NumPy does.
//!
//! ```
//! use lazy_core::{DatasetMutExt, DynSelection, SelectionItem};
//! use ndarray::{array, Array2};
//!
//! let mut a = Array2::<i32>::zeros((2, 3));
//! a.write_all(7).unwrap();                                // a scalar fills the selection
//! a.write_all(&array![1, 2, 3]).unwrap();                 // a row is repeated over rows
//! assert_eq!(a, array![[1, 2, 3], [1, 2, 3]]);
//! let err = a.write_all(&array![1, 2]).unwrap_err();      // (2,) does not broadcast to (2, 3)
//! assert_eq!(err.kind(), lazy_core::ErrorKind::Shape);
//! ```

use ndarray::{arr0, ArrayBase, ArrayViewD, CowArray, Data, Dimension, IxDyn};

use crate::element::Element;
use crate::error::{Error, Result};

/// Something that can be written to a selection: an array (owned or borrowed),
/// an array view, or a scalar.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written to a dataset of `{T}`",
    label = "expected an array, array view or scalar of `{T}`",
    note = "pass a scalar, `&array`, `array.view()` or an owned array with the dataset's element type"
)]
pub trait IntoValue<'a, T> {
    /// The value as an array, borrowed where possible.
    fn into_value(self) -> CowArray<'a, T, IxDyn>;
}

impl<'a, T, S, D> IntoValue<'a, T> for &'a ArrayBase<S, D>
where
    S: Data<Elem = T>,
    D: Dimension,
{
    fn into_value(self) -> CowArray<'a, T, IxDyn> {
        CowArray::from(self.view().into_dyn())
    }
}

impl<'a, T, D: Dimension> IntoValue<'a, T> for ndarray::ArrayView<'a, T, D> {
    fn into_value(self) -> CowArray<'a, T, IxDyn> {
        CowArray::from(self.into_dyn())
    }
}

impl<'a, T, D: Dimension> IntoValue<'a, T> for ndarray::Array<T, D> {
    fn into_value(self) -> CowArray<'a, T, IxDyn> {
        CowArray::from(self.into_dyn())
    }
}

macro_rules! scalar_values {
    ($($t:ty),*) => {$(
        impl<'a> IntoValue<'a, $t> for $t {
            fn into_value(self) -> CowArray<'a, $t, IxDyn> {
                CowArray::from(arr0(self).into_dyn())
            }
        }
    )*};
}

scalar_values!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// Broadcasts `value` to `shape` with NumPy's assignment rules and hands the
/// broadcast view to `f`: leading length-1 axes beyond the target's rank are
/// dropped, then axes of length 1 stretch. Anything else is a
/// [`Shape`](crate::ErrorKind::Shape) error.
///
/// ```
/// use lazy_core::with_broadcast;
/// use ndarray::array;
///
/// let v = array![[1, 2, 3]].into_dyn();
/// let shape_of = |s: &[usize]| with_broadcast(v.view(), s, |b| Ok(b.shape().to_vec()));
/// assert_eq!(shape_of(&[2, 3]).unwrap(), vec![2, 3]);
/// assert_eq!(shape_of(&[3]).unwrap(), vec![3]);
/// assert!(shape_of(&[3, 2]).is_err());
/// ```
pub fn with_broadcast<T: Element, R>(
    value: ArrayViewD<'_, T>,
    shape: &[usize],
    f: impl FnOnce(ArrayViewD<'_, T>) -> Result<R>,
) -> Result<R> {
    let original = value.shape().to_vec();
    let mut v = value;
    while v.ndim() > shape.len() && v.shape().first() == Some(&1) {
        v = v.index_axis_move(ndarray::Axis(0), 0);
    }
    match v.broadcast(IxDyn(shape)) {
        Some(b) => f(b),
        None => Err(Error::shape(format!(
            "could not broadcast a value of shape {original:?} into a selection of shape {shape:?}"
        ))),
    }
}
