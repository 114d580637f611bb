//! Turning a [`Region`] into HDF5 selections.
//!
//! HDF5 selects elements in the file with hyperslabs (per axis `start`,
//! `stride >= 1`, `count`) or point lists, and always transfers them in the
//! file's row-major order. A region can ask for more: negative steps, lists in
//! any order with duplicates, lists on several axes. The plan reads (or
//! writes) a *grid* that HDF5 can select, in ascending order on every axis,
//! and describes the region as a [`Region`] of that grid, which the in-memory
//! ndarray backend gathers from (or scatters into).
//!
//! Per axis the grid holds the selected positions sorted and without
//! duplicates, as ascending regular *runs*; the *cover* is the one regular run
//! (stride = gcd of the gaps) that contains them all. How a region is
//! transferred ([`Strategy`]):
//!
//! - every axis one run: one hyperslab, nothing wasted;
//! - reads whose cover is at most about twice the exact grid: the cover as one
//!   hyperslab, surplus elements dropped in memory;
//! - otherwise, when the pieces are large (at least [`MIN_PIECE`] elements on
//!   average): one hyperslab per combination of runs, each into its block of
//!   the grid;
//! - otherwise (many tiny pieces): one point selection of the whole grid.

use hdf5_metno::{Hyperslab, Selection, SliceOrIndex};
use lazy_core::{AxisSel, Error, Region, Result};
use ndarray::Array2;

/// Average elements per piece below which a point selection beats one
/// hyperslab transfer per piece.
pub(crate) const MIN_PIECE: usize = 32;

/// Extra elements a read may fetch beyond the exact grid and drop in memory.
const COVER_SLACK: usize = 4096;

/// A regular run of file positions `start, start + stride, …` (`count` of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) start: usize,
    pub(crate) stride: usize,
    pub(crate) count: usize,
}

impl Run {
    fn slice(self) -> SliceOrIndex {
        SliceOrIndex::SliceCount {
            start: self.start,
            step: self.stride.max(1),
            count: self.count,
            block: 1,
        }
    }

    /// The positions of the run, ascending.
    fn positions(self) -> impl Iterator<Item = usize> {
        (0..self.count).map(move |k| self.start + k * self.stride)
    }
}

/// How the region selects along one axis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AxisPlan {
    /// The distinct positions, ascending, as disjoint ascending runs.
    runs: Vec<Run>,
    /// The number of distinct positions: the grid's length along this axis.
    unique: usize,
    /// The region's selection as a selection of the grid axis.
    grid_sel: AxisSel,
    /// The smallest regular run holding every position.
    cover: Run,
    /// The region's selection as a selection of the cover.
    cover_sel: AxisSel,
}

impl AxisPlan {
    fn new(sel: &AxisSel) -> Result<Self> {
        Ok(match sel {
            AxisSel::Index(i) => {
                let run = Run {
                    start: *i,
                    stride: 1,
                    count: 1,
                };
                AxisPlan {
                    runs: vec![run],
                    unique: 1,
                    grid_sel: AxisSel::Index(0),
                    cover: run,
                    cover_sel: AxisSel::Index(0),
                }
            }
            AxisSel::Range { start, step, len } => {
                let stride = step.unsigned_abs();
                let (lo, grid_sel) = if *step > 0 || *len <= 1 {
                    (*start, AxisSel::full(*len))
                } else {
                    let span = len
                        .checked_sub(1)
                        .and_then(|n| n.checked_mul(stride))
                        .ok_or_else(|| Error::index("range overflows"))?;
                    let lo = start
                        .checked_sub(span)
                        .ok_or_else(|| Error::index("range reaches below position 0"))?;
                    (lo, AxisSel::range(len - 1, -1, *len))
                };
                let run = Run {
                    start: lo,
                    stride,
                    count: *len,
                };
                AxisPlan {
                    runs: vec![run],
                    unique: *len,
                    cover_sel: grid_sel.clone(),
                    grid_sel,
                    cover: run,
                }
            }
            AxisSel::List(list) => {
                let mut unique = list.clone();
                unique.sort_unstable();
                unique.dedup();
                let increasing = unique.len() == list.len() && list.windows(2).all(|w| w[0] < w[1]);
                let rank = |p: &usize| {
                    unique
                        .binary_search(p)
                        .map_err(|_| Error::index(format!("position {p} is missing from its list")))
                };
                let grid_sel = if increasing {
                    AxisSel::full(list.len())
                } else {
                    AxisSel::List(list.iter().map(rank).collect::<Result<_>>()?)
                };
                let first = unique.first().copied().unwrap_or(0);
                let last = unique.last().copied().unwrap_or(0);
                let stride = unique.windows(2).map(|w| w[1] - w[0]).fold(0, gcd).max(1);
                let cover = Run {
                    start: first,
                    stride,
                    count: if unique.is_empty() {
                        0
                    } else {
                        (last - first) / stride + 1
                    },
                };
                let cover_sel = if increasing && cover.count == list.len() {
                    AxisSel::full(cover.count)
                } else {
                    AxisSel::List(list.iter().map(|p| (p - first) / stride).collect())
                };
                AxisPlan {
                    runs: runs(&unique),
                    unique: unique.len(),
                    grid_sel,
                    cover,
                    cover_sel,
                }
            }
        })
    }

    /// The distinct positions, ascending.
    fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.runs.iter().flat_map(|r| r.positions())
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Splits ascending distinct positions into maximal regular runs, greedily.
fn runs(sorted: &[usize]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&start) = sorted.get(i) {
        let stride = match sorted.get(i + 1) {
            Some(&next) => next - start,
            None => 1,
        };
        let mut count = 1;
        while sorted
            .get(i + count)
            .is_some_and(|&p| p == start + count * stride)
        {
            count += 1;
        }
        out.push(Run {
            start,
            stride,
            count,
        });
        i += count;
    }
    out
}

/// How a plan moves data between the file and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// One hyperslab: the grid itself.
    Single,
    /// One hyperslab covering the grid with surplus elements (reads only).
    Cover,
    /// One hyperslab per combination of runs, each into its block of the grid.
    Pieces,
    /// One point selection of every grid element.
    Points,
}

/// A region turned into HDF5 selections (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    axes: Vec<AxisPlan>,
}

/// Product of `n`s, saturating: sizes compared in heuristics only.
fn product(n: impl Iterator<Item = usize>) -> usize {
    n.fold(1usize, usize::saturating_mul)
}

impl Plan {
    /// The plan of a region; the region must select at least one element.
    pub(crate) fn new(region: &Region) -> Result<Self> {
        Ok(Plan {
            axes: region
                .axes()
                .iter()
                .map(AxisPlan::new)
                .collect::<Result<_>>()?,
        })
    }

    /// The shape of the exact grid: the distinct positions per axis.
    pub(crate) fn grid_shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.unique).collect()
    }

    /// The shape of the cover.
    pub(crate) fn cover_shape(&self) -> Vec<usize> {
        self.axes.iter().map(|a| a.cover.count).collect()
    }

    /// How to read this plan.
    pub(crate) fn read_strategy(&self) -> Strategy {
        if self.axes.iter().all(|a| a.runs.len() == 1) {
            return Strategy::Single;
        }
        let exact = product(self.axes.iter().map(|a| a.unique));
        let cover = product(self.axes.iter().map(|a| a.cover.count));
        if cover <= exact.saturating_mul(2).saturating_add(COVER_SLACK) {
            Strategy::Cover
        } else {
            self.write_strategy()
        }
    }

    /// How to write this plan (never [`Strategy::Cover`], which would
    /// overwrite elements outside the region).
    pub(crate) fn write_strategy(&self) -> Strategy {
        let pieces = product(self.axes.iter().map(|a| a.runs.len()));
        if pieces == 1 {
            Strategy::Single
        } else if product(self.axes.iter().map(|a| a.unique)) / pieces >= MIN_PIECE {
            Strategy::Pieces
        } else {
            Strategy::Points
        }
    }

    /// The region as a region of the grid (`cover == false`) or the cover.
    pub(crate) fn inner_region(&self, cover: bool) -> Result<Region> {
        let (shape, axes) = self
            .axes
            .iter()
            .map(|a| {
                if cover {
                    (a.cover.count, a.cover_sel.clone())
                } else {
                    (a.unique, a.grid_sel.clone())
                }
            })
            .unzip();
        Region::new(shape, axes)
    }

    /// Whether the grid (or cover) holds exactly the region's output in
    /// row-major order, so a transfer can use the output buffer directly.
    pub(crate) fn is_identity(&self, cover: bool) -> bool {
        self.axes.iter().all(|a| {
            let (n, sel) = if cover {
                (a.cover.count, &a.cover_sel)
            } else {
                (a.unique, &a.grid_sel)
            };
            match sel {
                AxisSel::Index(_) => true,
                AxisSel::Range { start, step, len } => *len == n && (*start == 0 && *step == 1),
                AxisSel::List(_) => false,
            }
        })
    }

    /// The single hyperslab of a [`Strategy::Single`] plan.
    pub(crate) fn single(&self) -> Selection {
        Hyperslab::from(
            self.axes
                .iter()
                .map(|a| {
                    a.runs.first().copied().unwrap_or(Run {
                        start: 0,
                        stride: 1,
                        count: 0,
                    })
                })
                .map(Run::slice)
                .collect::<Vec<_>>(),
        )
        .into()
    }

    /// The covering hyperslab.
    pub(crate) fn cover(&self) -> Selection {
        Hyperslab::from(
            self.axes
                .iter()
                .map(|a| a.cover.slice())
                .collect::<Vec<_>>(),
        )
        .into()
    }

    /// Every grid element as a point, in row-major order of the grid.
    pub(crate) fn points(&self) -> Result<Selection> {
        let ndim = self.axes.len();
        let n = lazy_core::checked_size(&self.grid_shape())?;
        let per_axis: Vec<Vec<usize>> = self.axes.iter().map(|a| a.positions().collect()).collect();
        let mut coords = Vec::new();
        n.checked_mul(ndim)
            .and_then(|len| coords.try_reserve_exact(len).ok())
            .ok_or_else(|| {
                lazy_core::Error::shape(format!("cannot hold the coordinates of {n} points"))
            })?;
        let mut idx = vec![0usize; ndim];
        for _ in 0..n {
            for (axis, &k) in idx.iter().enumerate() {
                coords.push(
                    per_axis
                        .get(axis)
                        .and_then(|p| p.get(k))
                        .copied()
                        .unwrap_or(0),
                );
            }
            odometer(&mut idx, |axis| per_axis.get(axis).map_or(0, Vec::len));
        }
        let coords = Array2::from_shape_vec((n, ndim), coords)
            .map_err(|e| Error::backend("cannot build a point selection", e))?;
        Ok(Selection::Points(coords))
    }

    /// One (file hyperslab, grid hyperslab) pair per combination of runs:
    /// the pieces of a [`Strategy::Pieces`] transfer.
    pub(crate) fn pieces(&self) -> Vec<(Selection, Selection)> {
        let ndim = self.axes.len();
        // Offsets of each run within its grid axis.
        let offsets: Vec<Vec<usize>> = self
            .axes
            .iter()
            .map(|a| {
                a.runs
                    .iter()
                    .scan(0, |off, r| {
                        let o = *off;
                        *off += r.count;
                        Some(o)
                    })
                    .collect()
            })
            .collect();
        let total = product(self.axes.iter().map(|a| a.runs.len()));
        let mut out = Vec::with_capacity(total);
        let mut idx = vec![0usize; ndim];
        for _ in 0..total {
            let mut file = Vec::with_capacity(ndim);
            let mut mem = Vec::with_capacity(ndim);
            for (axis, &k) in idx.iter().enumerate() {
                let (Some(run), Some(&off)) = (
                    self.axes.get(axis).and_then(|a| a.runs.get(k)),
                    offsets.get(axis).and_then(|o| o.get(k)),
                ) else {
                    continue;
                };
                file.push(run.slice());
                mem.push(
                    Run {
                        start: off,
                        stride: 1,
                        count: run.count,
                    }
                    .slice(),
                );
            }
            out.push((Hyperslab::from(file).into(), Hyperslab::from(mem).into()));
            odometer(&mut idx, |axis| {
                self.axes.get(axis).map_or(0, |a| a.runs.len())
            });
        }
        out
    }
}

/// Advances a row-major multi-index whose axis `i` has length `len(i)`.
fn odometer(idx: &mut [usize], len: impl Fn(usize) -> usize) {
    for axis in (0..idx.len()).rev() {
        if let Some(k) = idx.get_mut(axis) {
            *k += 1;
            if *k < len(axis) {
                return;
            }
            *k = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shape: &[usize], axes: Vec<AxisSel>) -> Plan {
        Plan::new(&Region::new(shape.to_vec(), axes).unwrap()).unwrap()
    }

    #[test]
    fn runs_split_sorted_positions() {
        let r = runs(&[0, 1, 2, 3, 10, 12, 14, 20]);
        assert_eq!(
            r,
            vec![
                Run {
                    start: 0,
                    stride: 1,
                    count: 4
                },
                Run {
                    start: 10,
                    stride: 2,
                    count: 3
                },
                Run {
                    start: 20,
                    stride: 1,
                    count: 1
                },
            ]
        );
        assert!(runs(&[]).is_empty());
    }

    #[test]
    fn ranges_and_indices_are_single_hyperslabs() {
        let p = plan(
            &[4, 10, 5],
            vec![
                AxisSel::Index(2),
                AxisSel::range(8, -3, 3),
                AxisSel::range(0, 2, 3),
            ],
        );
        assert_eq!(p.read_strategy(), Strategy::Single);
        assert_eq!(p.grid_shape(), vec![1, 3, 3]);
        assert!(!p.is_identity(false));
        let inner = p.inner_region(false).unwrap();
        assert_eq!(inner.axes()[1], AxisSel::range(2, -1, 3));
        let Selection::Hyperslab(h) = p.single() else {
            panic!("expected a hyperslab");
        };
        assert_eq!(
            h[1],
            SliceOrIndex::SliceCount {
                start: 2,
                step: 3,
                count: 3,
                block: 1
            }
        );
    }

    #[test]
    fn lists_use_cover_pieces_or_points() {
        // Unsorted with a duplicate, dense: the cover.
        let p = plan(&[10], vec![AxisSel::List(vec![5, 1, 5, 2])]);
        assert_eq!(p.read_strategy(), Strategy::Cover);
        assert_eq!(p.cover_shape(), vec![5]);
        assert_eq!(
            p.inner_region(true).unwrap().axes()[0],
            AxisSel::List(vec![4, 0, 4, 1])
        );
        assert_eq!(p.write_strategy(), Strategy::Points);
        assert_eq!(
            p.inner_region(false).unwrap().axes()[0],
            AxisSel::List(vec![2, 0, 2, 1])
        );
        // Regular once sorted: one hyperslab, reordered in memory.
        let p = plan(&[10], vec![AxisSel::List(vec![5, 1, 3])]);
        assert_eq!(p.read_strategy(), Strategy::Single);
        assert!(!p.is_identity(false));
        // Sparse and irregular on a long axis: points.
        let p = plan(&[1_000_000], vec![AxisSel::List(vec![999_999, 0, 7])]);
        assert_eq!(p.read_strategy(), Strategy::Points);
        let Selection::Points(pts) = p.points().unwrap() else {
            panic!("expected points");
        };
        assert_eq!(pts.column(0).to_vec(), vec![0, 7, 999_999]);
        // Large pieces: one hyperslab each.
        let p = plan(
            &[100_000, 64],
            vec![AxisSel::List(vec![90_000, 3, 50_000]), AxisSel::full(64)],
        );
        assert_eq!(p.read_strategy(), Strategy::Pieces);
        assert_eq!(p.pieces().len(), 2); // {3, 50000} and {90000}
    }
}
