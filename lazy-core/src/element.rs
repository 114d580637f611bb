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

use ndarray::ArrayViewMutD;
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

    /// `true` as one, `false` as zero (NumPy's `astype` from `bool`).
    fn from_bool(b: bool) -> Self;
}

/// `view` as a view of `B` when `A` and `B` are the same type (views that
/// read or write in place instead of through a converted copy), else
/// `view` back.
pub(crate) fn same_type<'a, A: Element, B: Element>(
    view: ArrayViewMutD<'a, A>,
) -> std::result::Result<ArrayViewMutD<'a, B>, ArrayViewMutD<'a, A>> {
    if std::any::TypeId::of::<A>() != std::any::TypeId::of::<B>() {
        return Err(view);
    }
    let view = std::mem::ManuallyDrop::new(view);
    // SAFETY: `A` and `B` are the same type (their `TypeId`s are equal), so
    // `ArrayViewMutD<'a, A>` and `ArrayViewMutD<'a, B>` are the same type
    // too; the original is not dropped (a view owns nothing anyway).
    Ok(unsafe { std::mem::transmute_copy::<ArrayViewMutD<'a, A>, ArrayViewMutD<'a, B>>(&view) })
}

macro_rules! elements {
    ($($t:ty => $d:ident = $one:expr),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline]
            fn is_nonzero(self) -> bool {
                #[allow(clippy::float_cmp)]
                { self != <$t>::default() }
            }
            #[inline]
            fn from_bool(b: bool) -> Self {
                if b { $one } else { <$t>::default() }
            }
        }
    )*};
}

elements! {
    bool => Bool = true, i8 => I8 = 1, i16 => I16 = 1, i32 => I32 = 1, i64 => I64 = 1,
    u8 => U8 = 1, u16 => U16 = 1, u32 => U32 = 1, u64 => U64 = 1, f32 => F32 = 1.0, f64 => F64 = 1.0,
}

/// The bytes of `buf`, to be filled by storage (native byte order), or
/// `None` for `bool`, whose bytes other than 0 and 1 are not valid values:
/// decode those through `u8` and [`Element::from_bool`].
///
/// ```
/// use lazy_core::backend::bytes_mut;
/// let mut a = [0u16; 2];
/// bytes_mut(&mut a).unwrap().copy_from_slice(&[1u16.to_ne_bytes(), 2u16.to_ne_bytes()].concat());
/// assert_eq!(a, [1, 2]);
/// assert!(bytes_mut(&mut [false]).is_none());
/// ```
pub fn bytes_mut<T: Element>(buf: &mut [T]) -> Option<&mut [u8]> {
    if T::DTYPE == DType::Bool {
        return None;
    }
    let len = std::mem::size_of_val(buf);
    // SAFETY: the pointer and length cover exactly `buf`, which stays
    // mutably borrowed for the lifetime of the result; every element type
    // but `bool` is a primitive integer or float (`Element` is sealed), with
    // no padding and every bit pattern a valid value, and `u8` has
    // alignment 1.
    Some(unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), len) })
}

/// The bytes of `buf` (native byte order; a `bool` is one byte, 0 or 1).
///
/// ```
/// use lazy_core::backend::bytes;
/// assert_eq!(bytes(&[true, false]), &[1, 0]);
/// assert_eq!(bytes(&[0x0102u16]).len(), 2);
/// ```
pub fn bytes<T: Element>(buf: &[T]) -> &[u8] {
    let len = std::mem::size_of_val(buf);
    // SAFETY: the pointer and length cover exactly `buf`, borrowed for the
    // lifetime of the result; every element type is a primitive with no
    // padding (`bool` is one initialised byte), so every byte is
    // initialised, and `u8` has alignment 1.
    unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) }
}

/// Runs `fill` on the bytes of `buf`, to fill it with elements in this
/// machine's byte order: on `buf` itself, or for `bool` (not every byte is
/// a `bool`) on a temporary whose bytes then become `buf`'s elements, any
/// non-zero byte `true`. What storage that decodes bytes (a codec, a
/// positional read) calls to fill a buffer of any element type.
///
/// ```
/// use lazy_core::backend::with_bytes;
/// let mut flags = [false; 3];
/// with_bytes(&mut flags, |b| { b.copy_from_slice(&[0, 2, 1]); Ok::<_, std::io::Error>(()) })?;
/// assert_eq!(flags, [false, true, true]);
/// let mut words = [0u16; 1];
/// with_bytes(&mut words, |b| { b.copy_from_slice(&7u16.to_ne_bytes()); Ok::<_, std::io::Error>(()) })?;
/// assert_eq!(words, [7]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn with_bytes<T: Element, R, E>(
    buf: &mut [T],
    fill: impl FnOnce(&mut [u8]) -> std::result::Result<R, E>,
) -> std::result::Result<R, E> {
    if let Some(bytes) = bytes_mut(buf) {
        return fill(bytes);
    }
    let mut bytes = vec![0u8; buf.len()];
    let done = fill(&mut bytes)?;
    for (o, &b) in buf.iter_mut().zip(&bytes) {
        *o = T::from_bool(b != 0);
    }
    Ok(done)
}

/// A 1-D view's elements — a column of an interleaved output, every `n`-th
/// element — written one at a time from their bytes in this machine's byte
/// order: where storage's last decoding step (HDF5's unshuffle) produces
/// elements one by one, it writes them straight into the output instead of
/// into a temporary that is then copied
/// ([`ChunkSource::decode_strided`](crate::backend::ChunkSource::decode_strided)).
///
/// Not for `bool` ([`Strided::new`] refuses it: not every byte is a `bool`).
///
/// ```
/// use lazy_core::backend::Strided;
/// use ndarray::{s, Array1};
///
/// let mut out = Array1::<u16>::zeros(6);
/// let mut column = Strided::new(out.slice_mut(s![1..;2])).unwrap();
/// assert_eq!(column.len(), 3);
/// for i in 0..3 {
///     assert!(column.put(i, (10 * i as u16 + 7).to_ne_bytes()));
/// }
/// assert!(!column.put(3, [0, 0])); // past the end: nothing written
/// assert!(!column.put(0, [0u8; 4])); // not a u16's bytes: nothing written
/// assert_eq!(out.to_vec(), [0, 7, 0, 17, 0, 27]);
/// ```
#[derive(Debug)]
pub struct Strided<'a, T> {
    ptr: *mut T,
    len: usize,
    /// In elements; any sign.
    stride: isize,
    _view: std::marker::PhantomData<ndarray::ArrayViewMut1<'a, T>>,
}

// SAFETY: a `Strided` is an exclusive borrow of its view's elements, as the
// `ArrayViewMut1` it came from is (`Send`/`Sync` for `T: Send`/`Sync`).
unsafe impl<T: Send> Send for Strided<'_, T> {}
// SAFETY: as above; `&Strided` gives no access to the elements.
unsafe impl<T: Sync> Sync for Strided<'_, T> {}

impl<'a, T: Element> Strided<'a, T> {
    /// The elements of `view`, or `None` for `bool`.
    pub fn new(mut view: ndarray::ArrayViewMut1<'a, T>) -> Option<Self> {
        if T::DTYPE == DType::Bool {
            return None;
        }
        let len = view.len();
        let stride = view.strides().first().copied().unwrap_or(1);
        Some(Strided {
            ptr: view.as_mut_ptr(),
            len,
            stride,
            _view: std::marker::PhantomData,
        })
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes element `i` from its `N` bytes (this machine's byte order).
    /// Returns `false`, writing nothing, when `i` is past the end or `N` is
    /// not the element's size.
    #[inline(always)]
    pub fn put<const N: usize>(&mut self, i: usize, bytes: [u8; N]) -> bool {
        if i >= self.len || N != std::mem::size_of::<T>() {
            return false;
        }
        // SAFETY: `i < len`, so `ptr + i * stride` is element `i` of the
        // view this borrows exclusively (ndarray guarantees every element of
        // a view is in bounds of its allocation, and its offsets fit
        // `isize`); the write covers exactly that element (`N` is its
        // size), unaligned-safe; every bit pattern is a valid value of every
        // element type but `bool`, which `new` refuses.
        unsafe {
            self.ptr
                .offset((i as isize).wrapping_mul(self.stride))
                .cast::<[u8; N]>()
                .write_unaligned(bytes);
        }
        true
    }

    /// Writes elements `i..i + K` from their bytes, as [`put`](Self::put)
    /// does each: one check for the block. Returns `false`, writing
    /// nothing, when the block does not fit or `N` is not the element's
    /// size.
    #[inline(always)]
    pub fn put_block<const N: usize, const K: usize>(
        &mut self,
        i: usize,
        values: [[u8; N]; K],
    ) -> bool {
        if i.checked_add(K).is_none_or(|end| end > self.len) || N != std::mem::size_of::<T>() {
            return false;
        }
        let mut at = (i as isize).wrapping_mul(self.stride);
        for bytes in values {
            // SAFETY: as in `put`, for each of elements `i..i + K`, all
            // below `len`.
            unsafe {
                self.ptr.offset(at).cast::<[u8; N]>().write_unaligned(bytes);
            }
            at = at.wrapping_add(self.stride);
        }
        true
    }

    /// Copies `values` into the first elements, in order (as many as fit).
    pub fn copy_from(&mut self, values: &[T]) {
        for (i, v) in values.iter().enumerate().take(self.len) {
            // SAFETY: as in `put`: `i < len`, element `i` of the view, of
            // type `T`.
            unsafe {
                self.ptr
                    .offset((i as isize).wrapping_mul(self.stride))
                    .write(*v);
            }
        }
    }
}
