//! Reads and writes through libhdf5: the HDF5 policy of the core planner
//! (which [`Plan`] a region is read and written with, and how its pieces
//! become HDF5 selections) and the transfers. Writes always come here; reads
//! where lazy-hdf5's own reader does not apply (filters it cannot decode,
//! compact and virtual layouts, other file drivers) or
//! [`via_libhdf5`](crate::H5Dataset::via_libhdf5) asks.
//!
//! HDF5 selects elements in the file with hyperslabs (per axis `start`,
//! `stride >= 1`, `count`) or point lists, and transfers them in the file's
//! row-major order. Per axis the exact plan holds the selected positions
//! sorted and without duplicates, as maximal regular runs; the strided plan
//! is one run (stride the gcd of the gaps) holding them all. A region is
//! transferred:
//!
//! - when every axis is one run: as one hyperslab, nothing wasted;
//! - reads whose strided plan is at most about twice the exact one: as that
//!   one hyperslab, surplus elements dropped in memory;
//! - otherwise, when the pieces are large (at least [`MIN_PIECE`] elements
//!   on average): one hyperslab per piece, each into its block of the buffer;
//! - otherwise (many tiny pieces): one point selection of the whole buffer.
//!
//! Writes use the exact plan only, which touches no element outside the
//! region.

use hdf5_metno::{Hyperslab, Selection, SliceOrIndex};
use lazy_core::backend::{
    checked_size, fill_contiguous, read_via, write_via, Grouping, Plan, RowMajor, Run,
};
use lazy_core::{CheckedRegion, Error, Mode, Rank, Region, Result, Writable};
use ndarray::{Array2, ArrayViewD, ArrayViewMutD, Axis};

use crate::dataset::H5Dataset;
use crate::element::H5Element;
use crate::io;

/// The largest piece of a strided output read through one contiguous buffer:
/// 128 Ki elements (1 MiB of `f64`), so that it stays in cache between the
/// read and the copy. HDF5 scatters into a strided memory selection one
/// short sequence at a time, which measured up to 25 times slower than a
/// contiguous read followed by a copy in memory (a column of a stack: 36 ms
/// against 4 ms for 3 x 1M f64), so HDF5 only ever reads into contiguous
/// buffers.
const STRIDED_PIECE: usize = 1 << 17;

/// Average elements per piece below which a point selection beats one
/// hyperslab transfer per piece.
pub(crate) const MIN_PIECE: usize = 32;

/// Extra elements a read may fetch beyond the exact plan and drop in memory.
const STRIDED_SLACK: usize = 4096;

/// The plan a region is read with (see the module docs).
pub(crate) fn read_plan(region: &Region) -> Result<Plan> {
    let exact = Plan::new(region, |_| Grouping::Exact)?;
    if exact.piece_count() == 1 {
        return Ok(exact);
    }
    let strided = Plan::new(region, |_| Grouping::Strided)?;
    if strided.len() <= exact.len().saturating_mul(2).saturating_add(STRIDED_SLACK) {
        Ok(strided)
    } else {
        Ok(exact)
    }
}

/// The plan a region is written with.
pub(crate) fn write_plan(region: &Region) -> Result<Plan> {
    Plan::new(region, |_| Grouping::Exact)
}

/// How a plan's buffer moves between the file and memory.
pub(crate) enum Transfer {
    /// One file selection, the whole buffer in memory.
    One(Selection),
    /// One hyperslab per piece: (file, memory) selections, the memory one in
    /// a buffer of the plan's shape.
    Pieces(Vec<(Selection, Selection)>),
}

/// The transfer of `plan`'s buffer (see the module docs).
pub(crate) fn transfer(plan: &Plan) -> Result<Transfer> {
    let pieces = plan.piece_count();
    if pieces == 1 {
        let piece = plan
            .pieces()
            .next()
            .ok_or_else(|| Error::internal("a plan of one piece has none"))?;
        return Ok(Transfer::One(hyperslab(&piece.runs, false)));
    }
    if plan.len() / pieces >= MIN_PIECE {
        return Ok(Transfer::Pieces(
            plan.pieces()
                .map(|p| (hyperslab(&p.runs, false), hyperslab(&p.runs, true)))
                .collect(),
        ));
    }
    points(plan).map(Transfer::One)
}

/// The hyperslab of runs in the file, or (`mem`) of their block of the buffer.
fn hyperslab(runs: &[Run], mem: bool) -> Selection {
    Hyperslab::from(
        runs.iter()
            .map(|r| SliceOrIndex::SliceCount {
                start: if mem { r.offset } else { r.start },
                step: if mem { 1 } else { r.stride },
                count: r.count,
                block: 1,
            })
            .collect::<Vec<_>>(),
    )
    .into()
}

/// Every element of the buffer as a point of the file, in row-major order.
fn points(plan: &Plan) -> Result<Selection> {
    let shape = plan.shape();
    let ndim = shape.len();
    let n = checked_size(&shape)?;
    let per_axis: Vec<Vec<usize>> = (0..ndim)
        .map(|axis| plan.runs(axis).iter().flat_map(|r| r.positions()).collect())
        .collect();
    let mut coords = Vec::new();
    n.checked_mul(ndim)
        .and_then(|len| coords.try_reserve_exact(len).ok())
        .ok_or_else(|| Error::shape(format!("cannot hold the coordinates of {n} points")))?;
    for idx in RowMajor::new(shape) {
        for (&k, positions) in idx.iter().zip(&per_axis) {
            coords.push(positions.get(k).copied().unwrap_or(0));
        }
    }
    let coords = Array2::from_shape_vec((n, ndim), coords)
        .map_err(|e| Error::backend("cannot build a point selection", e))?;
    Ok(Selection::Points(coords))
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    /// Reads `region` through libhdf5.
    pub(crate) fn read_via_libhdf5(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, T>,
    ) -> Result<()> {
        read_via(&region, out, STRIDED_PIECE, &read_plan, &|plan, buf| {
            self.fetch(plan, buf)
        })
    }

    /// Fills `buf`, a buffer of the plan's shape, from the file: straight
    /// when it is contiguous, else through a contiguous copy (HDF5's own
    /// strided scatter is slower, see [`STRIDED_PIECE`]).
    fn fetch(&self, plan: &Plan, buf: ArrayViewMutD<'_, T>) -> Result<()> {
        fill_contiguous(buf, |slice| self.fetch_into(plan, slice))
    }

    /// Fills `buf`, a row-major buffer of the plan's shape, from the file.
    fn fetch_into(&self, plan: &Plan, buf: &mut [T]) -> Result<()> {
        match transfer(plan)? {
            Transfer::One(file) => io::read(
                self.lib()?,
                file,
                &io::mem_shape(plan, buf.len()),
                Selection::All,
                buf,
            ),
            Transfer::Pieces(pieces) => {
                let shape = plan.shape();
                pieces
                    .into_iter()
                    .try_for_each(|(file, mem)| io::read(self.lib()?, file, &shape, mem, buf))
            }
        }
    }
}

/// The most bytes [`H5Dataset::write_via_libhdf5`] hands libhdf5 at once
/// from memory that is not contiguous (gathered first): 4 MiB.
const WRITE_BLOCK: usize = 4 << 20;

impl<T: H5Element, R: Rank, M: Writable> H5Dataset<T, R, M> {
    /// Writes `src` into `region` through libhdf5 (without flushing): in
    /// blocks of rows of at most [`WRITE_BLOCK`] bytes, each handed to
    /// libhdf5 as contiguous memory (a block of a strided `src`, a column
    /// of a stack, gathered into one buffer reused for every block), except
    /// on MPI-IO files, where every rank must make the same transfers (one).
    pub(crate) fn write_via_libhdf5(
        &self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, T>,
    ) -> Result<()> {
        let rows = src.shape().first().copied().unwrap_or(0);
        let row: usize = src.shape().iter().skip(1).product::<usize>().max(1);
        let per_block = (WRITE_BLOCK / std::mem::size_of::<T>().max(1) / row).max(1);
        if self.mpio || src.ndim() == 0 || (rows <= per_block && src.is_standard_layout()) {
            return self.write_block(&region, src);
        }
        let mut gathered: Vec<T> = Vec::new();
        let (mut rest, mut values, mut done) = (region.region().clone(), src, 0);
        while done < rows {
            let k = per_block.min(rows - done);
            let (head, tail) = if k < rows - done {
                rest.split_out(0, k)?
            } else {
                (rest.clone(), rest.clone())
            };
            let (block, after) = values.split_at(Axis(0), k);
            if block.is_standard_layout() {
                self.write_block(&head, block)?;
            } else {
                gathered.clear();
                gathered.extend(block.iter().copied());
                let contiguous = ArrayViewD::from_shape(block.raw_dim(), &gathered)
                    .map_err(|e| Error::internal(format!("a gathered block: {e}")))?;
                self.write_block(&head, contiguous)?;
            }
            (rest, values, done) = (tail, after, done + k);
        }
        Ok(())
    }

    /// Writes `src` into `region` (canonical) through libhdf5.
    fn write_block(&self, region: &Region, src: ArrayViewD<'_, T>) -> Result<()> {
        let plan = write_plan(region)?;
        write_via(&plan, src, None, |plan, data| self.store(plan, data))
    }

    /// Writes `data`, a buffer of the plan's shape in any memory layout, to the file.
    fn store(&self, plan: &Plan, data: ArrayViewD<'_, T>) -> Result<()> {
        let transfer = transfer(plan)?;
        if let Transfer::One(file) = &transfer {
            if io::can_write_view(&data) {
                return io::write_view(self.lib()?, file.clone(), data);
            }
        }
        let data = data.as_standard_layout();
        let buf = data
            .as_slice()
            .ok_or_else(|| Error::internal("a standard-layout array is not contiguous"))?;
        match transfer {
            Transfer::One(file) => io::write(
                self.lib()?,
                file,
                &io::mem_shape(plan, buf.len()),
                Selection::All,
                buf,
            ),
            Transfer::Pieces(pieces) => {
                let shape = plan.shape();
                pieces
                    .into_iter()
                    .try_for_each(|(file, mem)| io::write(self.lib()?, file, &shape, mem, buf))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lazy_core::AxisSelection;

    fn region(shape: &[usize], axes: Vec<AxisSelection>) -> Region {
        Region::new(shape.to_vec(), axes).unwrap()
    }

    #[test]
    fn reads_choose_one_hyperslab_pieces_or_points() {
        // Unsorted with a duplicate, dense: one strided hyperslab.
        let p = read_plan(&region(&[10], vec![AxisSelection::List(vec![5, 1, 5, 2])])).unwrap();
        assert_eq!(p.shape(), vec![5]);
        assert!(matches!(
            transfer(&p).unwrap(),
            Transfer::One(Selection::Hyperslab(_))
        ));
        // Sparse and irregular on a long axis: points.
        let p = read_plan(&region(
            &[1_000_000],
            vec![AxisSelection::List(vec![999_999, 0, 7])],
        ))
        .unwrap();
        let Transfer::One(Selection::Points(pts)) = transfer(&p).unwrap() else {
            panic!("expected points");
        };
        assert_eq!(pts.column(0).to_vec(), vec![0, 7, 999_999]);
        // Large pieces: one hyperslab each.
        let p = read_plan(&region(
            &[100_000, 64],
            vec![
                AxisSelection::List(vec![90_000, 3, 50_000]),
                AxisSelection::full(64),
            ],
        ))
        .unwrap();
        let Transfer::Pieces(pieces) = transfer(&p).unwrap() else {
            panic!("expected pieces");
        };
        assert_eq!(pieces.len(), 2); // {3, 50000} and {90000}
    }

    #[test]
    fn writes_never_touch_unselected_elements() {
        let p = write_plan(&region(&[10], vec![AxisSelection::List(vec![5, 1, 5, 2])])).unwrap();
        assert_eq!(p.shape(), vec![3]);
        assert!(p.is_complete());
        let Transfer::One(Selection::Points(pts)) = transfer(&p).unwrap() else {
            panic!("expected points");
        };
        assert_eq!(pts.column(0).to_vec(), vec![1, 2, 5]);
    }
}
