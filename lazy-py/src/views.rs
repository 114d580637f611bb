//! The reference module's classes over the Rust views: `LazyStackedDataset`,
//! `LazyScaledDataset`, `LazySumDataset`, `LazyBooleanOrDataset`.

use lazy_datasets::prelude::*;
use lazy_datasets::DType;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::PyClass;

use crate::dataset::{dtype_named, node_of, to_pyerr, LazyDataset};
use crate::node::{
    as_bool, as_f32, as_f64, as_i64, as_u64, same_type, Elem, Handle, Node, Refusal,
};
use crate::with_node;

/// The datasets of a view of several: the list of the Python objects as
/// given (the view's `datasets`, pickled with it) and the Rust datasets
/// behind them; none is a `ValueError`, as in the reference.
pub(crate) fn sources<'py>(
    py: Python<'py>,
    datasets: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyList>, Vec<Node>)> {
    let objs: Vec<Bound<'py, PyAny>> = datasets.try_iter()?.collect::<PyResult<_>>()?;
    if objs.is_empty() {
        return Err(PyValueError::new_err("At least one dataset is required"));
    }
    let nodes = objs
        .iter()
        .map(|o| node_of(py, o))
        .collect::<PyResult<Vec<_>>>()?;
    Ok((PyList::new(py, objs)?, nodes))
}

/// The handles of the nodes that hold `T` (all of them, when the caller
/// checked or cast their dtypes).
pub(crate) fn typed<T: Elem>(nodes: &[Node]) -> Vec<Handle<T>> {
    nodes.iter().filter_map(same_type::<T>).collect()
}

/// The base of the object of a view class `V` over `node`: writes refused
/// with `refusal` (when given) before anything is read, pickled as
/// `V(*args)`.
fn base_of<V: PyClass>(
    node: Node,
    refusal: Option<Refusal>,
    args: Bound<'_, PyTuple>,
) -> PyClassInitializer<LazyDataset> {
    PyClassInitializer::from(LazyDataset::new(node, refusal, V::NAME.to_string()).made_of(args))
}

/// The Python object of a view class `V` of one dataset over `node`:
/// `dataset` is the Python object as given (see [`base_of`]).
pub(crate) fn view_of<V>(
    node: Node,
    refusal: Option<Refusal>,
    args: Bound<'_, PyTuple>,
    dataset: &Bound<'_, PyAny>,
    view: V,
) -> PyClassInitializer<V>
where
    V: PyClass<BaseType = LazyDerivedDataset>,
{
    let derived = LazyDerivedDataset {
        dataset: dataset.clone().unbind(),
    };
    base_of::<V>(node, refusal, args)
        .add_subclass(derived)
        .add_subclass(view)
}

/// The Python object of a view class `V` of several datasets over `node`:
/// `datasets` is their list as given (see [`base_of`]).
pub(crate) fn combined_view_of<V>(
    node: Node,
    refusal: Option<Refusal>,
    args: Bound<'_, PyTuple>,
    datasets: Bound<'_, PyList>,
    view: V,
) -> PyClassInitializer<V>
where
    V: PyClass<BaseType = LazyCombinedDataset>,
{
    let combined = LazyCombinedDataset {
        datasets: datasets.unbind(),
    };
    base_of::<V>(node, refusal, args)
        .add_subclass(combined)
        .add_subclass(view)
}

/// How a view of several datasets of one element type along an axis is
/// made (writable): [`Stack`] and [`Concatenation`], for [`joined`].
pub(crate) trait Join {
    /// The view of `sources` along `axis`.
    fn join<T: Elem>(sources: Vec<Handle<T>>, axis: isize, native: bool) -> Result<Handle<T>>;
}

/// lazy-core's `Stacked`: `np.stack`.
pub(crate) struct Stack;

impl Join for Stack {
    fn join<T: Elem>(sources: Vec<Handle<T>>, axis: isize, native: bool) -> Result<Handle<T>> {
        Ok(Handle::writable(Stacked::new(sources, axis)?, native))
    }
}

/// lazy-core's `Concat`: `np.concatenate`.
pub(crate) struct Concatenation;

impl Join for Concatenation {
    fn join<T: Elem>(sources: Vec<Handle<T>>, axis: isize, native: bool) -> Result<Handle<T>> {
        Ok(Handle::writable(Concat::new(sources, axis)?, native))
    }
}

/// The Python object of the view class `V` that joins `nodes` (all of
/// `dtype`: checked or cast by the caller) along `axis` as `J` does,
/// pickled as `V(objs, axis)`.
pub(crate) fn joined<J, V>(
    py: Python<'_>,
    objs: Bound<'_, PyList>,
    nodes: &[Node],
    dtype: DType,
    axis: isize,
    view: V,
) -> PyResult<PyClassInitializer<V>>
where
    J: Join,
    V: PyClass<BaseType = LazyCombinedDataset>,
{
    let native = nodes.iter().all(Node::native);
    let node = crate::with_dtype!(dtype, T => {
        let handle = J::join::<T>(typed::<T>(nodes), axis, native).map_err(|e| to_pyerr(py, e))?;
        <T as Elem>::node(handle)
    });
    let args = (&objs, axis).into_pyobject(py)?;
    Ok(combined_view_of(node, None, args, objs, view))
}

/// The base class of the views of one dataset (scale, transpose, cast, CF
/// decoding, map): their `dataset`.
#[pyclass(subclass, extends = LazyDataset, module = "lazy_datasets", frozen)]
pub struct LazyDerivedDataset {
    dataset: Py<PyAny>,
}

#[pymethods]
impl LazyDerivedDataset {
    /// The dataset this view reads, as given.
    #[getter]
    fn dataset<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.dataset.bind(py).clone()
    }
}

/// The base class of the views of several datasets (stack, concatenation,
/// sum, boolean OR): their `datasets`.
#[pyclass(subclass, extends = LazyDataset, module = "lazy_datasets", frozen)]
pub struct LazyCombinedDataset {
    datasets: Py<PyList>,
}

#[pymethods]
impl LazyCombinedDataset {
    /// The combined datasets, as given.
    #[getter]
    fn datasets<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        self.datasets.bind(py).clone()
    }
}

/// Lazy-loaded stacked dataset: `np.stack(datasets, axis)` read on demand.
#[pyclass(extends = LazyCombinedDataset, module = "lazy_datasets", frozen)]
pub struct LazyStackedDataset {
    axis: isize,
}

#[pymethods]
impl LazyStackedDataset {
    #[new]
    #[pyo3(signature = (datasets, axis=-1))]
    fn new(
        py: Python<'_>,
        datasets: &Bound<'_, PyAny>,
        axis: isize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (objs, nodes) = sources(py, datasets)?;
        let first = nodes.first().map(Node::shape).unwrap_or_default();
        let dtype = nodes.first().map(Node::dtype).unwrap_or(DType::F64);
        for n in &nodes {
            if n.shape() != first {
                return Err(PyValueError::new_err(
                    "All datasets must have the same shape",
                ));
            }
            if n.dtype() != dtype {
                return Err(PyValueError::new_err(
                    "All datasets must have the same dtype",
                ));
            }
        }
        let ndim = isize::try_from(first.len()).unwrap_or(isize::MAX);
        if axis < -ndim - 1 || axis > ndim {
            return Err(PyValueError::new_err("Axis out of bounds for stacking"));
        }
        joined::<Stack, _>(py, objs, &nodes, dtype, axis, LazyStackedDataset { axis })
    }

    /// The axis as given.
    #[getter]
    fn axis(&self) -> isize {
        self.axis
    }

    /// The axis as a non-negative position in the stacked shape.
    #[getter]
    fn normalized_axis(slf: PyRef<'_, Self>) -> isize {
        let ndim =
            isize::try_from(slf.as_super().as_super().node.shape().len()).unwrap_or(isize::MAX);
        if slf.axis < 0 {
            ndim + slf.axis
        } else {
            slf.axis
        }
    }
}

/// Lazy-loaded dataset that applies scaling on slicing: reads
/// `dataset * scale_factor`, writes `value / scale_factor`.
#[pyclass(extends = LazyDerivedDataset, module = "lazy_datasets", frozen)]
pub struct LazyScaledDataset {
    scale_factor: Py<PyAny>,
}

#[pymethods]
impl LazyScaledDataset {
    #[new]
    #[pyo3(signature = (dataset, scale_factor=None))]
    fn new(
        py: Python<'_>,
        dataset: &Bound<'_, PyAny>,
        scale_factor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let factor_obj = match scale_factor {
            Some(f) => f.clone().unbind(),
            None => 1.0f64.into_pyobject(py)?.into_any().unbind(),
        };
        let factor: f64 = factor_obj.bind(py).extract()?;
        let source = node_of(py, dataset)?;
        let native = source.native();
        let node = match &source {
            Node::F32(h) => Node::F32(Handle::writable(
                Scaled::new(h.clone(), factor as f32),
                native,
            )),
            Node::Bool(_) => Node::F64(Handle::writable(
                Scaled::new(as_f64(&source), factor),
                native,
            )),
            Node::F64(h) => scaled_f64(h, factor, native),
            Node::I8(h) => scaled_f64(h, factor, native),
            Node::I16(h) => scaled_f64(h, factor, native),
            Node::I32(h) => scaled_f64(h, factor, native),
            Node::I64(h) => scaled_f64(h, factor, native),
            Node::U8(h) => scaled_f64(h, factor, native),
            Node::U16(h) => scaled_f64(h, factor, native),
            Node::U32(h) => scaled_f64(h, factor, native),
            Node::U64(h) => scaled_f64(h, factor, native),
        };
        let refusal = (factor == 0.0).then_some(Refusal::ScaleZero);
        let args = (dataset, factor_obj.bind(py)).into_pyobject(py)?;
        let view = LazyScaledDataset {
            scale_factor: factor_obj,
        };
        Ok(view_of(node, refusal, args, dataset, view))
    }

    /// The scale factor.
    #[getter]
    fn scale_factor<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.scale_factor.bind(py).clone()
    }
}

/// `source * factor` as `float64`, written back as `value / factor`.
fn scaled_f64<T>(source: &Handle<T>, factor: f64, native: bool) -> Node
where
    T: Elem + num_traits::AsPrimitive<f64>,
    f64: num_traits::AsPrimitive<T>,
{
    Node::F64(Handle::writable(
        Scaled::new(source.clone(), factor),
        native,
    ))
}

/// The dtype of `np.sum` over arrays of `dtypes`: their common type, with
/// bools and small integers widened to 64 bits as NumPy's sum does.
fn sum_dtype(py: Python<'_>, nodes: &[Node]) -> PyResult<DType> {
    let np = py.import("numpy")?;
    let names: Vec<&str> = nodes.iter().map(|n| n.dtype().numpy_name()).collect();
    let common = np.call_method1("result_type", pyo3::types::PyTuple::new(py, names)?)?;
    let name: String = common.getattr("name")?.extract()?;
    Ok(match dtype_named(&name)? {
        DType::Bool | DType::I8 | DType::I16 | DType::I32 | DType::I64 => DType::I64,
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => DType::U64,
        DType::F32 => DType::F32,
        _ => DType::F64,
    })
}

/// Lazy-loaded dataset that sums values across multiple datasets on slicing
/// (read-only).
#[pyclass(extends = LazyCombinedDataset, module = "lazy_datasets", frozen)]
pub struct LazySumDataset;

#[pymethods]
impl LazySumDataset {
    #[new]
    fn new(py: Python<'_>, datasets: &Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Self>> {
        let (objs, nodes) = sources(py, datasets)?;
        let native = nodes.iter().all(Node::native);
        let refuse = Refusal::View("LazySumDataset");
        let err = |e| to_pyerr(py, e);
        let node = match sum_dtype(py, &nodes)? {
            DType::I64 => Node::I64(Handle::read_only(
                Sum::new(nodes.iter().map(as_i64).collect()).map_err(err)?,
                native,
                refuse,
            )),
            DType::U64 => Node::U64(Handle::read_only(
                Sum::new(nodes.iter().map(as_u64).collect()).map_err(err)?,
                native,
                refuse,
            )),
            DType::F32 => Node::F32(Handle::read_only(
                Sum::new(nodes.iter().map(as_f32).collect()).map_err(err)?,
                native,
                refuse,
            )),
            _ => Node::F64(Handle::read_only(
                Sum::new(nodes.iter().map(as_f64).collect()).map_err(err)?,
                native,
                refuse,
            )),
        };
        let args = (&objs,).into_pyobject(py)?;
        Ok(combined_view_of(
            node,
            Some(refuse),
            args,
            objs,
            LazySumDataset,
        ))
    }
}

/// Lazy-loaded dataset that applies Boolean OR across multiple datasets
/// (read-only).
#[pyclass(extends = LazyCombinedDataset, module = "lazy_datasets", frozen)]
pub struct LazyBooleanOrDataset;

#[pymethods]
impl LazyBooleanOrDataset {
    #[new]
    fn new(py: Python<'_>, datasets: &Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Self>> {
        let (objs, nodes) = sources(py, datasets)?;
        let native = nodes.iter().all(Node::native);
        let refuse = Refusal::View("LazyBooleanOrDataset");
        let first = nodes.first().map(Node::dtype);
        let same = nodes
            .first()
            .filter(|_| nodes.iter().all(|n| Some(n.dtype()) == first));
        let node = match same {
            Some(one) => with_node!(one, _h: T => Node::Bool(Handle::read_only(
                BooleanOr::new(typed::<T>(&nodes)).map_err(|e| to_pyerr(py, e))?,
                native,
                refuse,
            ))),
            None => Node::Bool(Handle::read_only(
                BooleanOr::new(nodes.iter().map(as_bool).collect()).map_err(|e| to_pyerr(py, e))?,
                native,
                refuse,
            )),
        };
        let args = (&objs,).into_pyobject(py)?;
        Ok(combined_view_of(
            node,
            Some(refuse),
            args,
            objs,
            LazyBooleanOrDataset,
        ))
    }
}
