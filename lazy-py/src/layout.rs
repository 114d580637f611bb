//! Views that move values without changing them: `LazyConcatenatedDataset`
//! (`np.concatenate`) and `LazyTransposedDataset` (`np.transpose`), over
//! lazy-core's `Concat` and `Permuted`; both read and write.

use lazy_datasets::prelude::*;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::dataset::{node_of, to_pyerr};
use crate::node::{CastTarget, Elem, Handle, Node};
use crate::views::{
    joined, sources, view_of, Concatenation, LazyCombinedDataset, LazyDerivedDataset,
};

/// NumPy's `AxisError` (a `ValueError` and an `IndexError`) for `axis` of
/// an array of `ndim` axes.
pub(crate) fn axis_error(py: Python<'_>, axis: isize, ndim: usize) -> PyErr {
    let made = py
        .import("numpy")
        .and_then(|np| np.getattr("exceptions"))
        .and_then(|e| e.getattr("AxisError"))
        .and_then(|cls| cls.call1((axis, ndim)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// The common dtype of `nodes` as NumPy's `result_type` finds it.
pub(crate) fn common_dtype(py: Python<'_>, nodes: &[Node]) -> PyResult<lazy_datasets::DType> {
    let names: Vec<&str> = nodes.iter().map(|n| n.dtype().numpy_name()).collect();
    let common = py
        .import("numpy")?
        .call_method1("result_type", PyTuple::new(py, names)?)?;
    crate::dataset::dtype_named(&common.getattr("name")?.extract::<String>()?)
}

/// Lazy concatenation: `np.concatenate(datasets, axis)` read on demand.
///
/// The datasets' shapes must be equal except along `axis`; their values are
/// converted to NumPy's common dtype (`np.result_type`). A read or write
/// reaches only the datasets that hold the selected positions. Writable
/// when the datasets are.
#[pyclass(extends = LazyCombinedDataset, module = "lazy_datasets", frozen)]
pub struct LazyConcatenatedDataset {
    axis: isize,
}

#[pymethods]
impl LazyConcatenatedDataset {
    #[new]
    #[pyo3(signature = (datasets, axis=0))]
    fn new(
        py: Python<'_>,
        datasets: &Bound<'_, PyAny>,
        axis: isize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (objs, nodes) = sources(py, datasets)?;
        let ndim = nodes.first().map_or(0, |n| n.shape().len());
        if ndim == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "zero-dimensional arrays cannot be concatenated",
            ));
        }
        let signed = isize::try_from(ndim).unwrap_or(isize::MAX);
        if axis < -signed || axis >= signed {
            return Err(axis_error(py, axis, ndim));
        }
        let dtype = common_dtype(py, &nodes)?;
        let cast: Vec<Node> =
            crate::with_dtype!(dtype, T => nodes.iter().map(<T as CastTarget>::cast).collect());
        let view = LazyConcatenatedDataset { axis };
        joined::<Concatenation, _>(py, objs, &cast, dtype, axis, view)
    }

    /// The axis as given.
    #[getter]
    fn axis(&self) -> isize {
        self.axis
    }
}

/// Lazy transposition: `np.transpose(dataset, axes)` read on demand.
///
/// Output axis `i` is axis `axes[i]` of `dataset` (negative from the end);
/// `axes=None` reverses them (`dataset.T`). A read or write is one
/// selection of the dataset. Writable when the dataset is.
#[pyclass(extends = LazyDerivedDataset, module = "lazy_datasets", frozen)]
pub struct LazyTransposedDataset {
    axes: Vec<usize>,
}

#[pymethods]
impl LazyTransposedDataset {
    #[new]
    #[pyo3(signature = (dataset, axes=None))]
    fn new(
        py: Python<'_>,
        dataset: &Bound<'_, PyAny>,
        axes: Option<Vec<isize>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let source = node_of(py, dataset)?;
        let ndim = source.shape().len();
        let axes: Vec<usize> = match axes {
            None => (0..ndim).rev().collect(),
            Some(given) => {
                if given.len() != ndim {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "axes don't match array",
                    ));
                }
                let signed = isize::try_from(ndim).unwrap_or(isize::MAX);
                let normalized = given
                    .iter()
                    .map(|&a| {
                        let p = if a < 0 { a + signed } else { a };
                        usize::try_from(p)
                            .ok()
                            .filter(|&p| p < ndim)
                            .ok_or_else(|| axis_error(py, a, ndim))
                    })
                    .collect::<PyResult<Vec<usize>>>()?;
                let mut seen = normalized.clone();
                seen.sort_unstable();
                seen.dedup();
                if seen.len() != ndim {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "repeated axis in transpose",
                    ));
                }
                normalized
            }
        };
        let native = source.native();
        let node = crate::with_node!(&source, h: T => {
            let permuted = Permuted::new(h.clone(), &axes).map_err(|e| to_pyerr(py, e))?;
            <T as Elem>::node(Handle::writable(permuted, native))
        });
        let args = (dataset, axes.clone()).into_pyobject(py)?;
        let view = LazyTransposedDataset { axes };
        Ok(view_of(node, None, args, dataset, view))
    }

    /// The order of the dataset's axes in this view (non-negative).
    #[getter]
    fn axes(&self) -> Vec<usize> {
        self.axes.clone()
    }
}
