//! Where a view's region goes, stated once: a view that rearranges its
//! sources (`Stacked`, `Concat`, `Sliced`, `Permuted`) says, in
//! [`Parted::parts`], which region of which source each part of a region of
//! itself is, and which slot of the output it fills (TensorStore's one index
//! transform per view). Reads, writes, both checks of a write and
//! `in_memory` follow from it here, the same way for every such view.

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};

use crate::alloc::with_scratch;
use crate::blocks::{
    chunk_rows, for_each_block, for_each_chunk_block, for_each_concurrent, for_each_large,
    for_each_parallel, BLOCK_ELEMS,
};
use crate::dataset::{Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::plan::lcm;
use crate::region::Region;

/// Where a part's values sit in the view's output (and in the values of a
/// write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// All of it.
    All,
    /// Position `index` of output axis `axis`, which the part's region does
    /// not have (a source of a stack).
    At { axis: usize, index: usize },
    /// Positions `start..end` of output axis `axis` (a source of a
    /// concatenation).
    Span {
        axis: usize,
        start: usize,
        end: usize,
    },
}

/// One part of a region of a view: region `region` (an index into
/// [`Parts::regions`]) of source `source`, filling `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) source: usize,
    pub(crate) region: usize,
    pub(crate) slot: Slot,
}

/// The parts of a region of a view, in the order of their slots along one
/// output axis; parts may share a region (the sources of a stack all read
/// the same one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    pub(crate) regions: Vec<Region>,
    pub(crate) parts: Vec<Part>,
}

impl Parts {
    /// One part: `region` of `source`, filling all of the output.
    pub(crate) fn one(source: usize, region: Region) -> Self {
        Parts {
            regions: vec![region],
            parts: vec![Part {
                source,
                region: 0,
                slot: Slot::All,
            }],
        }
    }

    /// Each part with its region.
    fn each(&self) -> impl Iterator<Item = (&Part, Result<&Region>)> + '_ {
        self.parts.iter().map(|p| {
            let region = self
                .regions
                .get(p.region)
                .ok_or_else(|| Error::internal("a part without its region"));
            (p, region)
        })
    }
}

/// A view whose region maps onto regions of its sources (see the module
/// docs).
pub(crate) trait Parted {
    /// The sources' type.
    type Source: Dataset;

    /// Whether the parts interleave in the output's memory (the sources of
    /// a stack along an inner axis): reads of in-memory sources then go
    /// block by block, so that each block of the output is written by every
    /// source while it is in cache.
    const INTERLEAVED: bool = false;

    /// The sources.
    fn sources(&self) -> &[Self::Source];

    /// The sources, to write.
    fn sources_mut(&mut self) -> &mut [Self::Source];

    /// The parts of `region`, a canonical region of the view.
    fn parts(&self, region: &Region) -> Result<Parts>;
}

fn source<V: Parted + ?Sized>(view: &V, i: usize) -> Result<&V::Source> {
    let n = view.sources().len();
    view.sources()
        .get(i)
        .ok_or_else(|| Error::internal(format!("no source {i} of {n}")))
}

/// `out` cut into the slots of `parts` (ascending, disjoint, along one
/// axis), in order.
fn split_slots<'a, T>(
    parts: &Parts,
    out: ArrayViewMutD<'a, T>,
) -> Result<Vec<ArrayViewMutD<'a, T>>> {
    let mut views = Vec::with_capacity(parts.parts.len());
    let mut rest = out;
    let mut at = 0;
    for p in &parts.parts {
        let (axis, start, end) = match p.slot {
            Slot::All => {
                if parts.parts.len() != 1 {
                    return Err(Error::internal("a part filling all of a shared output"));
                }
                views.push(rest);
                return Ok(views);
            }
            Slot::At { axis, index } => (axis, index, index + 1),
            Slot::Span { axis, start, end } => (axis, start, end),
        };
        if start < at || end < start || axis >= rest.ndim() || end - at > rest.len_of(Axis(axis)) {
            return Err(Error::internal("parts out of order"));
        }
        let (_, tail) = rest.split_at(Axis(axis), start - at);
        let (part, tail) = tail.split_at(Axis(axis), end - start);
        views.push(match p.slot {
            Slot::At { .. } => part.index_axis_move(Axis(axis), 0),
            _ => part,
        });
        rest = tail;
        at = end;
    }
    Ok(views)
}

/// The slot `slot` of `src`.
fn slot_of<'a, T>(src: &ArrayViewD<'a, T>, slot: Slot) -> Result<ArrayViewD<'a, T>> {
    let fits = |axis: usize, end: usize| axis < src.ndim() && end <= src.len_of(Axis(axis));
    match slot {
        Slot::All => Ok(src.clone()),
        Slot::At { axis, index } if fits(axis, index + 1) => {
            Ok(src.clone().index_axis_move(Axis(axis), index))
        }
        Slot::Span { axis, start, end } if fits(axis, end) && start <= end => {
            let mut v = src.clone();
            v.slice_axis_inplace(Axis(axis), Slice::from(start..end));
            Ok(v)
        }
        _ => Err(Error::internal("a slot outside the values")),
    }
}

/// Reads `region` (canonical, of the view's shape) of `view` into `out`:
/// every part from its source into its slot. Storage sources are read side
/// by side (unless every part is in memory already); in-memory sources of
/// an interleaved view block by block.
pub(crate) fn read<V>(
    view: &V,
    region: &Region,
    out: ArrayViewMutD<'_, <V::Source as Dataset>::Elem>,
) -> Result<()>
where
    V: Parted + Sync + ?Sized,
{
    let hints = Hints::of_all(view.sources());
    let storage = hints.block > BLOCK_ELEMS;
    if V::INTERLEAVED && !storage {
        return for_each_block(region, out, BLOCK_ELEMS, &|region, out| {
            let parts = view.parts(region)?;
            match interleaved(view, &parts, out, false)? {
                None => Ok(()),
                Some(out) => read_parts(view, &parts, out, hints, false),
            }
        });
    }
    let parts = view.parts(region)?;
    if V::INTERLEAVED && storage && !hints.latency_bound && along_last(&parts, out.shape()) {
        let rows = storage_block_rows(view, region, out.shape());
        let total = out.shape().first().copied().unwrap_or(0);
        match rows {
            Some(rows) if rows < total => {
                return read_storage_interleaved(view, region, out, rows);
            }
            _ if rows.is_some()
                || out.len().saturating_mul(elem_size::<V>()) <= ONE_BLOCK_BYTES =>
            {
                // One block: its sources side by side into temporaries
                // (threads writing neighbouring elements of the same cache
                // lines of `out` instead fought over them).
                let concurrent = !in_memory_parts(view, &parts);
                return match interleaved(view, &parts, out, concurrent)? {
                    None => Ok(()),
                    Some(out) => read_parts(view, &parts, out, hints, storage),
                };
            }
            _ => {}
        }
    }
    read_parts(view, &parts, out, hints, storage)
}

/// The most bytes a stack of storage sources along its last axis without
/// blocks ([`storage_block_rows`] `None`) reads through temporaries in one
/// piece; larger reads (a contiguous dataset read whole) go straight into
/// the output's columns.
const ONE_BLOCK_BYTES: usize = 32 << 20;

fn elem_size<V: Parted + ?Sized>() -> usize {
    std::mem::size_of::<<V::Source as Dataset>::Elem>()
}

/// Rows (positions of output axis 0) per block when the sources of a stack
/// along its last axis are storage read through temporaries: [`chunk_rows`]
/// over a multiple of every source's chunk length along axis 0 (so no chunk
/// is decoded for two blocks). A chunk decoded into a block's temporary
/// and interleaved from cache costs less than one copied into a strided
/// column of the output (a stack of three Zarr arrays of 256 Ki-element
/// chunks under a dense mask: 21.8 -> 12.4 ms; three h5py datasets of
/// 4,883-element chunks read whole: see
/// [`CHUNK_BLOCK_BYTES`](crate::blocks::CHUNK_BLOCK_BYTES)). `None` where
/// blocks do not apply ([`chunk_rows`]), or a source has no chunks (storage
/// without chunks, contiguous HDF5, reads straight into the columns: 100 ms
/// in blocks against 83 ms for a stack of 3 x 20M `f64`).
fn storage_block_rows<V>(view: &V, region: &Region, shape: &[usize]) -> Option<usize>
where
    V: Parted + ?Sized,
{
    let row: usize = shape.iter().skip(1).product();
    let bytes = row.checked_mul(elem_size::<V>())?;
    let mut align = 1usize;
    for s in view.sources() {
        let grid = s.chunk_grid()?;
        align = lcm(align, grid.first().copied().unwrap_or(1).max(1))?;
    }
    chunk_rows(region, bytes, align)
}

/// Reads a stack along its last axis of storage sources a block of `rows`
/// rows at a time, blocks cut where the sources' chunks are (see
/// [`storage_block_rows`]) and read in parallel: each source's part of a
/// block into a contiguous temporary, then interleaved into `out` in one
/// pass. Each source reading into its strided column of `out` instead
/// moved every cache line of the output three times (the reads of a
/// stack of three Zarr arrays under a dense mask spent a fifth of their
/// time there).
fn read_storage_interleaved<V>(
    view: &V,
    region: &Region,
    out: ArrayViewMutD<'_, <V::Source as Dataset>::Elem>,
    rows: usize,
) -> Result<()>
where
    V: Parted + Sync + ?Sized,
{
    for_each_chunk_block(region, out, rows, &|region, out| {
        let parts = view.parts(region)?;
        match interleaved(view, &parts, out, false)? {
            None => Ok(()),
            Some(out) => read_parts(view, &parts, out, Hints::STORAGE, false),
        }
    })
}

/// Whether `parts` are the sources of a stack along the last axis of an
/// output of `shape` (2 to [`MAX_INTERLEAVED`] of them, one region).
fn along_last(parts: &Parts, shape: &[usize]) -> bool {
    let n = parts.parts.len();
    let last = shape.len().wrapping_sub(1);
    n > 1
        && n <= MAX_INTERLEAVED
        && parts.regions.len() == 1
        && shape.get(last) == Some(&n)
        && parts.parts.iter().enumerate().all(|(k, p)| {
            p.slot
                == Slot::At {
                    axis: last,
                    index: k,
                }
        })
}

fn read_parts<V>(
    view: &V,
    parts: &Parts,
    out: ArrayViewMutD<'_, <V::Source as Dataset>::Elem>,
    hints: Hints,
    storage: bool,
) -> Result<()>
where
    V: Parted + Sync + ?Sized,
{
    if let ([p], [r]) = (parts.parts.as_slice(), parts.regions.as_slice()) {
        let out = split_slots(parts, out)?.pop();
        let out = out.ok_or_else(|| Error::internal("a part without its slot"))?;
        return source(view, p.source)?.read_into(r, out);
    }
    let jobs: Vec<(&Part, ArrayViewMutD<'_, _>)> =
        parts.parts.iter().zip(split_slots(parts, out)?).collect();
    let read = |(p, out): (&Part, ArrayViewMutD<'_, _>)| {
        let r = parts
            .regions
            .get(p.region)
            .ok_or_else(|| Error::internal("a part without its region"))?;
        source(view, p.source)?.read_into(r, out)
    };
    if storage && !in_memory_parts(view, parts) {
        return for_each_concurrent(jobs, hints.latency_bound, &read);
    }
    jobs.into_iter().try_for_each(read)
}

/// Reads parts that interleave along the last axis of a contiguous output
/// (a stack along its last axis) into contiguous temporaries first, then
/// interleaves them row by row: one pass of sequential stores instead of
/// one pass of strided stores per part, which measured twice as fast for a
/// 1,000 x 3 window of in-memory arrays. With `concurrent`, the parts are
/// read side by side (storage). Gives `out` back when that does not apply.
fn interleaved<'a, V>(
    view: &V,
    parts: &Parts,
    mut out: ArrayViewMutD<'a, <V::Source as Dataset>::Elem>,
    concurrent: bool,
) -> Result<Option<ArrayViewMutD<'a, <V::Source as Dataset>::Elem>>>
where
    V: Parted + Sync + ?Sized,
{
    let n = parts.parts.len();
    let last = out.ndim().wrapping_sub(1);
    let (Some(region), true) = (parts.regions.first(), along_last(parts, out.shape())) else {
        return Ok(Some(out));
    };
    let inner_shape = out.shape().get(..last).unwrap_or(&[]).to_vec();
    let Some(flat) = out.as_slice_mut() else {
        return Ok(Some(out));
    };
    let rows = flat.len() / n;
    // Arrays in memory whose parts are contiguous: straight from them.
    let direct: Option<Vec<ArrayViewD<'_, _>>> = parts
        .parts
        .iter()
        .map(|p| {
            let view = source(view, p.source).ok()?.as_array_view()?;
            let (selected, lists) = crate::memory::select(view, region);
            (lists.is_empty() && selected.is_standard_layout() && selected.len() == rows)
                .then_some(selected)
        })
        .collect();
    if let Some(columns) = direct {
        let slices: Vec<&[_]> = columns.iter().filter_map(|c| c.as_slice()).collect();
        if slices.len() == n {
            interleave_columns(&slices, flat);
            return Ok(None);
        }
    }
    with_scratch(flat.len(), |scratch| {
        let jobs: Vec<_> = parts
            .parts
            .iter()
            .zip(scratch.chunks_exact_mut(rows.max(1)))
            .collect();
        let read = |(p, tmp): (&Part, &mut [_])| {
            let tmp = ArrayViewMutD::from_shape(IxDyn(&inner_shape), tmp)
                .map_err(|e| Error::internal(format!("a part's temporary: {e}")))?;
            source(view, p.source)?.read_into(region, tmp)
        };
        if concurrent {
            for_each_parallel(jobs, &read)?;
        } else {
            jobs.into_iter().try_for_each(read)?;
        }
        let columns: Vec<&[_]> = scratch.chunks_exact(rows.max(1)).take(n).collect();
        interleave_columns(&columns, flat);
        Ok(())
    })?;
    Ok(None)
}

/// The most parts [`interleaved`] interleaves.
const MAX_INTERLEAVED: usize = 16;

/// `out[r * n + k] = columns[k][r]` for `n` columns of equal length: for
/// 2, 3 and 4 columns with zipped iterators (no bounds checks, unrolled).
fn interleave_columns<T: Copy>(columns: &[&[T]], out: &mut [T]) {
    match *columns {
        [a, b] => {
            for (row, (x, y)) in out.chunks_exact_mut(2).zip(a.iter().zip(b)) {
                row.copy_from_slice(&[*x, *y]);
            }
        }
        [a, b, c] => {
            for (row, ((x, y), z)) in out.chunks_exact_mut(3).zip(a.iter().zip(b).zip(c)) {
                row.copy_from_slice(&[*x, *y, *z]);
            }
        }
        [a, b, c, d] => {
            let abcd = a.iter().zip(b).zip(c.iter().zip(d));
            for (row, ((x, y), (z, w))) in out.chunks_exact_mut(4).zip(abcd) {
                row.copy_from_slice(&[*x, *y, *z, *w]);
            }
        }
        _ => {
            let n = columns.len();
            for (r, row) in out.chunks_exact_mut(n.max(1)).enumerate() {
                for (o, col) in row.iter_mut().zip(columns) {
                    if let Some(&v) = col.get(r) {
                        *o = v;
                    }
                }
            }
        }
    }
}

fn in_memory_parts<V: Parted + ?Sized>(view: &V, parts: &Parts) -> bool {
    parts
        .each()
        .all(|(p, r)| r.is_ok_and(|r| source(view, p.source).is_ok_and(|s| s.in_memory(r))))
}

/// Whether every part of `region` is in memory
/// ([`Dataset::in_memory`]).
pub(crate) fn in_memory<V: Parted + ?Sized>(view: &V, region: &Region) -> bool {
    view.parts(region)
        .is_ok_and(|parts| in_memory_parts(view, &parts))
}

/// Checks that every part of a write of `region` would be accepted (each
/// source and region once).
pub(crate) fn check_write<V>(view: &V, region: &Region) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    let parts = view.parts(region)?;
    let mut seen: Vec<(usize, usize)> = Vec::with_capacity(parts.parts.len());
    for (p, r) in parts.each() {
        if seen.contains(&(p.source, p.region)) {
            continue;
        }
        seen.push((p.source, p.region));
        source(view, p.source)?.validate_write(r?)?;
    }
    Ok(())
}

/// Checks that every part of `src` (values of a write of `region`) can be
/// stored.
pub(crate) fn check_values<V>(
    view: &V,
    region: &Region,
    src: ArrayViewD<'_, <V::Source as Dataset>::Elem>,
) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    let parts = view.parts(region)?;
    for (p, r) in parts.each() {
        source(view, p.source)?.validate_values(r?, slot_of(&src, p.slot)?)?;
    }
    Ok(())
}

/// Writes `src` (values of a write of `region`) part by part, in order (a
/// source a list selects twice gets the last values, as in NumPy). The
/// caller ran [`check_write`]: every part is accepted.
pub(crate) fn write<V>(
    view: &mut V,
    region: &Region,
    src: ArrayViewD<'_, <V::Source as Dataset>::Elem>,
) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    let parts = view.parts(region)?;
    write_in_order(view.sources_mut(), &parts, &src)
}

fn write_in_order<S: DatasetMut>(
    sources: &mut [S],
    parts: &Parts,
    src: &ArrayViewD<'_, S::Elem>,
) -> Result<()> {
    let n = sources.len();
    for (p, r) in parts.each() {
        let target = sources
            .get_mut(p.source)
            .ok_or_else(|| Error::internal(format!("no source {} of {n}", p.source)))?;
        target.write_from(r?, slot_of(src, p.slot)?)?;
    }
    Ok(())
}

/// Writes as [`write`] does, with the sources side by side when more than
/// one has parts: each source on a thread of the pool, its own parts in
/// order, so that a write through a stack of three compressed arrays
/// encodes and stores the three sources' chunks at once (one chunk each,
/// for a window, is otherwise one core's work three times over). Only
/// sources that each name storage of their own are (see
/// [`distinct_storage`]), and not when every part only changes memory
/// ([`DatasetMut::writes_to_memory`]: buffered handles, where waking
/// threads costs more than the copies); others are written in order, as
/// [`write`] does. The first error is returned; the other sources' writes
/// may have happened (as a failed write of one source's chunks leaves
/// those it stored).
pub(crate) fn write_parallel<V>(
    view: &mut V,
    region: &Region,
    src: ArrayViewD<'_, <V::Source as Dataset>::Elem>,
) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut + Send,
{
    let parts = view.parts(region)?;
    let n = view.sources().len();
    let mut per_source: Vec<Vec<(&Region, ArrayViewD<'_, _>)>> =
        std::iter::repeat_with(Vec::new).take(n).collect();
    for (p, r) in parts.each() {
        per_source
            .get_mut(p.source)
            .ok_or_else(|| Error::internal(format!("no source {} of {n}", p.source)))?
            .push((r?, slot_of(&src, p.slot)?));
    }
    if per_source.iter().filter(|w| !w.is_empty()).count() < 2
        || !distinct_storage(view.sources())
        || parts_write_to_memory(view, &parts)
    {
        return write_in_order(view.sources_mut(), &parts, &src);
    }
    let jobs: Vec<_> = view
        .sources_mut()
        .iter_mut()
        .zip(per_source)
        .filter(|(_, writes)| !writes.is_empty())
        .collect();
    for_each_large(jobs, &|(source, writes)| {
        writes
            .into_iter()
            .try_for_each(|(region, values)| source.write_from(region, values))
    })
}

/// Whether every one of `sources` names its storage ([`Dataset::name`]) and
/// no two name the same: only then are they written side by side (two
/// handles of one array, or sources that do not say what they write to,
/// are written in order, so the last values win where a write sets an
/// element through two of them, as in NumPy).
fn distinct_storage<S: Dataset>(sources: &[S]) -> bool {
    let Some(mut names) = sources
        .iter()
        .map(Dataset::name)
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    let named = names.len();
    names.sort_unstable();
    names.dedup();
    names.len() == named
}

/// Whether every part of a write of `region` only changes memory
/// ([`DatasetMut::writes_to_memory`]).
pub(crate) fn writes_to_memory<V>(view: &V, region: &Region) -> bool
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    view.parts(&region.canonical())
        .is_ok_and(|parts| parts_write_to_memory(view, &parts))
}

/// Whether the write of every one of `parts` only changes memory (as
/// [`in_memory_parts`] asks of reads).
fn parts_write_to_memory<V>(view: &V, parts: &Parts) -> bool
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    parts
        .each()
        .all(|(p, r)| r.is_ok_and(|r| source(view, p.source).is_ok_and(|s| s.writes_to_memory(r))))
}

/// Flushes every source (all of them; the first error is returned).
pub(crate) fn flush<V>(view: &mut V) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut,
{
    let mut first = Ok(());
    for source in view.sources_mut() {
        let flushed = source.flush();
        if first.is_ok() {
            first = flushed;
        }
    }
    first
}

/// Flushes every source as [`flush`] does, side by side when they are
/// several and each names storage of its own ([`distinct_storage`]):
/// buffered handles under a stack encode their chunks at once.
pub(crate) fn flush_parallel<V>(view: &mut V) -> Result<()>
where
    V: Parted + ?Sized,
    V::Source: DatasetMut + Send,
{
    if view.sources().len() < 2 || !distinct_storage(view.sources()) {
        return flush(view);
    }
    let first = std::sync::Mutex::new(Ok(()));
    let jobs: Vec<&mut V::Source> = view.sources_mut().iter_mut().collect();
    for_each_large(jobs, &|source| {
        let flushed = source.flush();
        let mut first = first
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if first.is_ok() {
            *first = flushed;
        }
        Ok(())
    })?;
    first
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Implements `Dataset::read_region`/`in_memory` and
/// `DatasetMut::write_region`/`check_write`/`check_values`/`flush`/
/// `writes_to_memory` of a view through its [`Parted`] impl: the methods
/// are one line each. `write` writes the parts in order; `write_parallel`
/// ([`write_parallel`], [`flush_parallel`]) writes and flushes the sources
/// side by side.
macro_rules! parted_methods {
    (read) => {
        fn read_region(
            &self,
            region: $crate::dataset::CheckedRegion<'_>,
            out: ndarray::ArrayViewMutD<'_, Self::Elem>,
        ) -> $crate::error::Result<()> {
            $crate::ops::parts::read(self, &region, out)
        }

        fn in_memory(&self, region: &$crate::region::Region) -> bool {
            $crate::ops::parts::in_memory(self, region)
        }
    };
    (write) => {
        $crate::ops::parts::parted_methods!(write_with write flush);
    };
    // Sources written and flushed side by side (`write_parallel`).
    (write_parallel) => {
        $crate::ops::parts::parted_methods!(write_with write_parallel flush_parallel);
    };
    (write_with $write:ident $flush:ident) => {
        fn write_region(
            &mut self,
            region: $crate::dataset::CheckedRegion<'_>,
            src: ndarray::ArrayViewD<'_, Self::Elem>,
        ) -> $crate::error::Result<()> {
            $crate::ops::parts::$write(self, &region, src)
        }

        fn check_write(
            &self,
            region: $crate::dataset::CheckedRegion<'_>,
        ) -> $crate::error::Result<()> {
            $crate::ops::parts::check_write(self, &region)
        }

        fn check_values(
            &self,
            region: $crate::dataset::CheckedRegion<'_>,
            src: ndarray::ArrayViewD<'_, Self::Elem>,
        ) -> $crate::error::Result<()> {
            $crate::ops::parts::check_values(self, &region, src)
        }

        fn flush(&mut self) -> $crate::error::Result<()> {
            $crate::ops::parts::$flush(self)
        }

        fn writes_to_memory(&self, region: &$crate::region::Region) -> bool {
            $crate::ops::parts::writes_to_memory(self, region)
        }
    };
}

pub(crate) use parted_methods;

#[cfg(test)]
mod tests {
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    use ndarray::{array, Array1, Array2};
    use typenum::U1;

    use super::*;
    use crate::dataset::CheckedRegion;
    use crate::{AxisSelection, Concat, Stacked, TypedSelection as Sel};

    /// Writers in a room: each write enters, waits (up to `patience`) until
    /// two writers are in at once, and records whether they met.
    struct Room {
        inside: Mutex<usize>,
        bell: Condvar,
        patience: Duration,
    }

    struct Source<'a> {
        data: Array1<f64>,
        name: Option<&'static str>,
        room: &'a Room,
        met: bool,
    }

    impl Dataset for Source<'_> {
        type Elem = f64;
        type Rank = U1;
        fn shape(&self) -> &[usize] {
            self.data.shape()
        }
        fn read_region(
            &self,
            region: CheckedRegion<'_>,
            out: ArrayViewMutD<'_, f64>,
        ) -> Result<()> {
            self.data.read_region(region, out)
        }
        fn name(&self) -> Option<String> {
            self.name.map(String::from)
        }
    }

    impl DatasetMut for Source<'_> {
        fn write_region(
            &mut self,
            region: CheckedRegion<'_>,
            src: ArrayViewD<'_, f64>,
        ) -> Result<()> {
            let room = self.room;
            let mut inside = room.inside.lock().unwrap_or_else(|e| e.into_inner());
            *inside += 1;
            room.bell.notify_all();
            let (inside, _) = room
                .bell
                .wait_timeout_while(inside, room.patience, |n| *n < 2)
                .unwrap_or_else(|e| e.into_inner());
            self.met = *inside >= 2;
            drop(inside);
            self.data.write_region(region, src)
        }
    }

    fn room(patience: Duration) -> Room {
        Room {
            inside: Mutex::new(0),
            bell: Condvar::new(),
            patience,
        }
    }

    fn source<'a>(room: &'a Room, name: Option<&'static str>) -> Source<'a> {
        Source {
            data: Array1::zeros(4),
            name,
            room,
            met: false,
        }
    }

    /// Two sources of a stack are written at once: each write waits for the
    /// other to be inside too (written one after the other, the first would
    /// wait its 60 s out alone).
    #[test]
    fn a_stack_writes_its_sources_side_by_side() {
        let room = room(Duration::from_secs(60));
        let mut stack =
            Stacked::new(vec![source(&room, Some("a")), source(&room, Some("b"))], -1).unwrap();
        let values = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]];
        stack.write_all(&values).unwrap();
        let sources = stack.into_sources();
        assert!(
            sources.iter().all(|s| s.met),
            "the two writes never overlapped"
        );
        assert_eq!(sources[0].data, array![1.0, 3.0, 5.0, 7.0]);
        assert_eq!(sources[1].data, array![2.0, 4.0, 6.0, 8.0]);
    }

    /// Sources naming the same storage are written one after the other: the
    /// first write waits alone (a short while) and never meets the second.
    #[test]
    fn sources_of_the_same_storage_are_written_in_order() {
        let room = room(Duration::from_millis(50));
        let mut concat =
            Concat::new(vec![source(&room, Some("x")), source(&room, Some("x"))], 0).unwrap();
        concat
            .write_all(&Array1::from_iter((0..8).map(f64::from)))
            .unwrap();
        let sources = concat.into_sources();
        assert!(!sources[0].met);
        assert_eq!(sources[0].data, array![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(sources[1].data, array![4.0, 5.0, 6.0, 7.0]);
    }

    /// Buffered sources under a stack take writes in memory (written in
    /// order: nothing to wait for) and are flushed side by side: their
    /// stores meet.
    #[test]
    fn buffered_sources_are_written_in_memory_and_flushed_side_by_side() {
        let room = room(Duration::from_secs(60));
        let sources = vec![
            source(&room, Some("a")).buffered(1 << 20),
            source(&room, Some("b")).buffered(1 << 20),
        ];
        let mut stack = Stacked::new(sources, -1).unwrap();
        let axes = vec![AxisSelection::range(0, 1, 4), AxisSelection::range(0, 1, 2)];
        let whole = Region::new(vec![4, 2], axes).unwrap();
        assert!(stack.writes_to_memory(&whole));
        stack
            .write_all(&array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
            .unwrap();
        assert!(
            stack.sources().iter().all(|s| !s.get_ref().met),
            "nothing stored before the flush"
        );
        stack.flush().unwrap();
        let sources = stack.into_sources();
        assert!(
            sources.iter().all(|s| s.get_ref().met),
            "the two flushes never overlapped"
        );
        assert_eq!(sources[0].get_ref().data, array![1.0, 3.0, 5.0, 7.0]);
        assert_eq!(sources[1].get_ref().data, array![2.0, 4.0, 6.0, 8.0]);
        // Unbuffered named sources are storage: not memory.
        let plain =
            Stacked::new(vec![source(&room, Some("a")), source(&room, Some("b"))], -1).unwrap();
        assert!(!plain.writes_to_memory(&whole));
    }

    /// A list that picks a source twice stores its last values there, as
    /// NumPy's `x[:, [2, 0, 2]] = v` does.
    #[test]
    fn a_source_picked_twice_gets_the_last_values() {
        let (mut a, mut b, mut c) = (Array1::zeros(3), Array1::zeros(3), Array1::zeros(3));
        let values = Array2::from_shape_fn((3, 3), |(i, j)| (10 * i + j) as f64);
        let mut expect = Array2::<f64>::zeros((3, 3));
        for (k, &col) in [2usize, 0, 2].iter().enumerate() {
            expect.column_mut(col).assign(&values.column(k));
        }
        let mut stack = Stacked::new(vec![&mut a, &mut b, &mut c], -1).unwrap();
        stack
            .write(Sel::new().push(..).push(vec![2, 0, 2]), values.view())
            .unwrap();
        drop(stack);
        assert_eq!(a, expect.column(0));
        assert_eq!(b, expect.column(1));
        assert_eq!(c, expect.column(2));
    }
}
