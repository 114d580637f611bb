//! The codec chains lazy-zarr decodes itself: C-order chunks of little-endian
//! (or one-byte) elements, uncompressed or compressed with zstd or gzip —
//! what zarr-python writes by default. Reading the chunk's bytes and
//! decompressing them straight into the caller's buffer saves zarrs'
//! intermediate buffer; and a read of part of a chunk decompresses only the
//! prefix that holds it (an uncompressed chunk: only the bytes it spans),
//! as TensorStore does. Every other chain (sharding, transposes, other
//! compressors, big-endian data, checksums, storage transformers) is
//! decoded by zarrs.

use std::io::Read;

use lazy_core::backend::{with_bytes, zeroed, BoxSpan, RawChunk};
use lazy_core::{Error, Mode, Rank, Result};
use ndarray::{ArrayViewMutD, IxDyn};

use serde_json::Value;
use zarrs::array::{Array, ArrayMetadata};
use zarrs::storage::byte_range::ByteRange;

use crate::dataset::{Storage, ZarrDataset};
use crate::element::ZarrElement;

/// A codec chain decoded here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chain {
    /// The bytes of the elements, as they are.
    Raw,
    /// zstd-compressed bytes.
    #[cfg(feature = "zstd")]
    Zstd,
    /// gzip-compressed bytes.
    Gzip,
}

impl Chain {
    /// The chain's name, as `Debug` of a dataset shows it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Chain::Raw => "bytes",
            #[cfg(feature = "zstd")]
            Chain::Zstd => "bytes+zstd",
            Chain::Gzip => "bytes+gzip",
        }
    }
}

/// The chain of `array`, when it is one decoded here (on a little-endian
/// machine).
pub(crate) fn chain_of(array: &Array<Storage>) -> Option<Chain> {
    encoding_of(array).map(|e| e.chain)
}

/// How lazy-zarr encodes chunks of a chain it decodes: the chain and its
/// compressor's settings, as the array's metadata gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoding {
    pub(crate) chain: Chain,
    /// The compression level (zstd: -7 to 22; gzip: 0 to 9).
    level: i32,
    /// Whether zstd frames carry a checksum.
    checksum: bool,
}

/// The encoding of `array`, when its chain is one decoded here (on a
/// little-endian machine).
pub(crate) fn encoding_of(array: &Array<Storage>) -> Option<Encoding> {
    if cfg!(target_endian = "big") {
        return None;
    }
    let meta = serde_json::to_value(array.metadata()).ok()?;
    let transformers = meta.get("storage_transformers").and_then(Value::as_array);
    if transformers.is_some_and(|t| !t.is_empty()) {
        return None;
    }
    match array.metadata() {
        ArrayMetadata::V3(_) => {
            let codecs = meta.get("codecs")?.as_array()?;
            let (bytes, rest) = codecs.split_first()?;
            let endian = bytes
                .pointer("/configuration/endian")
                .and_then(Value::as_str);
            if name(bytes)? != "bytes" || endian.is_some_and(|e| e != "little") {
                return None;
            }
            match rest {
                [] => Some(Encoding::raw()),
                [c] => compressor(name(c)?, c.get("configuration")),
                _ => None,
            }
        }
        ArrayMetadata::V2(_) => {
            let little = meta
                .get("dtype")?
                .as_str()
                .is_some_and(|d| d.starts_with('<') || d.starts_with('|'));
            let plain = meta.get("filters").is_none_or(Value::is_null)
                && meta.get("order").and_then(Value::as_str) == Some("C");
            if !(little && plain) {
                return None;
            }
            match meta.get("compressor") {
                None | Some(Value::Null) => Some(Encoding::raw()),
                Some(c) => compressor(c.get("id")?.as_str()?, Some(c)),
            }
        }
    }
}

/// Who reads `array`: `"lazy-zarr (bytes+zstd)"` where lazy-zarr decodes
/// its codecs itself, else `"zarrs (<codecs>)"`; `regular` says whether
/// its chunk grid is one lazy-core's chunk engine reads.
pub(crate) fn reader_of(array: &Array<Storage>, regular: bool) -> String {
    if !regular {
        return "zarrs (a chunk grid that is not regular)".to_string();
    }
    if let Some(chain) = chain_of(array) {
        return format!("lazy-zarr ({})", chain.name());
    }
    let meta = serde_json::to_value(array.metadata()).unwrap_or(Value::Null);
    let names: Vec<String> = match array.metadata() {
        ArrayMetadata::V3(_) => meta
            .get("codecs")
            .and_then(Value::as_array)
            .map(|codecs| codecs.iter().filter_map(name).map(str::to_string).collect())
            .unwrap_or_default(),
        ArrayMetadata::V2(_) => {
            let id = |v: &Value| v.get("id").and_then(Value::as_str).map(str::to_string);
            let filters = meta.get("filters").and_then(Value::as_array);
            filters
                .into_iter()
                .flatten()
                .filter_map(id)
                .chain(meta.get("compressor").and_then(id))
                .collect()
        }
    };
    if names.is_empty() {
        "zarrs".to_string()
    } else {
        format!("zarrs ({})", names.join("+"))
    }
}

/// A v3 codec's name: `{"name": ...}`, or the bare name a codec without
/// configuration may be written as (zarrs writes `"bytes"` for one-byte
/// types).
fn name(codec: &Value) -> Option<&str> {
    codec
        .as_str()
        .or_else(|| codec.get("name").and_then(Value::as_str))
}

/// The encoding of the compressor `name` with settings `config` (v3: its
/// `configuration`; v2: the compressor object).
fn compressor(name: &str, config: Option<&Value>) -> Option<Encoding> {
    let int = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_i64);
    let level = |default: i32| int("level").map_or(Some(default), |l| i32::try_from(l).ok());
    match name {
        #[cfg(feature = "zstd")]
        "zstd" => Some(Encoding {
            chain: Chain::Zstd,
            level: level(0)?,
            checksum: config
                .and_then(|c| c.get("checksum"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }),
        "gzip" => Some(Encoding {
            chain: Chain::Gzip,
            level: level(1)?,
            checksum: false,
        }),
        _ => None,
    }
}

impl Encoding {
    fn raw() -> Self {
        Encoding {
            chain: Chain::Raw,
            level: 0,
            checksum: false,
        }
    }

    /// Encodes a chunk's bytes (little-endian, C order) and calls `f` with
    /// the encoded bytes: `bytes` themselves for the `bytes` codec alone,
    /// else compressed into a buffer the thread reuses (one compressor per
    /// thread, reused too), so that encoding chunk after chunk allocates
    /// nothing.
    pub(crate) fn encode_with<R>(
        &self,
        bytes: &[u8],
        f: impl FnOnce(&[u8]) -> std::io::Result<R>,
    ) -> std::io::Result<R> {
        thread_local! {
            static OUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        match self.chain {
            Chain::Raw => f(bytes),
            #[cfg(feature = "zstd")]
            Chain::Zstd => {
                type Compressors =
                    std::cell::RefCell<Option<((i32, bool), zstd::bulk::Compressor<'static>)>>;
                thread_local! {
                    static COMPRESSOR: Compressors = const { std::cell::RefCell::new(None) };
                }
                COMPRESSOR.with(|cell| {
                    let mut cell = cell.borrow_mut();
                    let settings = (self.level, self.checksum);
                    let compressor = match &mut *cell {
                        Some((s, c)) if *s == settings => c,
                        slot => {
                            let mut c = zstd::bulk::Compressor::new(self.level)?;
                            c.include_checksum(self.checksum)?;
                            &mut slot.insert((settings, c)).1
                        }
                    };
                    OUT.with(|out| {
                        let Ok(mut out) = out.try_borrow_mut() else {
                            return f(&compressor.compress(bytes)?);
                        };
                        out.clear();
                        out.reserve(zstd::zstd_safe::compress_bound(bytes.len()));
                        compressor.compress_to_buffer(bytes, &mut *out)?;
                        f(&out)
                    })
                })
            }
            Chain::Gzip => {
                use std::io::Write;
                let level =
                    flate2::Compression::new(u32::try_from(self.level.clamp(0, 9)).unwrap_or(1));
                OUT.with(|out| {
                    let Ok(mut out) = out.try_borrow_mut() else {
                        let mut gz = flate2::write::GzEncoder::new(Vec::new(), level);
                        gz.write_all(bytes)?;
                        return f(&gz.finish()?);
                    };
                    out.clear();
                    let mut gz = flate2::write::GzEncoder::new(&mut *out, level);
                    gz.write_all(bytes)?;
                    gz.finish()?;
                    f(&out)
                })
            }
        }
    }
}

/// A decoding error, as zarrs' storage errors are.
fn error(what: impl std::fmt::Display) -> zarrs::storage::StorageError {
    zarrs::storage::StorageError::Other(what.to_string())
}

/// Where chunk bytes are read from: the chunk's file in a filesystem store
/// (read straight into the caller's buffer when uncompressed), else the
/// zarrs store.
pub(crate) struct Source<'a> {
    /// The store's directory, for a filesystem store.
    pub(crate) root: Option<&'a std::path::Path>,
    pub(crate) storage: &'a Storage,
    pub(crate) key: &'a zarrs::storage::StoreKey,
    /// The chunk's stored bytes, when fetched already (`Some(None)`: the
    /// chunk was never written).
    pub(crate) fetched: Option<Option<&'a [u8]>>,
}

impl Source<'_> {
    /// `out.len()` bytes from byte `skip` of the stored chunk; `Ok(false)`
    /// when there is no chunk.
    fn read_range(
        &self,
        skip: usize,
        out: &mut [u8],
    ) -> std::result::Result<bool, zarrs::storage::StorageError> {
        if let Some(fetched) = self.fetched {
            let Some(bytes) = fetched else {
                return Ok(false);
            };
            let part = skip
                .checked_add(out.len())
                .and_then(|end| bytes.get(skip..end))
                .ok_or_else(|| {
                    error(format!(
                        "chunk {} holds {} bytes where {} were expected",
                        self.key,
                        bytes.len(),
                        skip.saturating_add(out.len())
                    ))
                })?;
            out.copy_from_slice(part);
            return Ok(true);
        }
        if let Some(root) = self.root {
            let path = root.join(self.key.as_str());
            let file = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            RawChunk::in_file(&file, 0)
                .read_bytes(skip, out)
                .map_err(|e| error(format!("cannot read chunk {}: {e}", path.display())))?;
            return Ok(true);
        }
        let range = ByteRange::FromStart(skip as u64, Some(out.len() as u64));
        let Some(bytes) = self.storage.get_partial(self.key, range)? else {
            return Ok(false);
        };
        if bytes.len() != out.len() {
            return Err(error(format!(
                "chunk {} holds {} bytes where {} were expected",
                self.key,
                bytes.len() + skip,
                out.len() + skip
            )));
        }
        out.copy_from_slice(&bytes);
        Ok(true)
    }

    /// The whole stored chunk, or `None`.
    fn read_all(
        &self,
    ) -> std::result::Result<Option<std::borrow::Cow<'_, [u8]>>, zarrs::storage::StorageError> {
        if let Some(fetched) = self.fetched {
            return Ok(fetched.map(std::borrow::Cow::Borrowed));
        }
        if let Some(root) = self.root {
            return match std::fs::read(root.join(self.key.as_str())) {
                Ok(bytes) => Ok(Some(bytes.into())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            };
        }
        Ok(self.storage.get(self.key)?.map(|b| b.to_vec().into()))
    }
}

/// Fills `out` with bytes `skip..skip + out.len()` of the decoded chunk;
/// `Ok(false)` when there is no such chunk (it reads as the fill value).
/// Compressed chunks are decompressed up to the end of that range only
/// (`skip` must be 0 for them: the prefix is decoded from the start).
pub(crate) fn decode(
    chain: Chain,
    source: &Source<'_>,
    skip: usize,
    whole: bool,
    out: &mut [u8],
) -> std::result::Result<bool, zarrs::storage::StorageError> {
    if chain == Chain::Raw {
        return source.read_range(skip, out);
    }
    if skip != 0 {
        return Err(error(
            "internal error: a compressed chunk is decoded from its start (a bug in lazy-datasets)",
        ));
    }
    let Some(bytes) = source.read_all()? else {
        return Ok(false);
    };
    // Without zstd, only zstd chunks tell a whole chunk from a prefix.
    #[cfg(not(feature = "zstd"))]
    let _ = whole;
    let key = source.key;
    let short = |e: std::io::Error| error(format!("cannot decompress chunk {key}: {e}"));
    match chain {
        #[cfg(feature = "zstd")]
        Chain::Zstd if whole => {
            let n = zstd::bulk::decompress_to_buffer(&bytes, out).map_err(short)?;
            if n != out.len() {
                return Err(error(format!(
                    "chunk {key} decompresses to {n} bytes where {} were expected",
                    out.len()
                )));
            }
        }
        #[cfg(feature = "zstd")]
        Chain::Zstd => {
            let mut decoder =
                zstd::stream::read::Decoder::with_buffer(&bytes[..]).map_err(short)?;
            decoder.read_exact(out).map_err(short)?;
        }
        Chain::Gzip => {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_exact(out)
                .map_err(short)?;
        }
        Chain::Raw => {}
    }
    Ok(true)
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// Decodes elements `skip..skip + out.len()` (row-major) of chunk
    /// `index` with a chain decoded here; a chunk never written reads as the
    /// fill value.
    pub(crate) fn decode_chain(
        &self,
        chain: Chain,
        index: &[u64],
        skip: usize,
        whole: bool,
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        let key = self.array.chunk_key(index);
        let storage = self.array.storage();
        let source = Source {
            root: self.root.as_deref(),
            storage: storage.as_ref(),
            key: &key,
            fetched: fetched.map(Option::as_deref),
        };
        let elem = T::DTYPE.size();
        let found = with_bytes(out, |bytes| {
            decode(chain, &source, skip * elem, whole, bytes)
        })
        .map_err(|e| self.err("read from", e))?;
        if !found {
            out.fill(self.fill_value());
        }
        Ok(())
    }

    /// Decodes the box `start..start + shape` of chunk `index` with a chain
    /// decoded here: the elements from the box's first to its last (in
    /// row-major order of the chunk; for a compressed chunk, all up to the
    /// last), then the box gathered from them.
    pub(crate) fn decode_part_chain(
        &self,
        chain: Chain,
        index: &[u64],
        start: &[usize],
        shape: &[usize],
        out: &mut [T],
        fetched: Option<&Option<Vec<u8>>>,
    ) -> Result<()> {
        let span = BoxSpan::new(self.grid(), start, shape);
        // Raw chunks from the box's first element, compressed ones from
        // their start.
        let skip = if chain == Chain::Raw { span.first } else { 0 };
        let mut elems = zeroed::<T>(vec![span.last + 1 - skip])?;
        let elems = elems
            .as_slice_mut()
            .ok_or_else(|| Error::internal("a new array is not contiguous"))?;
        self.decode_chain(chain, index, skip, false, elems, fetched)?;
        let boxed = span.view(elems.get(span.first - skip..).unwrap_or(&[]))?;
        let mut target = ArrayViewMutD::from_shape(IxDyn(shape), out)
            .map_err(|e| Error::internal(format!("a box of a chunk: {e}")))?;
        target.assign(&boxed);
        Ok(())
    }
}
