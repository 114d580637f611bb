//! [`H5Element`]: the element types HDF5 datasets hold, and how their HDF5
//! types map to [`DType`].
//!
//! Every lazy-core [`Element`] is one: `bool` is stored as h5py stores it, an
//! HDF5 enum over `int8` with members `FALSE = 0` and `TRUE = 1`; integers and
//! floats are HDF5's integer and IEEE float classes of the same size and
//! signedness, in either byte order.

#[cfg(feature = "libhdf5")]
use hdf5_metno::types::{FloatSize, IntSize, TypeDescriptor};
#[cfg(feature = "libhdf5")]
use lazy_core::DType;
use lazy_core::Element;

mod sealed {
    pub trait Sealed {}

    /// hdf5-metno's `H5Type` with the feature `libhdf5` (the type of a
    /// libhdf5 transfer), nothing without it: every type is one. A
    /// supertrait of [`H5Element`](super::H5Element) that a bound written
    /// without `libhdf5` satisfies with it too (features stay additive).
    #[cfg(feature = "libhdf5")]
    pub trait MaybeH5Type: hdf5_metno::H5Type {}
    #[cfg(feature = "libhdf5")]
    impl<T: hdf5_metno::H5Type> MaybeH5Type for T {}

    /// See the `libhdf5` version: without it, every type is one.
    #[cfg(not(feature = "libhdf5"))]
    pub trait MaybeH5Type {}
    #[cfg(not(feature = "libhdf5"))]
    impl<T> MaybeH5Type for T {}
}

/// An element type of HDF5 datasets: every lazy-core [`Element`] (`bool`,
/// `i8`..`i64`, `u8`..`u64`, `f32`, `f64`); with the feature `libhdf5`
/// also hdf5-metno's `H5Type`. Sealed.
pub trait H5Element: Element + sealed::MaybeH5Type + sealed::Sealed {}

macro_rules! elements {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl H5Element for $t {}
    )*};
}

elements!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// The element type of an HDF5 type (hdf5-metno's description of it,
/// feature `libhdf5`), or `None` when lazy-datasets has none for it
/// (strings, compounds, other enums, `float16`, …).
///
/// ```
/// use lazy_hdf5::{dtype_of, hdf5_metno::types::{IntSize, TypeDescriptor}};
/// use lazy_core::DType;
///
/// assert_eq!(dtype_of(&TypeDescriptor::Unsigned(IntSize::U2)), Some(DType::U16));
/// assert_eq!(dtype_of(&TypeDescriptor::Boolean), Some(DType::Bool));
/// assert_eq!(dtype_of(&TypeDescriptor::VarLenUnicode), None);
/// ```
#[cfg(feature = "libhdf5")]
pub fn dtype_of(td: &TypeDescriptor) -> Option<DType> {
    Some(match td {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(size) => match size {
            IntSize::U1 => DType::I8,
            IntSize::U2 => DType::I16,
            IntSize::U4 => DType::I32,
            IntSize::U8 => DType::I64,
        },
        TypeDescriptor::Unsigned(size) => match size {
            IntSize::U1 => DType::U8,
            IntSize::U2 => DType::U16,
            IntSize::U4 => DType::U32,
            IntSize::U8 => DType::U64,
        },
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        _ => return None,
    })
}
