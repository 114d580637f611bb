//! Regions: a selection resolved against a concrete shape, the one value
//! every view and every backend speaks.
//!
//! A [`Region`] of a dataset of shape `s` has one [`AxisSelection`] per axis
//! of `s` (every position in bounds) and a list of output axes
//! ([`OutAxis`]): each kept source axis once, in any order, and axes with no
//! source axis (NumPy's newaxis, or an axis repeating one position). Like
//! TensorStore's index transforms, regions compose: a region of a view's
//! output composed into the view's own region is a region of the source
//! ([`Region::compose`]), so a chain of slices resolves to one region per
//! source, touching only the requested elements.
//!
//! Datasets implement their reads and writes for *canonical* regions only —
//! output axes are the kept source axes in order, no new axes — and the
//! checked entry points ([`DatasetExt::read_into`](crate::DatasetExt::read_into))
//! reduce every region to that form.
//!
//! ```
//! use lazy_core::{resolve, AxisSelection, OutAxis, SelectionItem};
//!
//! // NumPy: x[-1, 8:1:-3, np.newaxis] on a 4 x 10 array
//! let key = [SelectionItem::Index(-1), SelectionItem::slice(Some(8), Some(1), Some(-3)), SelectionItem::NewAxis];
//! let r = resolve(&[4, 10], &key).unwrap();
//! assert_eq!(r.axes(), &[AxisSelection::Index(3), AxisSelection::Range { start: 8, step: -3, len: 3 }]);
//! assert_eq!(r.out_axes(), &[OutAxis::Source(1), OutAxis::New(1)]);
//! assert_eq!(r.out_shape(), vec![3, 1]);
//! ```

use crate::alloc::checked_size;
use crate::error::{Error, Result};

/// The selection along one source axis of a [`Region`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AxisSelection {
    /// One position; the axis is dropped from the output.
    Index(usize),
    /// `len` positions `start, start + step, …`; `step` is non-zero and may be
    /// negative. When `len <= 1` the step is normalised to 1 (and `start` to 0
    /// when `len == 0`), so equal selections compare equal.
    Range {
        /// First position.
        start: usize,
        /// Distance between positions, non-zero.
        step: isize,
        /// Number of positions.
        len: usize,
    },
    /// Positions in any order, duplicates allowed (orthogonal indexing).
    List(Vec<usize>),
}

impl AxisSelection {
    /// The whole axis of length `n`.
    pub fn full(n: usize) -> Self {
        AxisSelection::range(0, 1, n)
    }

    /// A range, normalised so that empty and single-element ranges compare equal.
    pub fn range(start: usize, step: isize, len: usize) -> Self {
        match len {
            0 => AxisSelection::Range {
                start: 0,
                step: 1,
                len: 0,
            },
            1 => AxisSelection::Range {
                start,
                step: 1,
                len: 1,
            },
            _ => AxisSelection::Range { start, step, len },
        }
    }

    /// The length of this axis in the output, or `None` when the axis is dropped.
    pub fn out_len(&self) -> Option<usize> {
        match self {
            AxisSelection::Index(_) => None,
            AxisSelection::Range { len, .. } => Some(*len),
            AxisSelection::List(l) => Some(l.len()),
        }
    }

    /// The number of positions this selects (1 for an index).
    pub fn count(&self) -> usize {
        self.out_len().unwrap_or(1)
    }

    /// The `k`-th selected position, if `k < self.count()`.
    pub fn position(&self, k: usize) -> Option<usize> {
        match self {
            AxisSelection::Index(i) => (k == 0).then_some(*i),
            AxisSelection::Range { start, step, len } => {
                (k < *len).then(|| offset(*start, *step, k)).flatten()
            }
            AxisSelection::List(l) => l.get(k).copied(),
        }
    }

    /// The selected positions, in output order.
    pub fn positions(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        (0..self.count()).map(move |k| self.position(k).unwrap_or(0))
    }

    /// The lowest and highest selected position, or `None` when nothing is
    /// selected.
    pub fn bounds(&self) -> Option<(usize, usize)> {
        match self {
            AxisSelection::Index(i) => Some((*i, *i)),
            AxisSelection::Range { start, step, len } => {
                let last = offset(*start, *step, len.checked_sub(1)?)?;
                Some((*start.min(&last), *start.max(&last)))
            }
            AxisSelection::List(l) => Some((*l.iter().min()?, *l.iter().max()?)),
        }
    }

    /// Whether every position is `< n`.
    fn fits(&self, n: usize) -> bool {
        match self {
            AxisSelection::Index(i) => *i < n,
            AxisSelection::Range { start, step, len } => {
                *len == 0
                    || (*start < n && offset(*start, *step, *len - 1).is_some_and(|last| last < n))
            }
            AxisSelection::List(l) => l.iter().all(|&i| i < n),
        }
    }

    /// Selects `inner` (a selection of this axis's output) within this axis:
    /// the result picks, in the source axis, what `inner` picks in the output.
    ///
    /// ```
    /// use lazy_core::AxisSelection;
    /// // NumPy: range(20)[2::3][::-2] is range(20)[17::-6]
    /// let outer = AxisSelection::range(2, 3, 6);
    /// assert_eq!(outer.compose(&AxisSelection::range(5, -2, 3)).unwrap(), AxisSelection::range(17, -6, 3));
    /// ```
    pub fn compose(&self, inner: &AxisSelection) -> Result<AxisSelection> {
        let at = |k: usize| {
            self.position(k)
                .ok_or_else(|| Error::index(format!("position {k} is outside the selection")))
        };
        Ok(match (self, inner) {
            (AxisSelection::Index(_), _) => {
                return Err(Error::index("cannot select within a dropped axis"))
            }
            (_, AxisSelection::Index(k)) => AxisSelection::Index(at(*k)?),
            (
                AxisSelection::Range { step, .. },
                AxisSelection::Range {
                    start,
                    step: s2,
                    len,
                },
            ) => {
                if *len == 0 {
                    AxisSelection::range(0, 1, 0)
                } else {
                    let first = at(*start)?;
                    // Region::new re-checks the result; a product that overflows
                    // cannot come from two in-bounds selections.
                    let new_step = step
                        .checked_mul(*s2)
                        .ok_or_else(|| Error::index("step overflow in composed selection"))?;
                    AxisSelection::range(first, new_step, *len)
                }
            }
            // A contiguous part of a list (a block of a mask): a copy.
            (
                AxisSelection::List(list),
                AxisSelection::Range {
                    start,
                    step: 1,
                    len,
                },
            ) => AxisSelection::List(
                list.get(*start..start.saturating_add(*len))
                    .ok_or_else(|| Error::index("a range outside the list it selects from"))?
                    .to_vec(),
            ),
            (_, inner) => AxisSelection::List(inner.positions().map(at).collect::<Result<_>>()?),
        })
    }
}

/// The lowest and highest position of a list, in one pass (`None` when
/// empty).
fn min_max(list: &[usize]) -> Option<(usize, usize)> {
    let first = *list.first()?;
    if list.is_sorted() {
        // Lists from masks: one pass that vectorises, no fold.
        return Some((first, *list.last()?));
    }
    Some(
        list.iter()
            .fold((first, first), |(lo, hi), &p| (lo.min(p), hi.max(p))),
    )
}

/// `start + k * step`, if it is a valid `usize`.
fn offset(start: usize, step: isize, k: usize) -> Option<usize> {
    let v = i128::try_from(start).ok()? + i128::try_from(step).ok()? * i128::try_from(k).ok()?;
    usize::try_from(v).ok()
}

/// One axis of what reading a [`Region`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutAxis {
    /// The selection of source axis `k` (never an [`AxisSelection::Index`]).
    Source(usize),
    /// An axis with no source axis, of this length: every position along it
    /// holds the same elements. NumPy's newaxis is `New(1)`; selecting
    /// `[0, 0, 0]` from a newaxis gives `New(3)`.
    New(usize),
}

/// A selection resolved against a shape: one [`AxisSelection`] per source
/// axis, every position in bounds, and the output axes (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    shape: Vec<usize>,
    axes: Vec<AxisSelection>,
    out: Vec<OutAxis>,
}

/// The canonical output axes of `axes`: every kept axis, in order.
fn source_order(axes: &[AxisSelection]) -> Vec<OutAxis> {
    axes.iter()
        .enumerate()
        .filter(|(_, a)| a.out_len().is_some())
        .map(|(k, _)| OutAxis::Source(k))
        .collect()
}

impl Region {
    /// A canonical region of a dataset of this shape (output axes: the kept
    /// source axes in order); an error unless there is one [`AxisSelection`]
    /// per axis, every position is in bounds and no range of more than one
    /// position has step 0. Ranges are normalised as [`AxisSelection::range`] does.
    ///
    /// ```
    /// use lazy_core::{AxisSelection, ErrorKind, Region};
    /// assert!(Region::new(vec![4], vec![AxisSelection::List(vec![3, 0])]).is_ok());
    /// let err = Region::new(vec![4], vec![AxisSelection::Index(4)]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Index);
    /// ```
    pub fn new(shape: Vec<usize>, axes: Vec<AxisSelection>) -> Result<Self> {
        let out = source_order(&axes);
        Self::with_out(shape, axes, out)
    }

    /// The whole of a dataset of `shape` with output axis `i` its axis
    /// `axes[i]`; `axes` must be a permutation of `0..shape.len()` (the
    /// caller checks it), so the region is not checked again.
    pub(crate) fn permuted(shape: &[usize], axes: &[usize]) -> Region {
        Region {
            shape: shape.to_vec(),
            axes: shape.iter().map(|&n| AxisSelection::full(n)).collect(),
            out: axes.iter().map(|&a| OutAxis::Source(a)).collect(),
        }
    }

    /// A region with the given output axes: each kept source axis exactly
    /// once, in any order (a transposition), and any [`OutAxis::New`] axes.
    /// Checked as [`Region::new`] does; a kept axis missing or repeated in
    /// `out`, or a dropped one in it, is an [`Index`](crate::ErrorKind::Index) error.
    ///
    /// ```
    /// use lazy_core::{AxisSelection, OutAxis, Region};
    /// // NumPy: x[:, 1:3].T[:, np.newaxis, :] on a 2 x 4 array
    /// let r = Region::with_out(
    ///     vec![2, 4],
    ///     vec![AxisSelection::full(2), AxisSelection::range(1, 1, 2)],
    ///     vec![OutAxis::Source(1), OutAxis::New(1), OutAxis::Source(0)],
    /// ).unwrap();
    /// assert_eq!(r.out_shape(), vec![2, 1, 2]);
    /// assert!(!r.is_canonical());
    /// ```
    pub fn with_out(
        shape: Vec<usize>,
        axes: Vec<AxisSelection>,
        out: Vec<OutAxis>,
    ) -> Result<Self> {
        if shape.len() != axes.len() {
            return Err(Error::index(format!(
                "a region of a {}-dimensional dataset needs {} axis selections, got {}",
                shape.len(),
                shape.len(),
                axes.len()
            )));
        }
        if let Some((axis, sel)) = axes
            .iter()
            .enumerate()
            .find(|(_, sel)| matches!(sel, AxisSelection::Range { step: 0, len, .. } if *len > 1))
        {
            return Err(Error::index(format!(
                "selection {sel:?} of axis {axis} has step 0"
            )));
        }
        if let Some((axis, (sel, n))) = axes
            .iter()
            .zip(&shape)
            .enumerate()
            .find(|(_, (sel, &n))| !sel.fits(n))
        {
            return Err(Error::index(format!(
                "selection {sel:?} is out of bounds for axis {axis} with size {n}"
            )));
        }
        let mut seen = vec![false; axes.len()];
        for o in &out {
            if let OutAxis::Source(k) = *o {
                match (seen.get_mut(k), axes.get(k)) {
                    (Some(s), Some(sel)) if !*s && sel.out_len().is_some() => *s = true,
                    _ => {
                        return Err(Error::index(format!(
                            "output axes {out:?} do not name each kept axis of {axes:?} once"
                        )))
                    }
                }
            }
        }
        if axes
            .iter()
            .zip(&seen)
            .any(|(sel, &s)| sel.out_len().is_some() && !s)
        {
            return Err(Error::index(format!(
                "output axes {out:?} leave out a kept axis of {axes:?}"
            )));
        }
        // Normalise ranges built by hand, as `AxisSelection::range` does.
        let axes = axes
            .into_iter()
            .map(|sel| match sel {
                AxisSelection::Range { start, step, len } => AxisSelection::range(start, step, len),
                other => other,
            })
            .collect();
        Ok(Region { shape, axes, out })
    }

    /// The whole of a dataset of this shape.
    pub fn full(shape: &[usize]) -> Self {
        let axes: Vec<AxisSelection> = shape.iter().map(|&n| AxisSelection::full(n)).collect();
        Region {
            shape: shape.to_vec(),
            out: source_order(&axes),
            axes,
        }
    }

    /// The shape of the dataset this region was resolved against.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// One selection per source axis.
    pub fn axes(&self) -> &[AxisSelection] {
        &self.axes
    }

    /// The output axes, in output order.
    pub fn out_axes(&self) -> &[OutAxis] {
        &self.out
    }

    /// Whether the output axes are the kept source axes in order, with no
    /// new axes: the form datasets implement reads and writes for.
    pub fn is_canonical(&self) -> bool {
        self.out.iter().all(|o| matches!(o, OutAxis::Source(_)))
            && self
                .out
                .windows(2)
                .all(|w| matches!(w, [OutAxis::Source(a), OutAxis::Source(b)] if a < b))
    }

    /// The length of output axis `o`.
    fn out_len(&self, o: &OutAxis) -> usize {
        match *o {
            OutAxis::Source(k) => self.axes.get(k).map_or(0, AxisSelection::count),
            OutAxis::New(n) => n,
        }
    }

    /// The shape of what reading this region produces.
    pub fn out_shape(&self) -> Vec<usize> {
        self.out.iter().map(|o| self.out_len(o)).collect()
    }

    /// The number of elements this region selects, or an error if it overflows `usize`.
    pub fn out_size(&self) -> Result<usize> {
        checked_size(&self.out_shape())
    }

    /// The position in the output of source axis `axis`, or `None` when it is
    /// dropped (or out of range).
    pub fn out_axis(&self, axis: usize) -> Option<usize> {
        self.out.iter().position(|o| *o == OutAxis::Source(axis))
    }

    /// This region in canonical form: the same selections, with the output
    /// axes the kept source axes in order and no new axes.
    pub fn canonical(&self) -> Region {
        Region {
            shape: self.shape.clone(),
            out: source_order(&self.axes),
            axes: self.axes.clone(),
        }
    }

    /// For a canonical region whose lists select most of the span they
    /// cover: the same region with each list replaced by the range from its
    /// lowest to its highest position, when that range box holds at most
    /// twice the elements the region selects. Reading the box (whole
    /// chunks, straight into one buffer) and gathering the list from it in
    /// memory costs about a read of the box,
    /// where storage would otherwise cut tens of thousands of short runs at
    /// chunk boundaries (a 97% mask). `None` for regions without lists or
    /// with sparse ones.
    pub(crate) fn dense_cover(&self) -> Option<Region> {
        if !self.is_canonical()
            || !self
                .axes
                .iter()
                .any(|a| matches!(a, AxisSelection::List(_)))
        {
            return None;
        }
        let mut selected: u128 = 1;
        let mut covered: u128 = 1;
        let mut axes = Vec::with_capacity(self.axes.len());
        for sel in &self.axes {
            let count = sel.count() as u128;
            selected = selected.saturating_mul(count);
            match sel {
                AxisSelection::List(list) => {
                    let (lo, hi) = min_max(list)?;
                    covered = covered.saturating_mul((hi - lo + 1) as u128);
                    axes.push(AxisSelection::range(lo, 1, hi - lo + 1));
                }
                other => {
                    covered = covered.saturating_mul(count);
                    axes.push(other.clone());
                }
            }
        }
        (covered <= selected.saturating_mul(2)).then(|| Region {
            shape: self.shape.clone(),
            out: source_order(&axes),
            axes,
        })
    }

    /// Splits off source axis `axis`: its selection, and the region of the
    /// remaining axes (whose output loses that axis).
    pub fn split_axis(&self, axis: usize) -> Result<(AxisSelection, Region)> {
        if axis >= self.axes.len() {
            return Err(Error::index(format!(
                "axis {axis} is out of bounds for a region of {} axes",
                self.axes.len()
            )));
        }
        let mut shape = self.shape.clone();
        let mut axes = self.axes.clone();
        shape.remove(axis);
        let sel = axes.remove(axis);
        let out = self
            .out
            .iter()
            .filter(|o| **o != OutAxis::Source(axis))
            .map(|o| match *o {
                OutAxis::Source(k) if k > axis => OutAxis::Source(k - 1),
                other => other,
            })
            .collect();
        Ok((sel, Region { shape, axes, out }))
    }

    /// An error unless this region was resolved against `shape`.
    pub fn check_shape(&self, shape: &[usize]) -> Result<()> {
        if self.shape == shape {
            Ok(())
        } else {
            Err(Error::shape(format!(
                "a region of a dataset of shape {:?} was applied to a dataset of shape {:?}",
                self.shape, shape
            )))
        }
    }

    /// An error unless `out` has this region's output shape.
    pub fn check_out(&self, out: &[usize]) -> Result<()> {
        let expected = self.out_shape();
        if expected == out {
            Ok(())
        } else {
            Err(Error::shape(format!(
                "the selection has shape {expected:?} but the buffer has shape {out:?}"
            )))
        }
    }

    /// Splits the region in two along output axis `out_axis`: the first part
    /// keeps output positions `..at`, the second `at..`.
    ///
    /// ```
    /// use lazy_core::{AxisSelection, Region};
    /// let r = Region::new(vec![2, 10], vec![AxisSelection::Index(1), AxisSelection::Range { start: 9, step: -2, len: 5 }]).unwrap();
    /// let (a, b) = r.split_out(0, 2).unwrap();
    /// assert_eq!(a.axes()[1], AxisSelection::Range { start: 9, step: -2, len: 2 });
    /// assert_eq!(b.axes()[1], AxisSelection::Range { start: 5, step: -2, len: 3 });
    /// ```
    pub fn split_out(&self, out_axis: usize, at: usize) -> Result<(Region, Region)> {
        let o = *self
            .out
            .get(out_axis)
            .ok_or_else(|| Error::index(format!("the region has no output axis {out_axis}")))?;
        let len = self.out_len(&o);
        if at > len {
            return Err(Error::index(format!(
                "cannot split an axis of length {len} at {at}"
            )));
        }
        Ok((
            self.out_part(o, out_axis, 0, at)?,
            self.out_part(o, out_axis, at, len - at)?,
        ))
    }

    /// Cuts the region along output axis `out_axis` into pieces of `per`
    /// output positions (the last one shorter), in order: what
    /// [`split_out`](Region::split_out) again and again would give, with a
    /// long list of that axis copied once in all (halving copied it once
    /// per level, 8 times for 177 blocks of a 1.94M-position mask).
    pub fn split_out_every(&self, out_axis: usize, per: usize) -> Result<Vec<Region>> {
        self.split_out_pieces(out_axis, per, per)
    }

    /// [`split_out_every`](Region::split_out_every) with a first piece of
    /// `first` positions (then pieces of `per`): blocks that start where a
    /// grid's cells do.
    pub(crate) fn split_out_pieces(
        &self,
        out_axis: usize,
        first: usize,
        per: usize,
    ) -> Result<Vec<Region>> {
        let o = *self
            .out
            .get(out_axis)
            .ok_or_else(|| Error::index(format!("the region has no output axis {out_axis}")))?;
        let len = self.out_len(&o);
        let mut pieces = Vec::new();
        let (mut start, mut n) = (0, first.max(1));
        while start < len {
            let here = n.min(len - start);
            pieces.push(self.out_part(o, out_axis, start, here)?);
            start += here;
            n = per.max(1);
        }
        Ok(pieces)
    }

    /// Output positions `start..start + n` of output axis `out_axis` (which
    /// is `o`): the other axes copied, the split one composed.
    fn out_part(&self, o: OutAxis, out_axis: usize, start: usize, n: usize) -> Result<Region> {
        let axes = self
            .axes
            .iter()
            .enumerate()
            .map(|(k, sel)| match o {
                OutAxis::Source(split) if split == k => {
                    sel.compose(&AxisSelection::range(start, 1, n))
                }
                _ => Ok(sel.clone()),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut out = self.out.clone();
        if let (OutAxis::New(_), Some(slot)) = (o, out.get_mut(out_axis)) {
            *slot = OutAxis::New(n);
        }
        Ok(Region {
            shape: self.shape.clone(),
            axes,
            out,
        })
    }

    /// Composes `inner`, a region of this region's output, into a region of
    /// the dataset this region selects from: reading the result reads what
    /// reading `inner` from a view of this region would.
    ///
    /// ```
    /// use lazy_core::{resolve, SelectionItem as S};
    /// // NumPy: x[1:, np.newaxis][[2, 0], [0, 0, 0]] on a (5,) array is x[[3, 1]] repeated 3 times.
    /// let outer = resolve(&[5], &[S::slice(Some(1), None, None), S::NewAxis]).unwrap();
    /// let inner = resolve(&outer.out_shape(), &[S::List(vec![2, 0]), S::List(vec![0, 0, 0])]).unwrap();
    /// let r = outer.compose(&inner).unwrap();
    /// assert_eq!(r, resolve(&[5], &[S::List(vec![3, 1]), S::NewAxis]).unwrap().compose(
    ///     &resolve(&[2, 1], &[S::FULL, S::List(vec![0, 0, 0])]).unwrap()).unwrap());
    /// assert_eq!(r.out_shape(), vec![2, 3]);
    /// ```
    pub fn compose(&self, inner: &Region) -> Result<Region> {
        inner.check_shape(&self.out_shape())?;
        let mut axes = self.axes.clone();
        // What each output axis of `self` (an axis of `inner`'s source)
        // becomes: a source axis of the result, or a new axis.
        let mut became = Vec::with_capacity(self.out.len());
        for (o, sel) in self.out.iter().zip(&inner.axes) {
            became.push(match *o {
                OutAxis::Source(k) => {
                    let slot = axes
                        .get_mut(k)
                        .ok_or_else(|| Error::index(format!("no source axis {k}")))?;
                    *slot = slot.compose(sel)?;
                    OutAxis::Source(k)
                }
                OutAxis::New(_) => OutAxis::New(sel.count()),
            });
        }
        let out = inner
            .out
            .iter()
            .map(|o| match *o {
                OutAxis::Source(j) => became
                    .get(j)
                    .copied()
                    .ok_or_else(|| Error::index(format!("no output axis {j} to select from"))),
                new => Ok(new),
            })
            .collect::<Result<Vec<_>>>()?;
        Region::with_out(self.shape.clone(), axes, out)
    }
}
