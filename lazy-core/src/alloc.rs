//! Allocation that fails with an error, never an abort: output arrays and
//! backend buffers of any size a caller can ask for.
//!
//! ```
//! use lazy_core::backend::{checked_size, zeroed};
//! use lazy_core::ErrorKind;
//!
//! assert_eq!(checked_size(&[1 << 40, 1 << 40, 0]).unwrap(), 0);
//! assert_eq!(checked_size(&[usize::MAX, 2]).unwrap_err().kind(), ErrorKind::Shape);
//! assert_eq!(zeroed::<u8>(vec![2, 2]).unwrap().sum(), 0);
//! ```

use std::cell::RefCell;

use crate::element::{DType, Element};
use crate::error::{Error, Result};

/// The number of elements of `shape`, or a [`Shape`](crate::ErrorKind::Shape)
/// error when it overflows `usize`.
pub fn checked_size(shape: &[usize]) -> Result<usize> {
    // An empty axis empties the array, whatever the others multiply to.
    if shape.contains(&0) {
        return Ok(0);
    }
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| {
            Error::shape(format!(
                "shape {shape:?} has more elements than fit in memory"
            ))
        })
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
/// use lazy_core::backend::zeroed;
/// use lazy_core::ErrorKind;
/// let a = zeroed::<f64>(vec![2, 3]).unwrap();
/// assert!(a.iter().all(|&x| x == 0.0));
/// assert_eq!(zeroed::<f64>(vec![1 << 40, 1 << 40]).unwrap_err().kind(), ErrorKind::Shape);
/// ```
pub fn zeroed<T: Element>(shape: Vec<usize>) -> Result<ndarray::ArrayD<T>> {
    let n = checked_size(&shape)?;
    // ndarray also needs the product of the non-zero lengths to fit `isize`,
    // even when another axis is empty.
    let nonzero = shape
        .iter()
        .filter(|&&l| l != 0)
        .try_fold(1usize, |acc, &l| acc.checked_mul(l));
    if nonzero.is_none_or(|p| p > isize::MAX as usize) {
        return Err(Error::shape(format!(
            "an array of shape {shape:?} cannot be represented: its axis lengths multiply past isize::MAX"
        )));
    }
    let data = zeroed_vec(n)
        .map_err(|e| Error::shape(format!("cannot hold an array of shape {shape:?}: {e}")))?;
    ndarray::ArrayD::from_shape_vec(shape, data).map_err(|e| Error::internal(e.to_string()))
}

/// `n` elements `T::default()`, allocated zeroed and fallibly: more than
/// `isize::MAX` bytes is a [`Shape`](crate::ErrorKind::Shape) error without
/// trying, and an allocation the system refuses is one too, where `vec!`
/// would abort the process.
pub(crate) fn zeroed_vec<T: Element>(n: usize) -> Result<Vec<T>> {
    let too_large = |what: &str| {
        Error::shape(format!(
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

/// An empty `Vec` with room for `n` elements, backed by huge pages where it
/// is large (see [`advise_huge_pages`]): the positions of a mask or a long
/// list, millions of them, written once. Fresh 4 KiB pages cost about
/// 0.7 ms a megabyte to fault in on the 2-core VM of the benchmarks, more
/// than filling them.
pub(crate) fn large_vec<T>(n: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(n);
    advise_huge_pages(
        v.as_mut_ptr().cast::<u8>(),
        v.capacity().saturating_mul(std::mem::size_of::<T>()),
    );
    v
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

/// The largest buffer a thread keeps for [`with_scratch`]: 64 MiB.
const SCRATCH_MAX: usize = 64 << 20;

/// How many [`with_scratch`] calls one thread can have open at once (a
/// block of a dense list read through a stack, the stack's per-source
/// temporaries, a chunk's decode buffer) before a deeper one gets a fresh
/// buffer.
const SCRATCH_LEVELS: usize = 3;

thread_local! {
    /// Each thread's reusable buffers, one per nesting level: `u64`s, so
    /// that they are aligned for every element type.
    static SCRATCH: [RefCell<Vec<u64>>; SCRATCH_LEVELS] =
        const { [const { RefCell::new(Vec::new()) }; SCRATCH_LEVELS] };
}

/// Runs `f` on a buffer of `n` elements whose contents are unspecified (`f`
/// writes before it reads): the thread's reused buffer, so that decoding
/// chunk after chunk faults in no fresh pages. Calls nest (up to
/// [`SCRATCH_LEVELS`] deep on one thread, each level its own buffer).
/// `bool` buffers (not every byte is a `bool`), buffers over
/// [`SCRATCH_MAX`] and calls nested deeper get a fresh zeroed buffer
/// instead.
pub(crate) fn with_scratch<T: Element, R>(
    n: usize,
    f: impl FnOnce(&mut [T]) -> Result<R>,
) -> Result<R> {
    let bytes = n.saturating_mul(std::mem::size_of::<T>());
    if T::DTYPE == DType::Bool || bytes > SCRATCH_MAX {
        return f(&mut zeroed_vec::<T>(n)?);
    }
    SCRATCH.with(|levels| {
        let Some(mut words) = levels.iter().find_map(|cell| cell.try_borrow_mut().ok()) else {
            return f(&mut zeroed_vec::<T>(n)?);
        };
        let need = bytes.div_ceil(8);
        let have = words.len();
        if have < need {
            words.try_reserve_exact(need - have).map_err(|e| {
                Error::shape(format!("cannot hold {n} elements of {}: {e}", T::DTYPE))
            })?;
            words.resize(need, 0);
        }
        // SAFETY: the buffer holds at least `n * size_of::<T>()` initialised
        // bytes, aligned for `u64` and so for every element type; every
        // element type but `bool` (excluded above) is a primitive integer or
        // float for which any bytes are a valid value. The slice borrows the
        // buffer only while `f` runs, and the `RefCell` borrow keeps any
        // other use out meanwhile.
        let slice = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<T>(), n) };
        f(slice)
    })
}

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
