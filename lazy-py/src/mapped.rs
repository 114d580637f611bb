//! `LazyMappedDataset`: a Python function applied to the values of a
//! dataset as they are read (lazy-core's `Map`, with the function called
//! on NumPy arrays instead of element by element); read-only.

use lazy_datasets::prelude::*;
use lazy_datasets::{Hints, Region};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use numpy::{IntoPyArray, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::dataset::{dtype_named, node_of};
use crate::node::{Backing, Elem, Handle, Refusal};
use crate::pysource::as_array;
use crate::views::{view_of, LazyDerivedDataset};

/// `func` applied to the blocks read from `source`, as `T`.
struct Mapped<S> {
    source: Handle<S>,
    func: Py<PyAny>,
}

fn py_error(e: PyErr) -> Error {
    Error::backend("the function of a LazyMappedDataset raised an exception", e)
}

impl<S: Elem, T: Elem> Backing<T> for Mapped<S> {
    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read(&self, region: CheckedRegion<'_>, mut out: ArrayViewMutD<'_, T>) -> Result<()> {
        let mut block = ArrayD::<S>::from_elem(IxDyn(out.shape()), S::default());
        self.source.read_region(region, block.view_mut())?;
        Python::attach(|py| -> PyResult<()> {
            let got = self.func.bind(py).call1((block.into_pyarray(py),))?;
            let arr = as_array::<T>(py, &got)?;
            let ro = arr.readonly();
            let values = ro.as_array();
            let Some(b) = values.broadcast(out.raw_dim()) else {
                return Err(PyValueError::new_err(format!(
                    "the function of a LazyMappedDataset returned shape {:?} for a block of shape {:?}: it must keep the shape (apply element-wise)",
                    ro.shape(),
                    out.shape()
                )));
            };
            out.assign(&b);
            Ok(())
        })
        .map_err(py_error)
    }

    fn write(&self, _: CheckedRegion<'_>, _: ArrayViewD<'_, T>) -> Result<()> {
        Err(refused())
    }

    fn check_write(&self, _: CheckedRegion<'_>) -> Result<()> {
        Err(refused())
    }

    fn check_values(&self, _: CheckedRegion<'_>, _: ArrayViewD<'_, T>) -> Result<()> {
        Err(refused())
    }

    fn hints(&self) -> Hints {
        self.source.hints()
    }

    /// Yes: views then call the function on the calling thread, where the
    /// GIL is taken once, rather than on the pool's threads in turn.
    fn in_memory(&self, _: &Region) -> bool {
        true
    }

    fn native(&self) -> bool {
        false
    }
}

const REFUSAL: Refusal = Refusal::View("LazyMappedDataset");

fn refused() -> Error {
    Error::backend("write refused", REFUSAL.to_pyerr())
}

/// Lazy function application: `func(dataset[key])` for every read, where
/// `func` takes and returns a NumPy array of the same shape (an
/// element-wise function: a ufunc such as `np.sqrt`, or arithmetic on its
/// argument).
///
/// `func` is called once per read, with the block of source values that
/// read touches, so it must not depend on the block's shape or position
/// (`np.cumsum` would give a different answer per key). Its result is
/// converted to `dtype`; by default the dtype of `func` applied to an
/// empty array of the dataset's dtype. Read-only (`NotImplementedError` on
/// writes). Reads call Python with the GIL, even over native sources.
#[pyclass(extends = LazyDerivedDataset, module = "lazy_datasets", frozen)]
pub struct LazyMappedDataset {
    func: Py<PyAny>,
}

#[pymethods]
impl LazyMappedDataset {
    #[new]
    #[pyo3(signature = (dataset, func, dtype=None))]
    fn new(
        py: Python<'_>,
        dataset: &Bound<'_, PyAny>,
        func: &Bound<'_, PyAny>,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        if !func.is_callable() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "func must be callable: a function of a NumPy array",
            ));
        }
        let source = node_of(py, dataset)?;
        let np = py.import("numpy")?;
        let dtype = match dtype.filter(|d| !d.is_none()) {
            Some(d) => np.call_method1("dtype", (d,))?,
            None => {
                let empty = np.call_method1("empty", (0, source.dtype().numpy_name()))?;
                np.call_method1("asarray", (func.call1((empty,))?,))?
                    .getattr("dtype")?
            }
        };
        let name: String = dtype.getattr("name")?.extract()?;
        let to = dtype_named(&name)?;
        let node = crate::with_node!(&source, h: S => crate::with_dtype!(to, T => {
            let mapped: Mapped<S> = Mapped {
                source: h.clone(),
                func: func.clone().unbind(),
            };
            let backing: std::sync::Arc<dyn Backing<T>> = std::sync::Arc::new(mapped);
            <T as Elem>::node(Handle(backing))
        }));
        let args = (dataset, func, name).into_pyobject(py)?;
        let view = LazyMappedDataset {
            func: func.clone().unbind(),
        };
        Ok(view_of(node, Some(REFUSAL), args, dataset, view))
    }

    /// The function applied to each block read.
    #[getter]
    fn func<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.func.bind(py).clone()
    }
}
