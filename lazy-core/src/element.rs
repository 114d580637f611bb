//! Element types and their runtime description, [`DType`].
//!
//! Datasets hold `bool`, signed and unsigned integers of 8 to 64 bits, `f32` or
//! `f64`. The set is closed ([`Element`] is sealed) so every backend can store
//! every element type.
//!
//! ```
//! use lazy_core::{DType, Element};
//! assert_eq!(f64::DTYPE, DType::F64);
//! assert_eq!(DType::I16.to_string(), "int16"); // NumPy's names
//! assert!(2.5f64.is_nonzero() && !0u8.is_nonzero());
//! ```

use std::fmt;

mod sealed {
    pub trait Sealed {}
}

/// The runtime description of an element type, named as NumPy names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `bool`
    Bool,
    /// `i8` (`int8`)
    I8,
    /// `i16` (`int16`)
    I16,
    /// `i32` (`int32`)
    I32,
    /// `i64` (`int64`)
    I64,
    /// `u8` (`uint8`)
    U8,
    /// `u16` (`uint16`)
    U16,
    /// `u32` (`uint32`)
    U32,
    /// `u64` (`uint64`)
    U64,
    /// `f32` (`float32`)
    F32,
    /// `f64` (`float64`)
    F64,
}

impl DType {
    /// NumPy's name of this type (`"float64"`, `"int32"`, `"bool"`).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// The size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.numpy_name())
    }
}

/// A type that datasets can hold: `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dataset element type",
    label = "datasets hold bool, integers or floats",
    note = "element types are bool, i8, i16, i32, i64, u8, u16, u32, u64, f32 and f64"
)]
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + fmt::Debug + Send + Sync + 'static
{
    /// The runtime description of this type.
    const DTYPE: DType;

    /// Truthiness as NumPy defines it: non-zero (and NaN) is true.
    fn is_nonzero(self) -> bool;
}

macro_rules! elements {
    ($($t:ty => $d:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline]
            fn is_nonzero(self) -> bool {
                #[allow(clippy::float_cmp)]
                { self != <$t>::default() }
            }
        }
    )*};
}

elements! {
    bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64,
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, f32 => F32, f64 => F64,
}

/// An array of `T::default()` (zeros, `false`) of this shape, or a
/// [`Shape`](crate::ErrorKind::Shape) error when its size overflows or the
/// memory cannot be allocated: more than `isize::MAX` bytes is refused
/// without trying, and a refused allocation is an error, not an abort.
///
/// It is allocated zeroed (`calloc`), so large outputs cost no separate pass
/// to clear them: the pages are first touched when the data is written.
///
/// Backends use it for their buffers, so that an impossible size is an error,
/// never an abort.
///
/// ```
/// use lazy_core::{zeroed, ErrorKind};
/// let a = zeroed::<f64>(vec![2, 3]).unwrap();
/// assert!(a.iter().all(|&x| x == 0.0));
/// assert_eq!(zeroed::<f64>(vec![1 << 40, 1 << 40]).unwrap_err().kind(), ErrorKind::Shape);
/// ```
pub fn zeroed<T: Element>(shape: Vec<usize>) -> crate::Result<ndarray::ArrayD<T>> {
    let n = crate::region::checked_size(&shape)?;
    // ndarray also needs the product of the non-zero lengths to fit `isize`,
    // even when another axis is empty.
    let nonzero = shape
        .iter()
        .filter(|&&l| l != 0)
        .try_fold(1usize, |acc, &l| acc.checked_mul(l));
    if nonzero.is_none_or(|p| p > isize::MAX as usize) {
        return Err(crate::Error::shape(format!(
            "an array of shape {shape:?} cannot be represented: its axis lengths multiply past isize::MAX"
        )));
    }
    let data = zeroed_vec(n).map_err(|e| {
        crate::Error::shape(format!("cannot hold an array of shape {shape:?}: {e}"))
    })?;
    ndarray::ArrayD::from_shape_vec(shape, data).map_err(|e| crate::Error::shape(e.to_string()))
}

/// `n` elements `T::default()`, allocated zeroed and fallibly: more than
/// `isize::MAX` bytes is a [`Shape`](crate::ErrorKind::Shape) error without
/// trying, and an allocation the system refuses is one too, where `vec!`
/// would abort the process.
pub(crate) fn zeroed_vec<T: Element>(n: usize) -> crate::Result<Vec<T>> {
    let too_large = |what: &str| {
        crate::Error::shape(format!(
            "{n} elements of {} ({} bytes) {what}",
            T::DTYPE,
            (n as u128) * (std::mem::size_of::<T>() as u128)
        ))
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    // `Layout::array` fails when the size exceeds `isize::MAX` bytes, which
    // no allocation can hold (ndarray and `Vec` panic there).
    let layout = std::alloc::Layout::array::<T>(n)
        .map_err(|_| too_large("are more than any allocation can hold"))?;
    // SAFETY: the layout has a non-zero size: `n > 0` and every element type
    // is at least one byte.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(too_large("could not be allocated"));
    }
    advise_huge_pages(ptr, layout.size());
    // SAFETY: `ptr` comes from the global allocator with the layout of `n`
    // values of `T`, so it is a valid `Vec<T>` buffer of capacity `n`; its
    // `n` elements are initialised, because all-zero bytes are a valid value
    // of every element type, equal to `T::default()` (`false`, integer 0,
    // float +0.0): `Element` is sealed to exactly these types.
    Ok(unsafe { Vec::from_raw_parts(ptr.cast::<T>(), n, n) })
}

/// Asks Linux to back a large fresh allocation with transparent huge pages,
/// as NumPy does for its arrays: the first write then faults in 2 MiB at a
/// time instead of 4 KiB, which measured 3x faster for a 480 MB output.
/// Advice only: the contents are unchanged, and a refusal is ignored.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    if len < 2 * HUGE {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + len) / HUGE * HUGE;
    if end > start {
        // SAFETY: [start, end) lies inside the allocation just made, page
        // aligned; MADV_HUGEPAGE changes how it is backed, not its contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeroed_is_default<T: Element>() {
        let v = zeroed_vec::<T>(1000).unwrap();
        assert_eq!(v.len(), 1000);
        assert!(v.iter().all(|&x| x == T::default()));
    }

    #[test]
    fn zeroed_vec_holds_defaults() {
        zeroed_is_default::<bool>();
        zeroed_is_default::<i8>();
        zeroed_is_default::<i16>();
        zeroed_is_default::<i32>();
        zeroed_is_default::<i64>();
        zeroed_is_default::<u8>();
        zeroed_is_default::<u16>();
        zeroed_is_default::<u32>();
        zeroed_is_default::<u64>();
        zeroed_is_default::<f32>();
        zeroed_is_default::<f64>();
        assert!(zeroed_vec::<f64>(0).unwrap().is_empty());
    }

    #[test]
    fn oversized_allocations_are_errors() {
        // More than isize::MAX bytes: refused without trying.
        let err = zeroed_vec::<f64>(usize::MAX / 4).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Shape);
        // 2^53 bytes: more than the address space; the allocator refuses.
        let err = zeroed_vec::<f64>(1 << 50).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Shape);
        assert!(err.to_string().contains("could not be allocated"), "{err}");
    }
}
