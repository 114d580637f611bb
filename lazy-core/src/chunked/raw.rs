//! Chunks stored as their raw bytes (uncompressed chunks, contiguous data):
//! a [`RawChunk`] is one version of such a chunk, open for reading, and a
//! read takes just the parts of it that it needs from it — the selected
//! byte runs, slabs of a large part, or the box around a small one.
//!
//! Every part of one chunk that one read needs comes from the same
//! `RawChunk` (one open file, or one body in memory), so a read sees one
//! version of each chunk even while a writer replaces it: a writer renames
//! a new chunk file over the old one, and a file already open keeps
//! reading the old one.

use std::borrow::Cow;
use std::fs::File;

use ndarray::{ArrayViewMutD, Axis};

use crate::alloc::{checked_size, with_scratch, zeroed_vec};
use crate::element::{with_bytes, DType, Element};
use crate::error::{Error, Result};
use crate::ext::DatasetExt;
use crate::plan::RowMajor;
use crate::region::{AxisSelection, OutAxis, Region};

use super::geometry::{bounding_box, shifted, strides_of, BoxSpan};

/// One version of a chunk stored as its raw bytes (row-major elements of
/// the chunk shape), open for reading: what
/// [`ChunkSource::raw`](crate::backend::ChunkSource::raw) returns.
///
/// ```
/// use lazy_core::backend::RawChunk;
///
/// // Two big-endian u16 in memory, read on any machine.
/// let chunk = RawChunk::bytes(vec![0x01, 0x02, 0x03, 0x04]).swapped(cfg!(target_endian = "little"));
/// let mut out = [0u16; 2];
/// chunk.read_elems(0, &mut out)?;
/// assert_eq!(out, [0x0102, 0x0304]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct RawChunk<'a> {
    bytes: Bytes<'a>,
    /// Where the chunk starts in the file.
    offset: u64,
    /// Whether the elements are stored in the other byte order.
    swap: bool,
}

#[derive(Debug)]
enum Bytes<'a> {
    /// A file opened for this chunk.
    File(File),
    /// A file kept open by the dataset.
    Shared(&'a File),
    Memory(Cow<'a, [u8]>),
}

impl<'a> RawChunk<'a> {
    /// The chunk stored from byte `offset` of `file`, a file opened for this
    /// chunk: a chunk file of a directory store, which a writer replaces by
    /// renaming a new file over it (this one stays as it was).
    pub fn file(file: File, offset: u64) -> Self {
        RawChunk {
            bytes: Bytes::File(file),
            offset,
            swap: false,
        }
    }

    /// The chunk stored from byte `offset` of `file`, a file the dataset
    /// keeps open (a single-file format whose writers change chunks in
    /// place only while the reader is kept out).
    pub fn in_file(file: &'a File, offset: u64) -> Self {
        RawChunk {
            bytes: Bytes::Shared(file),
            offset,
            swap: false,
        }
    }

    /// The chunk's bytes, in memory (fetched whole).
    pub fn bytes(bytes: impl Into<Cow<'a, [u8]>>) -> Self {
        RawChunk {
            bytes: Bytes::Memory(bytes.into()),
            offset: 0,
            swap: false,
        }
    }

    /// This chunk, its elements stored in the other byte order than this
    /// machine's (`swap`): every element read is swapped.
    pub fn swapped(mut self, swap: bool) -> Self {
        self.swap = swap;
        self
    }

    /// Reads `buf.len()` bytes from byte `at` of the chunk, as stored.
    pub fn read_bytes(&self, at: usize, buf: &mut [u8]) -> std::io::Result<()> {
        let file = match &self.bytes {
            Bytes::File(f) => f,
            Bytes::Shared(f) => f,
            Bytes::Memory(bytes) => {
                let part = at
                    .checked_add(buf.len())
                    .and_then(|end| bytes.get(at..end))
                    .ok_or_else(|| {
                        std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            format!(
                                "the chunk holds {} bytes where {} were expected",
                                bytes.len(),
                                at.saturating_add(buf.len())
                            ),
                        )
                    })?;
                buf.copy_from_slice(part);
                return Ok(());
            }
        };
        let at = self.offset.saturating_add(at as u64);
        read_exact_at(file, buf, at)
    }

    /// Reads the elements `first..first + out.len()` (row-major) of the
    /// chunk into `out`, in this machine's byte order (a `bool` is any
    /// non-zero byte).
    pub fn read_elems<T: Element>(&self, first: usize, out: &mut [T]) -> std::io::Result<()> {
        let elem = T::DTYPE.size();
        with_bytes(out, |bytes| {
            self.read_bytes(first.saturating_mul(elem), bytes)?;
            if self.swap && elem > 1 {
                for value in bytes.chunks_exact_mut(elem) {
                    value.reverse();
                }
            }
            Ok(())
        })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset).map_err(|e| {
        if e.kind() != std::io::ErrorKind::UnexpectedEof {
            return e;
        }
        let end = offset.saturating_add(out.len() as u64);
        std::io::Error::new(
            e.kind(),
            format!("the file ends before byte {end}: cut short, or changed since it was opened"),
        )
    })
}

#[cfg(not(unix))]
fn read_exact_at(file: &File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}

/// What one more read of storage costs, in bytes read: a system call and
/// its setup take about as long as copying 16 KiB from the page cache.
pub const READ_COST: usize = 16 << 10;

/// The most bytes of a raw chunk [`read_in_slabs`] reads at once: what
/// stays in a core's cache until its elements are gathered.
const SLAB_BYTES: usize = 256 << 10;

/// Reads the positions `region` (a canonical region of a chunk of
/// `chunk_shape`) selects from `chunk` into `block` (of its output shape):
/// the whole chunk straight into a contiguous block when the region is all
/// of it (`whole`), else the selected byte runs, slabs of a large part, or
/// the box around a small one, whichever reads least. I/O errors are
/// returned as they are, for the caller to name the chunk.
pub(super) fn read(
    chunk: &RawChunk<'_>,
    chunk_shape: &[usize],
    region: &Region,
    whole: bool,
    mut block: ArrayViewMutD<'_, impl Element>,
) -> Result<(), Failure> {
    if whole {
        if let Some(slice) = block.as_slice_mut() {
            return Ok(chunk.read_elems(0, slice)?);
        }
    }
    if read_selected(chunk, region, chunk_shape, block.view_mut())? {
        return Ok(());
    }
    if read_in_slabs(chunk, chunk_shape, region, block.view_mut())? {
        return Ok(());
    }
    let (start, shape) = bounding_box(region);
    read_box(chunk, chunk_shape, region, &start, &shape, block)
}

/// Why a read of a raw chunk failed: storage (to be named with the chunk),
/// or anything else.
#[derive(Debug)]
pub(super) enum Failure {
    Io(std::io::Error),
    Other(Error),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Other(e)
    }
}

/// Reads the positions `region` selects inside the box `start..start +
/// shape` of `chunk`: the elements from the box's first to its last
/// (row-major) into the thread's scratch buffer, then the region gathered
/// from the box seen in them.
fn read_box<T: Element>(
    chunk: &RawChunk<'_>,
    chunk_shape: &[usize],
    region: &Region,
    start: &[usize],
    shape: &[usize],
    block: ArrayViewMutD<'_, T>,
) -> Result<(), Failure> {
    let span = BoxSpan::new(chunk_shape, start, shape);
    let inner = shifted(region, start, shape)?;
    let mut failure = None;
    with_scratch::<T, _>(span.len(), |elems| {
        if let Err(e) = chunk.read_elems(span.first, elems) {
            failure = Some(e);
            return Ok(());
        }
        span.view(elems)?.read_into(&inner, block)
    })?;
    match failure {
        Some(e) => Err(Failure::Io(e)),
        None => Ok(()),
    }
}

/// Reads part of a raw chunk whose bounding box is larger than
/// [`SLAB_BYTES`] in slabs along the first output axis (a range with a
/// positive step): each slab's box is read into the thread's scratch buffer
/// and its elements gathered into `block` while they are in the cache,
/// instead of the whole box read out to memory and read back. Returns
/// whether it applied (a canonical region, positive step, a large box).
fn read_in_slabs<T: Element>(
    chunk: &RawChunk<'_>,
    chunk_shape: &[usize],
    region: &Region,
    mut block: ArrayViewMutD<'_, T>,
) -> Result<bool, Failure> {
    let (_, box_shape) = bounding_box(region);
    let box_bytes = checked_size(&box_shape)?.saturating_mul(std::mem::size_of::<T>());
    let first = match region.out_axes().first() {
        Some(&OutAxis::Source(k)) => region.axes().get(k),
        _ => None,
    };
    let len = match first {
        Some(&AxisSelection::Range { step, len, .. }) if step > 0 && len > 1 => len,
        _ => return Ok(false),
    };
    if box_bytes <= SLAB_BYTES || !region.is_canonical() || block.ndim() == 0 {
        return Ok(false);
    }
    // Output positions along the first axis per slab.
    let per = (len.saturating_mul(SLAB_BYTES) / box_bytes).max(1);
    let mut rest = region.clone();
    let mut at = 0;
    while at < len {
        let take = per.min(len - at);
        let (piece, remaining) = rest.split_out(0, take)?;
        let (piece_block, rest_block) = block.split_at(Axis(0), take);
        let (start, shape) = bounding_box(&piece);
        read_box(chunk, chunk_shape, &piece, &start, &shape, piece_block)?;
        (rest, block, at) = (remaining, rest_block, at + take);
    }
    Ok(true)
}

/// Reads the positions `region` (a canonical region of a chunk of
/// `chunk_shape`) selects from `chunk` into `out`, byte run by byte run:
/// for each combination of the selected positions of the outer axes, the
/// runs of selected positions of the last axis (runs closer than
/// [`READ_COST`] bytes merged). Returns `Ok(false)`, having read nothing,
/// when that would cost more than half of reading the box around the
/// selection (counting [`READ_COST`] bytes for each read), or for `bool`,
/// whose stored bytes are not all valid `bool`s.
fn read_selected<T: Element>(
    chunk: &RawChunk<'_>,
    region: &Region,
    chunk_shape: &[usize],
    mut out: ArrayViewMutD<'_, T>,
) -> Result<bool, Failure> {
    let Some((last, outer)) = region.axes().split_last() else {
        return Ok(false);
    };
    if T::DTYPE == DType::Bool || out.ndim() != region.axes().len() {
        return Ok(false);
    }
    let elem = std::mem::size_of::<T>();
    let rows: usize = outer.iter().map(AxisSelection::count).product();
    let Some((lo, hi)) = last.bounds() else {
        return Ok(false);
    };
    // Runs of the last axis, inclusive, merged across small gaps: of a
    // range, worked out (one run, or one per position); of a list, from
    // its sorted positions.
    let runs: Vec<(usize, usize)> = match *last {
        AxisSelection::Range { step, .. }
            if (step.unsigned_abs() - 1).saturating_mul(elem) < READ_COST =>
        {
            vec![(lo, hi)]
        }
        _ if rows.saturating_mul(last.count()) > 65_536
            && matches!(last, AxisSelection::Range { .. }) =>
        {
            return Ok(false);
        }
        _ => {
            let mut positions: Vec<usize> = last.positions().collect();
            positions.sort_unstable();
            positions.dedup();
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for &p in &positions {
                match runs.last_mut() {
                    Some(run) if (p - run.1 - 1).saturating_mul(elem) < READ_COST => run.1 = p,
                    _ => runs.push((p, p)),
                }
            }
            runs
        }
    };
    let reads = rows.saturating_mul(runs.len());
    let run_bytes: usize = runs.iter().map(|(a, b)| (b - a + 1) * elem).sum();
    let selected_cost = reads
        .saturating_mul(READ_COST)
        .saturating_add(rows.saturating_mul(run_bytes));
    let boxed: usize = region
        .axes()
        .iter()
        .map(|a| a.bounds().map_or(0, |(l, h)| h - l + 1))
        .fold(1usize, usize::saturating_mul);
    let box_cost = READ_COST.saturating_add(boxed.saturating_mul(elem));
    if reads > 65_536 || selected_cost.saturating_mul(2) > box_cost {
        return Ok(false);
    }
    let strides = strides_of(chunk_shape);
    let mut row = zeroed_vec::<T>(hi - lo + 1)?;
    let picks: Vec<usize> = last.positions().map(|p| p - lo).collect();
    for idx in RowMajor::new(outer.iter().map(AxisSelection::count).collect()) {
        let base: usize = idx
            .iter()
            .zip(outer)
            .zip(&strides)
            .map(|((&k, sel), &s)| sel.position(k).unwrap_or(0) * s)
            .sum();
        for &(a, b) in &runs {
            let part = row
                .get_mut(a - lo..=b - lo)
                .ok_or_else(|| Error::internal("a run outside its row"))?;
            chunk.read_elems(base + a, part)?;
        }
        // The output row: the outer positions fix every axis but the last.
        let mut target = out.view_mut();
        for &k in &idx {
            target = target.index_axis_move(Axis(0), k);
        }
        for (o, &p) in target.iter_mut().zip(&picks) {
            if let Some(&v) = row.get(p) {
                *o = v;
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArrayD;

    /// A chunk of `n` u32 holding 0, 1, 2, … in memory.
    fn counting(n: u32) -> RawChunk<'static> {
        RawChunk::bytes((0..n).flat_map(u32::to_ne_bytes).collect::<Vec<u8>>())
    }

    fn read_of(chunk: &RawChunk<'_>, shape: &[usize], axes: Vec<AxisSelection>) -> ArrayD<u32> {
        let region = Region::new(shape.to_vec(), axes).unwrap();
        let mut out = ArrayD::<u32>::zeros(region.out_shape());
        let (whole, full) = (Region::full(shape), region.clone());
        read(chunk, shape, &region, whole == full, out.view_mut()).unwrap();
        out
    }

    #[test]
    fn parts_of_a_raw_chunk_read_as_selected() {
        let chunk = counting(100_000);
        // Far-apart positions: byte runs.
        let got = read_of(
            &chunk,
            &[100_000],
            vec![AxisSelection::List(vec![90_000, 5, 50_000])],
        );
        assert_eq!(got.as_slice().unwrap(), &[90_000, 5, 50_000]);
        // A large part, backwards: slabs (the naive answer computed by hand).
        let got = read_of(
            &chunk,
            &[100_000],
            vec![AxisSelection::range(99_999, -3, 30_000)],
        );
        let want: Vec<u32> = (0..30_000).map(|k| 99_999 - 3 * k).collect();
        assert_eq!(got.as_slice().unwrap(), &want[..]);
        // Two axes: rows 3..=5, columns 100, 7 of a 250 x 400 chunk.
        let got = read_of(
            &chunk,
            &[250, 400],
            vec![
                AxisSelection::range(3, 1, 3),
                AxisSelection::List(vec![100, 7]),
            ],
        );
        assert_eq!(
            got.as_slice().unwrap(),
            &[1300, 1207, 1700, 1607, 2100, 2007]
        );
        // All of it.
        let got = read_of(&chunk, &[100_000], vec![AxisSelection::full(100_000)]);
        assert_eq!(got[[77_777]], 77_777);
    }

    #[test]
    fn a_short_chunk_is_an_io_error() {
        let chunk = counting(10);
        let region = Region::new(vec![100], vec![AxisSelection::range(50, 1, 3)]).unwrap();
        let mut out = ArrayD::<u32>::zeros(vec![3]);
        let err = read(&chunk, &[100], &region, false, out.view_mut()).unwrap_err();
        assert!(matches!(err, Failure::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof));
    }
}
