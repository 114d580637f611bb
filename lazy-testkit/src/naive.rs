//! The naive NumPy reference: what every randomized test, the backend
//! conformance suite and the fuzz harness compare the library with.
//!
//! It is written from NumPy's documented rules and shares no code with
//! lazy-core's `resolve`/`Region`: an N-d array is a shape and a row-major
//! `Vec`; a key is resolved to one list of positions per axis by enumerating
//! Python's `slice.indices()`; a read gathers element by element; a write
//! broadcasts the value with NumPy's assignment rules and scatters it in C
//! order, so the last write to a repeated position wins.
//!
//! Views are modelled by *location maps*: a reference array whose elements say
//! where each element of the view is stored (source number, flat index into
//! that source). `np.stack` of maps is a map, a key applied to a map is a map
//! (a sliced view, or a view of a view), as are `np.concatenate` and
//! `np.transpose` of maps; reading or writing any view is gathering from
//! ([`gather`]) or scattering into ([`scatter`]) the stored sources through
//! its map.
//!
//! Lists index orthogonally (like h5py and `np.ix_`), as the library documents;
//! a zero slice step is an `ErrorKind::Index` error here (NumPy raises
//! `ValueError`), like every other malformed key.
//!
//! Slices are resolved by enumeration ([`slice_positions`]); for axes too
//! long to enumerate, [`slice_formula`] computes the same positions from
//! the arithmetic of Python's `range`, and is checked against the
//! enumeration on every axis short enough.

use lazy_core::{ErrorKind, SelectionItem};
use ndarray::{ArrayD, IxDyn};

/// An N-d array: a shape and its elements in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Naive<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

/// Where an element is stored: (source number, flat row-major index).
pub type Loc = (usize, usize);

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// The row-major multi-index of `flat` in `shape` (which holds `flat`).
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for ax in (0..shape.len()).rev() {
        idx[ax] = flat % shape[ax];
        flat /= shape[ax];
    }
    idx
}

/// The row-major flat index of `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

impl<T: Clone> Naive<T> {
    pub fn new(shape: &[usize], data: Vec<T>) -> Self {
        assert_eq!(numel(shape), data.len());
        Naive {
            shape: shape.to_vec(),
            data,
        }
    }

    pub fn to_array(&self) -> ArrayD<T> {
        ArrayD::from_shape_vec(IxDyn(&self.shape), self.data.clone()).unwrap()
    }
}

/// The map of a plain array stored as source `src`.
pub fn identity_map(shape: &[usize], src: usize) -> Naive<Loc> {
    Naive::new(shape, (0..numel(shape)).map(|f| (src, f)).collect())
}

/// `np.stack(maps, axis)` with `axis` already in `0..=ndim`.
pub fn stack_maps(maps: &[Naive<Loc>], axis: usize) -> Naive<Loc> {
    let mut shape = maps[0].shape.clone();
    shape.insert(axis, maps.len());
    let data = (0..numel(&shape))
        .map(|flat| {
            let mut idx = unravel(flat, &shape);
            let k = idx.remove(axis);
            maps[k].data[ravel(&idx, &maps[k].shape)]
        })
        .collect();
    Naive { shape, data }
}

/// `np.concatenate(maps, axis)`: output index `i` reads the map of the
/// source whose span along `axis` holds `i[axis]`. `Value` for no maps or an
/// axis out of range (any axis of 0-d maps; negative counts from the end),
/// `Shape` for shapes that differ other than along `axis`.
pub fn concat_maps(maps: &[Naive<Loc>], axis: isize) -> Result<Naive<Loc>, ErrorKind> {
    let first = maps.first().ok_or(ErrorKind::Value)?;
    let n = first.shape.len() as isize;
    let axis = if axis < 0 { axis + n } else { axis };
    if axis < 0 || axis >= n {
        return Err(ErrorKind::Value);
    }
    let axis = axis as usize;
    for m in maps {
        let same = m.shape.len() == first.shape.len()
            && (0..first.shape.len()).all(|k| k == axis || m.shape[k] == first.shape[k]);
        if !same {
            return Err(ErrorKind::Shape);
        }
    }
    let mut shape = first.shape.clone();
    shape[axis] = maps.iter().map(|m| m.shape[axis]).sum();
    let data = (0..numel(&shape))
        .map(|flat| {
            let mut idx = unravel(flat, &shape);
            let mut m = 0;
            while idx[axis] >= maps[m].shape[axis] {
                idx[axis] -= maps[m].shape[axis];
                m += 1;
            }
            maps[m].data[ravel(&idx, &maps[m].shape)]
        })
        .collect();
    Ok(Naive::new(&shape, data))
}

/// `np.transpose(map, axes)`: output index `i` reads the map at the source
/// index whose axis `axes[k]` is `i[k]`. `Value` unless `axes` is a
/// permutation of `0..rank`.
pub fn permute_map(map: &Naive<Loc>, axes: &[usize]) -> Result<Naive<Loc>, ErrorKind> {
    let n = map.shape.len();
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    if sorted != (0..n).collect::<Vec<_>>() {
        return Err(ErrorKind::Value);
    }
    let shape: Vec<usize> = axes.iter().map(|&a| map.shape[a]).collect();
    let data = (0..numel(&shape))
        .map(|flat| {
            let out = unravel(flat, &shape);
            let mut src = vec![0; n];
            for (k, &a) in axes.iter().enumerate() {
                src[a] = out[k];
            }
            map.data[ravel(&src, &map.shape)]
        })
        .collect();
    Ok(Naive::new(&shape, data))
}

/// The elements a map points at.
pub fn gather<T: Clone>(map: &Naive<Loc>, storage: &[Vec<T>]) -> Naive<T> {
    Naive {
        shape: map.shape.clone(),
        data: map
            .data
            .iter()
            .map(|&(s, f)| storage[s][f].clone())
            .collect(),
    }
}

/// What one key element selects along the output. `A` holds the positions
/// of a slice or list: listed here; the fuzz harness keeps the slices of
/// axes too long to list as formulas ([`slice_formula`]).
#[derive(Debug, Clone)]
pub enum Pick<A = Vec<usize>> {
    /// An integer: one position, the axis is dropped.
    Fixed(usize),
    /// A slice or list: these positions, in this order.
    Along(A),
    /// A newaxis: an output axis of length 1 with no source axis.
    Unit,
}

/// The positions a slice or list selects along one axis, in order.
pub trait Positions: From<Vec<usize>> {
    /// How many there are.
    fn count(&self) -> usize;
    /// The `k`-th.
    fn at(&self, k: usize) -> usize;
}

impl Positions for Vec<usize> {
    fn count(&self) -> usize {
        self.len()
    }

    fn at(&self, k: usize) -> usize {
        self[k]
    }
}

/// A possibly negative index into an axis of length `n`.
pub fn wrap_index(i: isize, n: usize) -> Result<usize, ErrorKind> {
    let (i, n) = (i as i128, n as i128);
    let j = if i < 0 { i + n } else { i };
    if 0 <= j && j < n {
        Ok(j as usize)
    } else {
        Err(ErrorKind::Index)
    }
}

/// The positions of `range(n)[start:stop:step]`, from CPython's
/// `PySlice_AdjustIndices`, enumerated one by one.
pub fn slice_positions(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
    n: usize,
) -> Result<Vec<usize>, ErrorKind> {
    let step = step.unwrap_or(1) as i128;
    if step == 0 {
        return Err(ErrorKind::Index);
    }
    let n = n as i128;
    let (lower, upper) = if step < 0 { (-1, n - 1) } else { (0, n) };
    let adjust = |b: isize| {
        let mut b = b as i128;
        if b < 0 {
            b += n;
            if b < 0 {
                b = lower;
            }
        } else if b >= upper {
            b = upper;
        }
        b
    };
    let start = start.map_or(if step < 0 { upper } else { lower }, adjust);
    let stop = stop.map_or(if step < 0 { lower } else { upper }, adjust);
    let mut out = Vec::new();
    let mut p = start;
    while (step > 0 && p < stop) || (step < 0 && p > stop) {
        out.push(p as usize);
        p += step;
    }
    Ok(out)
}

/// The key with its ellipsis (or, without one, the missing trailing axes)
/// expanded into full slices: one element per axis, plus the newaxis
/// entries. Two ellipses or too many indices are index errors.
pub fn expand_key(shape: &[usize], key: &[SelectionItem]) -> Result<Vec<SelectionItem>, ErrorKind> {
    let ellipses = key
        .iter()
        .filter(|e| **e == SelectionItem::Ellipsis)
        .count();
    if ellipses > 1 {
        return Err(ErrorKind::Index);
    }
    let consuming = |e: &SelectionItem| {
        matches!(
            e,
            SelectionItem::Index(_)
                | SelectionItem::Slice { .. }
                | SelectionItem::List(_)
                | SelectionItem::Mask(_)
        )
    };
    let consumed = key.iter().filter(|e| consuming(e)).count();
    if consumed > shape.len() {
        return Err(ErrorKind::Index);
    }
    let full = SelectionItem::slice(None, None, None);
    let mut expanded = Vec::new();
    for e in key {
        if *e == SelectionItem::Ellipsis {
            expanded.extend(std::iter::repeat_n(full.clone(), shape.len() - consumed));
        } else {
            expanded.push(e.clone());
        }
    }
    if ellipses == 0 {
        expanded.extend(std::iter::repeat_n(full, shape.len() - consumed));
    }
    Ok(expanded)
}

/// NumPy's `np.nonzero(mask)[0]` for a 1-d boolean mask along an axis of
/// length `n`; `Index` unless the mask is exactly as long as the axis.
pub fn mask_positions(mask: &[bool], n: usize) -> Result<Vec<usize>, ErrorKind> {
    if mask.len() != n {
        return Err(ErrorKind::Index);
    }
    let mut positions = Vec::new();
    for (i, &m) in mask.iter().enumerate() {
        if m {
            positions.push(i);
        }
    }
    Ok(positions)
}

/// NumPy's key resolution (with orthogonal lists): one [`Pick`] per key
/// element after the ellipsis is expanded and missing trailing axes are added.
pub fn naive_resolve(shape: &[usize], key: &[SelectionItem]) -> Result<Vec<Pick>, ErrorKind> {
    resolve_with(shape, key, slice_positions)
}

/// [`naive_resolve`] with slices resolved by `slice` (called with the
/// slice's start, stop and step and the axis's length): [`slice_positions`]
/// lists them, [`slice_formula`] serves axes too long to list.
pub fn resolve_with<A: Positions>(
    shape: &[usize],
    key: &[SelectionItem],
    slice: impl Fn(Option<isize>, Option<isize>, Option<isize>, usize) -> Result<A, ErrorKind>,
) -> Result<Vec<Pick<A>>, ErrorKind> {
    let expanded = expand_key(shape, key)?;
    let mut axes = shape.iter().copied();
    let mut picks = Vec::new();
    for e in &expanded {
        picks.push(match e {
            SelectionItem::NewAxis => Pick::Unit,
            SelectionItem::Ellipsis => unreachable!("expanded above"),
            SelectionItem::Index(i) => Pick::Fixed(wrap_index(*i, axes.next().unwrap())?),
            SelectionItem::Slice { start, stop, step } => {
                Pick::Along(slice(*start, *stop, *step, axes.next().unwrap())?)
            }
            SelectionItem::List(l) => {
                let n = axes.next().unwrap();
                Pick::Along(A::from(
                    l.iter()
                        .map(|&i| wrap_index(i, n))
                        .collect::<Result<_, _>>()?,
                ))
            }
            SelectionItem::Mask(m) => {
                Pick::Along(A::from(mask_positions(m, axes.next().unwrap())?))
            }
        });
    }
    assert!(axes.next().is_none());
    Ok(picks)
}

/// The output shape of resolved picks: one axis per slice, list or newaxis.
pub fn out_shape<A: Positions>(picks: &[Pick<A>]) -> Vec<usize> {
    picks
        .iter()
        .filter_map(|p| match p {
            Pick::Fixed(_) => None,
            Pick::Along(v) => Some(v.count()),
            Pick::Unit => Some(1),
        })
        .collect()
}

/// The source index that output index `out` of `picks` reads.
pub fn source_index<A: Positions>(picks: &[Pick<A>], out: &[usize]) -> Vec<usize> {
    let mut out_axes = out.iter();
    let mut src = Vec::new();
    for p in picks {
        match p {
            Pick::Fixed(i) => src.push(*i),
            Pick::Along(v) => src.push(v.at(*out_axes.next().unwrap())),
            Pick::Unit => assert_eq!(out_axes.next(), Some(&0)),
        }
    }
    src
}

/// `a[key]` by enumerating every output position.
pub fn naive_read<T: Clone>(a: &Naive<T>, key: &[SelectionItem]) -> Result<Naive<T>, ErrorKind> {
    Ok(read_picks(a, &naive_resolve(&a.shape, key)?))
}

/// The elements of `a` that `picks` (resolved against its shape) select.
pub fn read_picks<T: Clone>(a: &Naive<T>, picks: &[Pick]) -> Naive<T> {
    let shape = out_shape(picks);
    let data = (0..numel(&shape))
        .map(|flat| a.data[ravel(&source_index(picks, &unravel(flat, &shape)), &a.shape)].clone())
        .collect();
    Naive { shape, data }
}

/// `value` broadcast to `target` by NumPy's assignment rules: leading length-1
/// axes beyond the target's rank are dropped, then the shapes are aligned on
/// the right and length-1 axes stretch.
pub fn naive_broadcast<V: Clone>(
    value: &Naive<V>,
    target: &[usize],
) -> Result<Naive<V>, ErrorKind> {
    let mut vshape = value.shape.clone();
    while vshape.len() > target.len() && vshape[0] == 1 {
        vshape.remove(0);
    }
    if vshape.len() > target.len() {
        return Err(ErrorKind::Shape);
    }
    let mut padded = vec![1; target.len() - vshape.len()];
    padded.extend(vshape);
    if padded.iter().zip(target).any(|(&v, &t)| v != t && v != 1) {
        return Err(ErrorKind::Shape);
    }
    let data = (0..numel(target))
        .map(|flat| {
            let idx: Vec<usize> = unravel(flat, target)
                .iter()
                .zip(&padded)
                .map(|(&i, &n)| if n == 1 { 0 } else { i })
                .collect();
            value.data[ravel(&idx, &padded)].clone()
        })
        .collect();
    Ok(Naive::new(target, data))
}

/// `view[key] = value` on a view with location map `map`: the stores to do,
/// in C order (later ones win). A map may carry more than the location
/// (the fuzz harness's maps carry the scale factor on the way too).
pub fn naive_assignments<L: Clone, V: Clone>(
    map: &Naive<L>,
    key: &[SelectionItem],
    value: &Naive<V>,
) -> Result<Vec<(L, V)>, ErrorKind> {
    let targets = naive_read(map, key)?;
    let values = naive_broadcast(value, &targets.shape)?;
    Ok(targets.data.into_iter().zip(values.data).collect())
}

/// The stores done on the sources' elements, in order (the last store to a
/// location wins): the inverse of [`gather`].
pub fn scatter<T>(storage: &mut [Vec<T>], stores: impl IntoIterator<Item = (Loc, T)>) {
    for ((s, f), v) in stores {
        storage[s][f] = v;
    }
}

/// The normalised axis of `np.stack` for sources of rank `ndim`.
pub fn naive_stack_axis(axis: isize, ndim: usize) -> Result<usize, ErrorKind> {
    let ndim = ndim as isize;
    if (-(ndim + 1)..=ndim).contains(&axis) {
        Ok(if axis < 0 { axis + ndim + 1 } else { axis } as usize)
    } else {
        Err(ErrorKind::Value)
    }
}

/// The positions of `range(n)[start:stop:step]` as `(first, step, len)`,
/// for axes too long to enumerate: the arithmetic progression from the
/// first bound, intersected with the half-open interval the bounds leave of
/// `0..n` (after adding `n` to negative bounds). On axes of up to 64
/// positions it is checked against [`slice_positions`], which enumerates.
pub fn slice_formula(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
    n: usize,
) -> Result<(i128, i128, usize), ErrorKind> {
    let step = step.unwrap_or(1) as i128;
    if step == 0 {
        return Err(ErrorKind::Index);
    }
    let n_wide = n as i128;
    let from_end = |b: isize| {
        let b = b as i128;
        if b < 0 {
            b + n_wide
        } else {
            b
        }
    };
    let (first, len) = if step > 0 {
        // [lo, hi) within [0, n), every step-th from lo.
        let lo = start.map_or(0, from_end).max(0);
        let hi = stop.map_or(n_wide, from_end).min(n_wide);
        let len = if hi > lo {
            (hi - lo + step - 1) / step
        } else {
            0
        };
        (lo, len)
    } else {
        // (lo, hi] within [0, n), every |step|-th down from hi.
        let hi = start.map_or(n_wide - 1, from_end).min(n_wide - 1);
        let lo = stop.map_or(-1, from_end).max(-1);
        let len = if hi > lo {
            (hi - lo - step - 1) / -step
        } else {
            0
        };
        (hi, len)
    };
    let len = usize::try_from(len).map_err(|_| ErrorKind::Index)?;
    if n <= 64 {
        let listed = slice_positions(start, stop, Some(step as isize), n)?;
        let computed: Vec<usize> = (0..len as i128)
            .map(|k| (first + k * step) as usize)
            .collect();
        assert_eq!(
            computed, listed,
            "slice formula vs enumeration: {start:?}:{stop:?}:{step} on {n}"
        );
    }
    Ok((first, step, len))
}
