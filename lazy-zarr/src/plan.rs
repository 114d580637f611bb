//! Turning a [`Region`] into contiguous Zarr subsets.
//!
//! zarrs reads and writes *array subsets*: boxes, contiguous along every
//! axis, whose chunks it decodes (or encodes) in parallel. A region can ask
//! for more: steps, negative steps, lists in any order with duplicates, lists
//! on several axes. The plan covers the region's positions with boxes and
//! describes the region as a [`Region`] of the *cover*, the boxes laid side
//! by side, which the in-memory ndarray backend gathers from (or scatters
//! into).
//!
//! Per axis the selected positions are split into *spans*: contiguous runs
//! `start..start + len` that together hold every selected position. An
//! index, or a range whose step is at most the chunk length, is one span
//! from its lowest to its highest position. Other ranges and lists are
//! sorted, deduplicated and split wherever two neighbours are more than a
//! chunk length apart: a span then never reaches over a chunk that holds no
//! selected position, so no chunk is decoded that the region does not touch,
//! and each touched chunk is decoded once per span combination that crosses
//! it. The pieces of a transfer are the combinations of one span per axis;
//! when there would be more than [`MAX_PIECES`], the axis with the most
//! spans is re-split with twice the gap until there are not.

use lazy_core::{AxisSel, Error, Region, Result};

/// The most pieces (one zarrs call each) a transfer is split into.
pub(crate) const MAX_PIECES: usize = 1024;

/// A contiguous run of positions `start..start + len` along one axis, at
/// `offset` in the cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) offset: usize,
}

/// How the region selects along one axis.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AxisPlan {
    /// The region's selection of this axis.
    sel: AxisSel,
    /// The distinct positions, ascending, for axes split by gaps; `None` for
    /// an axis that is one span from its lowest to its highest position.
    sorted: Option<Vec<usize>>,
    /// The largest distance between neighbouring positions of one span.
    gap: usize,
    spans: Vec<Span>,
}

impl AxisPlan {
    fn new(sel: &AxisSel, grain: usize) -> Result<Self> {
        let grain = grain.max(1);
        let (lo, len, sorted) = match sel {
            AxisSel::Index(i) => (*i, 1, None),
            AxisSel::Range { start, step, len } => {
                let stride = step.unsigned_abs();
                let span = len
                    .saturating_sub(1)
                    .checked_mul(stride)
                    .ok_or_else(|| Error::index("range overflows"))?;
                let lo = if *step > 0 {
                    *start
                } else {
                    start
                        .checked_sub(span)
                        .ok_or_else(|| Error::index("range reaches below position 0"))?
                };
                if stride <= grain || *len <= 1 {
                    (lo, span + 1, None)
                } else {
                    let sorted = (0..*len).map(|k| lo + k * stride).collect();
                    (lo, 0, Some(sorted))
                }
            }
            AxisSel::List(list) => {
                let mut sorted = list.clone();
                sorted.sort_unstable();
                sorted.dedup();
                (0, 0, Some(sorted))
            }
        };
        let spans = match &sorted {
            None => vec![Span {
                start: lo,
                len,
                offset: 0,
            }],
            Some(sorted) => spans(sorted, grain),
        };
        Ok(AxisPlan {
            sel: sel.clone(),
            sorted,
            gap: grain,
            spans,
        })
    }

    /// Re-splits a gap-split axis with twice the gap (fewer, longer spans).
    fn coarsen(&mut self) {
        if let Some(sorted) = &self.sorted {
            self.gap = self.gap.saturating_mul(2);
            self.spans = spans(sorted, self.gap);
        }
    }

    /// The length of the cover along this axis.
    fn cover_len(&self) -> usize {
        self.spans.iter().map(|s| s.len).sum()
    }

    /// The cover position of file position `p`, which lies in a span.
    fn cover_pos(&self, p: usize) -> Result<usize> {
        let k = self.spans.partition_point(|s| s.start <= p);
        k.checked_sub(1)
            .and_then(|k| self.spans.get(k))
            .filter(|s| p - s.start < s.len)
            .map(|s| s.offset + (p - s.start))
            .ok_or_else(|| Error::index(format!("position {p} is outside the planned spans")))
    }

    /// The region's selection of this axis as a selection of the cover.
    fn cover_sel(&self) -> Result<AxisSel> {
        match (&self.sel, &self.sorted) {
            (AxisSel::Index(i), _) => Ok(AxisSel::Index(self.cover_pos(*i)?)),
            (AxisSel::Range { start, step, len }, None) => {
                Ok(AxisSel::range(self.cover_pos(*start)?, *step, *len))
            }
            (sel, _) => {
                let list = sel
                    .positions()
                    .map(|p| self.cover_pos(p))
                    .collect::<Result<Vec<_>>>()?;
                Ok(regular(list))
            }
        }
    }

    /// Whether every position of the cover is selected, so that a write
    /// needs not read the cover first.
    fn complete(&self) -> bool {
        match (&self.sel, &self.sorted) {
            (_, Some(sorted)) => sorted.len() == self.cover_len(),
            (AxisSel::Range { step, len, .. }, None) => *len <= 1 || step.unsigned_abs() == 1,
            (_, None) => true,
        }
    }
}

/// Splits ascending distinct positions into spans wherever neighbours are
/// more than `gap` apart.
fn spans(sorted: &[usize], gap: usize) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for &p in sorted {
        match out.last_mut() {
            Some(s) if p - (s.start + s.len - 1) <= gap => s.len = p - s.start + 1,
            _ => out.push(Span {
                start: p,
                len: 1,
                offset: 0,
            }),
        }
    }
    let mut offset = 0;
    for s in &mut out {
        s.offset = offset;
        offset += s.len;
    }
    out
}

/// A list as a range when its positions are evenly spaced.
fn regular(list: Vec<usize>) -> AxisSel {
    let (Some(&first), Some(&second)) = (list.first(), list.get(1)) else {
        return match list.first() {
            Some(&first) => AxisSel::range(first, 1, 1),
            None => AxisSel::List(list),
        };
    };
    let step = second as isize - first as isize;
    let even = step != 0
        && list
            .windows(2)
            .all(|w| w[1] as isize - w[0] as isize == step);
    if even {
        AxisSel::range(first, step, list.len())
    } else {
        AxisSel::List(list)
    }
}

/// One box of a transfer: where it is in the array and in the cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// First array position per axis.
    pub(crate) start: Vec<u64>,
    /// First cover position per axis.
    pub(crate) offset: Vec<u64>,
    /// Length per axis.
    pub(crate) shape: Vec<u64>,
}

/// A region turned into boxes of the array (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    axes: Vec<AxisPlan>,
}

impl Plan {
    /// The plan of `region`, which selects at least one element, on an
    /// array whose chunks have length `grain[axis]` along each axis.
    pub(crate) fn new(region: &Region, grain: &[usize]) -> Result<Self> {
        let mut axes = region
            .axes()
            .iter()
            .enumerate()
            .map(|(axis, sel)| AxisPlan::new(sel, grain.get(axis).copied().unwrap_or(1)))
            .collect::<Result<Vec<_>>>()?;
        while pieces_of(&axes) > MAX_PIECES {
            let Some(widest) = axes
                .iter_mut()
                .filter(|a| a.spans.len() > 1)
                .max_by_key(|a| a.spans.len())
            else {
                break;
            };
            widest.coarsen();
        }
        Ok(Plan { axes })
    }

    /// The shape of the cover.
    pub(crate) fn cover_shape(&self) -> Vec<usize> {
        self.axes.iter().map(AxisPlan::cover_len).collect()
    }

    /// The region as a region of the cover.
    pub(crate) fn cover_region(&self) -> Result<Region> {
        let axes = self
            .axes
            .iter()
            .map(AxisPlan::cover_sel)
            .collect::<Result<Vec<_>>>()?;
        Region::new(self.cover_shape(), axes)
    }

    /// Whether the cover holds exactly the region's output, in its order.
    pub(crate) fn is_identity(&self, cover_region: &Region) -> bool {
        cover_region
            .axes()
            .iter()
            .zip(cover_region.shape())
            .all(|(sel, &n)| match sel {
                AxisSel::Index(_) => true,
                AxisSel::Range { start, step, len } => *start == 0 && *step == 1 && *len == n,
                AxisSel::List(_) => false,
            })
    }

    /// Whether the region selects every element of the cover.
    pub(crate) fn is_complete(&self) -> bool {
        self.axes.iter().all(AxisPlan::complete)
    }

    /// The boxes of the transfer, one per combination of spans.
    pub(crate) fn pieces(&self) -> Vec<Piece> {
        let total = pieces_of(&self.axes);
        let mut out = Vec::with_capacity(total);
        let mut idx = vec![0usize; self.axes.len()];
        for _ in 0..total {
            let spans = idx
                .iter()
                .zip(&self.axes)
                .filter_map(|(&k, a)| a.spans.get(k));
            let mut piece = Piece {
                start: Vec::with_capacity(idx.len()),
                offset: Vec::with_capacity(idx.len()),
                shape: Vec::with_capacity(idx.len()),
            };
            for s in spans {
                piece.start.push(s.start as u64);
                piece.offset.push(s.offset as u64);
                piece.shape.push(s.len as u64);
            }
            out.push(piece);
            // Advance the row-major multi-index over the spans.
            for (k, a) in idx.iter_mut().zip(&self.axes).rev() {
                *k += 1;
                if *k < a.spans.len() {
                    break;
                }
                *k = 0;
            }
        }
        out
    }
}

/// The number of pieces: the product of the span counts, saturating.
fn pieces_of(axes: &[AxisPlan]) -> usize {
    axes.iter()
        .map(|a| a.spans.len())
        .fold(1usize, usize::saturating_mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shape: &[usize], axes: Vec<AxisSel>, grain: &[usize]) -> Plan {
        Plan::new(&Region::new(shape.to_vec(), axes).unwrap(), grain).unwrap()
    }

    #[test]
    fn boxes_are_one_piece() {
        let p = plan(
            &[4, 10, 5],
            vec![
                AxisSel::Index(2),
                AxisSel::range(8, -3, 3),
                AxisSel::range(1, 1, 3),
            ],
            &[2, 4, 5],
        );
        assert_eq!(
            p.pieces(),
            vec![Piece {
                start: vec![2, 2, 1],
                offset: vec![0, 0, 0],
                shape: vec![1, 7, 3],
            }]
        );
        let cover = p.cover_region().unwrap();
        assert_eq!(cover.axes()[1], AxisSel::range(6, -3, 3));
        assert!(!p.is_identity(&cover));
        assert!(!p.is_complete());
        let q = plan(
            &[4, 10],
            vec![AxisSel::Index(1), AxisSel::range(2, 1, 5)],
            &[1, 1],
        );
        assert!(q.is_identity(&q.cover_region().unwrap()) && q.is_complete());
    }

    #[test]
    fn lists_split_at_gaps_wider_than_a_chunk() {
        // Chunks of 10: 3 and 12 are within a chunk length, 40 is not.
        let p = plan(&[100], vec![AxisSel::List(vec![40, 3, 12, 3])], &[10]);
        assert_eq!(p.cover_shape(), vec![11]);
        assert_eq!(
            p.cover_region().unwrap().axes()[0],
            AxisSel::List(vec![10, 0, 9, 0])
        );
        assert_eq!(p.pieces().len(), 2);
        assert!(!p.is_complete());
        // A permutation is complete: no read before a write.
        let p = plan(&[100], vec![AxisSel::List(vec![2, 0, 1])], &[10]);
        assert!(p.is_complete());
        // A range with a step longer than a chunk: one span per position.
        let p = plan(&[100], vec![AxisSel::range(95, -30, 4)], &[10]);
        assert_eq!(p.cover_shape(), vec![4]);
        assert_eq!(
            p.cover_region().unwrap().axes()[0],
            AxisSel::range(3, -1, 4)
        );
    }

    #[test]
    fn many_pieces_are_merged() {
        let list: Vec<usize> = (0..100).map(|i| i * 37).collect();
        let p = plan(
            &[4000, 4000],
            vec![AxisSel::List(list.clone()), AxisSel::List(list)],
            &[8, 8],
        );
        assert!(p.pieces().len() <= MAX_PIECES);
        let cover = p.cover_region().unwrap();
        assert_eq!(cover.out_shape(), vec![100, 100]);
    }
}
