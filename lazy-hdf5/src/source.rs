//! An HDF5 dataset as a chunk source of lazy-core's chunk engine: chunks
//! located by libhdf5 ([`Direct::locate`]), read with positional reads and
//! decoded in Rust; chunks never written, read through libhdf5 (which
//! knows their fill value).

use hdf5_metno::{Hyperslab, Selection, SliceOrIndex};
use lazy_core::backend::{bytes_mut, read_selected_raw, ArrayKey, ChunkSource, Generation};
use lazy_core::{Element, Error, Mode, Rank, Region, Result};
use ndarray::{ArrayViewMutD, IxDyn, ShapeBuilder, Slice};

use crate::dataset::H5Dataset;
use crate::direct::{Direct, Kind};
use crate::element::H5Element;
use crate::filters;
use crate::io;

/// Where the chunk's raw (unfiltered) bytes start, when they are raw and
/// stored: the data's address plus the block's offset for a contiguous
/// dataset, the chunk's address for an unfiltered chunked one.
enum Bytes {
    Raw(u64),
    Filtered(crate::direct::Located),
    /// Never written: read through libhdf5.
    Unwritten,
}

impl<T: H5Element, R: Rank, M: Mode> H5Dataset<T, R, M> {
    fn direct(&self) -> Result<&Direct> {
        self.direct
            .as_deref()
            .map_err(|why| Error::backend_msg(format!("internal error: no direct reader ({why})")))
    }

    fn bytes_of(&self, index: &[u64]) -> Result<Bytes> {
        let direct = self.direct()?;
        let elem = T::DTYPE.size();
        match &direct.kind {
            Kind::Contiguous => match direct
                .locate(&self.inner, index)
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
                .locate(&self.inner, index)
                .map_err(|e| self.chunk_error(index, e))?
            {
                None => Ok(Bytes::Unwritten),
                Some(loc) if stages.is_empty() => Ok(Bytes::Raw(loc.addr)),
                Some(loc) => Ok(Bytes::Filtered(loc)),
            },
        }
    }

    fn chunk_error(&self, index: &[u64], e: impl std::fmt::Display) -> Error {
        Error::backend_msg(format!(
            "cannot read chunk {index:?} of dataset {:?} in {:?}: {e}",
            self.path(),
            self.file_name()
        ))
    }

    /// The part of chunk `index` inside the dataset: its origin and shape.
    fn inside(&self, index: &[u64]) -> Result<(Vec<usize>, Vec<usize>)> {
        let chunk_shape = &self.direct()?.chunk_shape;
        Ok(index
            .iter()
            .zip(chunk_shape)
            .zip(&self.shape)
            .map(|((&c, &len), &n)| {
                let origin = (c as usize).saturating_mul(len);
                (origin, n.saturating_sub(origin).min(len))
            })
            .unzip())
    }

    /// Reads the part of chunk `index` inside the dataset through libhdf5
    /// into the start of `out`, a row-major buffer of the chunk shape.
    fn read_chunk_via_libhdf5(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        let chunk_shape = self.direct()?.chunk_shape.clone();
        let (origin, inside) = self.inside(index)?;
        let n: usize = inside.iter().product();
        let mut part = vec![T::default(); n];
        let file = Selection::from(Hyperslab::from(
            origin
                .iter()
                .zip(&inside)
                .map(|(&start, &count)| SliceOrIndex::SliceCount {
                    start,
                    step: 1,
                    count,
                    block: 1,
                })
                .collect::<Vec<_>>(),
        ));
        io::read(&self.inner, file, &[n], Selection::All, &mut part)?;
        let part = ndarray::ArrayViewD::from_shape(IxDyn(&inside), &part)
            .map_err(|e| Error::shape(e.to_string()))?;
        let mut whole = ArrayViewMutD::from_shape(IxDyn(&chunk_shape), out)
            .map_err(|e| Error::shape(e.to_string()))?;
        whole
            .slice_each_axis_mut(|ax| {
                Slice::from(0..inside.get(ax.axis.index()).copied().unwrap_or(0))
            })
            .assign(&part);
        Ok(())
    }

    /// Reads `buf.len()` bytes at `at` of the file, naming chunk `index` in
    /// errors (a file cut short among them).
    fn read_at(&self, index: &[u64], at: u64, buf: &mut [u8]) -> Result<()> {
        read_exact_at(&self.direct()?.file, buf, at).map_err(|e| self.chunk_error(index, e))
    }

    /// Reads whole elements at `at` into `buf`, in this machine's byte order.
    fn read_raw(&self, index: &[u64], at: u64, buf: &mut [u8]) -> Result<()> {
        self.read_at(index, at, buf)?;
        self.to_native(buf);
        Ok(())
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

impl<T: H5Element, R: Rank, M: Mode> ChunkSource<T> for H5Dataset<T, R, M> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn chunk_shape(&self) -> &[usize] {
        self.direct
            .as_ref()
            .map_or(&[], |d| d.chunk_shape.as_slice())
    }

    fn array_key(&self) -> &ArrayKey {
        static NONE: std::sync::OnceLock<ArrayKey> = std::sync::OnceLock::new();
        match &self.direct {
            Ok(d) => &d.key,
            Err(_) => NONE.get_or_init(|| ArrayKey::new("", "")),
        }
    }

    /// Unused: chunks never written are read through libhdf5.
    fn fill_value(&self) -> T {
        T::default()
    }

    /// The dataset's version: bumped by every write through this process.
    fn generation(&self, _index: &[u64]) -> Result<Option<Generation>> {
        Ok(Some(Generation::from(self.direct()?.shared.version())))
    }

    fn decode(&self, index: &[u64], out: &mut [T]) -> Result<()> {
        match self.bytes_of(index)? {
            Bytes::Unwritten => self.read_chunk_via_libhdf5(index, out),
            Bytes::Raw(at) => {
                // The chunk's elements inside the dataset; a contiguous
                // dataset's last block of rows is short.
                let (_, inside) = self.inside(index)?;
                let direct = self.direct()?;
                let n = if matches!(direct.kind, Kind::Contiguous) {
                    inside.iter().product()
                } else {
                    out.len()
                };
                let part = out
                    .get_mut(..n)
                    .ok_or_else(|| self.chunk_error(index, "a short buffer"))?;
                with_bytes(part, |bytes| self.read_raw(index, at, bytes))
            }
            Bytes::Filtered(loc) => {
                let Kind::Chunked(stages) = &self.direct()?.kind else {
                    return Err(self.chunk_error(index, "filters on a contiguous dataset"));
                };
                let size = usize::try_from(loc.size).map_err(|e| self.chunk_error(index, e))?;
                let mut stored = vec![0u8; size];
                self.read_at(index, loc.addr, &mut stored)?;
                with_bytes(out, |bytes| {
                    filters::decode(stages, loc.mask, stored, bytes)
                        .map_err(|e| self.chunk_error(index, e))?;
                    self.to_native(bytes);
                    Ok(())
                })
            }
        }
    }

    /// Contiguous datasets and unfiltered chunks.
    fn stores_raw(&self) -> bool {
        ChunkSource::decodes_parts(self)
    }

    /// Raw chunks (contiguous datasets, unfiltered chunks) read part of
    /// themselves.
    fn decodes_parts(&self) -> bool {
        match self.direct.as_ref().map(|d| &d.kind) {
            Ok(Kind::Contiguous) => true,
            Ok(Kind::Chunked(stages)) => stages.is_empty(),
            Err(_) => false,
        }
    }

    fn decode_part(
        &self,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
    ) -> Result<()> {
        let chunk_shape = self.direct()?.chunk_shape.clone();
        let strides: Vec<usize> = (0..chunk_shape.len())
            .map(|k| chunk_shape[k + 1..].iter().product())
            .collect();
        let flat = |pos: &mut dyn Iterator<Item = usize>| -> usize {
            pos.zip(&strides).map(|(p, s)| p * s).sum()
        };
        let first = flat(&mut start.iter().copied());
        let last = flat(
            &mut start
                .iter()
                .zip(shape)
                .map(|(s, n)| s + n.saturating_sub(1)),
        );
        let mut span = vec![T::default(); last + 1 - first];
        match self.bytes_of(index)? {
            Bytes::Raw(at) => {
                let elem = T::DTYPE.size();
                with_bytes(&mut span, |bytes| {
                    self.read_raw(index, at + (first * elem) as u64, bytes)
                })?;
            }
            _ => {
                // Not raw (never written): all of it, then the span.
                let mut whole = vec![T::default(); chunk_shape.iter().product()];
                self.decode(index, &mut whole)?;
                span.copy_from_slice(
                    whole
                        .get(first..=last)
                        .ok_or_else(|| self.chunk_error(index, "a box outside its chunk"))?,
                );
            }
        }
        let boxed = ndarray::ArrayView::from_shape(IxDyn(shape).strides(IxDyn(&strides)), &span)
            .map_err(|e| Error::shape(e.to_string()))?;
        ArrayViewMutD::from_shape(IxDyn(shape), out)
            .map_err(|e| Error::shape(e.to_string()))?
            .assign(&boxed);
        Ok(())
    }

    /// Raw chunks read just the byte ranges a sparse selection needs.
    fn read_selected(
        &self,
        index: &[u64],
        region: &Region,
        out: ArrayViewMutD<'_, T>,
    ) -> Result<bool> {
        if !ChunkSource::decodes_parts(self) {
            return Ok(false);
        }
        let Bytes::Raw(at) = self.bytes_of(index)? else {
            return Ok(false);
        };
        let chunk_shape = self.direct()?.chunk_shape.clone();
        read_selected_raw(region, &chunk_shape, T::default(), out, |offset, buf| {
            self.read_raw(index, at + offset as u64, buf)?;
            Ok(true)
        })
    }
}

/// Runs `f` on the bytes of `out` (for `bool`, on bytes then mapped: a
/// stored byte other than 0 or 1 is `true`).
fn with_bytes<T: Element>(out: &mut [T], f: impl FnOnce(&mut [u8]) -> Result<()>) -> Result<()> {
    if let Some(bytes) = bytes_mut(out) {
        return f(bytes);
    }
    let mut bytes = vec![0u8; out.len()];
    f(&mut bytes)?;
    for (o, &b) in out.iter_mut().zip(&bytes) {
        *o = T::from_bool(b != 0);
    }
    Ok(())
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, out, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, out: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(out)
}
