//! Transfer planning: how a region of stored data is moved between storage
//! and memory, one planner for every backend.
//!
//! Storage reads and writes *boxes*: per axis a regular run of positions
//! (HDF5 hyperslabs: `start`, `stride`, `count`; Zarr array subsets:
//! contiguous, stride 1), and transfers them in row-major order. A region can
//! ask for more: negative steps, lists in any order with duplicates, lists on
//! several axes. The planner covers the region's positions with runs and
//! describes the region as a region of the *buffer*: the runs of every axis
//! laid side by side, which is what a transfer fills. The memory backend then
//! gathers the region from the buffer (or, for a write, scatters into it).
//!
//! The words, used the same way by every backend:
//!
//! - a [`Run`]: positions `start, start + stride, …` (`count` of them) of one
//!   axis, at `offset` in the buffer's axis;
//! - the *buffer*: per axis the runs side by side ([`Plan::shape`]);
//! - a [`Piece`]: one run per axis, one box of storage, one transfer call
//!   ([`Plan::pieces`], in row-major order);
//! - *inner region*: the region as a region of the buffer ([`Plan::inner`]);
//! - *identity*: the buffer is the region's output in its order
//!   ([`Plan::is_identity`]), so a transfer can use the caller's buffer;
//! - *complete*: every buffer element is a selected one
//!   ([`Plan::is_complete`]), so a write needs not read the buffer first.
//!
//! How positions become runs is the backend's policy ([`Grouping`]):
//!
//! - [`Grouping::Exact`]: exactly the selected positions, as maximal regular
//!   runs (HDF5 writes, and reads of regular selections);
//! - [`Grouping::Strided`]: one run, stride the gcd of the gaps, holding every
//!   selected position and maybe others (HDF5 reads of dense irregular lists:
//!   one hyperslab);
//! - [`Grouping::Spans`]: contiguous runs, split wherever neighbours are more
//!   than a gap apart (a chunk length: Zarr), so no chunk without a selected
//!   element is touched. [`Plan::limit_pieces`] doubles the gap of the axis
//!   with the most spans until the pieces are few enough.
//!
//! ```
//! use lazy_core::backend::{Grouping, Plan};
//! use lazy_core::{AxisSelection, Region};
//!
//! // A list on an axis of chunks of 10: 3 and 12 are within a chunk length, 40 is not.
//! let region = Region::new(vec![100], vec![AxisSelection::List(vec![40, 3, 12, 3])]).unwrap();
//! let plan = Plan::new(&region, |_| Grouping::Spans { gap: 10 }).unwrap();
//! assert_eq!(plan.shape(), vec![11]); // 3..=12 and 40
//! assert_eq!(plan.inner().unwrap().axes(), &[AxisSelection::List(vec![10, 0, 9, 0])]);
//! assert_eq!(plan.pieces().count(), 2);
//! assert!(!plan.is_complete() && !plan.is_identity());
//!
//! // The same list, exactly: three runs of one position each.
//! let exact = Plan::new(&region, |_| Grouping::Exact).unwrap();
//! assert_eq!(exact.shape(), vec![3]);
//! assert!(exact.is_complete());
//! ```

use crate::alloc::large_vec;
use crate::error::{Error, Result};
use crate::region::{AxisSelection, Region};

/// A regular run of positions along one axis: `start, start + stride, …`,
/// `count` of them, at `offset` in the buffer's axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Run {
    /// The first position.
    pub start: usize,
    /// The distance between positions, at least 1.
    pub stride: usize,
    /// The number of positions.
    pub count: usize,
    /// Where the run starts in the buffer's axis.
    pub offset: usize,
}

impl Run {
    /// The positions of the run, ascending.
    pub fn positions(self) -> impl Iterator<Item = usize> {
        (0..self.count).map(move |k| self.start + k * self.stride)
    }

    /// The last position of the run (its start when empty).
    pub fn last(self) -> usize {
        self.start + self.count.saturating_sub(1) * self.stride
    }

    /// The buffer position of `p`, when it is one of the run's positions.
    fn buffer_pos(self, p: usize) -> Option<usize> {
        let d = p.checked_sub(self.start)?;
        (d % self.stride == 0 && d / self.stride < self.count)
            .then(|| self.offset + d / self.stride)
    }
}

/// How the positions of one axis are grouped into runs (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// Exactly the selected positions, as maximal regular runs.
    Exact,
    /// One regular run holding every selected position: stride the gcd of
    /// their gaps.
    Strided,
    /// Contiguous runs, split where neighbours are more than `gap` apart.
    Spans {
        /// The largest distance between neighbours in one run (at least 1).
        gap: usize,
    },
}

/// How a region selects along one axis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AxisPlan {
    /// The region's selection of this axis.
    sel: AxisSelection,
    grouping: Grouping,
    /// The distinct positions, ascending, when the runs were built from them
    /// (lists, and ranges split into several runs).
    sorted: Option<Vec<usize>>,
    /// Whether the selection is a strictly ascending list, its own sorted
    /// positions (then `sorted` is `None`).
    ascending: bool,
    /// The number of distinct selected positions.
    distinct: usize,
    runs: Vec<Run>,
}

impl AxisPlan {
    fn new(sel: &AxisSelection, grouping: Grouping) -> Result<Self> {
        let mut plan = AxisPlan {
            sel: sel.clone(),
            grouping,
            sorted: None,
            ascending: false,
            distinct: sel.count(),
            runs: Vec::new(),
        };
        match sel {
            AxisSelection::Index(i) => plan.runs = vec![run(*i, 1, 1)],
            AxisSelection::Range { len: 0, .. } => {}
            AxisSelection::Range { step, len, .. } => {
                let (lo, hi) = sel.bounds().unwrap_or((0, 0));
                let stride = step.unsigned_abs();
                plan.runs = match grouping {
                    Grouping::Exact | Grouping::Strided => vec![run(lo, stride, *len)],
                    Grouping::Spans { gap } if stride <= gap.max(1) => {
                        vec![run(lo, 1, hi - lo + 1)]
                    }
                    Grouping::Spans { .. } => {
                        let sorted: Vec<usize> = (0..*len).map(|k| lo + k * stride).collect();
                        let runs = group(&sorted, grouping);
                        plan.sorted = Some(sorted);
                        runs
                    }
                };
            }
            // A strictly ascending list (a mask, a sorted list) is its own
            // sorted positions: no copy of a list of millions.
            AxisSelection::List(list) if list.windows(2).all(|w| w[0] < w[1]) => {
                plan.runs = group(list, grouping);
                plan.ascending = true;
            }
            AxisSelection::List(list) => {
                let mut sorted = list.clone();
                sorted.sort_unstable();
                sorted.dedup();
                plan.distinct = sorted.len();
                plan.runs = group(&sorted, grouping);
                plan.sorted = Some(sorted);
            }
        }
        let mut offset = 0;
        for r in &mut plan.runs {
            r.offset = offset;
            offset += r.count;
        }
        Ok(plan)
    }

    /// The length of the buffer along this axis.
    fn len(&self) -> usize {
        self.runs.iter().map(|r| r.count).sum()
    }

    /// The buffer position of source position `p`, which one of the runs holds.
    fn buffer_pos(&self, p: usize) -> Result<usize> {
        let k = self.runs.partition_point(|r| r.start <= p);
        k.checked_sub(1)
            .and_then(|k| self.runs.get(k))
            .and_then(|r| r.buffer_pos(p))
            .ok_or_else(|| outside(p))
    }

    /// The region's selection of this axis as a selection of the buffer.
    fn inner(&self) -> Result<AxisSelection> {
        match (&self.sel, self.runs.as_slice()) {
            (AxisSelection::Index(i), _) => Ok(AxisSelection::Index(self.buffer_pos(*i)?)),
            (AxisSelection::Range { start, step, len }, [r]) => {
                // Every position lies in the one run, whose stride divides the step.
                let stride = isize::try_from(r.stride)
                    .map_err(|_| Error::index("stride overflows isize"))?;
                Ok(AxisSelection::range(
                    self.buffer_pos(*start)?,
                    step / stride,
                    *len,
                ))
            }
            (AxisSelection::List(list), _) if self.is_ascending_cover(list) => {
                Ok(AxisSelection::range(0, 1, list.len()))
            }
            (sel, _) => Ok(regular(self.buffer_positions(sel.positions())?)),
        }
    }

    /// Whether `list` is strictly ascending and selects every position of
    /// the buffer: the buffer is then the list, in its order (a mask, a
    /// sorted list planned exactly).
    fn is_ascending_cover(&self, list: &[usize]) -> bool {
        list.len() == self.len() && (self.ascending || list.windows(2).all(|w| w[0] < w[1]))
    }

    /// The buffer positions of source positions `positions`, which the runs
    /// hold. Ascending positions walk the runs once; others are looked up.
    fn buffer_positions(
        &self,
        positions: impl ExactSizeIterator<Item = usize>,
    ) -> Result<Vec<usize>> {
        // A few steps forward from the last run found before a binary search:
        // linear for ascending positions, logarithmic for any others.
        const WALK: usize = 8;
        let mut at = 0;
        let mut out = large_vec(positions.len());
        for p in positions {
            let found = (at..self.runs.len().min(at + WALK))
                .take_while(|&k| self.runs.get(k).is_some_and(|r| r.start <= p))
                .last();
            let k = match found {
                Some(k) if self.runs.get(k + 1).is_none_or(|r| r.start > p) => k,
                _ => self
                    .runs
                    .partition_point(|r| r.start <= p)
                    .checked_sub(1)
                    .ok_or_else(|| outside(p))?,
            };
            at = k;
            out.push(
                self.runs
                    .get(k)
                    .and_then(|r| r.buffer_pos(p))
                    .ok_or_else(|| outside(p))?,
            );
        }
        Ok(out)
    }

    /// [`Plan::is_identity`] of one axis.
    fn is_identity(&self) -> bool {
        if let AxisSelection::List(list) = &self.sel {
            return self.is_ascending_cover(list);
        }
        match self.inner() {
            Ok(AxisSelection::Index(_)) => self.len() == 1,
            Ok(AxisSelection::Range { start, step, len }) => {
                start == 0 && (step == 1 || len <= 1) && len == self.len()
            }
            _ => false,
        }
    }

    /// The distinct positions, ascending, when the runs were built from
    /// them.
    fn sorted(&self) -> Option<&[usize]> {
        match (&self.sorted, &self.sel) {
            (Some(sorted), _) => Some(sorted),
            (None, AxisSelection::List(list)) if self.ascending => Some(list),
            _ => None,
        }
    }

    /// Re-splits a spans axis with twice the gap: fewer, longer runs.
    fn coarsen(&mut self) {
        let Grouping::Spans { gap } = self.grouping else {
            return;
        };
        let grouping = Grouping::Spans {
            gap: gap.max(1).saturating_mul(2),
        };
        let Some(runs) = self.sorted().map(|sorted| group(sorted, grouping)) else {
            return;
        };
        self.grouping = grouping;
        self.runs = runs;
        let mut offset = 0;
        for r in &mut self.runs {
            r.offset = offset;
            offset += r.count;
        }
    }
}

fn outside(p: usize) -> Error {
    Error::index(format!("position {p} is outside the planned runs"))
}

fn run(start: usize, stride: usize, count: usize) -> Run {
    Run {
        start,
        stride: stride.max(1),
        count,
        offset: 0,
    }
}

/// The greatest common divisor (`gcd(a, 0) == a`).
pub(crate) fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The least common multiple, `None` where it overflows.
pub(crate) fn lcm(a: usize, b: usize) -> Option<usize> {
    (a / gcd(a, b).max(1)).checked_mul(b)
}

/// About `target` positions in whole steps of `grid` (a chunk length):
/// the largest multiple of `grid` not above `target`, at least `grid`.
pub(crate) fn grid_multiple(target: usize, grid: usize) -> usize {
    let grid = grid.max(1);
    if grid >= target {
        grid
    } else {
        target / grid * grid
    }
}

/// Groups ascending distinct positions into runs (offsets left at 0).
fn group(sorted: &[usize], grouping: Grouping) -> Vec<Run> {
    let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    match grouping {
        Grouping::Strided => {
            let stride = sorted.windows(2).map(|w| w[1] - w[0]).fold(0, gcd).max(1);
            vec![run(first, stride, (last - first) / stride + 1)]
        }
        Grouping::Exact => {
            // Maximal regular runs, greedily: each takes the stride of its
            // first two positions.
            let mut out = Vec::new();
            let mut i = 0;
            while let Some(&start) = sorted.get(i) {
                let stride = sorted.get(i + 1).map_or(1, |&next| next - start);
                let mut count = 1;
                while sorted
                    .get(i + count)
                    .is_some_and(|&p| p == start + count * stride)
                {
                    count += 1;
                }
                out.push(run(start, stride, count));
                i += count;
            }
            out
        }
        Grouping::Spans { gap } => {
            let mut out: Vec<Run> = Vec::new();
            for &p in sorted {
                match out.last_mut() {
                    Some(r) if p - r.last() <= gap.max(1) => r.count = p - r.start + 1,
                    _ => out.push(run(p, 1, 1)),
                }
            }
            out
        }
    }
}

/// A list of buffer positions as a range when they are evenly spaced.
fn regular(list: Vec<usize>) -> AxisSelection {
    let (Some(&first), Some(&second)) = (list.first(), list.get(1)) else {
        return match list.first() {
            Some(&first) => AxisSelection::range(first, 1, 1),
            None => AxisSelection::List(list),
        };
    };
    let diff = |a: usize, b: usize| b as i128 - a as i128;
    let step = diff(first, second);
    let even = step != 0 && list.windows(2).all(|w| diff(w[0], w[1]) == step);
    match isize::try_from(step) {
        Ok(step) if even => AxisSelection::range(first, step, list.len()),
        _ => AxisSelection::List(list),
    }
}

/// One box of a transfer: one run per axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The run of each axis.
    pub runs: Vec<Run>,
}

impl Piece {
    /// The first position of each axis.
    pub fn start(&self) -> Vec<usize> {
        self.runs.iter().map(|r| r.start).collect()
    }

    /// Where the piece starts in the buffer, per axis.
    pub fn offset(&self) -> Vec<usize> {
        self.runs.iter().map(|r| r.offset).collect()
    }

    /// The number of positions of each axis.
    pub fn shape(&self) -> Vec<usize> {
        self.runs.iter().map(|r| r.count).collect()
    }
}

/// A region turned into runs of storage (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    axes: Vec<AxisPlan>,
}

impl Plan {
    /// The plan of `region`, with the grouping of each axis given by
    /// `grouping(axis)`.
    pub fn new(region: &Region, grouping: impl Fn(usize) -> Grouping) -> Result<Self> {
        Ok(Plan {
            axes: region
                .axes()
                .iter()
                .enumerate()
                .map(|(axis, sel)| AxisPlan::new(sel, grouping(axis)))
                .collect::<Result<_>>()?,
        })
    }

    /// Merges runs until there are at most `max` pieces, where the groupings
    /// allow: the [`Grouping::Spans`] axis with the most runs doubles its
    /// gap, again and again.
    pub fn limit_pieces(&mut self, max: usize) {
        while self.piece_count() > max.max(1) {
            let Some(widest) = self
                .axes
                .iter_mut()
                .filter(|a| a.runs.len() > 1 && a.sorted().is_some())
                .filter(|a| matches!(a.grouping, Grouping::Spans { .. }))
                .max_by_key(|a| a.runs.len())
            else {
                return;
            };
            widest.coarsen();
        }
    }

    /// The shape of the buffer.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(AxisPlan::len).collect()
    }

    /// The number of elements of the buffer (saturating: for comparisons).
    pub fn len(&self) -> usize {
        product(self.axes.iter().map(AxisPlan::len))
    }

    /// Whether the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.axes.iter().any(|a| a.len() == 0)
    }

    /// The number of distinct selected elements (saturating).
    pub fn selected(&self) -> usize {
        product(self.axes.iter().map(|a| a.distinct))
    }

    /// The axes the region drops (selects with an index), ascending: the
    /// buffer has length 1 there, the region's output no axis.
    pub fn dropped_axes(&self) -> impl Iterator<Item = usize> + '_ {
        self.axes
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.sel, AxisSelection::Index(_)))
            .map(|(k, _)| k)
    }

    /// The runs of `axis`, ascending (empty for an axis out of range).
    pub fn runs(&self, axis: usize) -> &[Run] {
        self.axes.get(axis).map_or(&[], |a| a.runs.as_slice())
    }

    /// The number of pieces: the product of the run counts (saturating).
    pub fn piece_count(&self) -> usize {
        product(self.axes.iter().map(|a| a.runs.len()))
    }

    /// The pieces, one per combination of one run per axis, in row-major
    /// order.
    pub fn pieces(&self) -> impl Iterator<Item = Piece> + '_ {
        let lens: Vec<usize> = self.axes.iter().map(|a| a.runs.len()).collect();
        RowMajor::new(lens).map(move |idx| Piece {
            runs: idx
                .iter()
                .zip(&self.axes)
                .filter_map(|(&k, a)| a.runs.get(k).copied())
                .collect(),
        })
    }

    /// The region as a region of the buffer.
    pub fn inner(&self) -> Result<Region> {
        let axes = self
            .axes
            .iter()
            .map(AxisPlan::inner)
            .collect::<Result<Vec<_>>>()?;
        Region::new(self.shape(), axes)
    }

    /// Whether the buffer is the region's output in its order, so a transfer
    /// can use the output (or the source of a write) directly.
    pub fn is_identity(&self) -> bool {
        self.axes.iter().all(AxisPlan::is_identity)
    }

    /// Whether every element of the buffer is selected, so a write needs
    /// not read the buffer first.
    pub fn is_complete(&self) -> bool {
        self.axes.iter().all(|a| a.distinct == a.len())
    }
}

/// Product of `n`s, saturating: sizes compared in heuristics.
fn product(n: impl Iterator<Item = usize>) -> usize {
    n.fold(1usize, usize::saturating_mul)
}

/// Every multi-index of a row-major array of shape `lens`, in order (one
/// empty index for rank 0, none when an axis is empty).
///
/// ```
/// use lazy_core::backend::RowMajor;
/// let all: Vec<Vec<usize>> = RowMajor::new(vec![2, 2]).collect();
/// assert_eq!(all, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
/// ```
#[derive(Debug, Clone)]
pub struct RowMajor {
    lens: Vec<usize>,
    next: Option<Vec<usize>>,
}

impl RowMajor {
    /// The multi-indices of shape `lens`.
    pub fn new(lens: Vec<usize>) -> Self {
        let next = (!lens.contains(&0)).then(|| vec![0; lens.len()]);
        RowMajor { lens, next }
    }
}

impl Iterator for RowMajor {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let current = self.next.take()?;
        let mut idx = current.clone();
        for axis in (0..idx.len()).rev() {
            if let (Some(k), Some(&n)) = (idx.get_mut(axis), self.lens.get(axis)) {
                *k += 1;
                if *k < n {
                    self.next = Some(idx);
                    return Some(current);
                }
                *k = 0;
            }
        }
        Some(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shape: &[usize], axes: Vec<AxisSelection>, g: Grouping) -> Plan {
        Plan::new(&Region::new(shape.to_vec(), axes).unwrap(), |_| g).unwrap()
    }

    #[test]
    fn exact_runs_split_sorted_positions() {
        let runs = group(&[0, 1, 2, 3, 10, 12, 14, 20], Grouping::Exact);
        let triples: Vec<_> = runs.iter().map(|r| (r.start, r.stride, r.count)).collect();
        assert_eq!(triples, vec![(0, 1, 4), (10, 2, 3), (20, 1, 1)]);
        assert!(group(&[], Grouping::Exact).is_empty());
    }

    #[test]
    fn ranges_and_indices_are_one_piece() {
        let p = plan(
            &[4, 10, 5],
            vec![
                AxisSelection::Index(2),
                AxisSelection::range(8, -3, 3),
                AxisSelection::range(0, 2, 3),
            ],
            Grouping::Exact,
        );
        assert_eq!(p.piece_count(), 1);
        assert_eq!(p.shape(), vec![1, 3, 3]);
        assert!(!p.is_identity() && p.is_complete());
        assert_eq!(p.inner().unwrap().axes()[1], AxisSelection::range(2, -1, 3));
        let piece = p.pieces().next().unwrap();
        assert_eq!((piece.runs[1].start, piece.runs[1].stride), (2, 3));
        // As spans of chunks of 4: the range is one span 2..=8.
        let p = plan(
            &[10],
            vec![AxisSelection::range(8, -3, 3)],
            Grouping::Spans { gap: 4 },
        );
        assert_eq!(p.shape(), vec![7]);
        assert_eq!(p.inner().unwrap().axes()[0], AxisSelection::range(6, -3, 3));
        assert!(!p.is_complete());
        let id = plan(
            &[4, 10],
            vec![AxisSelection::Index(1), AxisSelection::range(2, 1, 5)],
            Grouping::Spans { gap: 1 },
        );
        assert!(id.is_identity() && id.is_complete());
    }

    #[test]
    fn strided_covers_dense_lists() {
        let p = plan(
            &[10],
            vec![AxisSelection::List(vec![5, 1, 5, 3])],
            Grouping::Strided,
        );
        assert_eq!(p.shape(), vec![3]); // 1, 3, 5
        assert_eq!(
            p.inner().unwrap().axes()[0],
            AxisSelection::List(vec![2, 0, 2, 1])
        );
        let p = plan(
            &[10],
            vec![AxisSelection::List(vec![5, 1, 2])],
            Grouping::Strided,
        );
        assert_eq!(p.shape(), vec![5]);
        assert!(!p.is_complete());
    }

    #[test]
    fn spans_split_at_gaps_and_merge_when_too_many() {
        let p = plan(
            &[100],
            vec![AxisSelection::range(95, -30, 4)],
            Grouping::Spans { gap: 10 },
        );
        assert_eq!(p.shape(), vec![4]);
        assert_eq!(p.inner().unwrap().axes()[0], AxisSelection::range(3, -1, 4));
        let list: Vec<usize> = (0..100).map(|i| i * 37).collect();
        let mut p = plan(
            &[4000, 4000],
            vec![AxisSelection::List(list.clone()), AxisSelection::List(list)],
            Grouping::Spans { gap: 8 },
        );
        assert_eq!(p.piece_count(), 100 * 100);
        p.limit_pieces(1024);
        assert!(p.piece_count() <= 1024);
        assert_eq!(p.inner().unwrap().out_shape(), vec![100, 100]);
    }

    #[test]
    fn row_major_indices() {
        assert_eq!(
            RowMajor::new(vec![]).collect::<Vec<_>>(),
            vec![Vec::<usize>::new()]
        );
        assert_eq!(RowMajor::new(vec![3, 0]).count(), 0);
        assert_eq!(RowMajor::new(vec![2, 3, 2]).count(), 12);
    }
}
