//! Arrays zarrs reads and writes as array subsets: chunk grids other than
//! regular ones (rectilinear), which lazy-core's chunk engine does not
//! cover, and the zarrs decoding that the chunk engine's adaptor falls back
//! to for codec chains lazy-zarr does not decode itself (sharding, other
//! compressors, big-endian data, checksums, transposes).
//!
//! A read turns its region into a few boxes, planned by lazy-core's
//! planner with Zarr's policy (per axis, an index or a range whose step is
//! at most the chunk length is one span; longer steps and lists are split
//! wherever neighbours are more than a chunk length apart, so that no chunk
//! without a selected element is decoded), decodes them side by side into
//! one buffer, and gathers the region from it. A write computes the final
//! values of the same boxes (what is stored, read first unless the region
//! covers the boxes, with the new values scattered in) and stores each box:
//! atomic writes, but no chunk locks for concurrent writers of one chunk.

use lazy_core::backend::{fill_contiguous, with_bytes, Grouping, Piece, Plan};
use lazy_core::{Error, Mode, Rank, Region, Result, Writable};
use ndarray::{ArrayViewD, ArrayViewMutD, SliceInfoElem};
use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::{ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArraySubset};

use crate::dataset::ZarrDataset;
use crate::element::ZarrElement;

/// The most pieces (one zarrs call each) a transfer is split into.
const MAX_PIECES: usize = 1024;

/// A zarrs subset from starts and lengths.
fn subset(start: &[usize], shape: &[usize]) -> Result<ArraySubset> {
    let wide = |v: &[usize]| v.iter().map(|&n| n as u64).collect::<Vec<u64>>();
    ArraySubset::new_with_start_shape(wide(start), wide(shape))
        .map_err(|e| Error::backend(format!("invalid array subset: {e}"), e))
}

/// The block of `piece` in the buffer, as ndarray slice arguments.
fn block(piece: &Piece) -> Vec<SliceInfoElem> {
    piece
        .runs
        .iter()
        .map(|r| SliceInfoElem::Slice {
            start: r.offset as isize,
            end: Some((r.offset + r.count) as isize),
            step: 1,
        })
        .collect()
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// The plan of a region: contiguous spans split at gaps longer than a
    /// chunk, so no chunk without a selected element is decoded, in at most
    /// [`MAX_PIECES`] zarrs array subsets.
    pub(crate) fn subset_plan(&self, region: &Region) -> Result<Plan> {
        let mut plan = Plan::new(region, |axis| Grouping::Spans {
            gap: self.grain.get(axis).copied().unwrap_or(1),
        })?;
        plan.limit_pieces(MAX_PIECES);
        Ok(plan)
    }

    /// Fills `buf`, a buffer of the plan's shape, from the store as array
    /// subsets.
    pub(crate) fn fetch(&self, plan: &Plan, buf: ArrayViewMutD<'_, T>) -> Result<()> {
        fill_contiguous(buf, |slice| self.fetch_subsets(plan, slice))
    }

    /// Fills `buf`, a row-major buffer of the plan's shape, one zarrs array
    /// subset per piece.
    fn fetch_subsets(&self, plan: &Plan, buf: &mut [T]) -> Result<()> {
        let shape = plan.shape();
        let pieces: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> = plan
            .pieces()
            .map(|p| (p.start(), p.offset(), p.shape()))
            .collect();
        self.decode_into(&shape, buf, &pieces)
    }

    /// Decodes `(start, offset, shape)` boxes of the array into their blocks
    /// at `offset` of `buf`, a row-major buffer of `buf_shape`.
    pub(crate) fn decode_into(
        &self,
        buf_shape: &[usize],
        buf: &mut [T],
        boxes: &[(Vec<usize>, Vec<usize>, Vec<usize>)],
    ) -> Result<()> {
        with_bytes(buf, |bytes| self.decode_bytes(buf_shape, bytes, boxes))
    }

    /// [`decode_into`](Self::decode_into) on the bytes of the buffer.
    fn decode_bytes(
        &self,
        buf_shape: &[usize],
        buf: &mut [u8],
        boxes: &[(Vec<usize>, Vec<usize>, Vec<usize>)],
    ) -> Result<()> {
        let elem = T::DTYPE.size();
        let shape: Vec<u64> = buf_shape.iter().map(|&n| n as u64).collect();
        for (start, offset, count) in boxes {
            let file = subset(start, count)?;
            let block = subset(offset, count)?;
            let cells = UnsafeCellSlice::new(&mut *buf);
            // SAFETY: this view is the only one on `buf` while it lives (the
            // boxes are decoded one after another), so it overlaps no other.
            let mut view = unsafe { ArrayBytesFixedDisjointView::new(cells, elem, &shape, block) }
                .map_err(|e| self.err("read from", e))?;
            self.array
                .retrieve_array_subset_into(&file, ArrayBytesDecodeIntoTarget::Fixed(&mut view))
                .map_err(|e| self.err("read from", e))?;
        }
        Ok(())
    }
}

impl<T: ZarrElement, R: Rank, M: Writable> ZarrDataset<T, R, M> {
    /// Stores `data`, a buffer of the plan's shape in any memory layout, one
    /// array subset per piece (arrays whose grid is not regular).
    pub(crate) fn encode(&self, plan: &Plan, data: ArrayViewD<'_, T>) -> Result<()> {
        for piece in plan.pieces() {
            let file = subset(&piece.start(), &piece.shape())?;
            let part = data.slice(block(&piece).as_slice());
            let part = part.as_standard_layout();
            let values = part
                .as_slice()
                .ok_or_else(|| Error::internal("a standard-layout array is not contiguous"))?;
            self.array
                .store_array_subset(&file, values)
                .map_err(|e| self.err("write to", e))?;
            self.cache.remove_array(&self.key);
        }
        Ok(())
    }
}
