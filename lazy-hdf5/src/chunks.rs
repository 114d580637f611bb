//! An HDF5 dataset as lazy-core's chunk engine sees it: the private adaptor
//! [`Chunks`]. Chunks are located by libhdf5 or by the chunk index the
//! pure-Rust reader read at open ([`Direct::locate`]), read with positional
//! reads and decoded in Rust (`codec.rs`); raw chunks (unfiltered, the
//! blocks of rows of a contiguous dataset, a compact dataset's bytes) are
//! read by part; chunks never written read as the fill value the pure
//! reader found, or through libhdf5 (which knows it).
//!
//! The adaptor is not the dataset type: users of an [`H5Dataset`] cannot
//! reach `decode`, which bypasses the engine's checks and cache.

#[cfg(feature = "libhdf5")]
use hdf5_metno::{Hyperslab, Selection, SliceOrIndex};
#[cfg(feature = "libhdf5")]
use lazy_core::backend::{bytes, ChunkSink};
use lazy_core::backend::{
    with_bytes, ArrayKey, ChunkInside, ChunkSource, Generation, RawChunk, Strided,
};
#[cfg(feature = "libhdf5")]
use lazy_core::Writable;
use lazy_core::{Error, Mode, Rank, Result};

use crate::codec;
use crate::dataset::H5Dataset;
use crate::direct::{Direct, Kind};
use crate::element::H5Element;
#[cfg(feature = "libhdf5")]
use crate::io;

/// The chunk engine's view of an HDF5 dataset read by lazy-hdf5's own
/// reader.
pub(crate) struct Chunks<'a, T, R, M>(pub(crate) &'a H5Dataset<T, R, M>);

/// Where the chunk's raw (unfiltered) bytes start, when they are raw and
/// stored: the data's address plus the block's offset for a contiguous
/// dataset, the chunk's address for an unfiltered chunked one.
enum Bytes {
    Raw(u64),
    Filtered(crate::direct::Located),
    /// In the object header (compact layout).
    Compact,
    /// Never written: the fill value.
    Unwritten,
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    fn direct(&self) -> Result<&Direct> {
        self.direct
            .as_deref()
            .map_err(|why| Error::internal(format!("no direct reader ({why})")))
    }

    fn bytes_of(&self, index: &[u64]) -> Result<Bytes> {
        let direct = self.direct()?;
        let elem = T::DTYPE.size();
        match &direct.kind {
            Kind::Contiguous => match direct
                .locate(self.inner.as_ref(), index)
                .map_err(|e| self.chunk_error(index, e))?
            {
                None => Ok(Bytes::Unwritten),
                Some(loc) => {
                    let block: usize = direct.chunk_shape.iter().product();
                    let first = index.first().copied().unwrap_or(0) as usize;
                    Ok(Bytes::Raw(loc.addr + (first * block * elem) as u64))
                }
            },
            Kind::Chunked(stages) => match direct
                .locate(self.inner.as_ref(), index)
                .map_err(|e| self.chunk_error(index, e))?
            {
                None => Ok(Bytes::Unwritten),
                Some(loc) if stages.is_empty() => Ok(Bytes::Raw(loc.addr)),
                Some(loc) => Ok(Bytes::Filtered(loc)),
            },
            Kind::Compact(_) => Ok(Bytes::Compact),
        }
    }

    /// The value of elements never written, when the pure-Rust reader
    /// found it (`None`: ask libhdf5).
    fn fill(&self) -> Result<Option<T>> {
        let Some(bytes) = self.direct()?.fill.as_deref() else {
            return Ok(None);
        };
        let mut value = [T::default()];
        with_bytes(&mut value, |b| {
            if b.len() != bytes.len() {
                return Err(Error::backend_msg(format!(
                    "the fill value of dataset {:?} in {:?} has {} bytes for elements of {}",
                    self.path(),
                    self.file_name(),
                    bytes.len(),
                    b.len()
                )));
            }
            b.copy_from_slice(bytes);
            self.to_native(b);
            Ok(())
        })?;
        Ok(Some(value[0]))
    }

    fn chunk_error(&self, index: &[u64], e: impl std::fmt::Display) -> Error {
        Error::backend_msg(format!(
            "cannot read chunk {index:?} of dataset {:?} in {:?}: {e}",
            self.path(),
            self.file_name()
        ))
    }

    /// Reads the part of chunk `index` inside the dataset through libhdf5
    /// into the start of `out`, a row-major buffer of the chunk shape.
    #[cfg(feature = "libhdf5")]
    fn read_chunk_via_libhdf5(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        let chunk_shape = &self.direct()?.chunk_shape;
        let inside = ChunkInside::new(index, chunk_shape, &self.shape);
        let file = Selection::from(Hyperslab::from(
            inside
                .origin
                .iter()
                .zip(&inside.shape)
                .map(|(&start, &count)| SliceOrIndex::SliceCount {
                    start,
                    step: 1,
                    count,
                    block: 1,
                })
                .collect::<Vec<_>>(),
        ));
        let ds = self.lib()?;
        inside.fill_inside(chunk_shape, out, |part| {
            io::read(ds, file, &[part.len()], Selection::All, part)
        })
    }

    /// Reads `buf.len()` bytes at `at` of the file, naming chunk `index` in
    /// errors (a file cut short among them).
    fn read_at(&self, index: &[u64], at: u64, buf: &mut [u8]) -> Result<()> {
        let direct = self.direct()?;
        if let Some(file) = direct.file.local() {
            return RawChunk::in_file(file, at)
                .read_bytes(0, buf)
                .map_err(|e| self.chunk_error(index, e));
        }
        #[cfg(feature = "cloud")]
        if let Some(remote) = direct.file.remote() {
            let end = at.saturating_add(buf.len() as u64);
            let got = remote
                .read_ranges(std::slice::from_ref(&(at..end)))
                .map_err(|e| self.chunk_error(index, e))?;
            let bytes = got
                .first()
                .ok_or_else(|| self.chunk_error(index, "nothing read"))?;
            buf.copy_from_slice(bytes);
            return Ok(());
        }
        Err(self.chunk_error(index, "no storage to read from"))
    }

    /// The byte range chunk `index` is stored in, when it is stored apart
    /// from the metadata (raw or filtered), for fetching it ahead.
    #[cfg(feature = "cloud")]
    fn range_of(&self, index: &[u64]) -> Result<Option<std::ops::Range<u64>>> {
        let (at, len) = match self.bytes_of(index)? {
            Bytes::Raw(at) => (at, self.raw_len(index)? * T::DTYPE.size()),
            Bytes::Filtered(loc) => (
                loc.addr,
                usize::try_from(loc.size).map_err(|e| self.chunk_error(index, e))?,
            ),
            Bytes::Compact | Bytes::Unwritten => return Ok(None),
        };
        let end = at
            .checked_add(len as u64)
            .ok_or_else(|| self.chunk_error(index, "a chunk past the end of addresses"))?;
        Ok(Some(at..end))
    }

    /// The number of elements stored raw for chunk `index`: the chunk's, or
    /// a contiguous dataset's block of rows inside the dataset (the last
    /// one is short).
    fn raw_len(&self, index: &[u64]) -> Result<usize> {
        let direct = self.direct()?;
        let whole: usize = direct.chunk_shape.iter().product();
        Ok(if matches!(direct.kind, Kind::Contiguous) {
            let inside = ChunkInside::new(index, &direct.chunk_shape, &self.shape);
            inside.shape.iter().product()
        } else {
            whole
        })
    }

    /// Swaps the bytes of each element of `bytes` when the dataset is
    /// stored in the other byte order.
    fn to_native(&self, bytes: &mut [u8]) {
        let elem = T::DTYPE.size();
        if self.direct.as_ref().is_ok_and(|d| d.swap) && elem > 1 {
            for value in bytes.chunks_exact_mut(elem) {
                value.reverse();
            }
        }
    }
}

impl<T: H5Element, R: Rank, M: Mode> ChunkSource<T> for Chunks<'_, T, R, M> {
    fn shape(&self) -> &[usize] {
        &self.0.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        self.0
            .direct
            .as_ref()
            .map_or(&[], |d| d.chunk_shape.as_slice())
    }

    fn array_key(&self) -> &ArrayKey {
        static NONE: std::sync::OnceLock<ArrayKey> = std::sync::OnceLock::new();
        match &self.0.direct {
            Ok(d) => &d.key,
            Err(_) => NONE.get_or_init(|| ArrayKey::new("", "")),
        }
    }

    /// The fill value the pure-Rust reader found; else unused (chunks
    /// never written are read through libhdf5).
    fn fill_value(&self) -> T {
        self.0.fill().ok().flatten().unwrap_or_default()
    }

    /// `dataset "/x" in "a.h5"`, as this crate's messages say.
    fn describe(&self) -> String {
        format!("dataset {:?} in {:?}", self.0.path(), self.0.location())
    }

    /// The dataset's version: bumped by every write through this process.
    fn generation(&self, _index: &[u64]) -> Result<Option<Generation>> {
        Ok(Some(Generation::from(self.0.direct()?.shared.version())))
    }

    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        self.0.decode_from(index, out, None)
    }

    /// Shuffled chunks (h5py's `shuffle=True`) of this machine's byte
    /// order: unshuffled straight into `out`.
    fn decode_strided(&self, index: &[u64], out: &mut Strided<'_, T>) -> Result<bool> {
        self.0.decode_strided_from(index, out, None)
    }

    /// Contiguous and compact datasets and unfiltered chunks of a local
    /// file (a remote file's chunks are fetched ahead and decoded, so that
    /// the cache keeps them).
    fn stores_raw(&self) -> bool {
        let local = self
            .0
            .direct
            .as_ref()
            .is_ok_and(|d| d.file.local().is_some());
        match self.0.direct.as_ref().map(|d| &d.kind) {
            Ok(Kind::Compact(_)) => true,
            Ok(Kind::Contiguous) => local,
            Ok(Kind::Chunked(stages)) => local && stages.is_empty(),
            Err(_) => false,
        }
    }

    /// A raw chunk in the file (libhdf5 rewrites chunks in place only while
    /// every reader of the process is kept out: see `Shared::io`).
    fn raw(&self, index: &[u64]) -> Result<Option<RawChunk<'_>>> {
        let ds = self.0;
        let direct = ds.direct()?;
        match ds.bytes_of(index)? {
            Bytes::Raw(at) => Ok(direct
                .file
                .local()
                .map(|file| RawChunk::in_file(file, at).swapped(direct.swap))),
            Bytes::Compact => match &direct.kind {
                Kind::Compact(stored) => {
                    Ok(Some(RawChunk::bytes(&stored[..]).swapped(direct.swap)))
                }
                _ => Ok(None),
            },
            Bytes::Unwritten | Bytes::Filtered(_) => Ok(None),
        }
    }

    /// Files read by ranges (feature `cloud`).
    fn prefetches(&self) -> bool {
        #[cfg(feature = "cloud")]
        return self
            .0
            .direct
            .as_ref()
            .is_ok_and(|d| d.file.remote().is_some());
        #[cfg(not(feature = "cloud"))]
        return false;
    }

    /// The stored bytes of `chunks`, fetched by range side by side (close
    /// ranges merged into one request: `pure/remote.rs`).
    #[cfg(feature = "cloud")]
    fn prefetch(&self, chunks: &[Vec<u64>]) -> Result<Option<Box<dyn ChunkSource<T> + '_>>> {
        let ds = self.0;
        let Some(remote) = ds.direct()?.file.remote() else {
            return Ok(None);
        };
        let mut wanted = Vec::new();
        let mut ranges = Vec::new();
        for index in chunks {
            if let Some(range) = ds.range_of(index)? {
                wanted.push(index.clone());
                ranges.push(range);
            }
        }
        if wanted.is_empty() {
            return Ok(None);
        }
        let fetched = remote.read_ranges(&ranges).map_err(|e| {
            let message = format!("cannot read chunks of {}: {e}", self.describe());
            Error::backend(message, e)
        })?;
        Ok(Some(Box::new(Fetched {
            chunks: Chunks(ds),
            bytes: wanted.into_iter().zip(fetched).collect(),
        })))
    }
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    /// Decodes a filtered chunk `index` whose pipeline ends in the shuffle
    /// (and stored in this machine's byte order) straight into `out`, from
    /// `fetched` or read now; `false`, with nothing written or read, for
    /// any other chunk.
    fn decode_strided_from(
        &self,
        index: &[u64],
        out: &mut Strided<'_, T>,
        fetched: Option<&[u8]>,
    ) -> Result<bool> {
        let ds = self;
        let direct = ds.direct()?;
        let (Bytes::Filtered(loc), Kind::Chunked(stages)) = (ds.bytes_of(index)?, &direct.kind)
        else {
            return Ok(false);
        };
        if direct.swap || codec::shuffle_last(stages, loc.mask, T::DTYPE.size()).is_none() {
            return Ok(false);
        }
        ds.with_stored(index, stages, &loc, fetched, |stored| {
            codec::decode_strided(stages, loc.mask, stored, out)
                .map_err(|e| ds.chunk_error(index, e))
        })
    }

    /// Runs `decode` on the stored bytes of the filtered chunk `index` at
    /// `loc` (stored through `stages`): `fetched` when they were fetched
    /// ahead (and are whole), else from the file's mapping (a local file
    /// open read-only), else read now into a buffer the thread keeps.
    fn with_stored<V>(
        &self,
        index: &[u64],
        stages: &[codec::Stage],
        loc: &crate::direct::Located,
        fetched: Option<&[u8]>,
        mut decode: impl FnMut(&[u8]) -> Result<V>,
    ) -> Result<V> {
        let size = usize::try_from(loc.size).map_err(|e| self.chunk_error(index, e))?;
        if let (None, Some(map)) = (fetched, &self.direct()?.mapped) {
            if codec::checked_in_one_pass(stages, loc.mask) {
                // Anything but a clean decode (not mapped: past the file's
                // length when mapped, or the mapping faulted; a fault while
                // decoding, perhaps another thread's; a decoding error: a
                // file cut short inside its last page reads as zeros from
                // a mapping) is read again below, whose answer is the
                // file's own.
                if let Some(Ok(Ok(got))) = map.read(loc.addr, size, &mut decode) {
                    return Ok(got);
                }
            }
        }
        match fetched {
            Some(got) if got.len() == size => decode(got),
            _ => codec::with_read_buffer(size, |stored| {
                self.read_at(index, loc.addr, stored)?;
                decode(stored)
            }),
        }
    }

    /// Decodes chunk `index` into `out`, from `fetched`, its stored bytes
    /// when they were fetched ahead, else read now.
    fn decode_from(&self, index: &[u64], out: &mut [T], fetched: Option<&[u8]>) -> Result<()> {
        let ds = self;
        match ds.bytes_of(index)? {
            Bytes::Unwritten => match ds.fill()? {
                Some(value) => {
                    out.fill(value);
                    Ok(())
                }
                #[cfg(feature = "libhdf5")]
                None => ds.read_chunk_via_libhdf5(index, out),
                // The pure-Rust reader always finds the fill value.
                #[cfg(not(feature = "libhdf5"))]
                None => Err(ds.chunk_error(index, "a chunk never written, of no fill value")),
            },
            Bytes::Compact => {
                let Kind::Compact(stored) = &ds.direct()?.kind else {
                    return Err(ds.chunk_error(index, "a compact chunk of another layout"));
                };
                with_bytes(out, |bytes| {
                    let from = stored.get(..bytes.len()).ok_or_else(|| {
                        ds.chunk_error(index, "compact data shorter than the dataset")
                    })?;
                    bytes.copy_from_slice(from);
                    ds.to_native(bytes);
                    Ok(())
                })
            }
            Bytes::Raw(at) => {
                // The chunk's elements inside the dataset; a contiguous
                // dataset's last block of rows is short.
                let n = ds.raw_len(index)?.min(out.len());
                let part = out
                    .get_mut(..n)
                    .ok_or_else(|| ds.chunk_error(index, "a short buffer"))?;
                with_bytes(part, |bytes| {
                    match fetched {
                        Some(got) if got.len() == bytes.len() => bytes.copy_from_slice(got),
                        _ => ds.read_at(index, at, bytes)?,
                    }
                    ds.to_native(bytes);
                    Ok(())
                })
            }
            Bytes::Filtered(loc) => {
                let Kind::Chunked(stages) = &ds.direct()?.kind else {
                    return Err(ds.chunk_error(index, "filters on a contiguous dataset"));
                };
                ds.with_stored(index, stages, &loc, fetched, |stored| {
                    with_bytes(out, |bytes| {
                        codec::decode(stages, loc.mask, stored, bytes)
                            .map_err(|e| ds.chunk_error(index, e))?;
                        ds.to_native(bytes);
                        Ok(())
                    })
                })
            }
        }
    }
}

/// Chunks of a file read by ranges, fetched ahead by
/// [`prefetch`](ChunkSource::prefetch): decoded from their bytes, any
/// other chunk as [`Chunks`] decodes it.
#[cfg(feature = "cloud")]
struct Fetched<'a, T, R, M> {
    chunks: Chunks<'a, T, R, M>,
    bytes: std::collections::HashMap<Vec<u64>, bytes::Bytes>,
}

#[cfg(feature = "cloud")]
impl<T: H5Element, R: Rank, M: Mode> ChunkSource<T> for Fetched<'_, T, R, M> {
    fn shape(&self) -> &[usize] {
        self.chunks.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.chunks.chunk_shape()
    }

    fn array_key(&self) -> &ArrayKey {
        self.chunks.array_key()
    }

    fn fill_value(&self) -> T {
        self.chunks.fill_value()
    }

    fn describe(&self) -> String {
        self.chunks.describe()
    }

    fn generation(&self, index: &[u64]) -> Result<Option<Generation>> {
        self.chunks.generation(index)
    }

    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        let fetched = self.bytes.get(index).map(|b| &b[..]);
        self.chunks.0.decode_from(index, out, fetched)
    }

    fn decode_strided(&self, index: &[u64], out: &mut Strided<'_, T>) -> Result<bool> {
        let fetched = self.bytes.get(index).map(|b| &b[..]);
        self.chunks.0.decode_strided_from(index, out, fetched)
    }

    fn stores_raw(&self) -> bool {
        self.chunks.stores_raw()
    }

    fn raw(&self, index: &[u64]) -> Result<Option<RawChunk<'_>>> {
        self.chunks.raw(index)
    }
}

/// Chunks written by lazy-hdf5 itself: encoded in Rust (on the chunk
/// engine's threads) and handed to libhdf5 whole with a direct chunk write,
/// so libhdf5 keeps the chunk index and compresses nothing under its lock.
#[cfg(feature = "libhdf5")]
impl<T: H5Element, R: Rank, M: Writable> ChunkSink<T> for Chunks<'_, T, R, M> {
    fn store(&self, index: &[u64], data: &[T]) -> Result<()> {
        let ds = self.0;
        let direct = ds.direct()?;
        let Kind::Chunked(stages) = &direct.kind else {
            return Err(Error::internal(
                "a contiguous or compact dataset stored by chunks",
            ));
        };
        // The chunk's bytes in the file's byte order (a `bool` is its byte).
        let elem = T::DTYPE.size();
        let raw: std::borrow::Cow<'_, [u8]> = if direct.swap && elem > 1 {
            let mut swapped = bytes(data).to_vec();
            for value in swapped.chunks_exact_mut(elem) {
                value.reverse();
            }
            swapped.into()
        } else {
            bytes(data).into()
        };
        let stored = if stages.is_empty() {
            raw
        } else {
            codec::encode(stages, direct.deflate_level, &raw)
                .map_err(|e| ds.chunk_error(index, e))?
                .into()
        };
        let origin: Vec<u64> = index
            .iter()
            .zip(&direct.chunk_shape)
            .map(|(&c, &len)| c.saturating_mul(len as u64))
            .collect();
        let written = io::write_chunk(ds.lib()?, &origin, &stored);
        // Rewritten (and maybe moved): where it was is forgotten, also
        // after a failure.
        direct.shared.forget(index);
        written
    }
}
