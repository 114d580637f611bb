//! Random NumPy-style keys and checks of a backend against an in-memory
//! reference, shared by the randomized selection tests of the HDF5 and Zarr
//! backends (each includes this file with `#[path]`).
#![allow(dead_code)]

use lazy_core::{Dataset, DatasetExt, DatasetMut, DatasetMutExt, DynSelection, SelectionItem};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::Rng;

/// A random `isize` in `lo..hi` (rand samples no `isize`).
pub fn irange(rng: &mut SmallRng, lo: isize, hi: isize) -> isize {
    rng.random_range(lo as i64..hi as i64) as isize
}

/// A random index into an axis of length `n`, sometimes out of range.
pub fn index(rng: &mut SmallRng, n: usize) -> isize {
    let n = n as isize;
    if rng.random_bool(0.03) {
        if rng.random_bool(0.5) {
            n
        } else {
            -n - 1
        }
    } else {
        irange(rng, -n, n.max(1)).max(-n)
    }
}

/// A random key for a dataset of shape `shape`.
pub fn key(rng: &mut SmallRng, shape: &[usize]) -> Vec<SelectionItem> {
    let ndim = shape.len();
    let consumed = rng.random_range(0..=ndim);
    let mut elems = Vec::new();
    let ellipsis_at = rng.random_bool(0.3).then(|| rng.random_range(0..=consumed));
    // Axes consumed before the ellipsis are the first ones; after it, the last ones.
    let axis_of = |k: usize| match ellipsis_at {
        Some(e) if k >= e => ndim - consumed + k,
        _ => k,
    };
    for k in 0..=consumed {
        if ellipsis_at == Some(k) {
            elems.push(SelectionItem::Ellipsis);
        }
        while rng.random_bool(0.12) {
            elems.push(SelectionItem::NewAxis);
        }
        if k == consumed {
            break;
        }
        let n = shape[axis_of(k)];
        let elem = match rng.random_range(0..10) {
            0..=1 if n > 0 => SelectionItem::Index(index(rng, n)),
            2..=5 => {
                let bound = |rng: &mut SmallRng| {
                    rng.random_bool(0.7)
                        .then(|| irange(rng, -(n as isize) - 2, n as isize + 3))
                };
                let step = if rng.random_bool(0.1) {
                    None
                } else {
                    let s = irange(rng, 1, 4);
                    Some(if rng.random_bool(0.5) { -s } else { s })
                };
                SelectionItem::slice(bound(rng), bound(rng), step)
            }
            6..=8 if n > 0 => {
                let len = rng.random_range(1..=6);
                SelectionItem::List((0..len).map(|_| index(rng, n)).collect())
            }
            _ => SelectionItem::FULL,
        };
        elems.push(elem);
    }
    elems
}

/// A key of sparse lists (1 to `max_list - 1` positions anywhere on the
/// axis, unsorted, with duplicates), short negative steps and whole axes,
/// one element per axis; with `long_steps` also steps of 50 to 899.
pub fn sparse_key(
    rng: &mut SmallRng,
    shape: &[usize],
    max_list: usize,
    long_steps: bool,
) -> Vec<SelectionItem> {
    let kinds = if long_steps { 5 } else { 4 };
    shape
        .iter()
        .map(|&n| match rng.random_range(0..kinds) {
            0 | 1 => SelectionItem::List(
                (0..rng.random_range(1..max_list))
                    .map(|_| irange(rng, -(n as isize), n as isize))
                    .collect(),
            ),
            2 => SelectionItem::slice(None, None, Some(-irange(rng, 1, 4))),
            3 if long_steps => SelectionItem::slice(None, None, Some(irange(rng, 50, 900))),
            _ => SelectionItem::FULL,
        })
        .collect()
}

/// Reads `key` from both and compares results or error kinds; returns whether
/// the key was valid. `what` names the dataset under test in messages.
pub fn check_read<A, B>(backend: &A, reference: &B, key: &[SelectionItem], what: &str) -> bool
where
    A: Dataset,
    B: Dataset<Elem = A::Elem>,
{
    let sel = DynSelection::from(key.to_vec());
    match (reference.read_dyn(&sel), backend.read_dyn(&sel)) {
        (Ok(want), Ok(got)) => {
            assert_eq!(got, want, "read of {key:?} from {what}");
            true
        }
        (Err(want), Err(got)) => {
            assert_eq!(got.kind(), want.kind(), "error of {key:?} on {what}: {got}");
            false
        }
        (want, got) => panic!("key {key:?} on {what}: reference {want:?}, backend {got:?}"),
    }
}

/// Writes random values through `key` to both and compares the whole
/// datasets; returns whether the key was valid.
pub fn check_write<A, B>(
    backend: &mut A,
    reference: &mut B,
    key: &[SelectionItem],
    rng: &mut SmallRng,
    value: &impl Fn(&mut SmallRng) -> A::Elem,
    what: &str,
) -> bool
where
    A: DatasetMut,
    B: DatasetMut<Elem = A::Elem>,
{
    let sel = DynSelection::from(key.to_vec());
    let Ok(shape) = reference.read_dyn(&sel).map(|a| a.shape().to_vec()) else {
        return false;
    };
    let src = ArrayD::from_shape_simple_fn(IxDyn(&shape), || value(rng));
    // Sometimes a non-contiguous source: the same values through a reversed view.
    let flipped = rng.random_bool(0.3);
    let src_store;
    let view = if flipped && src.ndim() > 0 {
        let mut rev = src.clone();
        rev.invert_axis(ndarray::Axis(0));
        src_store = rev;
        let mut v = src_store.view();
        v.invert_axis(ndarray::Axis(0));
        v
    } else {
        src.view()
    };
    assert_eq!(view, src.view());
    reference.write_dyn(&sel, view.clone()).unwrap();
    backend
        .write_dyn(&sel, view)
        .unwrap_or_else(|e| panic!("write of {key:?} to {what}: {e}"));
    assert_eq!(
        backend.read_dyn(&DynSelection::all()).unwrap(),
        reference.read_dyn(&DynSelection::all()).unwrap(),
        "after writing {key:?} to {what}"
    );
    true
}
