//! Reading HDF5 datasets without libhdf5's global lock: libhdf5 says where
//! each chunk is (once per chunk, [`H5Dget_chunk_info_by_coord`]), or the
//! pure-Rust reader read the whole chunk index at open ([`Direct::pure`],
//! `crate::pure`), and the chunk's bytes are read with positional reads
//! and decoded in Rust (`crate::codec`), on as many threads as the chunk
//! engine uses, with its cache.
//!
//! Applies to datasets of the POSIX file drivers (the default) with no user
//! block, contiguous (read in blocks of rows, as a grid of chunks) or
//! chunked with deflate, shuffle and fletcher32 filters, in either byte
//! order (swapped after reading). Of a file opened through libhdf5,
//! everything else — other filters, compact and virtual layouts, files in
//! memory — is read through libhdf5, as are chunks never written (libhdf5
//! knows their fill value); [`Direct::new`] says why. The pure-Rust reader
//! also reads compact datasets (their bytes are in the metadata) and knows
//! the fill value.
//!
//! Writes go through libhdf5; each bumps the dataset's version (shared by
//! every handle of the process), which outdates the chunk addresses and the
//! cached chunks of the dataset. So does a file found changed at an open
//! (its inode, size or modification time not what this process last saw).
//!
//! Without the feature `libhdf5` only the pure-Rust reader's datasets
//! exist ([`Direct::pure`], chunks found in [`Index::Listed`]).

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

#[cfg(feature = "libhdf5")]
use hdf5_metno::dataset::Layout;
#[cfg(feature = "libhdf5")]
use hdf5_metno::datatype::ByteOrder;
#[cfg(feature = "libhdf5")]
use hdf5_metno::file::FileDriver;
#[cfg(feature = "libhdf5")]
use hdf5_metno::filters::Filter;
#[cfg(feature = "libhdf5")]
use hdf5_sys::h5d::H5Dget_chunk_info_by_coord;
use lazy_core::backend::ArrayKey;

use crate::codec::Stage;

/// A dataset open through libhdf5: hdf5-metno's, with the feature
/// `libhdf5`.
#[cfg(feature = "libhdf5")]
pub(crate) type LibDataset = hdf5_metno::Dataset;

/// A dataset open through libhdf5: without the feature `libhdf5` there is
/// none (a type with no values), and every `Option<LibDataset>` is `None`.
#[cfg(not(feature = "libhdf5"))]
#[derive(Debug)]
pub(crate) enum LibDataset {}

/// The most bytes a block of rows of a contiguous dataset holds: 1 MiB.
const BLOCK_BYTES: usize = 1 << 20;

/// The most chunks of a dataset opened through libhdf5 whose index is read
/// in Rust at open ([`Direct::index_in_rust`]): 262,144, about 10 MB of
/// index and 50 to 150 ms (60,000 chunks: 10 to 40 ms on 2 loaded cores).
#[cfg(feature = "libhdf5")]
const MAX_INDEXED: usize = 1 << 18;

/// Where a chunk is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Located {
    pub(crate) addr: u64,
    pub(crate) size: u64,
    pub(crate) mask: u32,
}

/// The chunk addresses found so far, by chunk coordinates (`None`: never
/// written), and the generation they were found in.
#[cfg(feature = "libhdf5")]
type ChunkIndex = (u64, HashMap<Vec<u64>, Option<Located>>);

/// What the handles of one dataset share in the process: its version
/// (bumped by every write), the chunk addresses found so far (of the
/// generation they were found in), the lock that keeps direct reads out
/// while libhdf5 writes (chunks are rewritten in place or moved), so a read
/// sees all of a write or none of it, and the state of its file.
#[derive(Debug)]
pub(crate) struct Shared {
    version: AtomicU64,
    /// Chunks located by libhdf5.
    #[cfg(feature = "libhdf5")]
    index: Mutex<ChunkIndex>,
    pub(crate) io: std::sync::RwLock<()>,
    pub(crate) file: Arc<FileState>,
}

/// What the process knows of one file: how it was when last seen (inode,
/// size, modification time) and an epoch bumped when it is found changed
/// by someone else (rewritten by another program, or written through
/// hdf5-metno directly), which outdates the chunks cached of every dataset
/// in it.
#[derive(Debug, Default)]
pub(crate) struct FileState {
    stamp: Mutex<Option<Stamp>>,
    epoch: AtomicU64,
}

/// What tells one state of a file from another: its inode, size and
/// modification time.
type Stamp = (u64, u64, Option<std::time::SystemTime>);

fn stamp_of(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    Some((inode, m.len(), m.modified().ok()))
}

impl FileState {
    /// The state of the file at `path` (canonical), shared in the process.
    fn of(path: &Path) -> Arc<FileState> {
        static REGISTRY: OnceLock<Mutex<HashMap<std::path::PathBuf, Arc<FileState>>>> =
            OnceLock::new();
        let registry = REGISTRY.get_or_init(Mutex::default);
        let mut map = registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(path.to_path_buf()).or_default().clone()
    }

    /// Compares the file at `path` with how this process last saw it (at
    /// an open, a read of a writable file, or after a write of its own): if
    /// it changed otherwise than by this process' own write, the epoch is
    /// bumped. Then remembers it as it is now.
    pub(crate) fn seen(&self, path: &Path, after_own_write: bool) {
        let now = stamp_of(path);
        let mut stamp = self
            .stamp
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !after_own_write && stamp.is_some() && *stamp != now {
            self.epoch.fetch_add(1, Ordering::SeqCst);
        }
        *stamp = now;
    }
}

impl Shared {
    /// The dataset's state for `key`, in the file at `path`, shared by
    /// every handle on it.
    fn of(key: &ArrayKey, path: &Path) -> Arc<Shared> {
        static REGISTRY: OnceLock<Mutex<HashMap<ArrayKey, Arc<Shared>>>> = OnceLock::new();
        let registry = REGISTRY.get_or_init(Mutex::default);
        let mut map = registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Shared {
                    version: AtomicU64::new(0),
                    #[cfg(feature = "libhdf5")]
                    index: Mutex::default(),
                    io: std::sync::RwLock::new(()),
                    file: FileState::of(path),
                })
            })
            .clone()
    }

    /// Called around every write: chunks may have moved, cached ones
    /// changed.
    #[cfg(feature = "libhdf5")]
    pub(crate) fn written(&self) {
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    /// Forgets where chunk `index` is: it was just rewritten (and may have
    /// moved).
    #[cfg(feature = "libhdf5")]
    pub(crate) fn forget(&self, index: &[u64]) {
        let mut located = self
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        located.1.remove(index);
    }

    /// The version, as the cache's generation of every chunk.
    pub(crate) fn version(&self) -> u64 {
        let epoch = self.file.epoch.load(Ordering::SeqCst);
        (self.version.load(Ordering::SeqCst) << 24) ^ epoch
    }
}

/// How a dataset's bytes are laid out.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// One run of bytes, at the address [`Direct::locate`] finds (storage
    /// is allocated at the first write).
    Contiguous,
    /// Chunks decoded through these stages; `level` is the deflate level
    /// chunks are written with.
    Chunked(Vec<Stage>),
    /// The elements' bytes, held in the object header (compact layout),
    /// read by the pure-Rust reader: one chunk of the dataset's shape.
    Compact(Arc<[u8]>),
}

/// Who says where chunks are.
#[derive(Debug)]
pub(crate) enum Index {
    /// libhdf5, asked once per chunk and version.
    #[cfg(feature = "libhdf5")]
    Libhdf5,
    /// The chunk index read at open by the pure-Rust reader (`crate::pure`):
    /// every chunk stored (a contiguous dataset's data under the empty
    /// coordinates), and the dataset's version then
    /// ([`Shared::version`]): once a write through this process or a change
    /// of the file seen by it moves past it, the index is outdated.
    Listed(crate::pure::ChunkIndex, u64),
}

/// Where a dataset's chunks are read from.
#[derive(Debug)]
pub(crate) enum Stored {
    /// A local file, read with positional reads.
    File(File),
    /// An object read by ranges (feature `cloud`).
    #[cfg(feature = "cloud")]
    Remote(Arc<crate::pure::RemoteSource>),
}

impl Stored {
    /// The local file, if it is one.
    pub(crate) fn local(&self) -> Option<&File> {
        match self {
            Stored::File(file) => Some(file),
            #[cfg(feature = "cloud")]
            Stored::Remote(_) => None,
        }
    }

    /// The object read by ranges, if it is one.
    #[cfg(feature = "cloud")]
    pub(crate) fn remote(&self) -> Option<&crate::pure::RemoteSource> {
        match self {
            Stored::File(_) => None,
            Stored::Remote(remote) => Some(remote),
        }
    }
}

/// A dataset read without libhdf5 (see the module docs).
#[derive(Debug)]
pub(crate) struct Direct {
    pub(crate) file: Stored,
    /// The local file mapped into memory when it is open read-only
    /// (filtered chunks decode straight from it; see
    /// [`MappedFile`](lazy_core::backend::MappedFile)), else `None`.
    pub(crate) mapped: Option<lazy_core::backend::MappedFile>,
    /// The file's path, canonical (to see whether it changed around
    /// libhdf5's writes and reads of a writable file).
    #[cfg(feature = "libhdf5")]
    pub(crate) path: std::path::PathBuf,
    pub(crate) kind: Kind,
    /// The chunk shape: the dataset's, or blocks of rows when contiguous.
    pub(crate) chunk_shape: Vec<usize>,
    pub(crate) key: ArrayKey,
    pub(crate) shared: Arc<Shared>,
    /// Whether the file is open for writing (in this process): reads flush
    /// it first, so that what libhdf5 holds in its buffers is in the file.
    #[cfg(feature = "libhdf5")]
    pub(crate) writable: bool,
    /// Whether the stored bytes are in the other byte order than this
    /// machine's: every element read is swapped.
    pub(crate) swap: bool,
    /// The deflate level of the dataset's filter, for chunks written.
    #[cfg(feature = "libhdf5")]
    pub(crate) deflate_level: u8,
    /// Where chunks are found.
    pub(crate) index: Index,
    /// The value of elements never written, one element's bytes in the
    /// file's byte order, when known here (`None`: chunks never written are
    /// read through libhdf5, which knows it).
    pub(crate) fill: Option<Vec<u8>>,
    /// The dataset's attributes (numeric values, or `None`), when the
    /// pure-Rust reader read them; empty otherwise (libhdf5 reads them).
    pub(crate) attributes: Vec<(String, Option<Vec<f64>>)>,
}

/// A mapping of `file` (open read-only) for a dataset of `kind`, where
/// chunks are decoded from it: chunks of a pipeline that checks itself as
/// it decodes ([`codec::checked_in_one_pass`]; raw chunks are copied into
/// the output whichever way they are read), so that other datasets take no
/// mapping of the process's [`MappedFile`](lazy_core::backend::MappedFile)s.
fn mapping(kind: &Kind, file: &File) -> Option<lazy_core::backend::MappedFile> {
    match kind {
        Kind::Chunked(stages) if crate::codec::checked_in_one_pass(stages, 0) => {
            // SAFETY: decoding bounds-checks every length it reads from the
            // bytes, and chunks are decoded from the mapping only where the
            // decoding checks what it read in the same pass (`with_stored`).
            unsafe { lazy_core::backend::MappedFile::new(file) }
        }
        _ => None,
    }
}

/// The chunk shape of a contiguous dataset of `shape` with elements of
/// `elem` bytes: blocks of whole rows of at most [`BLOCK_BYTES`].
fn row_blocks(shape: &[usize], elem: usize) -> Vec<usize> {
    let row: usize = shape.iter().skip(1).product::<usize>().max(1);
    let rows =
        (BLOCK_BYTES / (row * elem).max(1)).clamp(1, shape.first().copied().unwrap_or(1).max(1));
    let mut chunk_shape = shape.to_vec();
    if let Some(first) = chunk_shape.first_mut() {
        *first = rows;
    }
    chunk_shape
}

impl Direct {
    /// The direct reader of `ds` (of `shape`, elements of `elem` bytes), or
    /// why it is read through libhdf5 instead.
    #[cfg(feature = "libhdf5")]
    pub(crate) fn new(
        ds: &hdf5_metno::Dataset,
        shape: &[usize],
        elem: usize,
    ) -> Result<Direct, String> {
        let file = ds.file().map_err(|e| e.to_string())?;
        let driver = file.access_plist().map_err(|e| e.to_string())?.driver();
        if !matches!(driver, FileDriver::Sec2 | FileDriver::Stdio) {
            return Err(format!("the file driver {driver:?}"));
        }
        if file.userblock() != 0 {
            return Err("a user block".into());
        }
        let dtype = ds.dtype().map_err(|e| e.to_string())?;
        let native = if cfg!(target_endian = "little") {
            ByteOrder::LittleEndian
        } else {
            ByteOrder::BigEndian
        };
        let order = dtype.byte_order();
        let swap = match order {
            _ if elem <= 1 => false,
            ByteOrder::LittleEndian | ByteOrder::BigEndian => order != native,
            other => return Err(format!("the byte order {other:?}")),
        };
        let path = file.filename();
        let canonical =
            std::fs::canonicalize(&path).unwrap_or_else(|_| Path::new(&path).to_path_buf());
        let key = ArrayKey::new(format!("hdf5://{}", canonical.display()), ds.name());
        let mut deflate_level = 0;
        let (kind, chunk_shape) = match ds.layout() {
            Layout::Contiguous => (Kind::Contiguous, row_blocks(shape, elem)),
            Layout::Chunked => {
                deflate_level = ds
                    .filters()
                    .iter()
                    .find_map(|f| match f {
                        Filter::Deflate(level) => Some(*level),
                        _ => None,
                    })
                    .unwrap_or(4);
                let stages = ds
                    .filters()
                    .iter()
                    .map(|f| match f {
                        Filter::Deflate(_) => Ok(Stage::Deflate),
                        Filter::Shuffle => Ok(Stage::Shuffle(elem)),
                        Filter::Fletcher32 => Ok(Stage::Fletcher32),
                        other => Err(format!("the filter {other:?}")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let chunk_shape = ds.chunk().ok_or("a chunked layout without chunks")?;
                (Kind::Chunked(stages), chunk_shape)
            }
            other => return Err(format!("the {other:?} layout")),
        };
        let handle =
            File::open(&canonical).map_err(|e| format!("the file cannot be read directly: {e}"))?;
        let shared = Shared::of(&key, &canonical);
        shared.file.seen(&canonical, false);
        let writable = !file.is_read_only();
        let mapped = (!writable).then(|| mapping(&kind, &handle)).flatten();
        Ok(Direct {
            path: canonical,
            swap,
            writable,
            mapped,
            file: Stored::File(handle),
            kind,
            chunk_shape,
            shared,
            key,
            deflate_level,
            index: Index::Libhdf5,
            fill: None,
            attributes: Vec::new(),
        })
    }

    /// Locates chunks with the chunk index the pure-Rust reader reads now
    /// from the file at `file` (dataset `path`), where it agrees with what
    /// libhdf5 said (chunk shape, filters); else, or when it cannot be
    /// read, keeps asking libhdf5. For datasets of files open read-only in
    /// this process: libhdf5 1.10 locates a chunk by walking the whole
    /// index (`H5Dget_chunk_info_by_coord`), about 1 to 5 ms per chunk of a
    /// dataset of 60,000 chunks, where the pure reader reads all of its
    /// index at open in 10 to 40 ms. A write through this process outdates
    /// the index (libhdf5 is asked again). Datasets of more than
    /// [`MAX_INDEXED`] chunks (of `shape`) keep asking libhdf5, so that an
    /// open stays cheap in time and memory.
    #[cfg(feature = "libhdf5")]
    pub(crate) fn index_in_rust(&mut self, file: &str, path: &str, shape: &[usize]) {
        if self.writable || !matches!(self.kind, Kind::Chunked(_)) {
            return;
        }
        let chunks = shape
            .iter()
            .zip(&self.chunk_shape)
            .try_fold(1usize, |n, (&len, &chunk)| {
                n.checked_mul(len.div_ceil(chunk.max(1)))
            });
        if chunks.is_none_or(|n| n > MAX_INDEXED) {
            return;
        }
        let Ok(pure) = crate::pure::open_file_pure(file) else {
            return;
        };
        let Ok(meta) = pure.dataset_meta(path) else {
            return;
        };
        if let (
            crate::pure::Layout::Chunked {
                chunk_shape,
                stages,
                chunks,
                ..
            },
            Kind::Chunked(ours),
        ) = (meta.layout, &self.kind)
        {
            if chunk_shape == self.chunk_shape && &stages == ours {
                self.index = Index::Listed(chunks, self.shared.version());
            }
        }
    }

    /// The reader of a dataset whose metadata and chunk index the
    /// pure-Rust reader found (`meta`, of the dataset at `path` of `file`),
    /// elements of `elem` bytes; read-only, no libhdf5 involved.
    pub(crate) fn pure(
        file: &crate::pure::PureFile,
        path: &str,
        meta: crate::pure::DatasetMeta,
        elem: usize,
    ) -> Result<Direct, String> {
        use crate::pure::Layout as Pure;
        if meta.elem_size != elem {
            return Err(format!(
                "elements of {} bytes read as elements of {elem}",
                meta.elem_size
            ));
        }
        let canonical = file.canonical().to_path_buf();
        let stored = match file.source() {
            crate::pure::Source::Local(local) => Stored::File(
                local
                    .file()
                    .try_clone()
                    .map_err(|e| format!("the file cannot be read directly: {e}"))?,
            ),
            #[cfg(feature = "cloud")]
            crate::pure::Source::Remote(remote) => Stored::Remote(remote),
        };
        // A remote file's key is its URL (`s3://…`).
        let key = match &stored {
            Stored::File(_) => ArrayKey::new(format!("hdf5://{}", canonical.display()), path),
            #[cfg(feature = "cloud")]
            Stored::Remote(remote) => ArrayKey::new(remote.url(), path),
        };
        let swap = elem > 1 && meta.big_endian != cfg!(target_endian = "big");
        #[cfg_attr(not(feature = "libhdf5"), allow(unused_variables))]
        let (kind, chunk_shape, chunks, deflate_level) = match meta.layout {
            Pure::Contiguous(located) => (
                Kind::Contiguous,
                row_blocks(&meta.shape, elem),
                crate::pure::ChunkIndex::contiguous(located),
                4,
            ),
            Pure::Compact(bytes) => (
                Kind::Compact(bytes.into()),
                meta.shape.iter().map(|&n| n.max(1)).collect(),
                crate::pure::ChunkIndex::default(),
                4,
            ),
            Pure::Chunked {
                chunk_shape,
                stages,
                deflate_level,
                chunks,
            } => (Kind::Chunked(stages), chunk_shape, chunks, deflate_level),
        };
        let shared = Shared::of(&key, &canonical);
        if stored.local().is_some() {
            shared.file.seen(&canonical, false);
        }
        let index = Index::Listed(chunks, shared.version());
        Ok(Direct {
            mapped: stored.local().and_then(|file| mapping(&kind, file)),
            file: stored,
            #[cfg(feature = "libhdf5")]
            path: canonical,
            kind,
            chunk_shape,
            key,
            shared,
            #[cfg(feature = "libhdf5")]
            writable: false,
            swap,
            #[cfg(feature = "libhdf5")]
            deflate_level,
            index,
            fill: Some(meta.fill),
            attributes: meta.attributes,
        })
    }

    /// Where chunk `index` of `ds` is stored (`None`: never written): in
    /// the index read at open while it is current, else asked of libhdf5
    /// once per chunk and version.
    pub(crate) fn locate(
        &self,
        ds: Option<&LibDataset>,
        index: &[u64],
    ) -> Result<Option<Located>, String> {
        match &self.index {
            Index::Listed(chunks, version) if self.shared.version() == *version => {
                let key = match self.kind {
                    Kind::Contiguous => &[][..],
                    _ => index,
                };
                return chunks.get(key);
            }
            Index::Listed(..) if ds.is_none() => {
                return Err(
                    "the file changed since lazy-hdf5's own reader opened the dataset: open it again"
                        .into(),
                );
            }
            // Outdated, with libhdf5 at hand: ask it, as without an index.
            _ => {}
        }
        #[cfg(feature = "libhdf5")]
        return self.locate_via_libhdf5(ds, index);
        #[cfg(not(feature = "libhdf5"))]
        return Err(format!("no chunk index to locate chunk {index:?} with"));
    }

    /// Where chunk `index` of `ds` is stored, asked of libhdf5 once per
    /// chunk and version.
    #[cfg(feature = "libhdf5")]
    fn locate_via_libhdf5(
        &self,
        ds: Option<&LibDataset>,
        index: &[u64],
    ) -> Result<Option<Located>, String> {
        let ds = ds.ok_or("no libhdf5 handle to locate chunks with")?;
        let generation = self.shared.version();
        let mut located = self
            .shared
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if located.0 != generation {
            // Found before a write: chunks may have moved since.
            *located = (generation, HashMap::new());
        }
        let map = &mut located.1;
        if let Some(found) = map.get(index) {
            return Ok(*found);
        }
        if matches!(self.kind, Kind::Contiguous) {
            // One entry for the whole dataset, under the empty index.
            if let Some(found) = map.get(&[][..]) {
                return Ok(*found);
            }
            let found = ds.offset().map(|addr| Located {
                addr,
                size: ds.storage_size(),
                mask: 0,
            });
            map.insert(Vec::new(), found);
            return Ok(found);
        }
        let origin: Vec<u64> = index
            .iter()
            .zip(&self.chunk_shape)
            .map(|(&c, &len)| c.saturating_mul(len as u64))
            .collect();
        let (mut mask, mut addr, mut size) = (0, 0, 0);
        let _guard = hdf5_sys::LOCK.lock();
        // SAFETY: the dataset is open for the call; `origin` holds one
        // coordinate per axis of the dataset, and the outputs are valid.
        let rc = unsafe {
            H5Dget_chunk_info_by_coord(ds.id(), origin.as_ptr(), &mut mask, &mut addr, &mut size)
        };
        if rc < 0 {
            return Err(format!("libhdf5 cannot locate chunk {index:?}"));
        }
        let found =
            (addr != hdf5_sys::h5::HADDR_UNDEF && size > 0).then_some(Located { addr, size, mask });
        map.insert(index.to_vec(), found);
        Ok(found)
    }
}
