//! # lazy-py: the Python module `lazy_datasets`
//!
//! The reference module's classes (`LazyStackedDataset`, `LazyScaledDataset`,
//! `LazySumDataset`, `LazyBooleanOrDataset`) and the library's other views
//! (`LazyConcatenatedDataset`, `LazyTransposedDataset`, `LazyCastDataset`,
//! `LazyDecodedDataset`, `LazyMappedDataset`) as thin wrappers over the Rust
//! views of lazy-datasets, and native sources (`open_hdf5`, `open_zarr`).
//! The extension module is `lazy_datasets._lib`; the package
//! `lazy_datasets` (python/src/lazy_datasets) re-exports it and holds the
//! xarray backend.
//!
//! - [`node`]: a dataset of any dtype behind one type ([`node::Node`]).
//! - [`pysource`]: Python objects (NumPy, h5py, zarr) as Rust datasets.
//! - [`key`]: NumPy keys to selections, advanced indexing included.
//! - [`dataset`]: the base class `LazyDataset`: reads, writes, `__array__`.
//! - [`views`]: the reference's classes.
//! - [`layout`]: concatenation and transposition.
//! - [`converted`]: dtype casts and CF decoding.
//! - [`mapped`]: a Python function applied to blocks as they are read.
//! - [`native`]: `open_hdf5` and `open_zarr`.
//!
//! Build it with maturin: `pip install ./python` from the repository root.

#![warn(missing_docs)]

use pyo3::prelude::*;

pub mod converted;
pub mod dataset;
pub mod hdf5file;
pub mod key;
pub mod layout;
pub mod mapped;
pub mod native;
pub mod node;
pub mod pysource;
pub mod views;

/// Lazy, NumPy-style datasets backed by Rust: the reference module's
/// classes, plus native HDF5 and Zarr sources.
#[pymodule]
#[pyo3(name = "_lib")]
fn lazy_datasets(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<dataset::LazyDataset>()?;
    m.add_class::<views::LazyCombinedDataset>()?;
    m.add_class::<views::LazyDerivedDataset>()?;
    m.add_class::<views::LazyStackedDataset>()?;
    m.add_class::<views::LazyScaledDataset>()?;
    m.add_class::<views::LazySumDataset>()?;
    m.add_class::<views::LazyBooleanOrDataset>()?;
    m.add_class::<layout::LazyConcatenatedDataset>()?;
    m.add_class::<layout::LazyTransposedDataset>()?;
    m.add_class::<converted::LazyCastDataset>()?;
    m.add_class::<converted::LazyDecodedDataset>()?;
    m.add_class::<mapped::LazyMappedDataset>()?;
    m.add_function(wrap_pyfunction!(native::open_hdf5, m)?)?;
    m.add_function(wrap_pyfunction!(native::open_zarr, m)?)?;
    m.add_function(wrap_pyfunction!(native::hdf5_datasets, m)?)?;
    m.add_class::<hdf5file::HDF5File>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
