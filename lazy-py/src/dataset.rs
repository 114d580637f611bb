//! `LazyDataset`: the Python base class of every dataset of this module —
//! shape, dtype, NumPy reads and writes over a [`Node`].

use lazy_datasets::prelude::*;
use lazy_datasets::resolve;
use numpy::{IntoPyArray, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyIndexError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::key::{parse, sparse_points, Key, Points};
use crate::node::{Elem, Handle, Node, Refusal};
use crate::pysource::{as_array, PySource};
use crate::with_node;

/// A lazy dataset: reads and writes go through the Rust views to the
/// sources, only for the requested slice.
#[pyclass(subclass, module = "lazy_datasets", frozen)]
pub struct LazyDataset {
    pub(crate) node: Node,
    /// Why writes are refused before anything is read, when they are.
    pub(crate) refusal: Option<Refusal>,
    /// How `repr` names it.
    pub(crate) label: String,
    /// How a native dataset is opened again when unpickled: the function's
    /// name in this module and its arguments (path or URL, name, mode).
    pub(crate) reopen: Option<(&'static str, Vec<String>)>,
    /// How a view is made again when unpickled: its constructor's arguments
    /// (the class is the object's own).
    pub(crate) args: Option<Py<PyTuple>>,
}

impl LazyDataset {
    /// A dataset over `node`.
    pub fn new(node: Node, refusal: Option<Refusal>, label: String) -> Self {
        LazyDataset {
            node,
            refusal,
            label,
            reopen: None,
            args: None,
        }
    }

    /// This view, pickled as a call of its class with `args`.
    pub fn made_of(mut self, args: Bound<'_, PyTuple>) -> Self {
        self.args = Some(args.unbind());
        self
    }

    /// This dataset, pickled as a call of `function` of this module with
    /// `args`.
    pub fn reopened_by(mut self, function: &'static str, args: Vec<String>) -> Self {
        self.reopen = Some((function, args));
        self
    }
}

/// A Rust error as the Python exception it stands for: an exception a
/// Python source raised comes back as itself.
pub fn to_pyerr(py: Python<'_>, e: Error) -> PyErr {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(c) = cause {
        if let Some(pe) = c.downcast_ref::<PyErr>() {
            return pe.clone_ref(py);
        }
        cause = c.source();
    }
    let msg = e.to_string();
    match e.kind() {
        ErrorKind::Index => PyIndexError::new_err(msg),
        ErrorKind::Shape | ErrorKind::Value => PyValueError::new_err(msg),
        ErrorKind::Backend => PyOSError::new_err(msg),
        _ => PyRuntimeError::new_err(msg),
    }
}

fn read_typed<'py, T: Elem>(
    py: Python<'py>,
    h: &Handle<T>,
    key: Key<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    match key {
        Key::Direct { sel, scalar } => {
            let h = h.clone();
            let out = py
                .detach(move || h.read_dyn(&sel))
                .map_err(|e| to_pyerr(py, e))?;
            let arr = out.into_pyarray(py).into_any();
            if scalar && arr.getattr("ndim")?.extract::<usize>()? == 0 {
                // NumPy answers a full integer key with a scalar.
                return arr.call_method1("__getitem__", (PyTuple::empty(py),));
            }
            Ok(arr)
        }
        Key::TwoStep { block, then } => {
            if h.0.native() {
                if let Some(Points { coords, shape }) = sparse_points(py, &block, &then)? {
                    let h = h.clone();
                    let values = py
                        .detach(move || h.read_points(&coords))
                        .map_err(|e| to_pyerr(py, e))?;
                    let arr = values.into_pyarray(py).into_any();
                    return arr.call_method1("reshape", (shape,));
                }
            }
            let h = h.clone();
            let out = py
                .detach(move || h.read_dyn(&block))
                .map_err(|e| to_pyerr(py, e))?;
            out.into_pyarray(py).into_any().get_item(then)
        }
    }
}

fn write_typed<'py, T: Elem>(
    py: Python<'py>,
    h: &Handle<T>,
    key: Key<'py>,
    value: &Bound<'py, PyAny>,
) -> PyResult<()> {
    let mut h = h.clone();
    match key {
        Key::Direct { sel, .. } => {
            let region = resolve(h.shape(), sel.elems()).map_err(|e| to_pyerr(py, e))?;
            let want = region.out_shape();
            let arr = as_array::<T>(py, value)?;
            let ro = arr.readonly();
            let view = ro.as_array();
            let Some(b) = view.broadcast(ndarray::IxDyn(&want)) else {
                return Err(PyValueError::new_err(format!(
                    "could not broadcast input array from shape {:?} into shape {want:?}",
                    ro.shape()
                )));
            };
            py.detach(move || h.write_from(&region, b))
                .map_err(|e| to_pyerr(py, e))
        }
        Key::TwoStep { block, then } => {
            // Read the block the key touches, assign in NumPy, write it back.
            let h2 = h.clone();
            let sel = block.clone();
            let out = py
                .detach(move || h2.read_dyn(&sel))
                .map_err(|e| to_pyerr(py, e))?;
            let arr = out.into_pyarray(py);
            arr.as_any().set_item(then, value)?;
            let ro = arr.readonly();
            let view = ro.as_array();
            py.detach(move || h.write_dyn(&block, view))
                .map_err(|e| to_pyerr(py, e))
        }
    }
}

#[pymethods]
impl LazyDataset {
    /// Shape of the dataset.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.node.shape())
    }

    /// Number of dimensions.
    #[getter]
    fn ndim(&self) -> usize {
        self.node.shape().len()
    }

    /// Number of elements.
    #[getter]
    fn size(&self) -> usize {
        self.node.shape().iter().product()
    }

    /// Data type of the values read (a `numpy.dtype`).
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("numpy")?
            .call_method1("dtype", (self.node.dtype().numpy_name(),))
    }

    /// Whether every source is native (HDF5 or Zarr opened by this module):
    /// reads then run in Rust without the GIL.
    #[getter]
    fn native(&self) -> bool {
        self.node.native()
    }

    fn __len__(&self) -> PyResult<usize> {
        self.node
            .shape()
            .first()
            .copied()
            .ok_or_else(|| PyTypeError::new_err("len() of unsized object"))
    }

    /// Reads the selection `key` (NumPy's indexing: integers, slices with
    /// any step, `...`, `None`, integer and boolean arrays).
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = parse(py, key, &self.node.shape())?;
        with_node!(&self.node, h: _T => read_typed(py, h, key))
    }

    /// Writes `value` (broadcast as NumPy does) to the selection `key`.
    fn __setitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if let Some(r) = self.refusal {
            return Err(r.to_pyerr());
        }
        let key = parse(py, key, &self.node.shape())?;
        with_node!(&self.node, h: _T => write_typed(py, h, key, value))
    }

    /// Reads single elements: `coords` holds one integer array per axis
    /// (broadcast together), as NumPy's `x[tuple(coords)]`; the output has
    /// their broadcast shape. `ds.points(np.nonzero(mask))` reads where a
    /// mask is true. Over native sources few points in a large region are
    /// read one by one, so only they are read.
    fn points<'py>(
        &self,
        py: Python<'py>,
        coords: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let arrays: Vec<Bound<'py, PyAny>> = coords.try_iter()?.collect::<PyResult<_>>()?;
        let ndim = self.node.shape().len();
        if arrays.len() != ndim {
            return Err(PyIndexError::new_err(format!(
                "points needs one coordinate array per axis: {} for {ndim} axes",
                arrays.len()
            )));
        }
        let np = py.import("numpy")?;
        let arrays = arrays
            .iter()
            .map(|a| {
                let arr = np.call_method1("asarray", (a,))?;
                let kind: String = arr.getattr("dtype")?.getattr("kind")?.extract()?;
                let empty = arr.getattr("size")?.extract::<usize>()? == 0;
                match kind.as_str() {
                    "i" | "u" => Ok(arr),
                    _ if empty => np.call_method1("asarray", (arr, "intp")),
                    _ => Err(PyIndexError::new_err(
                        "points takes integer coordinate arrays",
                    )),
                }
            })
            .collect::<PyResult<Vec<_>>>()?;
        let key = PyTuple::new(py, arrays)?;
        self.__getitem__(py, key.as_any())
    }

    /// The dataset with its axes reversed (`np.transpose(ds)`), a
    /// `LazyTransposedDataset`.
    #[getter(T)]
    fn transposed<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("lazy_datasets")?
            .getattr("LazyTransposedDataset")?
            .call1((slf,))
    }

    /// The whole dataset as a NumPy array (`np.asarray(ds)`).
    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<&Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if copy == Some(false) {
            return Err(PyValueError::new_err(
                "a lazy dataset cannot be viewed as an array without reading (a copy)",
            ));
        }
        let all = with_node!(&self.node, h: _T => {
            let h = h.clone();
            py.detach(move || h.read_all())
                .map_err(|e| to_pyerr(py, e))?
                .into_pyarray(py)
                .into_any()
        });
        match dtype {
            Some(d) => all.call_method1("astype", (d,)),
            None => Ok(all),
        }
    }

    /// Pickles a native dataset as its path (or URL), name and mode (it is
    /// opened again when unpickled), and a view as its class and arguments
    /// (its sources pickled as they pickle).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        if let Some(args) = &this.args {
            return (slf.get_type(), args.bind(py)).into_pyobject(py);
        }
        let Some((function, args)) = &this.reopen else {
            return Err(PyTypeError::new_err(format!(
                "cannot pickle {}: only native datasets and the views are picklable",
                this.label
            )));
        };
        let f = py.import("lazy_datasets")?.getattr(*function)?;
        (f, PyTuple::new(py, args)?).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<{} shape={:?} dtype={}>",
            self.label,
            self.node.shape(),
            self.node.dtype().numpy_name()
        )
    }
}

/// The Rust dataset behind a Python object: our own datasets as they are,
/// anything else with `shape`, `dtype` and `__getitem__` as a Python source.
pub fn node_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Node> {
    if let Ok(ds) = obj.cast::<LazyDataset>() {
        return Ok(ds.get().node.clone());
    }
    let shape: Vec<usize> =
        obj.getattr("shape")
            .and_then(|s| s.extract())
            .map_err(|_| {
                PyTypeError::new_err(format!(
                "a source needs shape, dtype and __getitem__; {} has no shape (a tuple of ints)",
                obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
            })?;
    let dtype = py
        .import("numpy")?
        .call_method1("dtype", (obj.getattr("dtype")?,))?;
    let name: String = dtype.getattr("name")?.extract()?;
    let source = PySource::new(obj.clone().unbind(), shape);
    let dt = dtype_named(&name)?;
    Ok(crate::with_dtype!(dt, T => <T as Elem>::node(Handle(std::sync::Arc::new(source)))))
}

/// The element type NumPy calls `name`.
pub fn dtype_named(name: &str) -> PyResult<lazy_datasets::DType> {
    use lazy_datasets::DType::*;
    Ok(match name {
        "bool" => Bool,
        "int8" => I8,
        "int16" => I16,
        "int32" => I32,
        "int64" => I64,
        "uint8" => U8,
        "uint16" => U16,
        "uint32" => U32,
        "uint64" => U64,
        "float32" => F32,
        "float64" => F64,
        other => {
            return Err(PyTypeError::new_err(format!(
                "dtype {other} is not supported: sources hold bool, int8-64, uint8-64, float32 or float64"
            )))
        }
    })
}
