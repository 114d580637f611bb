//! # lazy-py: the Python module `lazy_datasets`
//!
//! The reference module's classes (`LazyStackedDataset`, `LazyScaledDataset`,
//! `LazySumDataset`, `LazyBooleanOrDataset`) as thin wrappers over the Rust
//! views of lazy-datasets, and native sources (`open_hdf5`, `open_zarr`).
//!
//! - [`node`]: a dataset of any dtype behind one type ([`node::Node`]).
//! - [`pysource`]: Python objects (NumPy, h5py, zarr) as Rust datasets.
//! - [`key`]: NumPy keys to selections, advanced indexing included.
//! - [`dataset`]: the base class `LazyDataset`: reads, writes, `__array__`.
//! - [`views`]: the reference's classes.
//! - [`native`]: `open_hdf5` and `open_zarr`.
//!
//! Build it with maturin: `pip install ./python` from the repository root.

#![warn(missing_docs)]

use pyo3::prelude::*;

pub mod dataset;
pub mod key;
pub mod native;
pub mod node;
pub mod pysource;
pub mod views;

/// Lazy, NumPy-style datasets backed by Rust: the reference module's
/// classes, plus native HDF5 and Zarr sources.
#[pymodule]
fn lazy_datasets(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<dataset::LazyDataset>()?;
    m.add_class::<views::LazyStackedDataset>()?;
    m.add_class::<views::LazyScaledDataset>()?;
    m.add_class::<views::LazySumDataset>()?;
    m.add_class::<views::LazyBooleanOrDataset>()?;
    m.add_function(wrap_pyfunction!(native::open_hdf5, m)?)?;
    m.add_function(wrap_pyfunction!(native::open_zarr, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
