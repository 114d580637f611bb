//! Moving elements between a selection of an HDF5 dataset and a buffer.
//!
//! hdf5-metno reads selections into arrays it allocates; to read straight into
//! the caller's buffer this module calls `H5Dread`/`H5Dwrite` itself, with
//! dataspaces and datatypes built through hdf5-metno's safe API, holding the
//! lock hdf5-metno uses to serialise calls into the library.

use std::ffi::c_void;

use hdf5_metno::{Dataset, Dataspace, Datatype, Hyperslab, Selection, SliceOrIndex};
use hdf5_sys::h5d::{H5Dread, H5Dwrite};
use hdf5_sys::h5p::H5P_DEFAULT;
use lazy_core::backend::checked_size;
use lazy_core::{DType, Error, Result};
use ndarray::ArrayViewD;

use crate::element::H5Element;

/// A file selection and a memory selection of equal size.
struct Spaces {
    file: Dataspace,
    mem: Dataspace,
}

fn h5err(what: impl FnOnce() -> String) -> impl FnOnce(hdf5_metno::Error) -> Error {
    move |e| Error::backend(format!("{}: {e}", what()), e)
}

fn spaces(ds: &Dataset, file: Selection, mem_shape: &[usize], mem: Selection) -> Result<Spaces> {
    let what = || format!("cannot select in dataset {:?}", ds.name());
    let file = ds
        .space()
        .and_then(|s| s.select(file))
        .map_err(h5err(what))?;
    let mem = Dataspace::try_new(mem_shape)
        .and_then(|s| s.select(mem))
        .map_err(h5err(what))?;
    let (nf, nm) = (file.selection_size(), mem.selection_size());
    if nf != nm {
        return Err(Error::internal(format!(
            "the file selection of dataset {:?} has {nf} elements but the memory selection {nm}",
            ds.name()
        )));
    }
    Ok(Spaces { file, mem })
}

fn check_len(len: usize, mem_shape: &[usize]) -> Result<()> {
    let n = checked_size(mem_shape)?;
    if n == len {
        Ok(())
    } else {
        Err(Error::internal(format!(
            "a buffer of {len} elements cannot hold memory of shape {mem_shape:?}"
        )))
    }
}

/// Calls `H5Dread` or `H5Dwrite` with the memory type of `T` on `buf`, which
/// holds the memory dataspace's elements (checked by the callers).
///
/// # Safety
///
/// `buf` must point to `Spaces::mem`'s number of elements of the memory
/// type's size, writable for reads, and every bit pattern HDF5 may store
/// there must be a valid value of the buffer's element type.
unsafe fn transfer<T: hdf5_metno::H5Type>(
    ds: &Dataset,
    sp: &Spaces,
    buf: *mut c_void,
    write: bool,
) -> Result<()> {
    let mtype = Datatype::from_type::<T>().map_err(h5err(|| {
        format!("no HDF5 memory type for {}", std::any::type_name::<T>())
    }))?;
    let _guard = hdf5_sys::LOCK.lock();
    let rc = if write {
        H5Dwrite(
            ds.id(),
            mtype.id(),
            sp.mem.id(),
            sp.file.id(),
            H5P_DEFAULT,
            buf.cast_const(),
        )
    } else {
        H5Dread(
            ds.id(),
            mtype.id(),
            sp.mem.id(),
            sp.file.id(),
            H5P_DEFAULT,
            buf,
        )
    };
    if rc < 0 {
        let e = hdf5_metno::Error::query().unwrap_or_else(|e| e);
        let verb = if write { "write to" } else { "read from" };
        return Err(h5err(|| {
            format!(
                "cannot {verb} dataset {:?} in {:?}",
                ds.name(),
                ds.filename()
            )
        })(e));
    }
    Ok(())
}

/// Reads the `file` selection of `ds` into the `mem` selection of `buf`,
/// which holds an array of shape `mem_shape` in row-major order; elements of
/// `buf` outside `mem` are left as they are.
pub(crate) fn read<T: H5Element>(
    ds: &Dataset,
    file: Selection,
    mem_shape: &[usize],
    mem: Selection,
    buf: &mut [T],
) -> Result<()> {
    check_len(buf.len(), mem_shape)?;
    let sp = spaces(ds, file, mem_shape, mem)?;
    if T::DTYPE == DType::Bool {
        // A stored byte other than 0 or 1 would be an invalid `bool`: read
        // bytes (with the bool memory type) and convert.
        let mut bytes: Vec<u8> = buf.iter().map(|b| u8::from(b.is_nonzero())).collect();
        // SAFETY: `bytes` has `buf.len()` elements of 1 byte (the size of the
        // bool memory type), which `check_len` and `spaces` matched to the
        // memory selection; any byte is a valid `u8`.
        unsafe { transfer::<T>(ds, &sp, bytes.as_mut_ptr().cast(), false)? };
        for (b, &byte) in buf.iter_mut().zip(&bytes) {
            *b = T::from_bool(byte != 0);
        }
        Ok(())
    } else {
        // SAFETY: `buf` has as many elements as the memory dataspace (checked
        // above) of `T`'s memory type; every bit pattern is a valid integer
        // or float.
        unsafe { transfer::<T>(ds, &sp, buf.as_mut_ptr().cast(), false) }
    }
}

/// The memory dataspace of a buffer of `len` elements that holds a plan's
/// one transfer: the plan's shape, which is the shape of its file
/// hyperslab (a point selection takes any shape of as many elements).
/// libhdf5 maps a chunked dataset's chunks to memory fast only when the
/// memory selection has the file selection's shape; a flat 1-D memory
/// space instead sends it element by element (`H5S_select_iterate`):
/// writing 1 GB of f64 in chunks of 65,536 x 3 took 3.1 s that way and
/// 0.2 s with the same shape.
pub(crate) fn mem_shape(plan: &lazy_core::backend::Plan, len: usize) -> Vec<usize> {
    let shape = plan.shape();
    if shape.is_empty() {
        vec![len]
    } else {
        shape
    }
}

/// Writes the `mem` selection of `buf` (an array of shape `mem_shape` in
/// row-major order) to the `file` selection of `ds`.
pub(crate) fn write<T: H5Element>(
    ds: &Dataset,
    file: Selection,
    mem_shape: &[usize],
    mem: Selection,
    buf: &[T],
) -> Result<()> {
    check_len(buf.len(), mem_shape)?;
    let sp = spaces(ds, file, mem_shape, mem)?;
    // SAFETY: `buf` has as many elements as the memory dataspace (checked
    // above) and H5Dwrite only reads from it.
    unsafe { transfer::<T>(ds, &sp, buf.as_ptr().cast_mut().cast(), true) }
}

/// A memory dataspace (its dims) and the hyperslab of it that addresses the
/// elements of a strided view, starting at the view's first element, in the
/// view's row-major order.
///
/// Axes of length 1 are left out. With the remaining axes' lengths `n` and
/// strides `s` (in elements, all positive): one axis is a 1-D space of
/// `(n0 - 1) * s0 + 1` elements with stride `s0`; more axes are a space with
/// dims `[n0, s0 / s1, …, s(d-3) / s(d-2), s(d-2)]`, contiguous counts on
/// all axes but the last, which has stride `s(d-1)`. That needs each stride
/// but the last to divide the one before, and every count to fit its dim,
/// so that element `i` of the view is element `sum(i_k * s_k)` of memory.
/// Other layouts (negative strides, transposed views) give `None`.
fn strided_layout(shape: &[usize], strides: &[isize]) -> Option<(Vec<usize>, Selection)> {
    let axes: Vec<(usize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|(&n, _)| n != 1)
        .map(|(&n, &s)| Some((n, usize::try_from(s).ok().filter(|&s| s > 0)?)))
        .collect::<Option<_>>()?;
    if axes.iter().any(|&(n, _)| n == 0) {
        return None;
    }
    let slab = |start: usize, step: usize, count: usize| SliceOrIndex::SliceCount {
        start,
        step,
        count,
        block: 1,
    };
    let (dims, slices): (Vec<usize>, Vec<SliceOrIndex>) = match axes.as_slice() {
        [] => (vec![1], vec![slab(0, 1, 1)]),
        [(n, s)] => (
            vec![(n - 1).checked_mul(*s)?.checked_add(1)?],
            vec![slab(0, *s, *n)],
        ),
        [.., (_, s_prev), (n_last, s_last)] => {
            let mut dims = Vec::with_capacity(axes.len());
            let mut slices = Vec::with_capacity(axes.len());
            for (k, &(n, s)) in axes.iter().enumerate() {
                if k + 1 == axes.len() {
                    break;
                }
                let dim = match k.checked_sub(1).and_then(|j| axes.get(j)) {
                    None => n,
                    Some(&(_, s_before)) => {
                        if s_before % s != 0 || n > s_before / s {
                            return None;
                        }
                        s_before / s
                    }
                };
                dims.push(dim);
                slices.push(slab(0, 1, n));
            }
            if (n_last - 1).checked_mul(*s_last)?.checked_add(1)? > *s_prev {
                return None;
            }
            dims.push(*s_prev);
            slices.push(slab(0, *s_last, *n_last));
            (dims, slices)
        }
    };
    Some((dims, Hyperslab::from(slices).into()))
}

/// Whether [`write_view`] can write straight from a view of this layout.
pub(crate) fn can_write_view<T: H5Element>(src: &ArrayViewD<'_, T>) -> bool {
    src.is_standard_layout() || strided_layout(src.shape(), src.strides()).is_some()
}

/// Writes `src`, whose layout [`can_write_view`] accepts, to the `file`
/// selection of `ds`.
pub(crate) fn write_view<T: H5Element>(
    ds: &Dataset,
    file: Selection,
    src: ArrayViewD<'_, T>,
) -> Result<()> {
    if let Some(buf) = src.as_slice() {
        let shape = if src.ndim() == 0 {
            vec![buf.len()]
        } else {
            src.shape().to_vec()
        };
        return write(ds, file, &shape, Selection::All, buf);
    }
    let Some((dims, mem)) = strided_layout(src.shape(), src.strides()) else {
        return Err(Error::internal(
            "no HDF5 memory layout for this source view",
        ));
    };
    let sp = spaces(ds, file, &dims, mem)?;
    // SAFETY: the memory selection addresses, from the view's first element,
    // exactly the view's elements (see `strided_layout`), which `src`
    // borrows; H5Dwrite only reads selected elements.
    unsafe { transfer::<T>(ds, &sp, src.as_ptr().cast_mut().cast(), true) }
}

/// Writes `stored`, the encoded bytes of the chunk starting at `origin`
/// (element coordinates), with libhdf5's direct chunk write
/// (`H5Dwrite_chunk`: all filters applied, no conversion, the chunk index
/// kept by libhdf5).
pub(crate) fn write_chunk(ds: &Dataset, origin: &[u64], stored: &[u8]) -> Result<()> {
    let _guard = hdf5_sys::LOCK.lock();
    // SAFETY: the dataset is open for the call; `origin` holds one
    // coordinate per axis of the dataset (the caller's chunk origin), and
    // `stored` is `stored.len()` readable bytes that libhdf5 only reads.
    let rc = unsafe {
        hdf5_sys::h5d::H5Dwrite_chunk(
            ds.id(),
            H5P_DEFAULT,
            0,
            origin.as_ptr(),
            stored.len(),
            stored.as_ptr().cast(),
        )
    };
    if rc < 0 {
        let e = hdf5_metno::Error::query().unwrap_or_else(|e| e);
        return Err(h5err(|| {
            format!(
                "cannot write chunk {origin:?} of dataset {:?} in {:?}",
                ds.name(),
                ds.filename()
            )
        })(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(shape: &[usize], strides: &[isize]) -> Option<(Vec<usize>, Vec<SliceOrIndex>)> {
        strided_layout(shape, strides).map(|(dims, sel)| match sel {
            Selection::Hyperslab(h) => (dims, h.to_vec()),
            _ => panic!("expected a hyperslab"),
        })
    }

    fn offsets(dims: &[usize], slices: &[SliceOrIndex]) -> Vec<usize> {
        // Row-major offsets of the selected elements.
        let mut out = vec![0usize];
        for (axis, s) in slices.iter().enumerate() {
            let SliceOrIndex::SliceCount {
                start, step, count, ..
            } = *s
            else {
                panic!()
            };
            let inner: usize = dims[axis + 1..].iter().product();
            out = out
                .iter()
                .flat_map(|&o| (0..count).map(move |i| o + (start + i * step) * inner))
                .collect();
        }
        out
    }

    #[test]
    fn strided_views_map_to_memory_hyperslabs() {
        // A column of an n x 3 array (a stacked channel).
        let (dims, sl) = layout(&[4], &[3]).unwrap();
        assert_eq!(offsets(&dims, &sl), vec![0, 3, 6, 9]);
        // The [:, :, k] part of an m x n x 3 array.
        let (dims, sl) = layout(&[2, 4], &[12, 3]).unwrap();
        assert_eq!(offsets(&dims, &sl), vec![0, 3, 6, 9, 12, 15, 18, 21]);
        // Three axes with padding, and a length-1 axis with any stride.
        let (dims, sl) = layout(&[2, 1, 3, 2], &[40, 7, 10, 2]).unwrap();
        assert_eq!(
            offsets(&dims, &sl),
            vec![0, 2, 10, 12, 20, 22, 40, 42, 50, 52, 60, 62]
        );
        // Transposed, negative or non-dividing strides are refused.
        assert!(layout(&[3, 4], &[1, 3]).is_none());
        assert!(layout(&[3], &[-1]).is_none());
        assert!(layout(&[2, 2, 2], &[7, 3, 1]).is_none());
        assert!(layout(&[2, 3], &[4, 2]).is_none()); // rows would overlap
    }
}
