//! The filesystem store lazy-zarr opens stores with: zarrs' filesystem store,
//! with writes that are atomic and chunk locks that hold across processes.
//!
//! - **Atomic writes.** A value (a chunk, a metadata document) is written to
//!   a temporary file beside its key's file and renamed over it, so a reader
//!   — of this process or another — sees the old value or the new one,
//!   never part of one. A writer killed mid-write leaves its temporary file
//!   (named `.<name>.<pid>.<n>.tmp`, ignored by Zarr readers) and the old
//!   value.
//! - **Chunk locks.** [`ChunkLocks::lock`] takes an advisory lock on one
//!   byte of the array's lock file (`.lazy-datasets.lock` in the array's
//!   directory) per chunk, so a read-modify-write of a chunk is serialized
//!   with every other process's that uses these locks. Linux's
//!   open-file-description locks are used (they do not mix up threads), so
//!   this needs a local filesystem with POSIX locks; network filesystems
//!   without them (some NFS setups) are not supported for concurrent writers.
//!
//! Durability: the rename makes a write atomic, not durable; after a power
//! loss a chunk may be its old value (set `LAZY_DATASETS_FSYNC=1` to fsync
//! every value and its directory before it counts as written).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use zarrs::filesystem::FilesystemStore;
use zarrs::storage::byte_range::ByteRangeIterator;
use zarrs::storage::{
    Bytes, MaybeBytes, MaybeBytesIterator, OffsetBytesIterator, ReadableStorageTraits,
    StorageError, StoreKey, StorePrefix, WritableStorageTraits,
};

/// zarrs' filesystem store with atomic writes (see the module docs).
#[derive(Debug)]
pub(crate) struct AtomicFilesystemStore {
    inner: FilesystemStore,
    root: PathBuf,
    fsync: bool,
}

/// Whether every value is made durable before it counts as written
/// (`LAZY_DATASETS_FSYNC=1`).
pub(crate) fn fsync() -> bool {
    std::env::var_os("LAZY_DATASETS_FSYNC").is_some_and(|v| v == "1")
}

impl AtomicFilesystemStore {
    /// The store in directory `root` (made if missing).
    pub(crate) fn new(root: &Path) -> Result<Self, StorageError> {
        let inner = FilesystemStore::new(root).map_err(|e| StorageError::Other(e.to_string()))?;
        Ok(AtomicFilesystemStore {
            inner,
            root: root.to_path_buf(),
            fsync: fsync(),
        })
    }

    fn path(&self, key: &StoreKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

/// A temporary file name beside `path`, unique in this process and others.
fn temporary(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Writes `value` to `path` atomically: a temporary file renamed over it.
pub(crate) fn write_atomically(path: &Path, value: &[u8], fsync: bool) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temporary(path);
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(value)?;
        if fsync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if fsync {
            if let Some(dir) = path.parent() {
                File::open(dir)?.sync_all()?;
            }
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

impl ReadableStorageTraits for AtomicFilesystemStore {
    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        self.inner.get_partial_many(key, byte_ranges)
    }

    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        // One open and one read: the file the key names at that moment,
        // whole, whatever renames happen meanwhile.
        match std::fs::read(self.path(key)) {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        self.inner.size_key(key)
    }

    fn supports_get_partial(&self) -> bool {
        self.inner.supports_get_partial()
    }
}

impl WritableStorageTraits for AtomicFilesystemStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        write_atomically(&self.path(key), &value, self.fsync).map_err(StorageError::from)
    }

    fn set_partial_many(
        &self,
        key: &StoreKey,
        offset_values: OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        // Atomic too: the whole value, changed, written anew.
        let mut value = self.get(key)?.map(|b| b.to_vec()).unwrap_or_default();
        for (offset, bytes) in offset_values {
            let start = usize::try_from(offset).map_err(|e| StorageError::Other(e.to_string()))?;
            let end = start + bytes.len();
            if value.len() < end {
                value.resize(end, 0);
            }
            value[start..end].copy_from_slice(&bytes);
        }
        write_atomically(&self.path(key), &value, self.fsync).map_err(StorageError::from)
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        self.inner.erase(key)
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        self.inner.erase_prefix(prefix)
    }

    fn supports_set_partial(&self) -> bool {
        false
    }
}

/// Advisory chunk locks of one array, across processes (see the module
/// docs).
#[derive(Debug, Clone)]
pub(crate) struct ChunkLocks {
    path: PathBuf,
}

/// A held chunk lock; released when dropped (its file is closed).
#[derive(Debug)]
pub(crate) struct ChunkLock {
    _file: File,
}

impl ChunkLocks {
    /// The locks of the array whose directory is `dir`.
    pub(crate) fn new(dir: &Path) -> Self {
        ChunkLocks {
            path: dir.join(".lazy-datasets.lock"),
        }
    }

    /// Locks chunk number `slot` (a chunk's row-major number in the grid)
    /// until the returned guard is dropped, waiting for other holders.
    pub(crate) fn lock(&self, slot: u64) -> std::io::Result<ChunkLock> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)?;
        lock_byte(&file, slot % (i64::MAX as u64))?;
        Ok(ChunkLock { _file: file })
    }
}

/// Takes a write lock on byte `offset` of `file`, waiting for it; Linux
/// open-file-description locks, released when this descriptor closes.
#[cfg(target_os = "linux")]
fn lock_byte(file: &File, offset: u64) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: `flock` is a plain C struct for which all-zero bytes are a
    // valid value; the fields that matter are set below.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = offset as libc::off_t;
    lock.l_len = 1;
    lock.l_pid = 0;
    loop {
        // SAFETY: the descriptor is open for the call, and `lock` is a valid
        // `flock` for `F_OFD_SETLKW`, which only reads it.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLKW, &lock) };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Elsewhere: no lock across processes (the process-wide lock still
/// serializes this process's writers).
#[cfg(not(target_os = "linux"))]
fn lock_byte(_file: &File, _offset: u64) -> std::io::Result<()> {
    Ok(())
}
