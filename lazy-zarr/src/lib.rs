//! The Zarr backend of lazy-datasets, on [zarrs](https://docs.rs/zarrs): pure
//! Rust, no system library.
//!
//! [`ZarrDataset<T, R, M>`](ZarrDataset) opens a Zarr array (v3, or v2
//! written by zarr-python 2 or 3) typed, checking its element type `T` and
//! rank `R` against the metadata (or with rank [`Dyn`](lazy_core::Dyn) for
//! any rank), and is a lazy-core `Dataset`: it can be read with every
//! selection that works on an ndarray, with the same results, and stacked,
//! scaled, summed or OR'ed with other datasets. Opened with
//! [`open_rw`](ZarrDataset::open_rw) (or made with [`ZarrDataset::create`]
//! and [`CreateOptions`]) its mode `M` is [`ReadWrite`](lazy_core::ReadWrite)
//! and it is a `DatasetMut` too; opened with [`open`](ZarrDataset::open) it
//! is [`ReadOnly`](lazy_core::ReadOnly), and writing to it does not compile.
//! With the facade's feature `zarr` this crate is `lazy_datasets::zarr`.
//!
//! ```
//! use lazy_zarr::{CreateOptions, ZarrDataset};
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, Scaled, SelectionItem, Stacked};
//! use ndarray::array;
//! use typenum::U1;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = dir.path().join("channels.zarr");
//! ZarrDataset::<i32, U1>::create(&store, "x", &[3], &CreateOptions::default())?.write_all(array![1, 2, 3])?;
//! ZarrDataset::<i32, U1>::create(&store, "y", &[3], &CreateOptions::default())?.write_all(array![4, 5, 6])?;
//!
//! let x = ZarrDataset::<i32, U1>::open(&store, "x")?; // read-only
//! let y = ZarrDataset::<i32, U1>::open(&store, "y")?;
//! let xy = Scaled::new(Stacked::new(vec![x, y], -1)?, 0.5);
//! // NumPy: xy[::-2] — only rows 2 and 0 are read from the store.
//! let rows = xy.read_dyn(&DynSelection::from(vec![SelectionItem::slice(None, None, Some(-2))]))?;
//! assert_eq!(rows, array![[1.5, 3.0], [0.5, 2.0]].into_dyn());
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! # How selections reach the store
//!
//! An array on a regular chunk grid (every array zarr-python writes) is
//! read and written by lazy-core's chunk engine
//! ([`lazy_core::backend::read_chunked`]): a region is planned exactly,
//! each chunk it touches is decoded once, in parallel, and only the
//! selected elements are copied out (negative steps, lists in any order,
//! duplicates and newaxis included); a chunk the read covers whole is
//! decoded straight into the caller's buffer. lazy-zarr decodes
//! zarr-python's default chains itself (`bytes`, `bytes+zstd`,
//! `bytes+gzip`, little-endian, C order); zarrs decodes every other chain
//! for the engine. [`ZarrDataset::reader`] says which.
//!
//! Arrays on other chunk grids (rectilinear) are read by zarrs as array
//! subsets: the region becomes a few boxes, spans split wherever
//! neighbours are more than a chunk apart so that no chunk without a
//! selected element is decoded, and the region is gathered from them in
//! memory.
//!
//! # Formats and codecs
//!
//! Reads: Zarr v3 and v2 arrays of `bool`, integers or floats, either byte
//! order, C or F order, uncompressed, gzip, zstd, sharded (v3) or with
//! crc32c checksums: zarr-python 3's default codecs included. Blosc (the
//! default of zarr-python 2, and of zarr-python 3's `Group.create_array` for
//! v2 arrays) needs this crate's feature `blosc`, which lazy-datasets'
//! feature `zarr` turns on; it builds the bundled C/C++ c-blosc (with lz4,
//! snappy, zlib and zstd: about 25 s more for a cold debug build, 50 s
//! for a release build, on two cores), and `zstd` (on
//! by default) the bundled C zstd, no system library either. Fixtures
//! written by zarr-python 2.18 and 3.1 with each of their default codecs
//! read back as NumPy's values (`tests/zarr_python_fixture.rs`). Elements
//! of chunks never written read as the fill value. Writes: any array opened
//! with [`ZarrDataset::open_rw`] (its codecs reused, blosc included) or
//! made by [`ZarrDataset::create`] (Zarr v3; [`Compression`] none, gzip,
//! zstd or blosc).
//!
//! # Errors
//!
//! Every error is a [`lazy_core::Error`]: zarrs' own errors are
//! [`Backend`](lazy_core::ErrorKind::Backend) errors with the zarrs error as
//! their source, a rank mismatch at open is a [`Shape`](lazy_core::ErrorKind::Shape)
//! error, and an element-type mismatch a [`Value`](lazy_core::ErrorKind::Value)
//! error. Writing to an array opened read-only does not compile.
//!
//! An open that fails says what to do about it, where zarrs would say
//! "array metadata is missing" or name only a codec:
//!
//! | what went wrong | the message |
//! |---|---|
//! | the store is not there | `no Zarr store at <dir>: there is no such directory` |
//! | the array is not there | `no array at /x in <store> (the store holds: /a, /b)` (a few arrays of the store, or of the group above `/x`) |
//! | the path is a group | `/g in <store> is a group, not an array (it holds: /g/a)` |
//! | a codec this build does not read | `` codec blosc is not supported: build lazy-zarr with the feature `blosc` ``, or the zarrs feature that reads it, or that none does |
//! | object stores (feature `cloud`) | `bucket "b" not found`, `http:// endpoints need AWS_ALLOW_HTTP=true`, `no AWS credentials found`, … (see `StoreUrl`) |
//!
//! ```
//! use lazy_zarr::{CreateOptions, ZarrDataset};
//! use typenum::U1;
//!
//! let dir = tempfile::tempdir().unwrap();
//! ZarrDataset::<f64, U1>::create(dir.path(), "raw/a", &[4], &CreateOptions::default())?;
//! ZarrDataset::<f64, U1>::create(dir.path(), "raw/b", &[4], &CreateOptions::default())?;
//! ZarrDataset::<f64, U1>::create(dir.path(), "log", &[4], &CreateOptions::default())?;
//! let at = dir.path().display();
//! let err = ZarrDataset::<f64, U1>::open(dir.path(), "x").unwrap_err();
//! let want = format!("no array at /x in {at} (the store holds: /log, /raw/a, /raw/b)");
//! assert_eq!(err.to_string(), format!("backend error: {want}"));
//! // Below a group, the group's arrays.
//! let err = ZarrDataset::<f64, U1>::open(dir.path(), "raw/c").unwrap_err();
//! let want = format!("no array at /raw/c in {at} (the group /raw holds: /raw/a, /raw/b)");
//! assert_eq!(err.to_string(), format!("backend error: {want}"));
//! // zarrs' own error is the source.
//! assert_eq!(std::error::Error::source(&err).unwrap().to_string(), "array metadata is missing");
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! # The chunk engine, the cache and concurrent writers
//!
//! Arrays on a regular chunk grid are read and written through lazy-core's
//! chunk engine ([`lazy_core::backend::read_chunked`]): each chunk a read
//! touches is decoded once, in parallel, and only the selected elements are
//! copied. zarr-python's default chains (little-endian C order, raw, zstd,
//! gzip) are decoded here; a partial read decompresses only the prefix of a
//! chunk that holds it. Compressed chunks a read uses only part of are kept
//! decoded in a shared [`Cache`](lazy_core::Cache) (the process-wide one unless
//! [`ZarrDataset::with_cache`] gives another), checked against the chunk
//! file's generation on every hit; of raw chunks a read reads just the
//! byte ranges it needs, and keeps nothing.
//!
//! ```
//! use lazy_core::{Cache, DatasetExt, DatasetMutExt, DynSelection, SelectionItem, Stacked};
//! use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
//! use typenum::U1;
//!
//! let dir = tempfile::tempdir().unwrap();
//! for name in ["x", "y", "z"] {
//!     let options = CreateOptions::default().chunks([10_000]).compression(Compression::Gzip(1));
//!     ZarrDataset::<f64, U1>::create(dir.path(), name, &[100_000], &options)?.write_all(1.0)?;
//! }
//! let cache = Cache::new(64 << 20);
//! let open = |name| Ok::<_, lazy_core::Error>(ZarrDataset::<f64, U1>::open(dir.path(), name)?.with_cache(cache.clone()));
//! let xyz = Stacked::new(vec![open("x")?, open("y")?, open("z")?], -1)?;
//! for start in (0..100_000).step_by(1000) {
//!     // NumPy: xyz[start:start + 1000]
//!     let window = DynSelection::from(vec![SelectionItem::slice(Some(start), Some(start + 1000), None)]);
//!     assert_eq!(xyz.read_dyn(&window)?.shape(), &[1000, 3]);
//! }
//! // 100 windows of 3 arrays in 10 chunks each: every chunk decoded once.
//! assert_eq!((cache.stats().misses, cache.stats().hits), (30, 270));
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! Writes store whole chunks: a chunk the write covers is built from the new
//! values, any other is read, changed and stored while the chunk is locked,
//! within the process and, in a filesystem store, across processes (an
//! advisory lock of one byte per chunk of the array's
//! `.lazy-datasets.lock`: an empty file in the array's directory, which
//! Zarr readers ignore and which may be deleted when no writer runs; leave
//! it out of uploads). Each chunk (and metadata document) is written to
//! a temporary file renamed over the old one: readers see the old chunk or
//! the new one, never part of one, also when the writer is killed. Writers
//! of disjoint elements of one chunk, in threads or processes, lose
//! nothing. This needs a local filesystem with POSIX locks (network
//! filesystems without them are not supported for concurrent writers); set
//! `LAZY_DATASETS_FSYNC=1` for writes that are durable as well as atomic.
//! Arrays on other chunk grids (rectilinear) are read and written by zarrs
//! as array subsets: atomic writes, but no chunk locks for concurrent
//! writers of one chunk.
#![warn(missing_docs)]

mod cf;
mod chunks;
#[cfg(feature = "cloud")]
mod cloud;
mod codec;
mod create;
mod dataset;
mod element;
mod explain;
mod fallback;
mod info;
mod open;
mod store;

pub use cf::CfAttributes;
#[cfg(feature = "cloud")]
pub use cloud::{RangeReader, Received, StoreUrl};
pub use create::{Compression, CreateOptions, ZarrCreate};
pub use dataset::{Storage, ZarrDataset};
pub use element::{dtype_of, ZarrElement};
pub use info::inspect;

/// zarrs, the Zarr library this crate is built on: stores, array and group
/// creation, attributes, codecs.
pub use zarrs;
