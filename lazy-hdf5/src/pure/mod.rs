//! HDF5 without libhdf5: a file's metadata and chunk index read in Rust
//! (hdf5-reader, behind `meta.rs`), its chunks read and decoded by the
//! same chunk engine as every other dataset of this crate (`direct.rs`,
//! `chunks.rs`, `codec.rs`).
//!
//! [`open_file_pure`] opens a file with no libhdf5 call at all; its
//! datasets open as [`H5Dataset`](crate::H5Dataset)s with
//! [`H5Dataset::open`](crate::H5Dataset::open), read-only, and read with
//! every selection and view. It reads what HDF5 1.8 to 2.0 write —
//! superblocks 0 to 3, object header versions 1 and 2, compact, symbol
//! table and dense groups, layout messages 1 to 5 (HDF5 2.0 with
//! `libver="latest"` writes 5, which libhdf5 1.10 refuses), every chunk
//! index (B-tree v1, single chunk, implicit, fixed array, extensible
//! array, B-tree v2), contiguous and compact data, paged file space —
//! and netCDF-4 files, which are HDF5 files.
//!
//! Elements are integers, floats (either byte order) and bools as h5py
//! writes them; filters are deflate, shuffle and fletcher32. A dataset
//! with another filter (szip, n-bit, scale-offset, blosc, …) is a
//! [`Backend`](lazy_core::ErrorKind::Backend) error at open naming the
//! filter: such datasets are read through libhdf5 ([`open_file`](crate::open_file)).
//! Chunks never written read as the dataset's fill value.
//!
//! ```no_run
//! use lazy_hdf5::{open_file_pure, H5Dataset};
//! use lazy_core::{DatasetExt, TypedSelection as Sel};
//! use typenum::U2;
//!
//! // A file h5py wrote with libver="latest": libhdf5 1.10 cannot open its datasets.
//! let file = open_file_pure("latest.h5")?;
//! let x = H5Dataset::<f64, U2>::open(&file, "x")?;
//! assert_eq!(x.reader(), "lazy-hdf5 (without libhdf5)");
//! let first_rows = x.read(Sel::new().push(..10))?;
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! The whole chunk index of a dataset of a local file is read at open
//! (60,000 chunks in a few milliseconds); a remote file's at the dataset's
//! first read (opening costs its object header alone, and the sources of a
//! stack read their indexes side by side). The file is read with
//! positional reads through a byte source (`source.rs`): a local file, or
//! with the feature `cloud` an object read by ranges (`remote.rs`,
//! `open_url`).

mod attrs;
mod btree1;
mod meta;
#[cfg(feature = "cloud")]
mod remote;
mod source;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use lazy_core::{Error, Result};

pub use attrs::{AttrValue, Attribute};
pub(crate) use meta::{ChunkIndex, DatasetMeta, Layout};
#[cfg(feature = "cloud")]
pub(crate) use remote::RemoteSource;
use source::{AsStorage, ByteSource, LocalFile, Memory};

/// An HDF5 (or netCDF-4) file open for reading by lazy-hdf5's own reader,
/// with no libhdf5: [`open_file_pure`] makes one, and
/// [`H5Dataset::open`](crate::H5Dataset::open) and
/// [`inspect`](crate::inspect) take it where they take a libhdf5 group.
/// Datasets opened from it keep what they need: it may be dropped.
///
/// It reads what HDF5 1.8 to 2.0 write — superblocks 0 to 3, object
/// headers 1 and 2, compact, symbol-table and dense groups, layout
/// messages 1 to 5 (HDF5 2.0 with `libver="latest"` writes 5, which
/// libhdf5 1.10 refuses), every chunk index (B-tree v1, single chunk,
/// implicit, fixed array, extensible array, B-tree v2), contiguous and
/// compact data, paged file space — and netCDF-4 files. Elements are
/// integers, floats (either byte order) and bools as h5py writes them;
/// filters are deflate, shuffle and fletcher32: a dataset with another
/// (szip, n-bit, scale-offset, lzf, blosc, …) is a
/// [`Backend`](lazy_core::ErrorKind::Backend) error at open naming the
/// filter, and is read through libhdf5 ([`open_file`](crate::open_file)).
/// Chunks never written read as the dataset's fill value. A dataset's
/// whole chunk index is read when it opens (of a file opened by
/// [`open_url`](crate::open_url): at its first read).
pub struct PureFile {
    reader: hdf5_reader::Hdf5File,
    source: Source,
    /// The path or URL as given, for messages and [`location`](Self::location).
    given: String,
    /// The path made canonical (the URL of a remote file): the file's
    /// identity in the process.
    canonical: PathBuf,
    /// Every dataset's path by its object header's address, found at the
    /// first [`dimension_scales`](Self::dimension_scales).
    by_address: OnceLock<HashMap<u64, String>>,
}

/// Where a [`PureFile`]'s bytes are.
#[derive(Clone)]
pub(crate) enum Source {
    /// A local file.
    Local(Arc<LocalFile>),
    /// An object in an object store or on a web server.
    #[cfg(feature = "cloud")]
    Remote(Arc<RemoteSource>),
}

impl Source {
    /// The file's bytes, for the metadata reader.
    fn bytes(&self) -> Arc<dyn ByteSource> {
        match self {
            Source::Local(local) => local.clone(),
            #[cfg(feature = "cloud")]
            Source::Remote(remote) => remote.clone(),
        }
    }

    /// Whether chunk indexes are read at a dataset's first read rather than
    /// when it opens: for a remote file, where each costs rounds of
    /// requests (a local file's are read at open, and a damaged one is an
    /// error there).
    fn defers_indexes(&self) -> bool {
        match self {
            Source::Local(_) => false,
            #[cfg(feature = "cloud")]
            Source::Remote(_) => true,
        }
    }
}

impl std::fmt::Debug for PureFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PureFile")
            .field("location", &self.given)
            .finish()
    }
}

/// Opens the HDF5 or netCDF-4 file at `path` for reading with lazy-hdf5's
/// own reader, without libhdf5 (see [`PureFile`] and the [crate docs](crate)): files that
/// the system's libhdf5 cannot open (written by a newer HDF5) read too.
///
/// A missing file, or one that is not HDF5, is a
/// [`Backend`](lazy_core::ErrorKind::Backend) error naming the path.
///
/// ```
/// use lazy_core::ErrorKind;
/// let err = lazy_hdf5::open_file_pure("/no/such/file.h5").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Backend);
/// assert!(err.to_string().contains("/no/such/file.h5"));
/// ```
pub fn open_file_pure(path: impl AsRef<Path>) -> Result<PureFile> {
    let path = path.as_ref();
    let fail = |why: String| {
        Error::backend_msg(format!("cannot open HDF5 file {}: {why}", path.display()))
    };
    let handle = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let source = Arc::new(LocalFile::new(handle).map_err(|e| fail(e.to_string()))?);
    let storage = Arc::new(AsStorage(source.clone() as Arc<dyn ByteSource>));
    let reader =
        guarded(|| hdf5_reader::Hdf5File::from_storage(storage).map_err(|e| e.to_string()))
            .map_err(fail)?;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(PureFile {
        reader,
        source: Source::Local(source),
        given: path.display().to_string(),
        canonical,
        by_address: OnceLock::new(),
    })
}

/// Opens the HDF5 or netCDF-4 file at `url` in an object store or on a web
/// server — `s3://bucket/dir/file.h5`, `gs://…`, `az://…`,
/// `http(s)://host/file.h5` — for reading with lazy-hdf5's own reader
/// (feature `cloud`). `url` is a `&str` (settings from the environment, as
/// for lazy-zarr's stores) or a [`StoreUrl`](lazy_zarr::StoreUrl) with
/// explicit settings, timeouts, retries and concurrency.
///
/// It returns a [`PureFile`], not the [`File`](crate::File) of
/// [`open_file`](crate::open_file): with the feature `libhdf5`, a `File`
/// is libhdf5's handle of a local file, which a remote file has not.
/// Datasets open from it with [`H5Dataset::open`](crate::H5Dataset::open)
/// as from any `PureFile`, read-only, and read every selection.
///
/// One request reads the object's first 8 MiB (all of a smaller object) and
/// learns its size: a file whose metadata lies there opens, with its
/// datasets, in that one request. Metadata past it is read by aligned
/// blocks of 256 KiB, kept in a bounded cache (64 MiB), and a B-tree chunk
/// index a level at a time (its nodes side by side); chunks are read by
/// range (ranges less than 1 MiB apart merged into one request of at most
/// 16 MiB, side by side, at most [`concurrency`](lazy_zarr::StoreUrl::concurrency)
/// requests at once), then decoded as a local file's are.
///
/// A malformed URL or an unknown setting is a
/// [`Value`](lazy_core::ErrorKind::Value) error; a missing object, a server
/// that cannot be reached, wrong credentials or a file that is not HDF5, a
/// [`Backend`](lazy_core::ErrorKind::Backend) error naming the URL.
///
/// ```no_run
/// use lazy_core::{DatasetExt, TypedSelection as Sel};
/// use lazy_hdf5::{open_url, H5Dataset};
/// use typenum::U2;
///
/// // Credentials, region and endpoint from AWS_* variables.
/// let file = open_url("s3://bucket/run1/data.h5")?;
/// let x = H5Dataset::<f32, U2>::open(&file, "/x")?;
/// let rows = x.read(Sel::new().push(1000..2000))?;
/// # Ok::<(), lazy_core::Error>(())
/// ```
#[cfg(feature = "cloud")]
pub fn open_url(url: impl Into<lazy_zarr::StoreUrl>) -> Result<PureFile> {
    let url = url.into();
    let name = url.url().to_string();
    let source = Arc::new(RemoteSource::open(url)?);
    let fail = |why: String| Error::backend_msg(format!("cannot open HDF5 file {name}: {why}"));
    let storage = Arc::new(AsStorage(source.clone() as Arc<dyn ByteSource>));
    let reader =
        guarded(|| hdf5_reader::Hdf5File::from_storage(storage).map_err(|e| e.to_string()))
            .map_err(fail)?;
    Ok(PureFile {
        reader,
        canonical: PathBuf::from(source.url()),
        source: Source::Remote(source),
        given: name,
        by_address: OnceLock::new(),
    })
}

impl PureFile {
    /// Where the file is: its path as given to [`open_file_pure`], or its
    /// URL as given to `open_url` (feature `cloud`).
    pub fn location(&self) -> &str {
        &self.given
    }

    /// The metadata of the dataset at `path` (absolute, or relative to the
    /// root group), or why it cannot be read here.
    pub(crate) fn dataset_meta(&self, path: &str) -> std::result::Result<DatasetMeta, String> {
        guarded(|| {
            meta::read(
                &self.reader,
                &self.source.bytes(),
                path,
                self.source.defers_indexes(),
            )
        })
    }

    /// The groups and datasets directly in the group at `path` (`"/"` or
    /// `""` for the root, absolute or relative to it), each list sorted by
    /// name, as h5py lists them: what a file holds, with no libhdf5 (and,
    /// for a file opened by URL, a few range requests at most).
    ///
    /// A path that is no group (missing, or a dataset) is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error naming it and the
    /// file.
    ///
    /// ```
    /// # #[cfg(feature = "libhdf5")] {
    /// use lazy_hdf5::{create_file, open_file_pure, Members};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("run.h5");
    /// let file = create_file(&path).unwrap();
    /// file.new_dataset_builder().with_data(&[1.0, 2.0]).create("t").unwrap();
    /// file.create_group("sensors").unwrap().new_dataset_builder().with_data(&[3u8]).create("a").unwrap();
    /// drop(file);
    ///
    /// let pure = open_file_pure(&path).unwrap();
    /// let root = pure.members("/").unwrap();
    /// assert_eq!(root, Members { groups: vec!["sensors".into()], datasets: vec!["t".into()] });
    /// assert_eq!(pure.members("sensors").unwrap().datasets, ["a"]);
    /// assert_eq!(pure.dataset_paths().unwrap(), ["/sensors/a", "/t"]);
    /// assert!(pure.members("/t").is_err()); // a dataset, not a group
    /// # }
    /// ```
    pub fn members(&self, path: &str) -> Result<Members> {
        let group = self.group(path)?;
        self.members_of(&group, path)
    }

    /// The absolute path of every dataset in the file (`"/x"`,
    /// `"/group/y"`), sorted: the groups walked from the root, each group
    /// once (a group linked from two places, or from inside itself, is
    /// listed under the first path found), at most [`MAX_GROUP_DEPTH`]
    /// deep. See [`members`](Self::members) for an example.
    pub fn dataset_paths(&self) -> Result<Vec<String>> {
        let mut found = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut groups = vec![(String::new(), 0usize)];
        while let Some((path, depth)) = groups.pop() {
            let group = self.group(display(&path))?;
            if !seen.insert(group.address()) {
                continue;
            }
            let members = self.members_of(&group, display(&path))?;
            found.extend(members.datasets.iter().map(|d| format!("{path}/{d}")));
            if depth < MAX_GROUP_DEPTH {
                groups.extend(
                    members
                        .groups
                        .iter()
                        .map(|g| (format!("{path}/{g}"), depth + 1)),
                );
            }
        }
        found.sort_unstable();
        Ok(found)
    }

    /// The attributes of the group or dataset at `path` (`"/"` for the
    /// root group's, a netCDF-4 file's global attributes), sorted by name:
    /// numbers, h5py's bools and strings decoded ([`AttrValue`]), other
    /// types named. A path that is neither a group nor a dataset, or an
    /// attribute whose values cannot be read (a damaged file), is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error naming it and the
    /// file.
    ///
    /// ```
    /// # #[cfg(feature = "libhdf5")] {
    /// use lazy_hdf5::{create_file, open_file_pure, AttrValue};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("t.h5");
    /// let file = create_file(&path).unwrap();
    /// let t = file.new_dataset_builder().with_data(&[280i16, 290]).create("t").unwrap();
    /// t.new_attr::<f64>().create("scale_factor").unwrap().write_scalar(&0.01).unwrap();
    /// t.new_attr::<i32>().shape(2).create("valid_range").unwrap().write(&[0, 400]).unwrap();
    /// drop((t, file));
    ///
    /// let pure = open_file_pure(&path).unwrap();
    /// let attrs = pure.attributes("/t").unwrap();
    /// assert_eq!(attrs[0].name, "scale_factor");
    /// assert_eq!(attrs[0].shape, Vec::<usize>::new()); // a scalar
    /// assert_eq!(attrs[0].value, AttrValue::Float { bytes: 8, values: vec![0.01] });
    /// assert_eq!(attrs[1].value, AttrValue::Signed { bytes: 4, values: vec![0, 400] });
    /// assert!(pure.attributes("/").unwrap().is_empty());
    /// assert!(pure.attributes("/missing").is_err());
    /// # }
    /// ```
    pub fn attributes(&self, path: &str) -> Result<Vec<Attribute>> {
        let fail = |why: String| {
            Error::backend_msg(format!(
                "cannot read the attributes of {path:?} in {}: {why}",
                self.given
            ))
        };
        let raw = guarded(|| {
            let inner = path.trim_matches('/');
            if inner.is_empty() {
                return self
                    .reader
                    .root_group()
                    .and_then(|g| g.attributes())
                    .map_err(|e| e.to_string());
            }
            match self.reader.dataset(inner) {
                Ok(ds) => Ok(ds.attributes()),
                Err(_) => match self.reader.group(inner) {
                    Ok(group) => group.attributes().map_err(|e| e.to_string()),
                    Err(_) => Err("no group or dataset there".to_string()),
                },
            }
        })
        .map_err(fail)?;
        let mut decoded = raw
            .iter()
            .map(|a| {
                guarded(|| attrs::decode(a))
                    .map_err(|why| fail(format!("the attribute {:?}: {why}", a.name)))
            })
            .collect::<Result<Vec<Attribute>>>()?;
        decoded.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(decoded)
    }

    /// The largest shape the dataset at `path` may grow to, as h5py's
    /// `maxshape` gives it: `None` for an unlimited axis (a netCDF-4
    /// unlimited dimension), the current length for a fixed one. A path
    /// that is not a dataset is a [`Backend`](lazy_core::ErrorKind::Backend)
    /// error naming it and the file.
    pub fn max_shape(&self, path: &str) -> Result<Vec<Option<usize>>> {
        guarded(|| {
            let ds = self
                .reader
                .dataset(path.trim_matches('/'))
                .map_err(|e| e.to_string())?;
            let shape = ds.shape().to_vec();
            let max = ds.max_dims().map_or_else(|| shape.clone(), <[u64]>::to_vec);
            Ok(max
                .iter()
                .map(|&m| {
                    if m == u64::MAX {
                        None
                    } else {
                        usize::try_from(m).ok()
                    }
                })
                .collect())
        })
        .map_err(|why| {
            Error::backend_msg(format!(
                "cannot read the shape of {path:?} in {}: {why}",
                self.given
            ))
        })
    }

    /// The dimension scale attached to each axis of the dataset at `path`:
    /// the absolute path of the first scale of the axis (its
    /// `DIMENSION_LIST` attribute, as netCDF-4, h5netcdf and h5py's
    /// `dims[i].attach_scale` write it), `None` for an axis with none. A
    /// netCDF-4 variable's scales are its dimensions. A path that is not a
    /// dataset, or a `DIMENSION_LIST` that cannot be read, is a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error naming it and the
    /// file.
    pub fn dimension_scales(&self, path: &str) -> Result<Vec<Option<String>>> {
        let fail = |why: String| {
            Error::backend_msg(format!(
                "cannot read the dimension scales of {path:?} in {}: {why}",
                self.given
            ))
        };
        let addresses = guarded(|| {
            let ds = self
                .reader
                .dataset(path.trim_matches('/'))
                .map_err(|e| e.to_string())?;
            let ndim = ds.shape().len();
            let attrs = ds.attributes();
            let Some(list) = attrs.iter().find(|a| a.name == "DIMENSION_LIST") else {
                return Ok(vec![None; ndim]);
            };
            let offset = self.reader.superblock().offset_size;
            let each = 4 + usize::from(offset) + 4;
            let root = self.reader.root_group().map_err(|e| e.to_string())?;
            (0..ndim)
                .map(|axis| {
                    let reference = list
                        .raw_data
                        .get(axis * each..(axis + 1) * each)
                        .ok_or("DIMENSION_LIST holds fewer axes than the dataset")?;
                    let targets = root
                        .resolve_vlen_reference_bytes(reference, usize::from(offset))
                        .map_err(|e| e.to_string())?;
                    let first = hdf5_reader::reference::read_object_references(&targets, offset)
                        .map_err(|e| e.to_string())?;
                    Ok(first.first().copied())
                })
                .collect::<std::result::Result<Vec<Option<u64>>, String>>()
        })
        .map_err(fail)?;
        if addresses.iter().all(Option::is_none) {
            return Ok(vec![None; addresses.len()]);
        }
        let by_address = match self.by_address.get() {
            Some(map) => map,
            None => {
                let mut map = HashMap::new();
                for p in self.dataset_paths()? {
                    if let Ok(address) = guarded(|| {
                        self.reader
                            .dataset(p.trim_start_matches('/'))
                            .map(|d| d.address())
                            .map_err(|e| e.to_string())
                    }) {
                        map.entry(address).or_insert(p);
                    }
                }
                self.by_address.get_or_init(|| map)
            }
        };
        addresses
            .into_iter()
            .map(|a| match a {
                None => Ok(None),
                Some(a) => by_address.get(&a).cloned().map(Some).ok_or_else(|| {
                    fail(format!(
                        "a scale at address {a:#x} is no dataset of the file"
                    ))
                }),
            })
            .collect()
    }

    /// The group at `path` (root: `""` or `"/"`), or a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error naming it.
    fn group(&self, path: &str) -> Result<hdf5_reader::group::Group> {
        guarded(|| {
            match path.trim_matches('/') {
                "" => self.reader.root_group(),
                inner => self.reader.group(inner),
            }
            .map_err(|e| e.to_string())
        })
        .map_err(|e| self.listing_error(path, e))
    }

    /// The members of `group`, found at `path`, each list sorted by name.
    fn members_of(&self, group: &hdf5_reader::group::Group, path: &str) -> Result<Members> {
        let (mut groups, mut datasets) =
            guarded(|| group.member_names().map_err(|e| e.to_string()))
                .map_err(|e| self.listing_error(path, e))?;
        groups.sort_unstable();
        datasets.sort_unstable();
        Ok(Members { groups, datasets })
    }

    /// Why the group at `path` cannot be listed, naming it and the file.
    fn listing_error(&self, path: &str, why: String) -> Error {
        Error::backend_msg(format!(
            "cannot list group {path:?} of {}: {why}",
            self.given
        ))
    }

    /// Where the file's bytes are, for the chunk engine's reads.
    pub(crate) fn source(&self) -> Source {
        self.source.clone()
    }

    /// The file's canonical path.
    pub(crate) fn canonical(&self) -> &Path {
        &self.canonical
    }
}

/// The groups and datasets directly in a group of a [`PureFile`]
/// ([`PureFile::members`]), by name, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    /// The names of the groups in the group.
    pub groups: Vec<String>,
    /// The names of the datasets in the group.
    pub datasets: Vec<String>,
}

/// How deep [`PureFile::dataset_paths`] walks groups (the root is depth 0).
pub const MAX_GROUP_DEPTH: usize = 64;

/// `"/"` for the root's path `""`.
fn display(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// Runs `read`, a parse of file-controlled bytes, turning a panic in the
/// reader (a bug there, never expected: its fuzzing found none) into an
/// error, so a damaged file cannot take the process down.
pub(crate) fn guarded<T>(
    read: impl FnOnce() -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err("the HDF5 metadata reader failed on this file (a damaged file?)".into())
    })
}

/// The metadata reader's fuzz harness (the `hdf5_metadata` target of
/// `fuzz/`, and `tests/pure_reader.rs` on stable Rust): `data` is read as
/// an HDF5 file in memory, and the metadata and whole chunk index of every
/// dataset found from the root group (at most 64 datasets, groups at most
/// 8 deep) are read as [`H5Dataset::open`](crate::H5Dataset::open) reads
/// them, with every group's and dataset's attributes as
/// [`PureFile::attributes`] decodes them. Anything may fail; nothing may
/// panic (no guard here, so that a fuzzer sees a panic of the reader).
/// Returns how many datasets were read without error.
pub fn fuzz(data: &[u8]) -> usize {
    let source: Arc<dyn ByteSource> = Arc::new(Memory(data.to_vec()));
    let Ok(file) = hdf5_reader::Hdf5File::from_storage(Arc::new(AsStorage(source.clone()))) else {
        return 0;
    };
    let mut read = 0;
    let mut seen = 0;
    let mut groups = vec![(String::new(), 0usize)];
    while let Some((path, depth)) = groups.pop() {
        let group = if path.is_empty() {
            file.root_group()
        } else {
            file.group(&path)
        };
        let Ok(group) = group else {
            continue;
        };
        for attr in group.attributes().unwrap_or_default() {
            let _ = attrs::decode(&attr);
        }
        let Ok((subgroups, datasets)) = group.member_names() else {
            continue;
        };
        for name in datasets {
            seen += 1;
            if seen > 64 {
                return read;
            }
            let at = format!("{path}/{name}");
            if let Ok(ds) = file.dataset(&at) {
                for attr in ds.attributes() {
                    let _ = attrs::decode(&attr);
                }
            }
            if meta::read(&file, &source, &at, false).is_ok() {
                read += 1;
            }
        }
        if depth < 8 {
            groups.extend(
                subgroups
                    .into_iter()
                    .map(|g| (format!("{path}/{g}"), depth + 1)),
            );
        }
    }
    read
}
