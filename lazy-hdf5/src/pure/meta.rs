//! A dataset's metadata as lazy-hdf5's chunk engine needs it, read in Rust
//! by hdf5-reader: shape, element type and byte order, fill value, filter
//! pipeline, layout and the whole chunk index (B-tree v1, single chunk,
//! implicit, fixed array, extensible array, B-tree v2), as [`DatasetMeta`].
//! Everything hdf5-reader gives is checked here before the engine sees it:
//! chunks inside the file, chunk offsets on the chunk grid, sizes that fit
//! in memory; anything else is an error message, never a panic.
//!
//! This module, `attrs.rs` (attribute values) and the listing in `mod.rs`
//! are the only users of hdf5-reader (pinned: its 0.x releases change its
//! API), so that a change of crate, or a reader of our own, touches
//! nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use hdf5_core::{ByteOrder, ChunkIndexing, DataLayout, DataspaceType, Datatype};
use hdf5_reader::messages::HdfMessage;
use hdf5_reader::Hdf5File;
use lazy_core::DType;

use super::attrs;
use super::btree1;
use super::source::ByteSource;
use crate::codec::Stage;
use crate::direct::Located;

/// The largest chunk HDF5 stores (its chunk sizes are 32-bit): a larger
/// one in a file is damage, and is refused before any buffer is sized by it.
const MAX_CHUNK_BYTES: u64 = u32::MAX as u64;

/// What the chunk engine needs of one dataset.
#[derive(Debug)]
pub(crate) struct DatasetMeta {
    /// The dataset's shape (empty for a scalar).
    pub(crate) shape: Vec<usize>,
    /// Its element type, when lazy-datasets has one for it.
    pub(crate) dtype: Option<DType>,
    /// Its HDF5 type in words (`int32`, `float64`, `string`, …).
    pub(crate) described: String,
    /// Bytes per element in the file.
    pub(crate) elem_size: usize,
    /// Whether elements are stored big-endian.
    pub(crate) big_endian: bool,
    /// The value of elements never written: one element's bytes, in the
    /// file's byte order (zeros when the file defines none; empty then for
    /// an element type lazy-datasets has none for, which is never read).
    pub(crate) fill: Vec<u8>,
    /// Where the elements are.
    pub(crate) layout: Layout,
    /// The dataset's attributes by name, with their values when they are
    /// numbers (integers or floats, either byte order); `None` otherwise.
    pub(crate) attributes: Vec<(String, Option<Vec<f64>>)>,
}

/// Where a dataset's elements are stored.
#[derive(Debug)]
pub(crate) enum Layout {
    /// One run of bytes (`None`: never written, all fill value).
    Contiguous(Option<Located>),
    /// In the object header: the elements' bytes.
    Compact(Vec<u8>),
    /// Chunks of `chunk_shape`, decoded through `stages`, found by chunk
    /// coordinates in `chunks` (a chunk missing there was never written).
    Chunked {
        /// The chunk shape.
        chunk_shape: Vec<usize>,
        /// The filter pipeline, in order.
        stages: Vec<Stage>,
        /// The deflate level of the pipeline (for symmetry with libhdf5's
        /// datasets; nothing is written through this reader).
        deflate_level: u8,
        /// Every chunk stored.
        chunks: ChunkIndex,
    },
}

/// A filter's name, for messages.
fn filter_name(id: u16, name: Option<&str>) -> String {
    let known = match id {
        1 => "deflate",
        2 => "shuffle",
        3 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        307 => "bzip2",
        32000 => "lzf",
        32001 => "blosc",
        32004 => "lz4",
        32008 => "bitshuffle",
        32015 => "zstd",
        32017 => "sz",
        32026 => "blosc2",
        _ => return name.map_or_else(|| format!("with id {id}"), |n| format!("{n:?} (id {id})")),
    };
    format!("{known} (id {id})")
}

/// The element type of an HDF5 type: the lazy-datasets type (if any), its
/// description, and whether it is stored big-endian. A bool is h5py's:
/// an enum over a 1-byte integer with members `FALSE = 0` and `TRUE = 1`.
fn element(dt: &Datatype) -> (Option<DType>, String, bool) {
    match dt {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        } => {
            let dtype = match (size, signed) {
                (1, true) => Some(DType::I8),
                (2, true) => Some(DType::I16),
                (4, true) => Some(DType::I32),
                (8, true) => Some(DType::I64),
                (1, false) => Some(DType::U8),
                (2, false) => Some(DType::U16),
                (4, false) => Some(DType::U32),
                (8, false) => Some(DType::U64),
                _ => None,
            };
            let sign = if *signed { "" } else { "u" };
            let bits = u32::from(*size) * 8;
            (
                dtype,
                format!("{sign}int{bits}"),
                *byte_order == ByteOrder::BigEndian,
            )
        }
        Datatype::FloatingPoint { size, byte_order } => {
            let dtype = match size {
                4 => Some(DType::F32),
                8 => Some(DType::F64),
                _ => None,
            };
            let bits = u32::from(*size) * 8;
            (
                dtype,
                format!("float{bits}"),
                *byte_order == ByteOrder::BigEndian,
            )
        }
        Datatype::Enum { base, members } => {
            let byte = matches!(**base, Datatype::FixedPoint { size: 1, .. });
            let named = |name: &str, value: u8| {
                members
                    .iter()
                    .any(|m| m.name == name && m.value.as_slice() == [value])
            };
            if byte && members.len() == 2 && named("FALSE", 0) && named("TRUE", 1) {
                (Some(DType::Bool), "bool".into(), false)
            } else {
                (None, "enum".into(), false)
            }
        }
        Datatype::String { .. } => (None, "string".into(), false),
        Datatype::Compound { .. } => (None, "compound".into(), false),
        Datatype::Array { .. } => (None, "array".into(), false),
        Datatype::VarLen { .. } => (None, "variable-length".into(), false),
        Datatype::Opaque { .. } => (None, "opaque".into(), false),
        Datatype::Reference { .. } => (None, "reference".into(), false),
        Datatype::Bitfield { .. } => (None, "bitfield".into(), false),
    }
}

/// The position in the file of HDF5 address `addr` (relative to the
/// superblock at `base`).
fn absolute(base: u64, addr: u64) -> Result<u64, String> {
    base.checked_add(addr)
        .ok_or_else(|| format!("an address {addr} past 64 bits"))
}

/// Whether `addr` is HDF5's undefined address for offsets of `size` bytes.
fn undefined(addr: u64, size: u8) -> bool {
    hdf5_reader::io::Cursor::is_undefined_offset(addr, size)
}

/// Reads the metadata of the dataset at `path` (absolute) of `file`, whose
/// bytes `source` holds (a B-tree v1 chunk index is read from it a level at
/// a time), or says why it cannot be read here. Addresses are made absolute (HDF5's
/// are relative to the superblock, which a user block moves).
///
/// With `deferred`, a chunked dataset's chunk index is read when a chunk is
/// first looked up ([`ChunkIndex::get`]) instead of now: a remote file's
/// datasets then open with their object headers alone, and a stack's
/// sources read their indexes side by side at their first read.
pub(crate) fn read(
    file: &Hdf5File,
    source: &Arc<dyn ByteSource>,
    path: &str,
    deferred: bool,
) -> Result<DatasetMeta, String> {
    // The file's length past its user block, what HDF5 addresses.
    let file_len = file.storage().len();
    let base = file.superblock().base_address;
    let ds = file.dataset(path).map_err(|e| e.to_string())?;
    let header = file
        .get_or_parse_header(ds.address())
        .map_err(|e| e.to_string())?;
    let (mut space, mut layout, mut fill, mut pipeline, mut external) =
        (None, None, None, None, false);
    for msg in &header.messages {
        match msg {
            HdfMessage::Dataspace(s) => space = Some(s),
            HdfMessage::DataLayout(l) => layout = Some(&l.layout),
            HdfMessage::FillValue(f) if f.value.is_some() || fill.is_none() => fill = Some(f),
            HdfMessage::FilterPipeline(p) => pipeline = Some(p),
            HdfMessage::ExternalFiles(_) => external = true,
            _ => {}
        }
    }
    let space = space.ok_or("no dataspace message")?;
    if space.dataspace_type == DataspaceType::Null {
        return Err("a null dataspace (no elements, no shape)".into());
    }
    let layout = layout.ok_or("no layout message")?;
    if external {
        return Err("its elements are in external files".into());
    }
    let shape = space
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("an axis of length {d}")))
        .collect::<Result<Vec<usize>, String>>()?;
    let (dtype, described, big_endian) = element(ds.dtype());
    let elem_size = ds.raw_element_size().map_err(|e| e.to_string())?;
    if dtype.is_some_and(|t| t.size() != elem_size) {
        return Err(format!("a {described} of {elem_size} bytes"));
    }
    let n_elems = shape
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .ok_or("more elements than fit in 64 bits")?;
    let n_bytes = n_elems
        .checked_mul(elem_size as u64)
        .ok_or("more bytes than fit in 64 bits")?;
    // The file's fill value is its own bytes; zeros are made only for the
    // element types read here (at most 8 bytes): an element size is 32 bits
    // of the file, and a damaged one (a 2 GiB compound) sized this buffer.
    let fill = match fill
        .and_then(|f| f.value.clone())
        .filter(|v| v.len() == elem_size)
    {
        Some(value) => value,
        None if dtype.is_some() => vec![0; elem_size],
        None => Vec::new(),
    };
    let offset_size = file.superblock().offset_size;
    let layout = match layout {
        DataLayout::Compact { data } => {
            let n = usize::try_from(n_bytes).map_err(|e| e.to_string())?;
            let data = data
                .get(..n)
                .ok_or_else(|| format!("compact data of {} bytes for {n}", data.len()))?;
            Layout::Compact(data.to_vec())
        }
        DataLayout::Contiguous { address, size } => {
            if undefined(*address, offset_size) {
                Layout::Contiguous(None)
            } else {
                let end = address.checked_add(n_bytes);
                if *size < n_bytes || end.is_none_or(|end| end > file_len) {
                    return Err(format!(
                        "contiguous data of {n_bytes} bytes at {address} past the end of the file ({file_len} bytes) or of its storage ({size} bytes)"
                    ));
                }
                Layout::Contiguous(Some(Located {
                    addr: absolute(base, *address)?,
                    size: n_bytes,
                    mask: 0,
                }))
            }
        }
        DataLayout::Chunked {
            address,
            chunk_indexing,
            ..
        } => {
            let (stages, deflate_level) = stages(pipeline, elem_size)?;
            let dims = ds
                .chunks()
                .ok_or("a chunked layout without chunk dimensions")?;
            let chunk_shape = dims.iter().map(|&d| d as usize).collect();
            let grid = Grid {
                shape: shape.clone(),
                dims,
                elem_size,
                filtered: !stages.is_empty(),
                file_len,
                max_dims: ds.max_dims().map(<[u64]>::to_vec),
            };
            let chunk_bytes = grid.chunk_bytes()?;
            let counts = grid.counts();
            let (address, indexing) = (*address, chunk_indexing.clone());
            let (file, source) = (file.clone(), source.clone());
            let load: Loader = Box::new(move || {
                chunks(
                    &file,
                    source.as_ref(),
                    (address, indexing.as_ref()),
                    &grid,
                    chunk_bytes,
                )
            });
            let chunks = if deferred {
                ChunkIndex::deferred(counts, load)
            } else {
                ChunkIndex::listed(counts, load().map_err(|e| format!("its chunk index: {e}"))?)
            };
            Layout::Chunked {
                chunk_shape,
                chunks,
                stages,
                deflate_level,
            }
        }
    };
    let attributes = ds
        .attributes()
        .iter()
        .map(|attr| {
            let numbers = attrs::decode(attr).ok().and_then(|a| a.value.numbers());
            (attr.name.clone(), numbers)
        })
        .collect();
    Ok(DatasetMeta {
        shape,
        dtype,
        described,
        elem_size,
        big_endian,
        fill,
        layout,
        attributes,
    })
}

/// What to do about a filter lazy-hdf5 does not decode: libhdf5 reads it.
#[cfg(feature = "libhdf5")]
const UNDECODED: &str =
    "open the file with lazy_hdf5::open_file (through libhdf5) to read the dataset";
#[cfg(not(feature = "libhdf5"))]
const UNDECODED: &str = "libhdf5 reads the dataset: build with the feature `libhdf5` \
    (of lazy-datasets or lazy-hdf5; it needs the system libhdf5) and open the file with open_file";

/// The decoding stages of a filter pipeline and its deflate level; a
/// filter lazy-hdf5 does not decode is an error naming it.
fn stages(
    pipeline: Option<&hdf5_core::FilterPipelineMessage>,
    elem_size: usize,
) -> Result<(Vec<Stage>, u8), String> {
    let Some(pipeline) = pipeline else {
        return Ok((Vec::new(), 4));
    };
    let mut level = 4;
    let stages = pipeline
        .filters
        .iter()
        .map(|f| match f.id {
            1 => {
                level = f
                    .client_data
                    .first()
                    .and_then(|&l| u8::try_from(l).ok())
                    .unwrap_or(4);
                Ok(Stage::Deflate)
            }
            2 => Ok(Stage::Shuffle(elem_size)),
            3 => Ok(Stage::Fletcher32),
            id => Err(format!(
                "the filter {}, which lazy-hdf5 does not decode: {}",
                filter_name(id, f.name.as_deref()),
                UNDECODED
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((stages, level))
}

/// Where each stored chunk of a dataset is, by its number in row-major
/// order over the grid of chunks that covers the dataset (an index entry
/// outside it, left from a larger extent, is dropped). 40 bytes or so a
/// chunk; built without an allocation per chunk. Read when the dataset
/// opens, or, deferred ([`read`]), at the first lookup (once: lookups on
/// other threads meanwhile wait for it).
#[derive(Default)]
pub(crate) struct ChunkIndex {
    /// Chunks per axis (none for a contiguous dataset, whose data is
    /// chunk number 0).
    grid: Vec<u64>,
    /// The chunks, once read, or why they cannot be.
    chunks: OnceLock<Result<HashMap<u64, Located>, String>>,
    /// What reads them, until it has.
    load: Mutex<Option<Loader>>,
}

/// Reads a deferred chunk index.
type Loader = Box<dyn FnOnce() -> Result<HashMap<u64, Located>, String> + Send>;

impl std::fmt::Debug for ChunkIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkIndex")
            .field("grid", &self.grid)
            .field(
                "chunks",
                &self.chunks.get().map(|c| c.as_ref().map(HashMap::len)),
            )
            .finish()
    }
}

impl ChunkIndex {
    /// The index of a contiguous dataset: its data, if ever written.
    pub(crate) fn contiguous(data: Option<Located>) -> Self {
        Self::listed(Vec::new(), data.map(|d| (0, d)).into_iter().collect())
    }

    /// An index read already: `chunks` of a grid of `grid` chunks per axis.
    fn listed(grid: Vec<u64>, chunks: HashMap<u64, Located>) -> Self {
        ChunkIndex {
            grid,
            chunks: OnceLock::from(Ok(chunks)),
            load: Mutex::new(None),
        }
    }

    /// An index of a grid of `grid` chunks per axis that `load` reads at
    /// the first lookup.
    fn deferred(grid: Vec<u64>, load: Loader) -> Self {
        ChunkIndex {
            grid,
            chunks: OnceLock::new(),
            load: Mutex::new(Some(load)),
        }
    }

    /// Where chunk `index` (coordinates, one per axis) is; `None` when it
    /// was never written or is outside the grid. A deferred index is read
    /// first; that it cannot be is the error (on every lookup).
    pub(crate) fn get(&self, index: &[u64]) -> Result<Option<Located>, String> {
        let chunks = self
            .chunks
            .get_or_init(|| {
                let load = self
                    .load
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                match load {
                    Some(load) => super::guarded(load).map_err(|e| format!("its chunk index: {e}")),
                    None => Ok(HashMap::new()),
                }
            })
            .as_ref()
            .map_err(Clone::clone)?;
        Ok(self.number(index).and_then(|n| chunks.get(&n).copied()))
    }

    /// The number of chunk `index`, if it is inside the grid.
    fn number(&self, index: &[u64]) -> Option<u64> {
        if index.len() != self.grid.len() {
            return None;
        }
        number(index.iter().copied(), &self.grid)
    }
}

/// The number, in row-major order over a grid of `grid` chunks per axis,
/// of the chunk at coordinates `index` (one per axis); `None` when it is
/// outside the grid.
fn number(index: impl Iterator<Item = u64>, grid: &[u64]) -> Option<u64> {
    index.zip(grid).try_fold(0u64, |n, (c, &g)| {
        (c < g).then_some(())?;
        n.checked_mul(g)?.checked_add(c)
    })
}

/// What the walk of a chunk index needs to know of its dataset.
struct Grid {
    /// The dataset's shape.
    shape: Vec<usize>,
    /// Its chunk shape, as the layout message gives it.
    dims: Vec<u32>,
    /// Bytes per element.
    elem_size: usize,
    /// Whether chunks go through filters (else they are stored whole).
    filtered: bool,
    /// The file's length: every chunk lies inside it.
    file_len: u64,
    /// Its maximal shape, when the file gives one (an extensible array
    /// index needs it).
    max_dims: Option<Vec<u64>>,
}

impl Grid {
    /// Chunks per axis.
    fn counts(&self) -> Vec<u64> {
        self.shape
            .iter()
            .zip(&self.dims)
            .map(|(&n, &d)| (n as u64).div_ceil(u64::from(d)))
            .collect()
    }

    /// The bytes of a whole chunk, checked: one chunk shape entry per axis,
    /// none 0, at most HDF5's 4 GiB in all.
    fn chunk_bytes(&self) -> Result<u64, String> {
        let (dims, shape) = (&self.dims, &self.shape);
        if dims.len() != shape.len() || dims.contains(&0) {
            return Err(format!(
                "chunks of shape {dims:?} for a dataset of shape {shape:?}"
            ));
        }
        dims.iter()
            .try_fold(self.elem_size as u64, |n, &d| n.checked_mul(u64::from(d)))
            .filter(|&n| n <= MAX_CHUNK_BYTES)
            .ok_or_else(|| format!("chunks of shape {dims:?} larger than HDF5's 4 GiB"))
    }
}

/// Every stored chunk of a chunked dataset, from its chunk index (at
/// `index.0`, of kind `index.1`; `None` is a B-tree v1), checked against
/// `grid` (whole chunks of `chunk_bytes`).
fn chunks(
    file: &Hdf5File,
    source: &dyn ByteSource,
    index: (u64, Option<&ChunkIndexing>),
    grid: &Grid,
    chunk_bytes: u64,
) -> Result<HashMap<u64, Located>, String> {
    let Grid {
        ref shape,
        ref dims,
        elem_size,
        filtered,
        file_len,
        ref max_dims,
    } = *grid;
    let counts = grid.counts();
    let rank = shape.len();
    let (address, indexing) = index;
    let sb = file.superblock();
    let (os, ls, base) = (sb.offset_size, sb.length_size, sb.base_address);
    let mut found = HashMap::new();
    if undefined(address, os) {
        return Ok(found);
    }
    let storage = file.storage();
    let shape64: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    use hdf5_reader::chunk_index::{self as ci, ChunkEntry};
    let entries: Vec<ChunkEntry> = match indexing {
        None => btree1::Tree {
            source,
            base,
            offset_size: os,
            length_size: ls,
            rank: u32::try_from(rank).map_err(|e| e.to_string())?,
        }
        .leaves(address)
        .map(|leaves| {
            leaves
                .into_iter()
                .filter_map(|(key, addr)| match key {
                    // The key holds one more offset (into the element), dropped.
                    hdf5_reader::btree_v1::BTreeV1Key::RawData {
                        chunk_size,
                        filter_mask,
                        offsets,
                    } => Some(ChunkEntry {
                        address: addr,
                        size: u64::from(chunk_size),
                        filter_mask,
                        offsets,
                    }),
                    hdf5_reader::btree_v1::BTreeV1Key::Group { .. } => None,
                })
                .collect()
        })
        .map_err(hdf5_reader::error::Error::InvalidData),
        Some(ChunkIndexing::SingleChunk {
            filtered_size,
            filters,
        }) => Ok(vec![ci::single_chunk_entry(
            address,
            *filtered_size,
            *filters,
            rank,
        )]),
        Some(ChunkIndexing::Implicit) => ci::collect_implicit_chunk_entries(
            address,
            &shape64,
            dims,
            elem_size,
            None,
            storage.len(),
        ),
        Some(ChunkIndexing::FixedArray { .. }) => {
            hdf5_reader::fixed_array::collect_fixed_array_chunk_entries_storage(
                storage, address, os, ls, &shape64, dims, None,
            )
        }
        Some(ChunkIndexing::ExtensibleArray { .. }) => {
            hdf5_reader::extensible_array::collect_extensible_array_chunk_entries_storage(
                storage,
                address,
                os,
                ls,
                &shape64,
                max_dims.as_deref(),
                dims,
                None,
            )
        }
        Some(ChunkIndexing::BTreeV2) => ci::collect_v2_chunk_entries_storage(
            storage,
            address,
            os,
            ls,
            u32::try_from(rank).map_err(|e| e.to_string())?,
            dims,
            None,
        ),
    }
    .map_err(|e| e.to_string())?;
    found.reserve(entries.len());
    for entry in entries {
        if undefined(entry.address, os) {
            continue;
        }
        let offsets = entry
            .offsets
            .get(..rank)
            .ok_or_else(|| format!("a chunk index entry of {} offsets", entry.offsets.len()))?;
        if offsets
            .iter()
            .zip(dims)
            .any(|(&at, &d)| at % u64::from(d) != 0)
        {
            return Err(format!(
                "a chunk at {offsets:?}, off the grid of chunks {dims:?}"
            ));
        }
        // The chunk's number; `None`: outside the dataset's extent.
        let coordinates = offsets.iter().zip(dims).map(|(&at, &d)| at / u64::from(d));
        let Some(number) = number(coordinates, &counts) else {
            continue;
        };
        let index = offsets;
        // Unfiltered chunks are stored whole; their size may be recorded as 0.
        let size = if filtered { entry.size } else { chunk_bytes };
        if filtered && (size == 0 || size > MAX_CHUNK_BYTES) {
            return Err(format!("chunk {index:?} stored in {size} bytes"));
        }
        if entry
            .address
            .checked_add(size)
            .is_none_or(|end| end > file_len)
        {
            return Err(format!(
                "chunk {index:?} of {size} bytes at {} past the end of the file ({file_len} bytes)",
                entry.address
            ));
        }
        found.insert(
            number,
            Located {
                addr: absolute(base, entry.address)?,
                size,
                mask: entry.filter_mask,
            },
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    fn at(addr: u64) -> Located {
        Located {
            addr,
            size: 10,
            mask: 0,
        }
    }

    #[test]
    fn a_deferred_index_is_read_once_at_the_first_lookup() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counted = loads.clone();
        let index = ChunkIndex::deferred(
            vec![2, 3],
            Box::new(move || {
                counted.fetch_add(1, SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                // Chunk [1, 2] is number 1 * 3 + 2.
                Ok([(5, at(500))].into_iter().collect())
            }),
        );
        assert_eq!(loads.load(SeqCst), 0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| assert_eq!(index.get(&[1, 2]).unwrap(), Some(at(500))));
            }
        });
        assert_eq!(index.get(&[0, 0]).unwrap(), None);
        assert_eq!(index.get(&[2, 0]).unwrap(), None, "outside the grid");
        assert_eq!(loads.load(SeqCst), 1);
    }

    #[test]
    fn a_deferred_index_that_cannot_be_read_fails_every_lookup() {
        let index = ChunkIndex::deferred(vec![4], Box::new(|| Err("a damaged node".into())));
        for _ in 0..2 {
            let err = index.get(&[1]).unwrap_err();
            // The loader's errors carry no prefix (`chunks` leaves it to
            // its two callers): it is said once.
            assert_eq!(err, "its chunk index: a damaged node");
        }
        let panics = ChunkIndex::deferred(vec![4], Box::new(|| panic!("a reader bug")));
        assert!(panics.get(&[1]).is_err());
    }
}
