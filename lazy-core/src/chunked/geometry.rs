//! Chunk geometry: a plan's runs cut at chunk boundaries into the parts of
//! each chunk a read or write touches, and the blocks of the buffer they
//! fill.

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};

use crate::alloc::zeroed_vec;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::plan::{Plan, RowMajor, Run};
use crate::region::{AxisSelection, Region};

/// What one axis of a plan selects inside one chunk: the positions (in the
/// chunk), in buffer order, which fill consecutive positions of the
/// buffer's axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AxisPart {
    pub(super) chunk: u64,
    pub(super) sel: AxisSelection,
    /// The number of positions (of `sel`, which [`chunk_parts`] moves out
    /// of the part when it is last used).
    pub(super) len: usize,
}

/// The runs of one axis (ascending, disjoint) cut at chunk boundaries: per
/// piece, its chunk and its positions as a selection of the chunk, in order.
fn segments(
    runs: &[Run],
    chunk_len: usize,
) -> impl Iterator<Item = Result<(u64, AxisSelection)>> + '_ {
    let len = chunk_len.max(1);
    runs.iter().flat_map(move |r| {
        let stride = r.stride.max(1);
        let mut k = 0;
        std::iter::from_fn(move || {
            if k >= r.count {
                return None;
            }
            let p = r.start + k * stride;
            let chunk = p / len;
            let end = (chunk + 1) * len;
            let k_end = ((end - r.start).div_ceil(stride)).min(r.count);
            let (start, count) = (p - chunk * len, k_end - k);
            k = k_end;
            let piece = u64::try_from(chunk)
                .map_err(|_| Error::index("chunk index overflow"))
                .and_then(|chunk| {
                    let step =
                        isize::try_from(stride).map_err(|_| Error::index("stride overflow"))?;
                    Ok((chunk, AxisSelection::range(start, step, count)))
                });
            Some(piece)
        })
    })
}

/// The runs of one axis (ascending, disjoint) cut at chunk boundaries: one
/// part per chunk touched, in buffer order.
pub(super) fn axis_parts(runs: &[Run], chunk_len: usize) -> Result<Vec<AxisPart>> {
    let mut out: Vec<AxisPart> = Vec::new();
    for piece in segments(runs, chunk_len) {
        let (chunk, sel) = piece?;
        let count = sel.count();
        match out.last_mut() {
            // Another run in the same chunk: the positions as a list,
            // extended in place (a mask has thousands of runs a chunk).
            Some(last) if last.chunk == chunk => {
                if !matches!(last.sel, AxisSelection::List(_)) {
                    last.sel = AxisSelection::List(last.sel.positions().collect());
                }
                if let (AxisSelection::List(list), AxisSelection::Range { start, step, len }) =
                    (&mut last.sel, &sel)
                {
                    // Ascending runs: the step is positive.
                    let step = step.unsigned_abs();
                    list.extend((0..*len).map(|k| start + k * step));
                }
                last.len += count;
            }
            _ => out.push(AxisPart {
                chunk,
                sel,
                len: count,
            }),
        }
    }
    Ok(out)
}

/// The chunks the runs of one axis touch, ascending: [`axis_parts`]'s
/// chunks without their positions.
pub(super) fn axis_chunks(runs: &[Run], chunk_len: usize) -> Result<Vec<u64>> {
    let mut out: Vec<u64> = Vec::new();
    for piece in segments(runs, chunk_len) {
        let (chunk, _) = piece?;
        if out.last() != Some(&chunk) {
            out.push(chunk);
        }
    }
    Ok(out)
}

/// One chunk a plan touches: its index, and the positions it holds as a
/// region of the chunk.
pub(super) struct ChunkPart {
    pub(super) index: Vec<u64>,
    pub(super) region: Region,
}

/// The chunks a plan touches, in row-major order of the buffer blocks they
/// fill (so that they match [`split_blocks`]), and the parts of each axis.
pub(super) fn chunk_parts(
    plan: &Plan,
    chunk_shape: &[usize],
    ndim: usize,
) -> Result<(Vec<Vec<AxisPart>>, Vec<ChunkPart>)> {
    let mut per_axis = (0..ndim)
        .map(|axis| axis_parts(plan.runs(axis), chunk_shape.get(axis).copied().unwrap_or(1)))
        .collect::<Result<Vec<_>>>()?;
    // Each part of an axis is in as many chunk parts as the other axes have
    // parts; the last takes its selection rather than a copy (the positions
    // of a mask in a chunk, thousands of them).
    let lens: Vec<usize> = per_axis.iter().map(Vec::len).collect();
    let total = lens.iter().fold(1usize, |a, &b| a.saturating_mul(b));
    let mut uses: Vec<Vec<usize>> = lens.iter().map(|&l| vec![total / l.max(1); l]).collect();
    let mut parts = Vec::with_capacity(total.min(1 << 16));
    for idx in RowMajor::new(lens) {
        let mut index = Vec::with_capacity(idx.len());
        let mut axes = Vec::with_capacity(idx.len());
        for ((&k, parts), uses) in idx.iter().zip(&mut per_axis).zip(&mut uses) {
            let (Some(part), Some(left)) = (parts.get_mut(k), uses.get_mut(k)) else {
                return Err(Error::internal("a chunk part outside its axis"));
            };
            index.push(part.chunk);
            *left = left.saturating_sub(1);
            axes.push(if *left == 0 {
                std::mem::replace(&mut part.sel, AxisSelection::range(0, 1, 0))
            } else {
                part.sel.clone()
            });
        }
        parts.push(ChunkPart {
            index,
            region: Region::new(chunk_shape.to_vec(), axes)?,
        });
    }
    Ok((per_axis, parts))
}

/// `buf` cut into the blocks of the chunks, in row-major order.
pub(super) fn split_blocks<'a, T>(
    buf: ArrayViewMutD<'a, T>,
    per_axis: &[Vec<AxisPart>],
    axis: usize,
    out: &mut Vec<ArrayViewMutD<'a, T>>,
) {
    let Some(parts) = per_axis.get(axis) else {
        out.push(buf);
        return;
    };
    let mut rest = buf;
    for (i, p) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            split_blocks(rest, per_axis, axis + 1, out);
            return;
        }
        let (head, tail) = rest.split_at(Axis(axis), p.len);
        split_blocks(head, per_axis, axis + 1, out);
        rest = tail;
    }
}

/// The blocks of `data` (of the buffer's shape), in row-major order.
pub(super) fn data_blocks<'a, T>(
    data: &ArrayViewD<'a, T>,
    per_axis: &[Vec<AxisPart>],
) -> Vec<ArrayViewD<'a, T>> {
    let bounds: Vec<Vec<(usize, usize)>> = per_axis
        .iter()
        .map(|parts| {
            parts
                .iter()
                .scan(0, |o, p| {
                    let at = *o;
                    *o += p.len;
                    Some((at, *o))
                })
                .collect()
        })
        .collect();
    RowMajor::new(per_axis.iter().map(Vec::len).collect())
        .map(|idx| {
            let mut v = data.clone();
            for (axis, &k) in idx.iter().enumerate() {
                let (a, b) = bounds
                    .get(axis)
                    .and_then(|b| b.get(k))
                    .copied()
                    .unwrap_or((0, 0));
                v.slice_axis_inplace(Axis(axis), Slice::from(a..b));
            }
            v
        })
        .collect()
}

/// A row-major view of `data` with `shape`.
pub(super) fn view<'a, T>(shape: &[usize], data: &'a [T]) -> Result<ArrayViewD<'a, T>> {
    ArrayViewD::from_shape(IxDyn(shape), data).map_err(|e| Error::internal(e.to_string()))
}

/// A mutable row-major view of `data` with `shape`.
pub(super) fn view_mut<'a, T>(shape: &[usize], data: &'a mut [T]) -> Result<ArrayViewMutD<'a, T>> {
    ArrayViewMutD::from_shape(IxDyn(shape), data).map_err(|e| Error::internal(e.to_string()))
}

/// The part of a chunk (of `chunk_shape`) inside an array of `shape`.
pub(super) fn in_bounds(index: &[u64], chunk_shape: &[usize], shape: &[usize]) -> Vec<usize> {
    index
        .iter()
        .zip(chunk_shape)
        .zip(shape)
        .map(|((&c, &len), &n)| {
            let origin = (c as usize).saturating_mul(len);
            n.saturating_sub(origin).min(len)
        })
        .collect()
}

/// Whether `region` selects, in order, every position of the chunk inside
/// the array.
pub(super) fn covers(region: &Region, bounds: &[usize]) -> bool {
    region
        .axes()
        .iter()
        .zip(bounds)
        .all(|(sel, &n)| *sel == AxisSelection::full(n))
}

/// The smallest box holding `region`'s positions: its start and shape.
pub(super) fn bounding_box(region: &Region) -> (Vec<usize>, Vec<usize>) {
    region
        .axes()
        .iter()
        .map(|sel| match sel.bounds() {
            Some((lo, hi)) => (lo, hi - lo + 1),
            None => (0, 0),
        })
        .unzip()
}

/// `region` as a region of its box starting at `start` with `shape`.
pub(super) fn shifted(region: &Region, start: &[usize], shape: &[usize]) -> Result<Region> {
    let axes = region
        .axes()
        .iter()
        .zip(start)
        .map(|(sel, &s)| match sel {
            AxisSelection::Index(i) => AxisSelection::Index(i - s),
            AxisSelection::Range { start, step, len } => {
                AxisSelection::range(start - s, *step, *len)
            }
            AxisSelection::List(l) => AxisSelection::List(l.iter().map(|p| p - s).collect()),
        })
        .collect();
    Region::new(shape.to_vec(), axes)
}
/// The part of chunk `index` (of `chunk_shape`) inside an array of
/// `shape`: its origin in the array and its shape, for storage that reads
/// or decodes only that part of an edge chunk. With
/// [`fill_inside`](Self::fill_inside), a buffer of the whole chunk is filled
/// from it.
///
/// ```
/// use lazy_core::backend::ChunkInside;
///
/// // Chunk [1, 2] of 4 x 4 chunks of a 6 x 10 array: rows 4..6, columns 8..10.
/// let inside = ChunkInside::new(&[1, 2], &[4, 4], &[6, 10]);
/// assert_eq!((inside.origin.as_slice(), inside.shape.as_slice()), (&[4, 8][..], &[2, 2][..]));
/// let mut chunk = [0u8; 16];
/// inside.fill_inside(&[4, 4], &mut chunk, |part| { part.copy_from_slice(&[1, 2, 3, 4]); Ok(()) })?;
/// assert_eq!(chunk[..6], [1, 2, 0, 0, 3, 4]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkInside {
    /// Where the chunk starts in the array.
    pub origin: Vec<usize>,
    /// The shape of its part inside the array.
    pub shape: Vec<usize>,
}

impl ChunkInside {
    /// The part of chunk `index` inside the array.
    pub fn new(index: &[u64], chunk_shape: &[usize], shape: &[usize]) -> Self {
        let origin: Vec<usize> = index
            .iter()
            .zip(chunk_shape)
            .map(|(&c, &len)| usize::try_from(c).unwrap_or(usize::MAX).saturating_mul(len))
            .collect();
        let shape = origin
            .iter()
            .zip(chunk_shape)
            .zip(shape)
            .map(|((&o, &len), &n)| n.saturating_sub(o).min(len))
            .collect();
        ChunkInside { origin, shape }
    }

    /// Whether the whole chunk (of `chunk_shape`) lies inside the array.
    pub fn is_whole(&self, chunk_shape: &[usize]) -> bool {
        self.shape == chunk_shape
    }

    /// Fills `out`, a row-major buffer of `chunk_shape`, with the part
    /// inside the array: `fill` fills a row-major buffer of that part's
    /// shape (straight into `out` when the chunk is whole), which is put at
    /// the start of each axis of the chunk; elements past the array's end
    /// are left as they are.
    pub fn fill_inside<T: Element>(
        &self,
        chunk_shape: &[usize],
        out: &mut [T],
        fill: impl FnOnce(&mut [T]) -> Result<()>,
    ) -> Result<()> {
        if self.is_whole(chunk_shape) {
            return fill(out);
        }
        let mut part = zeroed_vec::<T>(crate::alloc::checked_size(&self.shape)?)?;
        fill(&mut part)?;
        let part = view(&self.shape, &part)?;
        let mut whole = view_mut(chunk_shape, out)?;
        whole
            .slice_each_axis_mut(|ax| {
                Slice::from(0..self.shape.get(ax.axis.index()).copied().unwrap_or(0))
            })
            .assign(&part);
        Ok(())
    }
}

/// The row-major strides (in elements) of a chunk of `chunk_shape`.
pub(super) fn strides_of(chunk_shape: &[usize]) -> Vec<usize> {
    (0..chunk_shape.len())
        .map(|k| chunk_shape.get(k + 1..).map_or(1, |s| s.iter().product()))
        .collect()
}

/// The box `start..start + shape` of a row-major chunk as a span of its
/// elements: storage that reads (or decompresses) a chunk from its start, or
/// a run of it, reads elements [`first`](Self::first)`..=`[`last`](Self::last)
/// and sees the box in them with [`view`](Self::view).
///
/// ```
/// use lazy_core::backend::BoxSpan;
///
/// // Rows 1..3, columns 2..4 of a 4 x 5 chunk: elements 7..=13.
/// let span = BoxSpan::new(&[4, 5], &[1, 2], &[2, 2]);
/// assert_eq!((span.first, span.last, span.len()), (7, 13, 7));
/// let elems: Vec<u32> = (7..=13).collect();
/// assert_eq!(span.view(&elems)?, ndarray::array![[7, 8], [12, 13]].into_dyn());
/// # Ok::<(), lazy_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxSpan {
    /// The row-major position of the box's first element in the chunk.
    pub first: usize,
    /// The row-major position of the box's last element in the chunk.
    pub last: usize,
    shape: Vec<usize>,
    strides: Vec<usize>,
}

impl BoxSpan {
    /// The span of the box `start..start + shape` (not empty, inside the
    /// chunk) of a chunk of `chunk_shape`.
    pub fn new(chunk_shape: &[usize], start: &[usize], shape: &[usize]) -> Self {
        let strides = strides_of(chunk_shape);
        let offset = |pos: &mut dyn Iterator<Item = usize>| -> usize {
            pos.zip(&strides).map(|(p, s)| p * s).sum()
        };
        let first = offset(&mut start.iter().copied());
        let last = offset(
            &mut start
                .iter()
                .zip(shape)
                .map(|(s, n)| s + n.saturating_sub(1)),
        );
        BoxSpan {
            first,
            last,
            shape: shape.to_vec(),
            strides,
        }
    }

    /// The number of elements from the first to the last.
    pub fn len(&self) -> usize {
        self.last + 1 - self.first
    }

    /// Whether the span holds no element (never: a box is not empty).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The box, seen in `elems`: the chunk's elements from
    /// [`first`](Self::first) on (at least [`len`](Self::len) of them).
    pub fn view<'a, T>(&self, elems: &'a [T]) -> Result<ArrayViewD<'a, T>> {
        use ndarray::ShapeBuilder;
        ArrayViewD::from_shape(IxDyn(&self.shape).strides(IxDyn(&self.strides)), elems)
            .map_err(|e| Error::internal(format!("a box of a chunk: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Grouping;

    fn run(start: usize, stride: usize, count: usize) -> Run {
        Run {
            start,
            stride,
            count,
            offset: 0,
        }
    }

    fn parts(runs: &[Run], len: usize) -> Vec<(u64, AxisSelection)> {
        axis_parts(runs, len)
            .unwrap()
            .into_iter()
            .map(|p| (p.chunk, p.sel))
            .collect()
    }

    #[test]
    fn runs_are_cut_at_chunk_boundaries() {
        assert_eq!(
            parts(&[run(3, 1, 10)], 4),
            vec![
                (0, AxisSelection::range(3, 1, 1)),
                (1, AxisSelection::full(4)),
                (2, AxisSelection::full(4)),
                (3, AxisSelection::range(0, 1, 1)),
            ]
        );
        // Strided: positions 1, 6, 11, 16 in chunks of 5.
        let got = parts(&[run(1, 5, 4)], 5);
        assert_eq!(got.len(), 4);
        assert!(got
            .iter()
            .all(|(_, sel)| *sel == AxisSelection::range(1, 1, 1)));
        // A stride shorter than a chunk: 0, 3, 6, 9 in chunks of 8.
        assert_eq!(
            parts(&[run(0, 3, 4)], 8),
            vec![
                (0, AxisSelection::range(0, 3, 3)),
                (1, AxisSelection::range(1, 1, 1))
            ]
        );
        // Two runs in one chunk: their positions as a list.
        assert_eq!(
            parts(&[run(0, 1, 2), run(5, 2, 2)], 10),
            vec![(0, AxisSelection::List(vec![0, 1, 5, 7]))]
        );
    }

    #[test]
    fn one_part_per_chunk() {
        let region = Region::new(
            vec![10, 10],
            vec![
                AxisSelection::List(vec![9, 0, 1]),
                AxisSelection::range(2, 1, 6),
            ],
        )
        .unwrap();
        let plan = Plan::new(&region, |_| Grouping::Exact).unwrap();
        let (_, parts) = chunk_parts(&plan, &[5, 5], 2).unwrap();
        let chunks: Vec<Vec<u64>> = parts.iter().map(|p| p.index.clone()).collect();
        assert_eq!(chunks, vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]);
        assert_eq!(parts[0].region.axes()[0], AxisSelection::range(0, 1, 2));
        assert_eq!(
            parts[3].region.axes(),
            &[AxisSelection::range(4, 1, 1), AxisSelection::range(0, 1, 3)]
        );
    }
}
