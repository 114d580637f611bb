//! Regions: a selection resolved against a concrete shape.
//!
//! A [`Region`] has one [`AxisSel`] per axis of the dataset it was resolved
//! against, every position in bounds. Backends consume regions; views map a
//! region of themselves to regions of their sources, so a chain of views
//! resolves to one read per source touching only the requested elements.
//!
//! [`resolve`] applies NumPy's rules: negative indices count from the end,
//! slice bounds clamp, the ellipsis expands, missing trailing axes are taken
//! whole, and out-of-range integers or list entries, a zero step, two ellipses
//! or too many indices are [`ErrorKind::Index`](crate::ErrorKind::Index) errors.
//!
//! ```
//! use lazy_core::{resolve, AxisSel, SelElem};
//!
//! // NumPy: x[-1, 8:1:-3, np.newaxis] on a 4 x 10 array
//! let r = resolve(&[4, 10], &[SelElem::Index(-1), SelElem::slice(Some(8), Some(1), Some(-3)), SelElem::NewAxis]).unwrap();
//! assert_eq!(r.region.axes(), &[AxisSel::Index(3), AxisSel::Range { start: 8, step: -3, len: 3 }]);
//! assert_eq!(r.out_shape(), vec![3, 1]);
//! assert_eq!(r.new_axes, vec![1]);
//! ```

use crate::error::{Error, Result};
use crate::selection::SelElem;

/// The selection along one axis of a [`Region`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AxisSel {
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

impl AxisSel {
    /// The whole axis of length `n`.
    pub fn full(n: usize) -> Self {
        AxisSel::range(0, 1, n)
    }

    /// A range, normalised so that empty and single-element ranges compare equal.
    pub fn range(start: usize, step: isize, len: usize) -> Self {
        match len {
            0 => AxisSel::Range {
                start: 0,
                step: 1,
                len: 0,
            },
            1 => AxisSel::Range {
                start,
                step: 1,
                len: 1,
            },
            _ => AxisSel::Range { start, step, len },
        }
    }

    /// The length of this axis in the output, or `None` when the axis is dropped.
    pub fn out_len(&self) -> Option<usize> {
        match self {
            AxisSel::Index(_) => None,
            AxisSel::Range { len, .. } => Some(*len),
            AxisSel::List(l) => Some(l.len()),
        }
    }

    /// The number of positions this selects (1 for an index).
    pub fn count(&self) -> usize {
        self.out_len().unwrap_or(1)
    }

    /// The `k`-th selected position, if `k < self.count()`.
    pub fn position(&self, k: usize) -> Option<usize> {
        match self {
            AxisSel::Index(i) => (k == 0).then_some(*i),
            AxisSel::Range { start, step, len } => {
                (k < *len).then(|| offset(*start, *step, k)).flatten()
            }
            AxisSel::List(l) => l.get(k).copied(),
        }
    }

    /// The selected positions, in output order.
    pub fn positions(&self) -> impl ExactSizeIterator<Item = usize> + '_ {
        (0..self.count()).map(move |k| self.position(k).unwrap_or(0))
    }

    /// Whether every position is `< n`.
    fn fits(&self, n: usize) -> bool {
        match self {
            AxisSel::Index(i) => *i < n,
            AxisSel::Range { start, step, len } => {
                *len == 0
                    || (*start < n && offset(*start, *step, *len - 1).is_some_and(|last| last < n))
            }
            AxisSel::List(l) => l.iter().all(|&i| i < n),
        }
    }

    /// Selects `inner` (a selection of this axis's output) within this axis:
    /// the result picks, in the source axis, what `inner` picks in the output.
    pub fn compose(&self, inner: &AxisSel) -> Result<AxisSel> {
        let at = |k: usize| {
            self.position(k)
                .ok_or_else(|| Error::index(format!("position {k} is outside the selection")))
        };
        Ok(match (self, inner) {
            (AxisSel::Index(_), _) => {
                return Err(Error::index("cannot select within a dropped axis"))
            }
            (_, AxisSel::Index(k)) => AxisSel::Index(at(*k)?),
            (
                AxisSel::Range { step, .. },
                AxisSel::Range {
                    start,
                    step: s2,
                    len,
                },
            ) => {
                if *len == 0 {
                    AxisSel::range(0, 1, 0)
                } else {
                    let first = at(*start)?;
                    // Region::new re-checks the result; a product that overflows
                    // cannot come from two in-bounds selections.
                    let new_step = step
                        .checked_mul(*s2)
                        .ok_or_else(|| Error::index("step overflow in composed selection"))?;
                    AxisSel::range(first, new_step, *len)
                }
            }
            (_, inner) => AxisSel::List(inner.positions().map(at).collect::<Result<_>>()?),
        })
    }
}

/// `start + k * step`, if it is a valid `usize`.
fn offset(start: usize, step: isize, k: usize) -> Option<usize> {
    let v = i128::try_from(start).ok()? + i128::try_from(step).ok()? * i128::try_from(k).ok()?;
    usize::try_from(v).ok()
}

/// A selection resolved against a shape: one [`AxisSel`] per axis, every
/// position in bounds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    shape: Vec<usize>,
    axes: Vec<AxisSel>,
}

impl Region {
    /// A region of a dataset of this shape; an error unless there is one
    /// [`AxisSel`] per axis, every position is in bounds and no range of
    /// more than one position has step 0. Ranges are normalised as
    /// [`AxisSel::range`] does.
    ///
    /// ```
    /// use lazy_core::{AxisSel, ErrorKind, Region};
    /// assert!(Region::new(vec![4], vec![AxisSel::List(vec![3, 0])]).is_ok());
    /// let err = Region::new(vec![4], vec![AxisSel::Index(4)]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Index);
    /// ```
    pub fn new(shape: Vec<usize>, axes: Vec<AxisSel>) -> Result<Self> {
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
            .find(|(_, sel)| matches!(sel, AxisSel::Range { step: 0, len, .. } if *len > 1))
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
        // Normalise ranges built by hand, as `AxisSel::range` does.
        let axes = axes
            .into_iter()
            .map(|sel| match sel {
                AxisSel::Range { start, step, len } => AxisSel::range(start, step, len),
                other => other,
            })
            .collect();
        Ok(Region { shape, axes })
    }

    /// The whole of a dataset of this shape.
    pub fn full(shape: &[usize]) -> Self {
        Region {
            shape: shape.to_vec(),
            axes: shape.iter().map(|&n| AxisSel::full(n)).collect(),
        }
    }

    /// The shape of the dataset this region was resolved against.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// One selection per axis.
    pub fn axes(&self) -> &[AxisSel] {
        &self.axes
    }

    /// The shape of what reading this region produces (dropped axes left out).
    pub fn out_shape(&self) -> Vec<usize> {
        self.axes.iter().filter_map(AxisSel::out_len).collect()
    }

    /// The number of elements this region selects, or an error if it overflows `usize`.
    pub fn out_size(&self) -> Result<usize> {
        checked_size(&self.out_shape())
    }

    /// The position in the output of `axis`, counting only axes that are kept.
    pub fn out_axis(&self, axis: usize) -> usize {
        self.axes
            .iter()
            .take(axis)
            .filter(|a| a.out_len().is_some())
            .count()
    }

    /// Splits off `axis`: its selection, and the region of the remaining axes.
    pub fn split_axis(&self, axis: usize) -> Result<(AxisSel, Region)> {
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
        Ok((sel, Region { shape, axes }))
    }

    /// An error unless this region was resolved against `shape`: what every
    /// dataset checks before it reads or writes.
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
    /// use lazy_core::{AxisSel, Region};
    /// let r = Region::new(vec![2, 10], vec![AxisSel::Index(1), AxisSel::Range { start: 9, step: -2, len: 5 }]).unwrap();
    /// let (a, b) = r.split_out(0, 2).unwrap();
    /// assert_eq!(a.axes()[1], AxisSel::Range { start: 9, step: -2, len: 2 });
    /// assert_eq!(b.axes()[1], AxisSel::Range { start: 5, step: -2, len: 3 });
    /// ```
    pub fn split_out(&self, out_axis: usize, at: usize) -> Result<(Region, Region)> {
        let axis = self
            .axes
            .iter()
            .enumerate()
            .filter(|(_, a)| a.out_len().is_some())
            .nth(out_axis)
            .map(|(i, _)| i)
            .ok_or_else(|| Error::index(format!("the region has no output axis {out_axis}")))?;
        let sel = &self.axes[axis];
        let len = sel.count();
        if at > len {
            return Err(Error::index(format!(
                "cannot split an axis of length {len} at {at}"
            )));
        }
        let part = |start: usize, n: usize| -> Result<Region> {
            let mut axes = self.axes.clone();
            axes[axis] = sel.compose(&AxisSel::range(start, 1, n))?;
            Ok(Region {
                shape: self.shape.clone(),
                axes,
            })
        };
        Ok((part(0, at)?, part(at, len - at)?))
    }

    /// Composes `inner`, a region of this region's output, into a region of
    /// the dataset this region selects from.
    pub fn compose(&self, inner: &Region) -> Result<Region> {
        inner.check_shape(&self.out_shape())?;
        let mut inner_axes = inner.axes.iter();
        let axes = self
            .axes
            .iter()
            .map(|outer| match outer {
                AxisSel::Index(i) => Ok(AxisSel::Index(*i)),
                _ => match inner_axes.next() {
                    Some(sel) => outer.compose(sel),
                    None => Err(Error::index("inner region has too few axes")),
                },
            })
            .collect::<Result<Vec<_>>>()?;
        Region::new(self.shape.clone(), axes)
    }
}

/// The number of elements of `shape`, or a [`Shape`](crate::ErrorKind::Shape)
/// error when it overflows `usize`.
pub fn checked_size(shape: &[usize]) -> Result<usize> {
    // An empty axis empties the array, whatever the others multiply to.
    if shape.contains(&0) {
        return Ok(0);
    }
    shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| {
            Error::shape(format!(
                "shape {shape:?} has more elements than fit in memory"
            ))
        })
}

/// A selection resolved against a shape: the [`Region`] to read, and where
/// newaxis entries put length-1 axes into the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The region of the dataset.
    pub region: Region,
    /// Output positions (in the final output, ascending) of the inserted length-1 axes.
    pub new_axes: Vec<usize>,
}

impl Resolved {
    /// The shape of the final output: the region's output with the new axes inserted.
    pub fn out_shape(&self) -> Vec<usize> {
        let mut shape = self.region.out_shape();
        for &a in &self.new_axes {
            shape.insert(a.min(shape.len()), 1);
        }
        shape
    }
}

/// Resolves a selection against a shape with NumPy's rules.
///
/// ```
/// use lazy_core::{resolve, AxisSel, ErrorKind, SelElem};
///
/// let r = resolve(&[5], &[SelElem::List(vec![-1, 0, 0])]).unwrap();
/// assert_eq!(r.region.axes(), &[AxisSel::List(vec![4, 0, 0])]);
///
/// let err = resolve(&[5], &[SelElem::Index(0), SelElem::Index(0)]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Index);
/// assert_eq!(err.to_string(), "index error: too many indices for array: array is 1-dimensional, but 2 were indexed");
/// ```
pub fn resolve(shape: &[usize], key: &[SelElem]) -> Result<Resolved> {
    let ndim = shape.len();
    let consumed = key.iter().filter(|e| e.consumes_axis()).count();
    if key
        .iter()
        .filter(|e| matches!(e, SelElem::Ellipsis))
        .count()
        > 1
    {
        return Err(Error::index(
            "an index can only have a single ellipsis ('...')",
        ));
    }
    if consumed > ndim {
        return Err(Error::index(format!(
            "too many indices for array: array is {ndim}-dimensional, but {consumed} were indexed"
        )));
    }
    let mut axes = Vec::with_capacity(ndim);
    let mut new_axes = Vec::new();
    let mut out_pos = 0usize;
    let mut sizes = shape.iter().copied().enumerate();
    let mut next_axis = || {
        sizes
            .next()
            .ok_or_else(|| Error::index("too many indices for array"))
    };
    for elem in key {
        match elem {
            SelElem::Ellipsis => {
                for _ in 0..ndim - consumed {
                    let (_, n) = next_axis()?;
                    axes.push(AxisSel::full(n));
                    out_pos += 1;
                }
            }
            SelElem::NewAxis => {
                new_axes.push(out_pos);
                out_pos += 1;
            }
            SelElem::Index(i) => {
                let (axis, n) = next_axis()?;
                axes.push(AxisSel::Index(normalize_index(*i, axis, n)?));
            }
            SelElem::Slice { start, stop, step } => {
                let (_, n) = next_axis()?;
                axes.push(resolve_slice(*start, *stop, *step, n)?);
                out_pos += 1;
            }
            SelElem::List(list) => {
                let (axis, n) = next_axis()?;
                let list = list
                    .iter()
                    .map(|&i| normalize_index(i, axis, n))
                    .collect::<Result<Vec<_>>>()?;
                axes.push(AxisSel::List(list));
                out_pos += 1;
            }
        }
    }
    for (_, n) in sizes {
        axes.push(AxisSel::full(n));
    }
    Ok(Resolved {
        region: Region {
            shape: shape.to_vec(),
            axes,
        },
        new_axes,
    })
}

/// A possibly negative index into an axis of length `n`, checked.
fn normalize_index(i: isize, axis: usize, n: usize) -> Result<usize> {
    let wide = i128::try_from(i).unwrap_or(i128::MIN);
    let n_wide = n as i128;
    let j = if wide < 0 { wide + n_wide } else { wide };
    if (0..n_wide).contains(&j) {
        usize::try_from(j).map_err(|_| Error::index("index overflow"))
    } else {
        Err(Error::index(format!(
            "index {i} is out of bounds for axis {axis} with size {n}"
        )))
    }
}

/// NumPy's `slice(start, stop, step).indices(n)` and the resulting length.
fn resolve_slice(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
    n: usize,
) -> Result<AxisSel> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(Error::index("slice step cannot be zero"));
    }
    let n = n as i128;
    let s = step as i128;
    // Clamp one bound as CPython's PySlice_AdjustIndices does.
    let clamp = |b: isize| {
        let mut b = b as i128;
        if b < 0 {
            b += n;
            if b < 0 {
                b = if s < 0 { -1 } else { 0 };
            }
        } else if b >= n {
            b = if s < 0 { n - 1 } else { n };
        }
        b
    };
    let (lo_default, hi_default) = if s < 0 { (n - 1, -1) } else { (0, n) };
    let begin = start.map_or(lo_default, clamp);
    let end = stop.map_or(hi_default, clamp);
    let len = if s > 0 && end > begin {
        (end - begin - 1) / s + 1
    } else if s < 0 && begin > end {
        (begin - end - 1) / (-s) + 1
    } else {
        0
    };
    let len = usize::try_from(len).map_err(|_| Error::index("slice length overflow"))?;
    let begin = if len == 0 {
        0
    } else {
        usize::try_from(begin).map_err(|_| Error::index("slice start overflow"))?
    };
    Ok(AxisSel::range(begin, step, len))
}
