//! [`resolve`]: a selection meets a shape, with NumPy's rules.
//!
//! Negative indices count from the end, slice bounds clamp, the ellipsis
//! expands, missing trailing axes are taken whole, and out-of-range integers
//! or list entries, a zero step, two ellipses or too many indices are
//! [`ErrorKind::Index`](crate::ErrorKind::Index) errors. Newaxis entries
//! become [`OutAxis::New`] output axes of the region.
//!
//! ```
//! use lazy_core::{resolve, AxisSelection, OutAxis, SelectionItem};
//!
//! // NumPy: x[np.newaxis, ..., ::2] on a 3 x 5 array
//! let r = resolve(&[3, 5], &[SelectionItem::NewAxis, SelectionItem::Ellipsis, SelectionItem::slice(None, None, Some(2))]).unwrap();
//! assert_eq!(r.axes(), &[AxisSelection::full(3), AxisSelection::range(0, 2, 3)]);
//! assert_eq!(r.out_axes(), &[OutAxis::New(1), OutAxis::Source(0), OutAxis::Source(1)]);
//! ```

use crate::alloc::large_vec;
use crate::error::{Error, Result};
use crate::region::{AxisSelection, OutAxis, Region};
use crate::selection::SelectionItem;

/// Resolves a selection against a shape with NumPy's rules (see the module docs).
///
/// ```
/// use lazy_core::{resolve, AxisSelection, ErrorKind, SelectionItem};
///
/// let r = resolve(&[5], &[SelectionItem::List(vec![-1, 0, 0])]).unwrap();
/// assert_eq!(r.axes(), &[AxisSelection::List(vec![4, 0, 0])]);
///
/// let err = resolve(&[5], &[SelectionItem::Index(0), SelectionItem::Index(0)]).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Index);
/// assert_eq!(err.to_string(), "index error: too many indices for array: array is 1-dimensional, but 2 were indexed");
/// ```
pub fn resolve(shape: &[usize], key: &[SelectionItem]) -> Result<Region> {
    resolve_with(shape, key, |_, list, axis, n| positions(list, axis, n))
}

/// [`resolve`] of a selection the caller gives away: each list's
/// allocation becomes the positions (no second list of millions is made).
pub(crate) fn resolve_owned(shape: &[usize], mut key: Vec<SelectionItem>) -> Result<Region> {
    let mut owned: Vec<Option<Vec<isize>>> = key
        .iter_mut()
        .map(|item| match item {
            SelectionItem::List(list) => Some(std::mem::take(list)),
            _ => None,
        })
        .collect();
    resolve_with(shape, &key, |k, _, axis, n| {
        match owned.get_mut(k).and_then(Option::take) {
            Some(list) => positions_owned(list, axis, n),
            None => Err(Error::internal("a list resolved twice")),
        }
    })
}

/// The positions of `list` on an axis of length `n`, checked.
fn positions(list: &[isize], axis: usize, n: usize) -> Result<Vec<usize>> {
    // Sized once: `collect` into a `Result` grows a list of millions by
    // doubling.
    let mut positions = large_vec(list.len());
    // Indices already in 0..n (the usual case: a sorted list of positions)
    // are checked in one vectorised pass and copied ([`all_in_bounds`]).
    if all_in_bounds(list, n) {
        positions.extend(list.iter().map(|&i| i as usize));
    } else {
        for &i in list {
            positions.push(normalize_index(i, axis, n)?);
        }
    }
    Ok(positions)
}

/// [`positions`] in `list`'s own allocation (`isize` and `usize` have one
/// size, so the collect below reuses it).
fn positions_owned(mut list: Vec<isize>, axis: usize, n: usize) -> Result<Vec<usize>> {
    if !all_in_bounds(&list, n) {
        for i in &mut list {
            // A normalised index is below `n`, which fits `isize`.
            *i = normalize_index(*i, axis, n)? as isize;
        }
    }
    Ok(list.into_iter().map(|i| i as usize).collect())
}

/// Whether every index of `list` is in `0..n`, in one branch-free pass: a
/// negative index wraps to at least `2^63`, past any `n` up to
/// `isize::MAX` (longer axes, which only views of computed data have, take
/// the checked path).
fn all_in_bounds(list: &[isize], n: usize) -> bool {
    n <= isize::MAX as usize && list.iter().fold(true, |ok, &i| ok & ((i as usize) < n))
}

/// [`resolve`], with each list's positions from `list_positions(k, list,
/// axis, n)` (`k` the list's place in `key`).
fn resolve_with(
    shape: &[usize],
    key: &[SelectionItem],
    mut list_positions: impl FnMut(usize, &[isize], usize, usize) -> Result<Vec<usize>>,
) -> Result<Region> {
    let ndim = shape.len();
    let consumed = key.iter().filter(|e| e.consumes_axis()).count();
    if key
        .iter()
        .filter(|e| matches!(e, SelectionItem::Ellipsis))
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
    let mut out = Vec::with_capacity(ndim);
    let mut sizes = shape.iter().copied().enumerate();
    let mut next_axis = || {
        sizes
            .next()
            .ok_or_else(|| Error::index("too many indices for array"))
    };
    let keep = |axes: &mut Vec<AxisSelection>, out: &mut Vec<OutAxis>, sel: AxisSelection| {
        out.push(OutAxis::Source(axes.len()));
        axes.push(sel);
    };
    for (k, elem) in key.iter().enumerate() {
        match elem {
            SelectionItem::Ellipsis => {
                for _ in 0..ndim - consumed {
                    let (_, n) = next_axis()?;
                    keep(&mut axes, &mut out, AxisSelection::full(n));
                }
            }
            SelectionItem::NewAxis => out.push(OutAxis::New(1)),
            SelectionItem::Index(i) => {
                let (axis, n) = next_axis()?;
                axes.push(AxisSelection::Index(normalize_index(*i, axis, n)?));
            }
            SelectionItem::Slice { start, stop, step } => {
                let (_, n) = next_axis()?;
                keep(&mut axes, &mut out, resolve_slice(*start, *stop, *step, n)?);
            }
            SelectionItem::List(list) => {
                let (axis, n) = next_axis()?;
                let list = list_positions(k, list, axis, n)?;
                keep(&mut axes, &mut out, AxisSelection::List(list));
            }
            SelectionItem::Mask(mask) => {
                let (axis, n) = next_axis()?;
                if mask.len() != n {
                    return Err(Error::index(format!(
                        "a boolean mask of length {} does not fit axis {axis} of length {n}",
                        mask.len()
                    )));
                }
                keep(
                    &mut axes,
                    &mut out,
                    AxisSelection::List(mask_positions(mask)),
                );
            }
        }
    }
    for (_, n) in sizes {
        keep(&mut axes, &mut out, AxisSelection::full(n));
    }
    Region::with_out(shape.to_vec(), axes, out)
}
/// The positions where `mask` is true, ascending. Without a branch per
/// element: each position is written at the end of the list and kept by
/// advancing the end when the mask is true (a 97% mask of 2M took 2.4 ms
/// with a filter, whose branch mispredicts at every false).
fn mask_positions(mask: &[bool]) -> Vec<usize> {
    let count = mask.iter().filter(|&&m| m).count();
    let mut list = large_vec(count + 1);
    list.resize(count + 1, 0);
    let mut end = 0;
    for (i, &m) in mask.iter().enumerate() {
        if let Some(slot) = list.get_mut(end) {
            *slot = i;
        }
        end += usize::from(m);
    }
    list.truncate(count);
    list
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
) -> Result<AxisSelection> {
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
    Ok(AxisSelection::range(begin, step, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_list_entries_of_axes_longer_than_isize_max_count_from_the_end() {
        // Axes this long exist only as views of computed data (the fuzz
        // harness's): -2^63 of 2^64 - 2 is 2^63 - 2, not 2^63.
        let n = usize::MAX - 1;
        let want = AxisSelection::List(vec![(1usize << 63) - 2, n - 1, 5]);
        let key = [SelectionItem::List(vec![isize::MIN, -1, 5])];
        assert_eq!(
            resolve(&[n], &key).unwrap().axes(),
            std::slice::from_ref(&want)
        );
        let owned = resolve_owned(&[n], key.to_vec()).unwrap();
        assert_eq!(owned.axes(), std::slice::from_ref(&want));
        // And on an ordinary axis, both paths agree with NumPy.
        let key = vec![SelectionItem::List(vec![-1, 0, 3, -4])];
        let want = [AxisSelection::List(vec![3, 0, 3, 0])];
        assert_eq!(resolve(&[4], &key).unwrap().axes(), &want);
        assert_eq!(resolve_owned(&[4], key).unwrap().axes(), &want);
        let bad = vec![SelectionItem::List(vec![0, -5])];
        assert!(resolve(&[4], &bad).is_err() && resolve_owned(&[4], bad).is_err());
    }
}
