//! Python sources: any object with `shape`, `dtype` and `__getitem__` (a
//! NumPy array, an h5py dataset, a zarr array) as a Rust dataset.
//!
//! A read turns the region into one key that every such object accepts —
//! integers as one-element slices, negative steps as positive ones, the
//! first list sorted without duplicates, further lists as their bounding
//! slices (h5py takes one increasing list; NumPy would read several lists
//! pointwise) — calls `__getitem__` once with the GIL held, and puts the
//! answer in the region's order in Rust. A write does the same with
//! `__setitem__`; with lists on two or more axes it reads the bounding box,
//! changes it and writes it back.

use lazy_datasets::prelude::*;
use lazy_datasets::{AxisSelection, Element, Hints, Region};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, Dimension, IxDyn};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::{PyList, PySlice, PyTuple};

use crate::node::{Backing, Elem};

/// A Python object read through its `__getitem__`, written through its
/// `__setitem__`.
pub struct PySource {
    obj: Py<PyAny>,
    shape: Vec<usize>,
}

impl PySource {
    /// Wraps `obj`, whose shape is `shape`.
    pub fn new(obj: Py<PyAny>, shape: Vec<usize>) -> Self {
        PySource { obj, shape }
    }
}

/// How one axis of a region is asked of the source, and how the answer is
/// put in the region's order.
enum Plan {
    /// A one-element slice at this position; the axis is then dropped.
    Index(usize),
    /// A forward slice `start, start + step, ...` of `len` elements;
    /// reversed afterwards when the region walks backwards.
    Forward {
        start: usize,
        step: usize,
        len: usize,
        reversed: bool,
    },
    /// Sorted distinct positions asked as a list; `take` picks the region's
    /// positions out of them.
    Sorted {
        unique: Vec<usize>,
        take: Vec<usize>,
    },
    /// The bounding slice `lo..=hi` of a list; `take` as above.
    Bounding {
        lo: usize,
        hi: usize,
        take: Vec<usize>,
    },
}

fn plan(region: &Region) -> Vec<Plan> {
    let mut listed = false;
    region
        .axes()
        .iter()
        .map(|axis| match axis {
            AxisSelection::Index(i) => Plan::Index(*i),
            AxisSelection::Range { start, step, len } => {
                let (abs, len) = (step.unsigned_abs(), *len);
                if *step > 0 {
                    Plan::Forward {
                        start: *start,
                        step: abs,
                        len,
                        reversed: false,
                    }
                } else {
                    let first = start.saturating_sub(abs.saturating_mul(len.saturating_sub(1)));
                    Plan::Forward {
                        start: first,
                        step: abs,
                        len,
                        reversed: true,
                    }
                }
            }
            AxisSelection::List(list) => {
                let lo = list.iter().copied().min().unwrap_or(0);
                let hi = list.iter().copied().max().unwrap_or(0);
                if listed {
                    Plan::Bounding {
                        lo,
                        hi,
                        take: list.iter().map(|p| p - lo).collect(),
                    }
                } else {
                    listed = true;
                    let mut unique = list.clone();
                    unique.sort_unstable();
                    unique.dedup();
                    let take = list
                        .iter()
                        .map(|p| unique.binary_search(p).unwrap_or(0))
                        .collect();
                    Plan::Sorted { unique, take }
                }
            }
        })
        .collect()
}

impl Plan {
    /// The part of the key for this axis.
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let slice = |a: usize, b: usize, s: usize| -> PyResult<Bound<'py, PyAny>> {
            let (a, b, s) = (isize_of(a)?, isize_of(b)?, isize_of(s)?);
            Ok(PySlice::new(py, a, b, s).into_any())
        };
        match self {
            Plan::Index(i) => slice(*i, i + 1, 1),
            Plan::Forward {
                start, step, len, ..
            } => slice(*start, start + step * len.saturating_sub(1) + 1, *step),
            Plan::Sorted { unique, .. } => Ok(PyList::new(py, unique)?.into_any()),
            Plan::Bounding { lo, hi, .. } => slice(*lo, hi + 1, 1),
        }
    }

    /// The length of this axis in the source's answer.
    fn asked_len(&self) -> usize {
        match self {
            Plan::Index(_) => 1,
            Plan::Forward { len, .. } => *len,
            Plan::Sorted { unique, .. } => unique.len(),
            Plan::Bounding { lo, hi, .. } => hi - lo + 1,
        }
    }
}

fn isize_of(v: usize) -> PyResult<isize> {
    isize::try_from(v).map_err(|_| pyo3::exceptions::PyOverflowError::new_err("index too large"))
}

fn key_of<'py>(py: Python<'py>, plans: &[Plan]) -> PyResult<Bound<'py, PyTuple>> {
    let parts = plans
        .iter()
        .map(|p| p.key(py))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, parts)
}

/// `obj` as an array of `T` (NumPy's `asarray(obj, dtype)`).
pub fn as_array<'py, T: Elem>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    let np = py.import("numpy")?;
    let dtype = numpy::dtype::<T>(py);
    let arr = np.call_method1("asarray", (obj, dtype))?;
    Ok(arr.cast_into::<PyArrayDyn<T>>()?)
}

fn wrong_shape(got: &[usize], want: &[usize]) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(format!(
        "a Python source answered a read with shape {got:?}, expected {want:?}"
    ))
}

fn py_error(e: PyErr) -> Error {
    Error::backend("a Python source raised an exception", e)
}

impl<T: Elem> Backing<T> for PySource {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read(&self, region: CheckedRegion<'_>, mut out: ArrayViewMutD<'_, T>) -> Result<()> {
        let plans = plan(&region);
        Python::attach(|py| -> PyResult<()> {
            let key = key_of(py, &plans)?;
            let got = self.obj.bind(py).get_item(key)?;
            let arr = as_array::<T>(py, &got)?;
            let ro = arr.readonly();
            let want: Vec<usize> = plans.iter().map(Plan::asked_len).collect();
            if ro.shape() != want.as_slice() {
                return Err(wrong_shape(ro.shape(), &want));
            }
            let mut view = ro.as_array();
            for (k, p) in plans.iter().enumerate() {
                if let Plan::Forward { reversed: true, .. } = p {
                    view.invert_axis(Axis(k));
                }
            }
            let mut owned: Option<ArrayD<T>> = None;
            for (k, p) in plans.iter().enumerate() {
                if let Plan::Sorted { take, .. } | Plan::Bounding { take, .. } = p {
                    let next = match &owned {
                        Some(a) => a.select(Axis(k), take),
                        None => view.select(Axis(k), take),
                    };
                    owned = Some(next);
                }
            }
            let mut full = match &owned {
                Some(a) => a.view(),
                None => view,
            };
            for (k, p) in plans.iter().enumerate().rev() {
                if let Plan::Index(_) = p {
                    full = full.index_axis_move(Axis(k), 0);
                }
            }
            if full.shape() != out.shape() {
                return Err(wrong_shape(full.shape(), out.shape()));
            }
            out.assign(&full);
            Ok(())
        })
        .map_err(py_error)
    }

    fn write(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        let plans = plan(&region);
        let lists = plans
            .iter()
            .filter(|p| matches!(p, Plan::Sorted { .. } | Plan::Bounding { .. }))
            .count();
        Python::attach(|py| -> PyResult<()> {
            let key = key_of(py, &plans)?;
            let obj = self.obj.bind(py);
            if lists >= 2 {
                // Read the bounding box, change it, write it back.
                let got = obj.get_item(&key)?;
                let arr = as_array::<T>(py, &got)?;
                let mut block = arr.readonly().as_array().to_owned();
                let want: Vec<usize> = plans.iter().map(Plan::asked_len).collect();
                if block.shape() != want.as_slice() {
                    return Err(wrong_shape(block.shape(), &want));
                }
                scatter(&plans, src, &mut block);
                obj.set_item(key, block.to_pyarray(py))?;
                return Ok(());
            }
            let mut value = src;
            for (k, p) in plans.iter().enumerate() {
                match p {
                    Plan::Index(_) => value = value.insert_axis(Axis(k)),
                    Plan::Forward { reversed: true, .. } => value.invert_axis(Axis(k)),
                    _ => {}
                }
            }
            let value = match plans.iter().position(|p| matches!(p, Plan::Sorted { .. })) {
                Some(k) => {
                    let Some(Plan::Sorted { unique, take }) = plans.get(k) else {
                        return Ok(());
                    };
                    // The last value written to a repeated position wins, as in NumPy.
                    let mut last = vec![0usize; unique.len()];
                    for (j, &u) in take.iter().enumerate() {
                        if let Some(slot) = last.get_mut(u) {
                            *slot = j;
                        }
                    }
                    value.select(Axis(k), &last).to_pyarray(py)
                }
                None => value.to_pyarray(py),
            };
            obj.set_item(key, value)?;
            Ok(())
        })
        .map_err(py_error)
    }

    fn check_write(&self, _: CheckedRegion<'_>) -> Result<()> {
        Ok(())
    }

    fn check_values(&self, _: CheckedRegion<'_>, _: ArrayViewD<'_, T>) -> Result<()> {
        Ok(())
    }

    fn hints(&self) -> Hints {
        Hints::STORAGE
    }

    /// Yes, as far as views are concerned: they then read Python sources
    /// one after another on the calling thread instead of on the pool, where
    /// each would wait for the GIL in turn and hand it from thread to thread.
    fn in_memory(&self, _: &Region) -> bool {
        true
    }

    fn native(&self) -> bool {
        false
    }
}

/// Puts `src` (the region's output shape) into `block` (the bounding box
/// asked of the source), element by element.
fn scatter<T: Element>(plans: &[Plan], src: ArrayViewD<'_, T>, block: &mut ArrayD<T>) {
    let mut at = vec![0usize; plans.len()];
    for (idx, &v) in src.indexed_iter() {
        let mut out_axis = 0;
        for (k, p) in plans.iter().enumerate() {
            let Some(slot) = at.get_mut(k) else { continue };
            if let Plan::Index(_) = p {
                *slot = 0;
                continue;
            }
            let j = idx.slice().get(out_axis).copied().unwrap_or(0);
            out_axis += 1;
            *slot = match p {
                Plan::Forward {
                    len,
                    reversed: true,
                    ..
                } => len - 1 - j,
                Plan::Sorted { take, .. } | Plan::Bounding { take, .. } => {
                    take.get(j).copied().unwrap_or(0)
                }
                _ => j,
            };
        }
        if let Some(e) = block.get_mut(IxDyn(&at)) {
            *e = v;
        }
    }
}
