//! Where the pure-Rust reader gets its bytes: a [`ByteSource`] (a length
//! and positional reads), handed to hdf5-reader as its `Storage`. A local
//! file is one ([`LocalFile`]); an object read by ranges is another
//! (`remote.rs`, feature `cloud`), the metadata reader unchanged.

use std::fs::File;
use std::sync::Arc;

use hdf5_reader::storage::{Storage, StorageBuffer};

/// Bytes read by position: the seam between the metadata reader and where
/// the file is (a local file, or ranges of an object).
pub(crate) trait ByteSource: Send + Sync {
    /// The number of bytes.
    fn len(&self) -> u64;

    /// Fills `buf` with the bytes from `offset`; fewer bytes than asked
    /// for is an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()>;

    /// The bytes of each of `ranges`, in order: one [`read_at`](Self::read_at)
    /// each unless the source reads several ranges better together (a
    /// remote one: side by side, close ones merged into one request).
    fn read_many(&self, ranges: &[std::ops::Range<u64>]) -> std::io::Result<Vec<Vec<u8>>> {
        ranges
            .iter()
            .map(|r| {
                let len = usize::try_from(r.end.saturating_sub(r.start))
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                let mut buf = vec![0u8; len];
                self.read_at(r.start, &mut buf)?;
                Ok(buf)
            })
            .collect()
    }
}

/// A local file read with positional reads (`pread`), its length taken
/// once at open.
#[derive(Debug)]
pub(crate) struct LocalFile {
    file: File,
    len: u64,
}

impl LocalFile {
    /// The file `file`, as long as it is now.
    pub(crate) fn new(file: File) -> std::io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(LocalFile { file, len })
    }

    /// The open file.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
}

impl ByteSource for LocalFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
        }
        #[cfg(not(unix))]
        {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = &self.file;
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(buf)
        }
    }
}

/// Bytes in memory (the fuzz harness's files).
pub(crate) struct Memory(pub(crate) Vec<u8>);

impl ByteSource for Memory {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
        let part = usize::try_from(offset)
            .ok()
            .and_then(|at| self.0.get(at..at.checked_add(buf.len())?))
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "past the end")
            })?;
        buf.copy_from_slice(part);
        Ok(())
    }
}

/// A [`ByteSource`] as hdf5-reader's `Storage`: every range checked
/// against the length before anything is allocated, so a length read
/// from a damaged file cannot ask for more memory than the file holds.
pub(crate) struct AsStorage(pub(crate) Arc<dyn ByteSource>);

impl Storage for AsStorage {
    fn len(&self) -> u64 {
        self.0.len()
    }

    fn read_range(&self, offset: u64, len: usize) -> hdf5_reader::error::Result<StorageBuffer> {
        let end = u64::try_from(len)
            .ok()
            .and_then(|n| offset.checked_add(n))
            .ok_or(hdf5_reader::error::Error::OffsetOutOfBounds(offset))?;
        if end > self.0.len() {
            return Err(hdf5_reader::error::Error::UnexpectedEof {
                offset,
                needed: len as u64,
                available: self.0.len().saturating_sub(offset),
            });
        }
        let mut buf = vec![0u8; len];
        self.0.read_at(offset, &mut buf)?;
        Ok(StorageBuffer::from_vec(buf))
    }
}
