//! NumPy keys: a Python `__getitem__` key turned into a [`DynSelection`].
//!
//! Keys whose answer is the same under orthogonal indexing (at most one
//! array, one-dimensional, next to the integers if any) are read in one
//! step. Other keys with arrays (several arrays, arrays of two or more
//! dimensions, an array apart from an integer) follow NumPy's advanced
//! indexing in two steps: each array axis is read as the sorted distinct
//! positions it names, then NumPy indexes that block with the arrays'
//! positions in it, so the result (its shape, the place of the broadcast
//! axes) is NumPy's. A two-step key of single elements (an array on every
//! axis, a full-rank mask) with few points against its block can instead
//! be read point by point ([`sparse_points`]).

use lazy_datasets::{DynSelection, SelectionItem};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods, ToPyArray};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyEllipsis, PySlice, PyTuple};

/// One item of a parsed key.
pub enum Item<'py> {
    /// An integer.
    Index(isize),
    /// A slice.
    Slice(Option<isize>, Option<isize>, Option<isize>),
    /// `None` / `np.newaxis`.
    NewAxis,
    /// A one-dimensional boolean array.
    Mask(Vec<bool>),
    /// An integer array of any dimension.
    Array(Bound<'py, PyArrayDyn<i64>>),
    /// Where the ellipsis was, before the full slices it expanded to: it
    /// selects nothing, but NumPy counts it as a gap between arrays (the
    /// broadcast axes then go first) even when it expands to no axis.
    EllipsisMark,
}

/// A key in one of NumPy's two forms.
pub enum Key<'py> {
    /// Answered by one orthogonal read; `scalar` when NumPy answers a 0-d
    /// result with a scalar (every item an integer, no ellipsis).
    Direct {
        /// The selection.
        sel: DynSelection,
        /// Whether a 0-d answer is a NumPy scalar rather than a 0-d array.
        scalar: bool,
    },
    /// Advanced indexing: read `block` (orthogonal, every axis kept), then
    /// index the result with `then`.
    TwoStep {
        /// The orthogonal read.
        block: DynSelection,
        /// The NumPy key applied to the block.
        then: Bound<'py, PyTuple>,
    },
}

fn opt_index(v: &Bound<'_, PyAny>) -> PyResult<Option<isize>> {
    if v.is_none() {
        Ok(None)
    } else {
        Ok(Some(v.call_method0("__index__")?.extract::<isize>()?))
    }
}

fn bad_item() -> PyErr {
    PyIndexError::new_err(
        "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices",
    )
}

/// Parses `key` for a dataset of shape `shape`: the ellipsis expanded, the
/// items checked.
pub fn parse<'py>(py: Python<'py>, key: &Bound<'py, PyAny>, shape: &[usize]) -> PyResult<Key<'py>> {
    let raw: Vec<Bound<'py, PyAny>> = match key.cast::<PyTuple>() {
        Ok(t) => t.iter().collect(),
        Err(_) => vec![key.clone()],
    };
    let np = py.import("numpy")?;
    if let [only] = raw.as_slice() {
        if let Some(key) = dense_mask(py, &np, only, shape)? {
            return Ok(key);
        }
    }
    let mut items: Vec<Option<Item<'py>>> = Vec::with_capacity(raw.len());
    let mut ellipsis = None;
    for k in &raw {
        if k.is_none() {
            items.push(Some(Item::NewAxis));
        } else if k.is(PyEllipsis::get(py)) {
            if ellipsis.is_some() {
                return Err(PyIndexError::new_err(
                    "an index can only have a single ellipsis ('...')",
                ));
            }
            ellipsis = Some(items.len());
            items.push(None);
        } else if let Ok(s) = k.cast::<PySlice>() {
            let step = opt_index(&s.getattr("step")?)?;
            if step == Some(0) {
                return Err(PyValueError::new_err("slice step cannot be zero"));
            }
            items.push(Some(Item::Slice(
                opt_index(&s.getattr("start")?)?,
                opt_index(&s.getattr("stop")?)?,
                step,
            )));
        } else if k.is_instance_of::<pyo3::types::PyBool>()
            || k.is_instance(&np.getattr("bool_")?)?
        {
            return Err(PyIndexError::new_err(
                "boolean scalars are not supported as indices",
            ));
        } else if let Ok(i) = k.extract::<isize>() {
            items.push(Some(Item::Index(i)));
        } else {
            let arr = np.call_method1("asarray", (k,))?;
            let kind: String = arr.getattr("dtype")?.getattr("kind")?.extract()?;
            let ndim: usize = arr.getattr("ndim")?.extract()?;
            let size: usize = arr.getattr("size")?.extract()?;
            match kind.as_str() {
                "b" if ndim == 1 => items.push(Some(Item::Mask(arr.extract::<Vec<bool>>()?))),
                "b" if ndim == 0 => {
                    return Err(PyIndexError::new_err(
                        "boolean scalars are not supported as indices",
                    ))
                }
                // An n-dimensional mask is its n arrays of positions.
                "b" => {
                    // NumPy checks the mask against the axes it covers.
                    let at = items
                        .iter()
                        .flatten()
                        .filter(|i| !matches!(i, Item::NewAxis))
                        .count();
                    let covered = shape.get(at..at + ndim).filter(|_| ellipsis.is_none());
                    let mask_shape: Vec<usize> = arr.getattr("shape")?.extract()?;
                    if let Some(axes) = covered {
                        if let Some((k, (&m, &n))) = mask_shape
                            .iter()
                            .zip(axes)
                            .enumerate()
                            .find(|(_, (m, n))| m != n)
                        {
                            return Err(PyIndexError::new_err(format!(
                                "boolean index did not match indexed array along axis {}; size of axis is {n} but size of corresponding boolean axis is {m}",
                                at + k
                            )));
                        }
                    }
                    let nz = arr.call_method0("nonzero")?;
                    for part in nz.cast::<PyTuple>()?.iter() {
                        items.push(Some(Item::Array(int_array(&np, &part)?)));
                    }
                }
                "i" | "u" => {
                    if ndim == 0 {
                        items.push(Some(Item::Index(arr.call_method0("item")?.extract()?)));
                    } else {
                        items.push(Some(Item::Array(int_array(&np, &arr)?)));
                    }
                }
                _ if size == 0 => items.push(Some(Item::Array(int_array(&np, &arr)?))),
                _ => return Err(bad_item()),
            }
        }
    }
    let consumed = items
        .iter()
        .flatten()
        .filter(|i| !matches!(i, Item::NewAxis))
        .count();
    if consumed > shape.len() {
        return Err(PyIndexError::new_err(format!(
            "too many indices for array: array is {}-dimensional, but {consumed} were indexed",
            shape.len()
        )));
    }
    let missing = shape.len() - consumed;
    let full = || Some(Item::Slice(None, None, None));
    let items: Vec<Item<'py>> = match ellipsis {
        Some(at) => {
            let mut v: Vec<Option<Item<'py>>> = Vec::with_capacity(items.len() + missing);
            for (j, it) in items.into_iter().enumerate() {
                if j == at {
                    v.push(Some(Item::EllipsisMark));
                    v.extend((0..missing).map(|_| full()));
                } else {
                    v.push(it);
                }
            }
            v.into_iter().flatten().collect()
        }
        None => items.into_iter().flatten().collect(),
    };
    let scalar = ellipsis.is_none() && items.iter().all(|it| matches!(it, Item::Index(_)));
    if needs_two_steps(&items) {
        two_steps(py, items, shape)
    } else {
        Ok(Key::Direct {
            scalar,
            sel: items
                .into_iter()
                .filter(|it| !matches!(it, Item::EllipsisMark))
                .map(|it| match it {
                    Item::Index(i) => SelectionItem::Index(i),
                    Item::Slice(a, b, c) => SelectionItem::slice(a, b, c),
                    Item::NewAxis => SelectionItem::NewAxis,
                    Item::Mask(m) => SelectionItem::Mask(m),
                    Item::EllipsisMark => SelectionItem::Ellipsis,
                    Item::Array(a) => SelectionItem::List(
                        a.readonly()
                            .as_array()
                            .iter()
                            .map(|&v| v as isize)
                            .collect(),
                    ),
                })
                .collect(),
        })
    }
}

fn int_array<'py>(
    np: &Bound<'py, PyModule>,
    arr: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<i64>>> {
    let a = np.call_method1("asarray", (arr, "int64"))?;
    Ok(a.cast_into::<PyArrayDyn<i64>>()?)
}

/// Whether NumPy's answer differs from the orthogonal one.
fn needs_two_steps(items: &[Item<'_>]) -> bool {
    let advanced: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, it)| matches!(it, Item::Mask(_) | Item::Array(_)))
        .map(|(j, _)| j)
        .collect();
    match advanced.as_slice() {
        [] => false,
        [only] => {
            if let Some(Item::Array(a)) = items.get(*only) {
                if a.ndim() != 1 {
                    return true;
                }
            }
            // Integers join the array's broadcast; they must sit next to it
            // for the array's axis to stay where it is.
            let ints: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, it)| matches!(it, Item::Index(_)))
                .map(|(j, _)| j)
                .collect();
            if ints.is_empty() {
                return false;
            }
            let lo = ints.iter().copied().min().unwrap_or(0).min(*only);
            let hi = ints.iter().copied().max().unwrap_or(0).max(*only);
            hi - lo + 1 != ints.len() + 1
        }
        _ => true,
    }
}

fn two_steps<'py>(py: Python<'py>, items: Vec<Item<'py>>, shape: &[usize]) -> PyResult<Key<'py>> {
    let mut block = Vec::with_capacity(items.len());
    let mut then: Vec<Bound<'py, PyAny>> = Vec::with_capacity(items.len());
    let full = PySlice::full(py).into_any();
    let mut axis = 0usize;
    for it in items {
        let n = shape.get(axis).copied().unwrap_or(0);
        match it {
            Item::NewAxis => {
                block.push(SelectionItem::NewAxis);
                then.push(full.clone());
                continue;
            }
            Item::EllipsisMark => {
                then.push(PyEllipsis::get(py).to_owned().into_any());
                continue;
            }
            Item::Slice(a, b, c) => {
                block.push(SelectionItem::slice(a, b, c));
                then.push(full.clone());
            }
            Item::Index(i) => {
                block.push(SelectionItem::List(vec![i]));
                then.push(0i64.into_pyobject(py)?.into_any());
            }
            Item::Mask(m) => {
                let pos: Vec<i64> = m
                    .iter()
                    .enumerate()
                    .filter(|(_, &b)| b)
                    .map(|(j, _)| j as i64)
                    .collect();
                if m.len() != n {
                    return Err(PyIndexError::new_err(format!(
                        "boolean index did not match indexed array along axis {axis}; size of axis is {n} but size of corresponding boolean axis is {}",
                        m.len()
                    )));
                }
                let arr = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[pos.len()]), pos)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                let (sel, inv) = distinct(py, arr.view(), axis, n)?;
                block.push(sel);
                then.push(inv);
            }
            Item::Array(a) => {
                let ro = a.readonly();
                let (sel, inv) = distinct(py, ro.as_array(), axis, n)?;
                block.push(sel);
                then.push(inv);
            }
        }
        axis += 1;
    }
    Ok(Key::TwoStep {
        block: block.into_iter().collect(),
        then: PyTuple::new(py, then)?,
    })
}

/// The sorted distinct positions of `arr` along an axis of length `n` (as a
/// list selection) and each element's place among them (as an array of
/// `arr`'s shape).
fn distinct<'py>(
    py: Python<'py>,
    arr: ndarray::ArrayViewD<'_, i64>,
    axis: usize,
    n: usize,
) -> PyResult<(SelectionItem, Bound<'py, PyAny>)> {
    let len = i64::try_from(n).unwrap_or(i64::MAX);
    let norm = |v: i64| -> PyResult<i64> {
        let p = if v < 0 { v + len } else { v };
        if p < 0 || p >= len {
            Err(PyIndexError::new_err(format!(
                "index {v} is out of bounds for axis {axis} with size {n}"
            )))
        } else {
            Ok(p)
        }
    };
    let mut unique = arr.iter().map(|&v| norm(v)).collect::<PyResult<Vec<_>>>()?;
    unique.sort_unstable();
    unique.dedup();
    let mut inv = arr.to_owned();
    for v in inv.iter_mut() {
        let p = norm(*v)?;
        *v = unique.binary_search(&p).unwrap_or(0) as i64;
    }
    Ok((
        SelectionItem::List(unique.into_iter().map(|p| p as isize).collect()),
        inv.to_pyarray(py).into_any(),
    ))
}

/// How many element reads one point costs, against the elements of a
/// block: a pointwise key is read point by point when its points are
/// fewer than the elements of its block over this.
const POINT_COST: usize = 16;

/// Single elements to read, and the shape NumPy gives them.
pub struct Points {
    /// One coordinate per axis for each point, in the order of the output.
    pub coords: Vec<Vec<isize>>,
    /// The output's shape (the broadcast shape of the key's arrays).
    pub shape: Vec<usize>,
}

/// The points of a two-step key that selects single elements only (an
/// integer array for every axis, as `x[tuple(coords)]` or a full-rank
/// boolean mask), with the shape NumPy gives them, when reading them one
/// by one is cheaper than reading their block: few points in a large
/// block. `None` for every other key.
pub fn sparse_points(
    py: Python<'_>,
    block: &DynSelection,
    then: &Bound<'_, PyTuple>,
) -> PyResult<Option<Points>> {
    let mut lists: Vec<&[isize]> = Vec::new();
    for item in block.elems() {
        match item {
            SelectionItem::List(l) => lists.push(l),
            _ => return Ok(None),
        }
    }
    let arrays: Vec<Bound<'_, PyAny>> =
        then.iter().filter(|t| !t.is(PyEllipsis::get(py))).collect();
    if arrays.len() != lists.len() || lists.len() < 2 {
        return Ok(None);
    }
    let np = py.import("numpy")?;
    // Arrays that do not broadcast: NumPy says so in the second step.
    let Ok(broadcast) = np.call_method1("broadcast_arrays", PyTuple::new(py, &arrays)?) else {
        return Ok(None);
    };
    let broadcast: Vec<Bound<'_, PyAny>> = broadcast.try_iter()?.collect::<PyResult<_>>()?;
    let shape: Vec<usize> = match broadcast.first() {
        Some(a) => a.getattr("shape")?.extract()?,
        None => return Ok(None),
    };
    let count: usize = shape.iter().product();
    let block_elems = lists
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()))
        .unwrap_or(usize::MAX);
    // Decided before the positions are copied out: a dense key stays whole.
    if count.saturating_mul(POINT_COST) >= block_elems {
        return Ok(None);
    }
    let flat = broadcast
        .iter()
        .map(|a| a.call_method0("ravel")?.extract::<Vec<i64>>())
        .collect::<PyResult<Vec<_>>>()?;
    let coords = (0..count)
        .map(|k| {
            flat.iter()
                .zip(&lists)
                .map(|(inv, list)| {
                    inv.get(k)
                        .and_then(|&j| usize::try_from(j).ok())
                        .and_then(|j| list.get(j).copied())
                        .unwrap_or(0)
                })
                .collect()
        })
        .collect();
    Ok(Some(Points { coords, shape }))
}

/// A boolean array over every axis (two or more) whose true elements are
/// not few (see [`POINT_COST`]) as a two-step key that reads the box
/// around them and applies the mask's part in the box with NumPy: cheaper
/// than the positions of every true element, which the general path turns
/// it into. `None` for any other key.
fn dense_mask<'py>(
    py: Python<'py>,
    np: &Bound<'py, PyModule>,
    key: &Bound<'py, PyAny>,
    shape: &[usize],
) -> PyResult<Option<Key<'py>>> {
    if shape.len() < 2 || !key.is_instance(&np.getattr("ndarray")?)? {
        return Ok(None);
    }
    let kind: String = key.getattr("dtype")?.getattr("kind")?.extract()?;
    let mask_shape: Vec<usize> = key.getattr("shape")?.extract()?;
    if kind != "b" || mask_shape != shape {
        return Ok(None);
    }
    let count: usize = np.call_method1("count_nonzero", (key,))?.extract()?;
    let size: usize = shape.iter().product();
    if count == 0 || count.saturating_mul(POINT_COST) < size {
        return Ok(None);
    }
    let mut block = Vec::with_capacity(shape.len());
    let mut within = Vec::with_capacity(shape.len());
    for axis in 0..shape.len() {
        let others: Vec<usize> = (0..shape.len()).filter(|&a| a != axis).collect();
        let any = key.call_method1("any", (PyTuple::new(py, others)?,))?;
        let at: Vec<isize> = np.call_method1("flatnonzero", (any,))?.extract()?;
        let (Some(&lo), Some(&hi)) = (at.first(), at.last()) else {
            return Ok(None);
        };
        block.push(SelectionItem::slice(Some(lo), Some(hi + 1), None));
        within.push(PySlice::new(py, lo, hi + 1, 1));
    }
    let part = key.get_item(PyTuple::new(py, within)?)?;
    Ok(Some(Key::TwoStep {
        block: block.into_iter().collect(),
        then: PyTuple::new(py, [part])?,
    }))
}
