//! [`ZarrElement`]: the element types Zarr arrays hold, and how Zarr data
//! types map to [`DType`].
//!
//! Every lazy-core [`Element`] is one: `bool` is Zarr's `bool` (one byte, 0
//! or 1), integers and floats are Zarr's `int8`..`int64`, `uint8`..`uint64`,
//! `float32` and `float64`, stored in either byte order (Zarr v2's `<i4` and
//! `>i4` are both `int32`).
//!
//! ```
//! use lazy_zarr::{dtype_of, zarrs::array::data_type};
//! use lazy_core::DType;
//!
//! assert_eq!(dtype_of(&data_type::uint16()), Some(DType::U16));
//! assert_eq!(dtype_of(&data_type::bool()), Some(DType::Bool));
//! assert_eq!(dtype_of(&data_type::float16()), None);
//! ```

use lazy_core::{DType, Element};
use zarrs::array::builder::ArrayBuilderFillValue;
use zarrs::array::data_type::{
    self, BoolDataType, Float32DataType, Float64DataType, Int16DataType, Int32DataType,
    Int64DataType, Int8DataType, UInt16DataType, UInt32DataType, UInt64DataType, UInt8DataType,
};
use zarrs::array::{DataType, FillValueMetadata};

mod sealed {
    pub trait Sealed {}
}

/// An element type of Zarr arrays: every lazy-core [`Element`] (`bool`,
/// `i8`..`i64`, `u8`..`u64`, `f32`, `f64`). Sealed.
pub trait ZarrElement: Element + zarrs::array::ElementOwned + sealed::Sealed {
    /// The Zarr data type of this element type.
    fn data_type() -> DataType;

    /// This value as a Zarr fill value.
    #[doc(hidden)]
    fn fill_value(self) -> ArrayBuilderFillValue;
}

macro_rules! numeric {
    ($($t:ty => $dt:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl ZarrElement for $t {
            fn data_type() -> DataType {
                data_type::$dt()
            }
            fn fill_value(self) -> ArrayBuilderFillValue {
                self.into()
            }
        }
    )*};
}

numeric! {
    i8 => int8, i16 => int16, i32 => int32, i64 => int64,
    u8 => uint8, u16 => uint16, u32 => uint32, u64 => uint64,
    f32 => float32, f64 => float64,
}

impl sealed::Sealed for bool {}
impl ZarrElement for bool {
    fn data_type() -> DataType {
        data_type::bool()
    }
    fn fill_value(self) -> ArrayBuilderFillValue {
        FillValueMetadata::Bool(self).into()
    }
}

/// The element type of a Zarr data type, or `None` when lazy-datasets has
/// none for it (strings, complex numbers, `float16`, datetimes, optional
/// types, …).
pub fn dtype_of(dt: &DataType) -> Option<DType> {
    Some(if dt.is::<BoolDataType>() {
        DType::Bool
    } else if dt.is::<Int8DataType>() {
        DType::I8
    } else if dt.is::<Int16DataType>() {
        DType::I16
    } else if dt.is::<Int32DataType>() {
        DType::I32
    } else if dt.is::<Int64DataType>() {
        DType::I64
    } else if dt.is::<UInt8DataType>() {
        DType::U8
    } else if dt.is::<UInt16DataType>() {
        DType::U16
    } else if dt.is::<UInt32DataType>() {
        DType::U32
    } else if dt.is::<UInt64DataType>() {
        DType::U64
    } else if dt.is::<Float32DataType>() {
        DType::F32
    } else if dt.is::<Float64DataType>() {
        DType::F64
    } else {
        return None;
    })
}
