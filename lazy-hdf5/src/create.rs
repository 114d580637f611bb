//! Creating HDF5 datasets: [`CreateOptions`], the options of a new one, and
//! [`H5Dataset::create`] — the same setters and arguments as lazy-zarr's
//! `CreateOptions` and `ZarrDataset::create`.

use lazy_core::backend::check_create;
use lazy_core::{Error, Rank, ReadOnly, ReadWrite, Result};

use crate::dataset::H5Dataset;
use crate::element::H5Element;
use crate::open::WritableFile;

/// The compression of a new HDF5 dataset's chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// No compression filter (the default).
    #[default]
    None,
    /// The deflate filter (h5py's `compression="gzip"`), level 0 (fastest)
    /// to 9 (smallest).
    Gzip(u8),
}

/// How [`H5Dataset::create`] lays out a new dataset: chunk shape,
/// compression (with the shuffle and Fletcher-32 filters), fill value, and
/// whether an existing dataset may be replaced.
///
/// Without chunks and filters the dataset is contiguous, as h5py makes it;
/// compression, shuffle or Fletcher-32 without chunks gives chunks of about
/// 1 MiB along the leading axes (as lazy-zarr's default chunks).
///
/// ```
/// use lazy_hdf5::{Compression, CreateOptions};
/// let options = CreateOptions::default()
///     .chunks([64, 64])
///     .compression(Compression::Gzip(4))
///     .shuffle(true)
///     .fill_value(f32::NAN);
/// assert_eq!(options.chunk_shape(), Some(&[64, 64][..]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CreateOptions<T> {
    chunks: Option<Vec<usize>>,
    compression: Compression,
    shuffle: bool,
    fletcher32: bool,
    fill_value: T,
    overwrite: bool,
}

impl<T: Default> Default for CreateOptions<T> {
    /// Contiguous, no filters, fill value zero (`false`), no overwriting.
    fn default() -> Self {
        CreateOptions {
            chunks: None,
            compression: Compression::None,
            shuffle: false,
            fletcher32: false,
            fill_value: T::default(),
            overwrite: false,
        }
    }
}

impl<T> CreateOptions<T> {
    /// The chunk shape: one length (at least 1) per axis.
    pub fn chunks(mut self, chunks: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// The compression of each chunk (default: none).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Whether the shuffle filter runs before compression (bytes of equal
    /// significance together: smaller chunks of numbers). Default: no.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Whether each chunk carries a Fletcher-32 checksum, checked on every
    /// read. Default: no.
    pub fn fletcher32(mut self, fletcher32: bool) -> Self {
        self.fletcher32 = fletcher32;
        self
    }

    /// The value of elements never written (default: zero, `false`).
    pub fn fill_value(mut self, fill_value: T) -> Self {
        self.fill_value = fill_value;
        self
    }

    /// Whether an existing dataset (or other object) at the path is
    /// unlinked and replaced; by default it is an error.
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The chunk shape asked for, if any.
    pub fn chunk_shape(&self) -> Option<&[usize]> {
        self.chunks.as_deref()
    }

    /// Whether a filter (compression, shuffle or Fletcher-32) is asked for.
    pub fn filtered(&self) -> bool {
        self.compression != Compression::None || self.shuffle || self.fletcher32
    }
}

impl<T: H5Element, R: Rank> H5Dataset<T, R, ReadOnly> {
    /// Creates a dataset of `shape` at `path` in `file` (open for writing),
    /// with the chunks, filters and fill value of `options`, and opens it
    /// for reading and writing. Missing parent groups are created. Every
    /// element starts as the fill value.
    ///
    /// Errors: a `shape` whose length is not `R` or a chunk shape of another
    /// rank is a [`Shape`](lazy_core::ErrorKind::Shape) error, a zero chunk
    /// length or an existing object at `path` (unless `options` overwrite) a
    /// [`Value`](lazy_core::ErrorKind::Value) error, what libhdf5 refuses a
    /// [`Backend`](lazy_core::ErrorKind::Backend) error.
    ///
    /// ```
    /// use lazy_hdf5::{create_file, Compression, CreateOptions, H5Dataset};
    /// use lazy_core::{DatasetExt, ErrorKind};
    /// use typenum::U2;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = create_file(dir.path().join("create.h5"))?;
    /// let options = CreateOptions::default().chunks([100, 10]).compression(Compression::Gzip(1)).fill_value(-1i16);
    /// let a = H5Dataset::<i16, U2>::create(&file, "/raw/counts", &[1000, 10], &options)?;
    /// assert_eq!(a.inner().and_then(|d| d.chunk()), Some(vec![100, 10]));
    /// assert_eq!(a.read_all()?[[999, 9]], -1);
    /// let again = H5Dataset::<i16, U2>::create(&file, "/raw/counts", &[1000, 10], &options);
    /// assert_eq!(again.unwrap_err().kind(), ErrorKind::Value);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn create(
        file: &impl WritableFile,
        path: &str,
        shape: &[usize],
        options: &CreateOptions<T>,
    ) -> Result<H5Dataset<T, R, ReadWrite>> {
        let file = file.writable();
        let location = file.location();
        let what = format!("dataset {path:?} in {location:?}");
        let chunks = check_create::<R>(
            &what,
            shape,
            options.chunks.as_deref(),
            T::DTYPE.size(),
            options.filtered(),
        )?;
        let h5 = |e: hdf5_metno::Error| Error::backend(format!("cannot create {what}: {e}"), e);
        if file.link_exists(path) {
            if !options.overwrite {
                return Err(Error::value(format!(
                    "cannot create {what}: an object exists there (set CreateOptions::overwrite to replace it)"
                )));
            }
            file.unlink(path).map_err(h5)?;
        }
        let mut builder = file
            .new_dataset::<T>()
            .shape(shape.to_vec())
            .fill_value(options.fill_value);
        if let Some(chunks) = chunks {
            builder = builder.chunk(chunks);
        }
        if options.shuffle {
            builder = builder.shuffle();
        }
        if let Compression::Gzip(level) = options.compression {
            builder = builder.deflate(level.min(9));
        }
        if options.fletcher32 {
            builder = builder.fletcher32();
        }
        let dataset = builder.create(path).map_err(h5)?;
        H5Dataset::<T, R>::from_inner_rw(dataset)
    }
}
