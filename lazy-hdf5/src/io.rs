//! Moving elements between a selection of an HDF5 dataset and a buffer.
//!
//! hdf5-metno reads selections into arrays it allocates; to read straight into
//! the caller's buffer this module calls `H5Dread`/`H5Dwrite` itself, with
//! dataspaces and datatypes built through hdf5-metno's safe API, holding the
//! lock hdf5-metno uses to serialise calls into the library.

use std::ffi::c_void;

use hdf5_metno::{Dataset, Dataspace, Datatype, Selection};
use hdf5_sys::h5d::{H5Dread, H5Dwrite};
use hdf5_sys::h5p::H5P_DEFAULT;
use lazy_core::{checked_size, DType, Error, Result};

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
        return Err(Error::shape(format!(
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
        Err(Error::shape(format!(
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
