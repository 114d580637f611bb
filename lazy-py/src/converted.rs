//! Views that convert values: `LazyCastDataset` (`astype`) and
//! `LazyDecodedDataset` (CF `scale_factor`/`add_offset` and masking), over
//! lazy-core's `Cast` and `Decoded`; both read and write.

use std::collections::HashMap;

use lazy_datasets::prelude::*;
use lazy_datasets::DType;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::dataset::{dtype_named, node_of, to_pyerr};
use crate::node::{CastTarget, Handle, Node};
use crate::views::{view_of, LazyDerivedDataset};

/// The NumPy name of the dtype `dtype` (anything `np.dtype` takes).
fn dtype_of(py: Python<'_>, dtype: &Bound<'_, PyAny>) -> PyResult<DType> {
    let d = py.import("numpy")?.call_method1("dtype", (dtype,))?;
    dtype_named(&d.getattr("name")?.extract::<String>()?)
}

/// Lazy conversion: `dataset.astype(dtype)` read on demand.
///
/// Between numbers, values convert as Rust's `as` does: integers wrap (as
/// NumPy's `astype`), floats to integers truncate toward zero and saturate
/// (NaN becomes 0; NumPy leaves these undefined); writes convert back the
/// same way. To `bool`, non-zero is `True`; from `bool`, `True` is 1; a
/// cast to or from `bool` is read-only.
#[pyclass(extends = LazyDerivedDataset, module = "lazy_datasets", frozen)]
pub struct LazyCastDataset;

#[pymethods]
impl LazyCastDataset {
    #[new]
    fn new(
        py: Python<'_>,
        dataset: &Bound<'_, PyAny>,
        dtype: &Bound<'_, PyAny>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let source = node_of(py, dataset)?;
        let to = dtype_of(py, dtype)?;
        let node = crate::with_dtype!(to, T => <T as CastTarget>::cast(&source));
        let args = (dataset, to.numpy_name()).into_pyobject(py)?;
        Ok(view_of(node, None, args, dataset, LazyCastDataset))
    }
}

/// The CF attribute names, in the order of [`LazyDecodedDataset`]'s
/// keyword arguments, with the argument that gives each.
const CF_ATTRIBUTES: [(&str, &str); 7] = [
    ("scale_factor", "scale_factor"),
    ("add_offset", "add_offset"),
    ("_FillValue", "fill_value"),
    ("missing_value", "missing_value"),
    ("valid_min", "valid_min"),
    ("valid_max", "valid_max"),
    ("valid_range", "valid_range"),
];

/// The numbers of an attribute value (a number or a sequence of them).
fn numbers(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    py.import("numpy")?
        .call_method1("asarray", (value, "float64"))?
        .call_method0("ravel")?
        .call_method0("tolist")?
        .extract()
}

/// Lazy CF decoding: `raw * scale_factor + add_offset`, with NaN where the
/// stored value is `fill_value` (`_FillValue`), one of `missing_value`,
/// NaN, or outside `valid_min`/`valid_max`/`valid_range` — xarray's
/// `decode_cf(mask_and_scale=True)` and netCDF4-python's default.
///
/// The arithmetic is done in `dtype` (`float64` or `float32`). Writable
/// when the dataset is: NaN writes the fill value (an error without one),
/// other values are unscaled, rounded to nearest for integer storage and
/// checked to fit it (a `ValueError` before anything is written).
/// `from_attrs` takes the attributes from a mapping (h5py's `attrs`, a
/// netCDF variable's `__dict__`, a dict).
#[pyclass(extends = LazyDerivedDataset, module = "lazy_datasets", frozen)]
pub struct LazyDecodedDataset {
    attrs: Py<PyDict>,
}

#[pymethods]
impl LazyDecodedDataset {
    #[new]
    #[pyo3(signature = (dataset, scale_factor=None, add_offset=None, fill_value=None,
        missing_value=None, valid_min=None, valid_max=None, valid_range=None, dtype=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        dataset: &Bound<'_, PyAny>,
        scale_factor: Option<&Bound<'_, PyAny>>,
        add_offset: Option<&Bound<'_, PyAny>>,
        fill_value: Option<&Bound<'_, PyAny>>,
        missing_value: Option<&Bound<'_, PyAny>>,
        valid_min: Option<&Bound<'_, PyAny>>,
        valid_max: Option<&Bound<'_, PyAny>>,
        valid_range: Option<&Bound<'_, PyAny>>,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let given = [
            scale_factor,
            add_offset,
            fill_value,
            missing_value,
            valid_min,
            valid_max,
            valid_range,
        ];
        let attrs = PyDict::new(py);
        let mut values: HashMap<&str, Vec<f64>> = HashMap::new();
        for ((name, _), value) in CF_ATTRIBUTES.iter().zip(given) {
            if let Some(v) = value.filter(|v| !v.is_none()) {
                attrs.set_item(name, v)?;
                values.insert(name, numbers(py, v)?);
            }
        }
        let what = "the dataset";
        let cf = Cf::from_attributes(|name| Ok(values.get(name).cloned()), what)
            .map_err(|e| to_pyerr(py, e))?;
        let to = match dtype {
            Some(d) if !d.is_none() => dtype_of(py, d)?,
            _ => DType::F64,
        };
        let source = node_of(py, dataset)?;
        let native = source.native();
        let err = |e| to_pyerr(py, e);
        let node = crate::with_number!(&source, h: _S => match to {
            DType::F32 => Node::F32(Handle::writable(
                Decoded::<f32, _>::new(h.clone(), cf).map_err(err)?,
                native,
            )),
            DType::F64 => Node::F64(Handle::writable(
                Decoded::<f64, _>::new(h.clone(), cf).map_err(err)?,
                native,
            )),
            other => {
                return Err(PyValueError::new_err(format!(
                    "CF-decoded values are float32 or float64, not {}",
                    other.numpy_name()
                )))
            }
        }, bool _h => {
            return Err(PyValueError::new_err("CF decoding needs numbers, not bool"));
        });
        let mut args: Vec<Bound<'_, PyAny>> = vec![dataset.clone()];
        args.extend(
            given
                .iter()
                .map(|v| v.cloned().unwrap_or_else(|| py.None().into_bound(py))),
        );
        args.push(to.numpy_name().into_pyobject(py)?.into_any());
        let view = LazyDecodedDataset {
            attrs: attrs.unbind(),
        };
        Ok(view_of(node, None, PyTuple::new(py, args)?, dataset, view))
    }

    /// The view that decodes `dataset` by the CF attributes found in the
    /// mapping `attrs` (`scale_factor`, `add_offset`, `_FillValue`,
    /// `missing_value`, `valid_min`, `valid_max`, `valid_range`; others are
    /// ignored), e.g. `LazyDecodedDataset.from_attrs(ds, h5file["t"].attrs)`.
    #[classmethod]
    #[pyo3(signature = (dataset, attrs, dtype=None))]
    fn from_attrs<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        dataset: &Bound<'py, PyAny>,
        attrs: &Bound<'py, PyAny>,
        dtype: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let kwargs = PyDict::new(py);
        for (name, arg) in CF_ATTRIBUTES {
            if attrs.call_method1("__contains__", (name,))?.is_truthy()? {
                kwargs.set_item(arg, attrs.get_item(name)?)?;
            }
        }
        kwargs.set_item("dtype", dtype)?;
        cls.call((dataset,), Some(&kwargs))
    }

    /// The CF attributes this view decodes with, by their attribute names
    /// (`_FillValue` for `fill_value`), as given.
    #[getter]
    fn attrs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.attrs.bind(py).copy()
    }
}
