//! ndarray arrays as datasets.
//!
//! `Array`, `ArcArray` and array views are datasets whose rank comes from their
//! dimension type (`Ix2 -> U2`, `IxDyn -> Dyn`); `Array`, `ArcArray` and mutable
//! views are writable. Index and range selections become zero-copy ndarray
//! slices; lists are gathered (or scattered) a run of consecutive positions
//! at a time, so any order and duplicates work and a mask or a sorted list
//! costs about a copy.
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
//! use ndarray::{array, ArcArray1};
//!
//! let shared: ArcArray1<f32> = array![1.0, 2.0, 3.0].into_shared();
//! let key = DynSelection::from(vec![SelectionItem::List(vec![2, 0])]);
//! assert_eq!(shared.read_dyn(&key).unwrap(), array![3.0, 1.0].into_dyn());
//!
//! let mut owned = ndarray::Array2::<u16>::zeros((2, 3));
//! let cols = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::List(vec![2, 0])]);
//! owned.write_dyn(&cols, array![5u16].into_dyn().view()).unwrap();
//! assert_eq!(owned, array![[5, 0, 5], [5, 0, 5]]);
//! ```

use ndarray::{
    ArrayBase, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, Data, DataMut, IxDyn,
    RawData, Slice, Zip,
};

use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::element::Element;
use crate::error::Result;
use crate::rank::DimRank;
use crate::region::{AxisSelection, Region};

impl<A, S, D> Dataset for ArrayBase<S, D>
where
    A: Element,
    S: Data<Elem = A> + Sync,
    D: DimRank,
{
    type Elem = A;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        ArrayBase::shape(self)
    }

    fn read_region(&self, region: CheckedRegion<'_>, mut out: ArrayViewMutD<'_, A>) -> Result<()> {
        let (src, lists) = select(self.view().into_dyn(), &region);
        copy_lists(&at_zero(&lists), true, src, out.view_mut());
        Ok(())
    }

    fn hints(&self) -> Hints {
        Hints {
            block: 0,
            ..Hints::STORAGE
        }
    }

    fn in_memory(&self, _: &Region) -> bool {
        true
    }

    fn as_array_view(&self) -> Option<ArrayViewD<'_, A>> {
        Some(self.view().into_dyn())
    }
}

impl<A, S, D> DatasetMut for ArrayBase<S, D>
where
    A: Element,
    S: DataMut<Elem = A> + Sync,
    D: DimRank,
{
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, A>) -> Result<()> {
        let (dst, lists) = select(self.view_mut().into_dyn(), &region);
        copy_lists(&at_zero(&lists), false, src, dst);
        Ok(())
    }

    /// An array in memory: always.
    fn writes_to_memory(&self, _region: &Region) -> bool {
        true
    }
}

/// List selections still to apply: (axis, positions).
pub(crate) type ListAxes<'r> = Vec<(usize, &'r [usize])>;

/// A list selection to copy: (axis, positions, origin). The list's
/// positions are `origin` past the start of the axis of the view they
/// index (0 for a whole axis; the start of the range read, for
/// [`gather_from_cover`]).
type Lists<'r> = [(usize, &'r [usize], usize)];

fn at_zero<'r>(lists: &ListAxes<'r>) -> Vec<(usize, &'r [usize], usize)> {
    lists.iter().map(|&(axis, list)| (axis, list, 0)).collect()
}

/// Gathers the canonical `region` into `out` from `span`, the output of
/// reading `cover` (its [`Region::dense_cover`]: each list of `region`
/// replaced by the range from its lowest to its highest position, every
/// other selection the same): kept axes correspond one to one, and a list's
/// positions index its axis of `span` from the range's start. No shifted
/// copy of the list is made. With `piece = Some((axis, ks))`, `cover` is a
/// piece of the box cut along source axis `axis`, and `out` the output of
/// positions `ks` of that axis' list (which starts the piece).
pub(crate) fn gather_from_cover<A: Clone>(
    span: ArrayViewD<'_, A>,
    region: &Region,
    cover: &Region,
    piece: Option<(usize, std::ops::Range<usize>)>,
    out: ArrayViewMutD<'_, A>,
) {
    let mut lists = Vec::new();
    let mut axis = 0;
    for (source_axis, (sel, range)) in region.axes().iter().zip(cover.axes()).enumerate() {
        match (sel, range) {
            (AxisSelection::Index(_), _) => continue,
            (AxisSelection::List(list), range) => {
                let origin = range.bounds().map_or(0, |(lo, _)| lo);
                let list = match &piece {
                    Some((a, ks)) if *a == source_axis => list.get(ks.clone()).unwrap_or(&[]),
                    _ => list.as_slice(),
                };
                lists.push((axis, list, origin));
            }
            _ => {}
        }
        axis += 1;
    }
    copy_lists(&lists, true, span, out);
}

/// Applies the region's indices and ranges to `a` (zero-copy) and returns the
/// list selections still to do, with their axes in the result.
pub(crate) fn select<S: RawData>(
    mut a: ArrayBase<S, IxDyn>,
    region: &Region,
) -> (ArrayBase<S, IxDyn>, ListAxes<'_>) {
    // The region was checked against this array's shape, so every position is
    // in bounds, and is canonical, so the output axes are the kept axes in order.
    let mut lists = Vec::new();
    let mut axis = 0;
    for sel in region.axes() {
        match sel {
            AxisSelection::Index(i) => {
                a = a.index_axis_move(Axis(axis), *i);
                continue;
            }
            AxisSelection::Range { start, step, len } => {
                a.slice_axis_inplace(Axis(axis), range_slice(*start, *step, *len));
            }
            AxisSelection::List(list) => lists.push((axis, list.as_slice())),
        }
        axis += 1;
    }
    (a, lists)
}

/// The ndarray slice of `len` positions `start, start + step, …`.
///
/// ndarray walks a negative-step slice backwards from its end, so the slice
/// spans the lowest to the highest position.
pub(crate) fn range_slice(start: usize, step: isize, len: usize) -> Slice {
    if len == 0 {
        return Slice::new(0, Some(0), 1);
    }
    let span = (len - 1) * step.unsigned_abs();
    let (lo, hi) = if step > 0 {
        (start, start + span)
    } else {
        (start - span, start)
    };
    // Positions of an array fit in isize (ndarray's invariant).
    Slice::new(lo as isize, Some(hi as isize + 1), step)
}

/// Copies between a view with list axes applied and one without: `gather`
/// reads `src[.., list[k], ..]` into `dst[.., k, ..]`, otherwise (a write)
/// `src[.., k, ..]` goes to `dst[.., list[k], ..]` (for a list that repeats
/// a position, the last value wins).
///
/// Consecutive positions of a list (`p, p + 1, …` at `k, k + 1, …`) are
/// copied as one slice of each view, and a list of the last axis lane by
/// lane, a run at a time: a mask or a sorted list costs a gather, not a
/// walk element by element through `IxDyn` views (a 97% mask of 2M `f32`
/// took 125 ms that way, against 8 ms for reading all and filtering by hand).
fn copy_lists<A: Clone>(
    lists: &Lists<'_>,
    gather: bool,
    src: ArrayViewD<'_, A>,
    mut dst: ArrayViewMutD<'_, A>,
) {
    let Some((&(axis, list, origin), rest)) = lists.split_first() else {
        assign(dst, src);
        return;
    };
    let ax = Axis(axis);
    let others_match = src.ndim() == dst.ndim()
        && src
            .shape()
            .iter()
            .zip(dst.shape())
            .enumerate()
            .all(|(k, (a, b))| k == axis || a == b);
    // A list of the first axis of row-major arrays (rows of a stack): each
    // run of consecutive positions is one contiguous block of rows.
    if rest.is_empty() && axis == 0 && others_match {
        let row: usize = src.shape().iter().skip(1).product();
        if let (Some(s), Some(d), true) = (src.as_slice(), dst.as_slice_mut(), row > 0) {
            copy_rows(list, origin, gather, row, s, d);
            return;
        }
    }
    if rest.is_empty() && axis + 1 == src.ndim() && others_match {
        Zip::from(dst.lanes_mut(ax))
            .and(src.lanes(ax))
            .for_each(|d, s| copy_lane(list, origin, gather, s, d));
        return;
    }
    for (k, p, len) in runs(list) {
        let p = p.wrapping_sub(origin);
        let (s, d) = if gather { (p, k) } else { (k, p) };
        copy_lists(
            rest,
            gather,
            src.slice_axis(ax, Slice::from(s..s + len)),
            dst.slice_axis_mut(ax, Slice::from(d..d + len)),
        );
    }
}

/// [`copy_lists`] of one lane: a run at a time where both lanes are
/// contiguous, else element by element. Positions are `origin` past the
/// start of the list's lane (a position before it is skipped: never the
/// case, as `origin` is the list's lowest).
fn copy_lane<A: Clone>(
    list: &[usize],
    origin: usize,
    gather: bool,
    src: ArrayView1<'_, A>,
    mut dst: ArrayViewMut1<'_, A>,
) {
    let at = |k: usize, p: usize| {
        let p = p.wrapping_sub(origin);
        if gather {
            (p, k)
        } else {
            (k, p)
        }
    };
    if let (Some(s), Some(d)) = (src.as_slice(), dst.as_slice_mut()) {
        copy_rows(list, origin, gather, 1, s, d);
        return;
    }
    // One side strided (a column of a stack): walk it in order.
    if gather {
        if let Some(s) = src.as_slice() {
            for (d, &p) in dst.iter_mut().zip(list) {
                if let Some(v) = s.get(p.wrapping_sub(origin)) {
                    *d = v.clone();
                }
            }
            return;
        }
    } else if let Some(d) = dst.as_slice_mut() {
        for (v, &p) in src.iter().zip(list) {
            if let Some(t) = d.get_mut(p.wrapping_sub(origin)) {
                *t = v.clone();
            }
        }
        return;
    }
    for (k, &p) in list.iter().enumerate() {
        let (from, to) = at(k, p);
        if let (Some(v), Some(t)) = (src.get(from), dst.get_mut(to)) {
            *t = v.clone();
        }
    }
}

/// [`copy_lists`] of a list of the first axis of contiguous row-major
/// data, rows of `row` elements (1: a lane): a run of consecutive positions
/// at a time, each one `clone_from_slice` of `len * row` elements.
fn copy_rows<A: Clone>(
    list: &[usize],
    origin: usize,
    gather: bool,
    row: usize,
    src: &[A],
    dst: &mut [A],
) {
    for (k, p, len) in runs(list) {
        let p = p.wrapping_sub(origin);
        let (from, to) = if gather { (p, k) } else { (k, p) };
        let (from, to, n) = (from.wrapping_mul(row), to.wrapping_mul(row), len * row);
        let from = from.checked_add(n).and_then(|end| src.get(from..end));
        let to = to.checked_add(n).and_then(|end| dst.get_mut(to..end));
        if let (Some(from), Some(to)) = (from, to) {
            to.clone_from_slice(from);
        }
    }
}

/// The runs of consecutive positions of `list`: `(k, p, len)` where
/// `list[k..k + len]` is `p..p + len`, in order.
fn runs(list: &[usize]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut k = 0;
    std::iter::from_fn(move || {
        let &p = list.get(k)?;
        let tail = list.get(k + 1..).unwrap_or(&[]);
        let len = 1 + tail
            .iter()
            .zip(p + 1..)
            .take_while(|(a, b)| **a == *b)
            .count();
        let at = k;
        k += len;
        Some((at, p, len))
    })
}

/// `dst.assign(&src)` for arrays of one shape, with ndarray's fast paths:
/// its inner loops are much faster on fixed-rank arrays than on `IxDyn` ones,
/// and a contiguous copy is a `memcpy`.
pub(crate) fn assign<A: Clone>(mut dst: ArrayViewMutD<'_, A>, src: ArrayViewD<'_, A>) {
    if let (Some(d), Some(s)) = (dst.as_slice_mut(), src.as_slice()) {
        // Both in standard (row-major) layout and of one shape.
        if d.len() == s.len() {
            d.clone_from_slice(s);
            return;
        }
    }
    macro_rules! fixed {
        ($($n:literal => $ix:ty),*) => {
            match dst.ndim() {
                $($n => {
                    if let (Ok(mut d), Ok(s)) = (
                        dst.view_mut().into_dimensionality::<$ix>(),
                        src.view().into_dimensionality::<$ix>(),
                    ) {
                        d.assign(&s);
                        return;
                    }
                })*
                _ => {}
            }
        };
    }
    fixed!(1 => ndarray::Ix1, 2 => ndarray::Ix2, 3 => ndarray::Ix3);
    dst.assign(&src);
}
