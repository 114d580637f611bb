//! `HDF5File`: an HDF5 (or netCDF-4) file, local or by URL, open with
//! lazy-hdf5's own reader, for what h5py would otherwise be needed for:
//! listing groups and datasets, attributes, dimension scales, and opening
//! many datasets of one file with one open (for a file by URL, one first
//! request instead of one per dataset).

use std::path::PathBuf;
use std::sync::Arc;

use lazy_datasets::hdf5::{open_file_pure, open_url, AttrValue, PureFile};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::dataset::{to_pyerr, LazyDataset};
use crate::native::{read_only_node, url_of};
use crate::node::Refusal;

/// An HDF5 or netCDF-4 file open for reading by lazy-hdf5's own reader (no
/// libhdf5, no h5py): a path or a URL (``s3://``, ``gs://``, ``az://``,
/// ``http(s)://``; credentials and endpoints from the environment).
///
/// ```python
/// f = lazy_datasets.HDF5File("s3://bucket/run1.nc")
/// f.dataset_paths()                  # ['/lat', '/lon', '/t']
/// f.attributes("/t")                 # {'units': 'K', 'scale_factor': 0.01, ...}
/// f.dimension_scales("/t")           # ['/time', '/lat', '/lon']
/// f.maxshape("/time")                # [None]: unlimited
/// f.chunks("/t")                     # [1, 90, 180], or None: contiguous
/// t = f.open("/t")                   # a LazyDataset, as open_hdf5 gives
/// ```
#[pyclass(module = "lazy_datasets", frozen, name = "HDF5File")]
pub struct HDF5File {
    file: Arc<PureFile>,
    /// The URL, or the absolute path, for the datasets' pickles.
    location: String,
}

#[pymethods]
impl HDF5File {
    /// Opens the file at `path` (a path, a path-like object or a URL).
    #[new]
    fn new(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (opened, location) = match url_of(path) {
            Some(url) => (py.detach(|| open_url(url.as_str())), url),
            None => {
                let path: PathBuf = path.extract()?;
                let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
                (
                    py.detach(|| open_file_pure(&path)),
                    absolute.display().to_string(),
                )
            }
        };
        let file = opened.map_err(|e| to_pyerr(py, e))?;
        Ok(HDF5File {
            file: Arc::new(file),
            location,
        })
    }

    /// The file's URL, or its absolute path.
    #[getter]
    fn location(&self) -> &str {
        &self.location
    }

    /// The absolute path of every dataset in the file, sorted.
    fn dataset_paths(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        py.detach(|| self.file.dataset_paths())
            .map_err(|e| to_pyerr(py, e))
    }

    /// The names of the groups and of the datasets in the group `group`,
    /// each list sorted: ``(groups, datasets)``.
    #[pyo3(signature = (group="/"))]
    fn members(&self, py: Python<'_>, group: &str) -> PyResult<(Vec<String>, Vec<String>)> {
        let m = py
            .detach(|| self.file.members(group))
            .map_err(|e| to_pyerr(py, e))?;
        Ok((m.groups, m.datasets))
    }

    /// The attributes of the group or dataset `name` as a dict, as h5py's
    /// ``attrs`` gives them: numbers as NumPy scalars or arrays of their
    /// stored dtype, bools, variable-length strings as ``str`` (arrays of
    /// them as object arrays), fixed-length strings as ``bytes`` (arrays of
    /// dtype ``S<n>``). Attributes of other types (compound, reference,
    /// enum, …) are left out.
    #[pyo3(signature = (name="/"))]
    fn attributes<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
        let attrs = py
            .detach(|| self.file.attributes(name))
            .map_err(|e| to_pyerr(py, e))?;
        let np = py.import("numpy")?;
        let out = PyDict::new(py);
        for a in attrs {
            let shape = a.shape.clone();
            let array = |values: Bound<'py, PyAny>, dtype: String| -> PyResult<Bound<'py, PyAny>> {
                let arr = np
                    .call_method1("array", (values, dtype))?
                    .call_method1("reshape", (shape.clone(),))?;
                if shape.is_empty() {
                    arr.call_method1("__getitem__", (pyo3::types::PyTuple::empty(py),))
                } else {
                    Ok(arr)
                }
            };
            let value = match a.value {
                AttrValue::Signed { bytes, values } => {
                    array(PyList::new(py, values)?.into_any(), format!("<i{bytes}"))?
                }
                AttrValue::Unsigned { bytes, values } => {
                    array(PyList::new(py, values)?.into_any(), format!("<u{bytes}"))?
                }
                AttrValue::Float { bytes, values } => {
                    array(PyList::new(py, values)?.into_any(), format!("<f{bytes}"))?
                }
                AttrValue::Bool(values) => array(PyList::new(py, values)?.into_any(), "?".into())?,
                AttrValue::Text {
                    fixed: Some(n),
                    values,
                } => {
                    let bytes = values
                        .iter()
                        .map(|v| PyBytes::new(py, v.as_bytes()))
                        .collect::<Vec<_>>();
                    array(PyList::new(py, bytes)?.into_any(), format!("S{}", n.max(1)))?
                }
                AttrValue::Text {
                    fixed: None,
                    values,
                } => {
                    if shape.is_empty() && values.len() == 1 {
                        values
                            .into_iter()
                            .next()
                            .unwrap_or_default()
                            .into_pyobject(py)?
                            .into_any()
                    } else {
                        array(PyList::new(py, values)?.into_any(), "O".into())?
                    }
                }
                _ => continue,
            };
            out.set_item(a.name, value)?;
        }
        Ok(out)
    }

    /// The path of the dimension scale attached to each axis of the
    /// dataset `name` (``None`` for an axis with none): a netCDF-4
    /// variable's dimensions.
    fn dimension_scales(&self, py: Python<'_>, name: &str) -> PyResult<Vec<Option<String>>> {
        py.detach(|| self.file.dimension_scales(name))
            .map_err(|e| to_pyerr(py, e))
    }

    /// The largest shape the dataset `name` may grow to, as h5py's
    /// ``maxshape``: ``None`` for an unlimited axis.
    fn maxshape(&self, py: Python<'_>, name: &str) -> PyResult<Vec<Option<usize>>> {
        py.detach(|| self.file.max_shape(name))
            .map_err(|e| to_pyerr(py, e))
    }

    /// The chunk shape of the dataset `name`, as h5py's ``chunks``:
    /// ``None`` for contiguous and compact data.
    fn chunks(&self, py: Python<'_>, name: &str) -> PyResult<Option<Vec<usize>>> {
        py.detach(|| lazy_datasets::hdf5::inspect(&*self.file, name))
            .map(|info| info.chunks)
            .map_err(|e| to_pyerr(py, e))
    }

    /// The dataset `name`, read-only, as ``open_hdf5(location, name)``
    /// gives it, without opening the file again.
    fn open(&self, py: Python<'_>, name: &str) -> PyResult<LazyDataset> {
        let label = format!("HDF5 dataset {name:?} in {:?} (mode \"r\")", self.location);
        let node = read_only_node(py, &*self.file, name, &label)?;
        let args = vec![self.location.clone(), name.to_string(), "r".to_string()];
        Ok(LazyDataset::new(node, Some(Refusal::OpenedReadOnly), label)
            .reopened_by("open_hdf5", args))
    }

    /// Pickled as its location, opened anew on load.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyAny>, (String,)) {
        (slf.get_type().into_any(), (slf.get().location.clone(),))
    }

    fn __repr__(&self) -> String {
        format!("<lazy_datasets.HDF5File {:?}>", self.location)
    }
}
