//! Creating Zarr arrays: [`CreateOptions`], the options of a new one, and
//! [`ZarrDataset::create`]. lazy-hdf5 has a `CreateOptions` with the same
//! setters (`chunks`, `compression`, `fill_value`, `overwrite`), and
//! `H5Dataset::create` takes the same arguments.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use lazy_core::backend::check_create;
use lazy_core::{Error, Rank, ReadOnly, ReadWrite, Result};
use zarrs::array::codec::GzipCodec;
use zarrs::array::{ArrayBuilder, BytesToBytesCodecTraits};
use zarrs::group::GroupBuilder;
use zarrs::node::{meta_key_v2_array, meta_key_v2_group, meta_key_v3, NodePath};
use zarrs::storage::StorePrefix;

use crate::dataset::{Location, Storage, ZarrDataset};
use crate::element::ZarrElement;
use crate::open::{filesystem_store, node_path};

/// The compression of a new Zarr array's chunks.
///
/// Gzip is pure Rust; zstd needs this crate's `zstd` feature (on by
/// default) and blosc its `blosc` feature (on with lazy-datasets' `zarr`);
/// both build bundled C libraries, no system library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Chunks stored as raw bytes (the default): the fastest to read and
    /// write, and zarrs reads parts of a chunk without decoding all of it.
    #[default]
    None,
    /// The `gzip` codec, level 0 (fastest) to 9 (smallest).
    Gzip(u32),
    /// The `zstd` codec (zarr-python's default), level -7 to 22.
    #[cfg(feature = "zstd")]
    Zstd(i32),
    /// The `blosc` codec with LZ4 and byte shuffling, zarr-python 2's
    /// default compressor (at level 5), level 0 to 9.
    #[cfg(feature = "blosc")]
    BloscLz4(u8),
}

/// How [`ZarrDataset::create`] lays out a new array: chunk shape,
/// compression, fill value, and whether an existing node may be replaced.
///
/// ```
/// use lazy_zarr::{Compression, CreateOptions};
/// let options = CreateOptions::default()
///     .chunks([64, 64])
///     .compression(Compression::Gzip(5))
///     .fill_value(f32::NAN);
/// assert_eq!(options.chunk_shape(), Some(&[64, 64][..]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOptions<T> {
    chunks: Option<Vec<usize>>,
    compression: Compression,
    fill_value: T,
    overwrite: bool,
}

/// The earlier name of [`CreateOptions`], kept working.
pub type ZarrCreate<T> = CreateOptions<T>;

impl<T: Default> Default for CreateOptions<T> {
    /// Automatic chunks (about 1 MiB each), no compression, fill value zero
    /// (`false`), no overwriting.
    fn default() -> Self {
        CreateOptions {
            chunks: None,
            compression: Compression::None,
            fill_value: T::default(),
            overwrite: false,
        }
    }
}

impl<T> CreateOptions<T> {
    /// The chunk shape: one length (at least 1) per axis. Without it the
    /// array is cut along its leading axes into chunks of about 1 MiB.
    pub fn chunks(mut self, chunks: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// The compression of each chunk (default: none).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// The value of elements never written (default: zero, `false`).
    pub fn fill_value(mut self, fill_value: T) -> Self {
        self.fill_value = fill_value;
        self
    }

    /// Whether an existing array or group at the path is deleted (with
    /// everything below it) and replaced; by default it is an error.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The chunk shape asked for, if any.
    pub fn chunk_shape(&self) -> Option<&[usize]> {
        self.chunks.as_deref()
    }
}

/// Whether a node (array or group, Zarr v2 or v3) has metadata at `path`.
fn node_exists(storage: &Storage, path: &NodePath, store: &str) -> Result<bool> {
    for key in [
        meta_key_v3(path),
        meta_key_v2_array(path),
        meta_key_v2_group(path),
    ] {
        let found = storage.get(&key).map_err(|e| {
            Error::backend(format!("cannot read {key} in Zarr store {store}: {e}"), e)
        })?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The store prefix of everything below `path`.
fn node_prefix(path: &NodePath) -> Result<StorePrefix> {
    let s = path.as_str().trim_start_matches('/');
    if s.is_empty() {
        Ok(StorePrefix::root())
    } else {
        StorePrefix::new(format!("{s}/"))
            .map_err(|e| Error::backend(format!("{path} has no valid store prefix: {e}"), e))
    }
}

impl<T: ZarrElement, R: Rank> ZarrDataset<T, R, ReadOnly> {
    /// Creates a Zarr v3 array of `shape` at `path` in the filesystem store
    /// at `store` (the directory is made if missing), with the chunks,
    /// compression and fill value of `options`, and opens it for reading and
    /// writing. Missing parent groups are created. Every element starts as
    /// the fill value; no chunk is written until data is.
    ///
    /// Errors: a `shape` whose length is not `R` or a chunk shape of another
    /// rank is a [`Shape`](lazy_core::ErrorKind::Shape) error, a zero chunk
    /// length or an existing node at `path` (unless `options` overwrite) a
    /// [`Value`](lazy_core::ErrorKind::Value) error, a storage failure a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error.
    ///
    /// ```
    /// use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
    /// use lazy_core::{DatasetExt, ErrorKind};
    /// use typenum::U2;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let options = CreateOptions::default().chunks([100, 10]).compression(Compression::Gzip(1)).fill_value(-1i16);
    /// let a = ZarrDataset::<i16, U2>::create(dir.path(), "/raw/counts", &[1000, 10], &options)?;
    /// assert_eq!(a.chunk_shape(), &[100, 10]);
    /// assert_eq!(a.read_all()?[[999, 9]], -1);
    /// let again = ZarrDataset::<i16, U2>::create(dir.path(), "/raw/counts", &[1000, 10], &options);
    /// assert_eq!(again.unwrap_err().kind(), ErrorKind::Value);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn create(
        store: impl AsRef<Path>,
        path: &str,
        shape: &[usize],
        options: &CreateOptions<T>,
    ) -> Result<ZarrDataset<T, R, ReadWrite>> {
        let root = store.as_ref();
        create_in(
            filesystem_store(root)?,
            Location::local(root),
            path,
            shape,
            options,
        )
    }
}

/// Creates the array at `path` in `storage`, which is at `location` (see
/// [`ZarrDataset::create`]).
pub(crate) fn create_in<T: ZarrElement, R: Rank>(
    storage: Arc<Storage>,
    location: Location,
    path: &str,
    shape: &[usize],
    options: &CreateOptions<T>,
) -> Result<ZarrDataset<T, R, ReadWrite>> {
    let store = location.name.clone();
    let what = format!("Zarr array {path:?} in {store}");
    let chunks = check_create::<R>(
        &what,
        shape,
        options.chunks.as_deref(),
        T::DTYPE.size(),
        true,
    )?
    .unwrap_or_default();
    let node = node_path(path)?;
    if node_exists(storage.as_ref(), &node, &store)? {
        if !options.overwrite {
            return Err(Error::value(format!(
                "cannot create Zarr array {path:?} in {store}: a node exists there \
                     (set CreateOptions::overwrite to replace it)"
            )));
        }
        storage.erase_prefix(&node_prefix(&node)?).map_err(|e| {
            Error::backend(
                format!("cannot delete the old node {path:?} in {store}: {e}"),
                e,
            )
        })?;
    }
    let what = |e: &dyn fmt::Display| format!("cannot create {what}: {e}");
    let mut builder = ArrayBuilder::new(
        shape.iter().map(|&n| n as u64).collect::<Vec<_>>(),
        chunks.iter().map(|&n| n as u64).collect::<Vec<_>>(),
        T::data_type(),
        options.fill_value.fill_value(),
    );
    let codecs: Vec<Arc<dyn BytesToBytesCodecTraits>> = match options.compression {
        Compression::None => vec![],
        Compression::Gzip(level) => vec![Arc::new(
            GzipCodec::new(level).map_err(|e| Error::backend(what(&e), e))?,
        )],
        #[cfg(feature = "zstd")]
        Compression::Zstd(level) => {
            vec![Arc::new(zarrs::array::codec::ZstdCodec::new(level, false))]
        }
        #[cfg(feature = "blosc")]
        Compression::BloscLz4(level) => {
            use zarrs::array::codec::{BloscCodec, BloscCompressor, BloscShuffleMode};
            let clevel = level.try_into().map_err(|_| {
                Error::value(format!(
                    "cannot create Zarr array {path:?} in {store}: blosc level {level} is not in 0..=9"
                ))
            })?;
            let blosc = BloscCodec::new(
                BloscCompressor::LZ4,
                clevel,
                None,
                BloscShuffleMode::Shuffle,
                Some(T::DTYPE.size()),
            )
            .map_err(|e| Error::backend(what(&e), e))?;
            vec![Arc::new(blosc)]
        }
    };
    builder.bytes_to_bytes_codecs(codecs);
    let array = builder
        .build(storage.clone(), node.as_str())
        .map_err(|e| Error::backend(what(&e), e))?;
    array
        .store_metadata()
        .map_err(|e| Error::backend(what(&e), e))?;
    let mut parent = node.parent();
    while let Some(p) = parent {
        if !node_exists(storage.as_ref(), &p, &store)? {
            GroupBuilder::new()
                .build(storage.clone(), p.as_str())
                .map_err(|e| Error::backend(what(&e), e))?
                .store_metadata()
                .map_err(|e| Error::backend(what(&e), e))?;
        }
        parent = p.parent();
    }
    ZarrDataset::checked(array, location)
}
