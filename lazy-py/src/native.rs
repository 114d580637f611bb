//! Native sources: HDF5 datasets and Zarr arrays opened by the Rust
//! backends, read without calling Python (and without the GIL).

use std::path::PathBuf;

use lazy_datasets::hdf5::{
    inspect as h5_inspect, open_file, open_file_pure, open_file_rw, open_url, H5Dataset, Location,
};
use lazy_datasets::zarr::{inspect as zarr_inspect, ZarrDataset};
use lazy_datasets::{DType, Dyn, ErrorKind};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::dataset::{dtype_named, to_pyerr, LazyDataset};
use crate::node::{Elem, Handle, Node, Refusal};

/// `"r"` (read-only) or `"r+"` (read and write): whether to write.
fn writable(mode: &str) -> PyResult<bool> {
    match mode {
        "r" => Ok(false),
        "r+" => Ok(true),
        other => Err(PyValueError::new_err(format!(
            "mode must be \"r\" (read-only) or \"r+\" (read and write), not {other:?}"
        ))),
    }
}

/// `obj` as a URL (a string with a scheme: `s3://…`, `file://…`), or
/// `None` for a path.
pub(crate) fn url_of(obj: &Bound<'_, PyAny>) -> Option<String> {
    obj.extract::<String>().ok().filter(|s| s.contains("://"))
}

fn no_dtype(what: &str, described: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{what} holds {described}, which is not supported (bool, int8-64, uint8-64, float32, float64)"
    ))
}

/// Opens the dataset `name` of the HDF5 (or netCDF-4) file at `path`,
/// read-only (`mode="r"`) or for reading and writing (`mode="r+"`); or of
/// the file at a URL (`s3://`, `gs://`, `az://`, `http(s)://`; credentials
/// and endpoints from the environment, as the Rust side reads them),
/// read-only, by lazy-hdf5's own reader.
#[pyfunction]
#[pyo3(signature = (path, name, mode="r"))]
pub fn open_hdf5(
    py: Python<'_>,
    path: &Bound<'_, PyAny>,
    name: &str,
    mode: &str,
) -> PyResult<LazyDataset> {
    let rw = writable(mode)?;
    let err = |e| to_pyerr(py, e);
    if let Some(url) = url_of(path) {
        return open_hdf5_url(py, &url, name, rw);
    }
    let path: PathBuf = path.extract()?;
    let label = format!(
        "HDF5 dataset {name:?} in {:?} (mode {mode:?})",
        path.display().to_string()
    );
    let node = if rw {
        let file = open_file_rw(&path).map_err(err)?;
        let info = h5_inspect(&file, name).map_err(err)?;
        let dtype: DType = info
            .dtype
            .ok_or_else(|| no_dtype(&label, &info.data_type))?;
        crate::with_dtype!(dtype, T => {
            let ds = H5Dataset::<T, Dyn>::open_rw(&file, name).map_err(err)?;
            <T as Elem>::node(Handle::writable(ds, true))
        })
    } else {
        let file = open_file(&path).map_err(err)?;
        read_only_node(py, &file, name, &label)?
    };
    let refusal = (!rw).then_some(Refusal::OpenedReadOnly);
    // Absolute, so that a process with another working directory finds it.
    let absolute = std::path::absolute(&path).unwrap_or(path);
    let args = vec![
        absolute.display().to_string(),
        name.to_string(),
        mode.to_string(),
    ];
    Ok(LazyDataset::new(node, refusal, label).reopened_by("open_hdf5", args))
}

/// The absolute path of every dataset in the HDF5 (or netCDF-4) file at
/// `path` or at a URL (as [`open_hdf5`] takes them), sorted: what
/// `open_hdf5` can be asked for. Read by lazy-hdf5's own reader, without
/// the GIL.
#[pyfunction]
pub fn hdf5_datasets(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let listed = match url_of(path) {
        Some(url) => py.detach(|| open_url(url.as_str())?.dataset_paths()),
        None => {
            let path: PathBuf = path.extract()?;
            py.detach(|| open_file_pure(&path)?.dataset_paths())
        }
    };
    listed.map_err(|e| to_pyerr(py, e))
}

/// [`open_hdf5`] of a file at a URL: read-only (`rw` is a `ValueError`).
fn open_hdf5_url(py: Python<'_>, url: &str, name: &str, rw: bool) -> PyResult<LazyDataset> {
    if rw {
        return Err(PyValueError::new_err(format!(
            "HDF5 files by URL open read-only (mode=\"r\"), not for writing: {url:?}"
        )));
    }
    let label = format!("HDF5 dataset {name:?} in {url:?} (mode \"r\")");
    // Requests are made without the GIL (a server in this process may
    // need it to answer).
    let file = py.detach(|| open_url(url)).map_err(|e| to_pyerr(py, e))?;
    let node = read_only_node(py, &file, name, &label)?;
    let args = vec![url.to_string(), name.to_string(), "r".to_string()];
    Ok(LazyDataset::new(node, Some(Refusal::OpenedReadOnly), label).reopened_by("open_hdf5", args))
}

/// The read-only node of dataset `name` of `file` (a local file or one by
/// URL), of the element type it holds; its metadata read without the GIL.
pub(crate) fn read_only_node<L: Location + Sync>(
    py: Python<'_>,
    file: &L,
    name: &str,
    label: &str,
) -> PyResult<Node> {
    let err = |e| to_pyerr(py, e);
    let info = py.detach(|| h5_inspect(file, name)).map_err(err)?;
    let dtype: DType = info.dtype.ok_or_else(|| no_dtype(label, &info.data_type))?;
    Ok(crate::with_dtype!(dtype, T => {
        let ds = py
            .detach(|| H5Dataset::<T, Dyn>::open(file, name))
            .map_err(err)?;
        <T as Elem>::node(Handle::read_only(ds, true, Refusal::OpenedReadOnly))
    }))
}

/// The element type a Zarr array at a URL holds: opened as `float64`
/// first, and when it holds another type, that type is in the error
/// (`... holds int16, expected float64`).
fn url_dtype(py: Python<'_>, url: &str, name: &str) -> PyResult<DType> {
    match ZarrDataset::<f64, Dyn>::open_url(url, name) {
        Ok(_) => Ok(DType::F64),
        Err(e) if e.kind() == ErrorKind::Value => {
            let msg = e.to_string();
            let found = msg
                .split(" holds ")
                .nth(1)
                .and_then(|rest| rest.split([',', ' ']).next())
                .unwrap_or_default()
                .to_string();
            dtype_named(&found).map_err(|_| to_pyerr(py, e))
        }
        Err(e) => Err(to_pyerr(py, e)),
    }
}

/// Opens the array `name` of the Zarr store at `store`: a directory, or a
/// URL (`s3://`, `gs://`, `az://`, `http(s)://`, `file://`; credentials and
/// endpoints from the environment, as the Rust side reads them), read-only
/// (`mode="r"`) or for reading and writing (`mode="r+"`).
#[pyfunction]
#[pyo3(signature = (store, name, mode="r"))]
pub fn open_zarr(
    py: Python<'_>,
    store: &Bound<'_, PyAny>,
    name: &str,
    mode: &str,
) -> PyResult<LazyDataset> {
    let rw = writable(mode)?;
    let err = |e| to_pyerr(py, e);
    let url = url_of(store);
    let mut where_ = store.str()?.to_string();
    let node = if let Some(url) = url {
        let dtype = url_dtype(py, &url, name)?;
        crate::with_dtype!(dtype, T => {
            if rw {
                let ds = ZarrDataset::<T, Dyn>::open_url_rw(url.as_str(), name).map_err(err)?;
                <T as Elem>::node(Handle::writable(ds, true))
            } else {
                let ds = ZarrDataset::<T, Dyn>::open_url(url.as_str(), name).map_err(err)?;
                <T as Elem>::node(Handle::read_only(ds, true, Refusal::OpenedReadOnly))
            }
        })
    } else {
        let path: PathBuf = store.extract()?;
        if let Ok(absolute) = std::path::absolute(&path) {
            where_ = absolute.display().to_string();
        }
        let label = format!("Zarr array {name:?} in {:?}", path.display().to_string());
        let info = zarr_inspect(&path, name).map_err(err)?;
        let dtype: DType = info
            .dtype
            .ok_or_else(|| no_dtype(&label, &info.data_type))?;
        crate::with_dtype!(dtype, T => {
            if rw {
                let ds = ZarrDataset::<T, Dyn>::open_rw(&path, name).map_err(err)?;
                <T as Elem>::node(Handle::writable(ds, true))
            } else {
                let ds = ZarrDataset::<T, Dyn>::open(&path, name).map_err(err)?;
                <T as Elem>::node(Handle::read_only(ds, true, Refusal::OpenedReadOnly))
            }
        })
    };
    let label = format!("Zarr array {name:?} in {where_} (mode {mode:?})");
    let refusal = (!rw).then_some(Refusal::OpenedReadOnly);
    let args = vec![where_, name.to_string(), mode.to_string()];
    Ok(LazyDataset::new(node, refusal, label).reopened_by("open_zarr", args))
}
