//! [`inspect`]: what an HDF5 dataset holds, found without choosing a type.

#[cfg(feature = "libhdf5")]
use hdf5_metno::Group;
#[cfg(feature = "libhdf5")]
use lazy_core::DType;
use lazy_core::{DatasetInfo, Error, Result};

#[cfg(feature = "libhdf5")]
use crate::direct::Direct;
#[cfg(feature = "libhdf5")]
use crate::element::dtype_of;
#[cfg(feature = "libhdf5")]
use crate::open::absolute;
use crate::open::{Location, Place};
use crate::pure::PureFile;

/// The shape, element type and chunks of the dataset at `path`, to pick the
/// `T` and `R` to open it with, and who reads it: lazy-hdf5's own reader,
/// or libhdf5 and why (see [`H5Dataset::reader`](crate::H5Dataset::reader)).
///
/// ```
/// # #[cfg(feature = "libhdf5")] {
/// use lazy_hdf5::{create_file, inspect};
/// use lazy_core::DType;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("info.h5"))?;
/// file.new_dataset::<u16>().shape([4, 2]).chunk([2, 2]).create("g").unwrap();
/// let info = inspect(&file, "g")?;
/// assert_eq!((info.shape, info.dtype), (vec![4, 2], Some(DType::U16)));
/// assert_eq!((info.chunks, info.format.as_str()), (Some(vec![2, 2]), "HDF5"));
/// // Read without libhdf5's lock (deflate, shuffle, fletcher32 or no filter).
/// assert_eq!(info.reader, "lazy-hdf5");
/// # }
/// # Ok::<(), lazy_core::Error>(())
/// ```
///
/// A [`PureFile`](crate::PureFile) is inspected by lazy-hdf5's own reader;
/// a dataset of a libhdf5 file that libhdf5 cannot open is too, as
/// [`H5Dataset::open`](crate::H5Dataset::open) does. Without the feature
/// `libhdf5` every file is.
pub fn inspect(group: &impl Location, path: &str) -> Result<DatasetInfo> {
    match group.place() {
        Place::Pure(file) => inspect_pure(file, path),
        #[cfg(feature = "libhdf5")]
        Place::Libhdf5(group) => match inspect_libhdf5(group, path) {
            Err(Error::Backend { message, source }) => {
                crate::pure::open_file_pure(group.filename())
                    .and_then(|file| inspect_pure(&file, &absolute(group, path)))
                    .map_err(|pure| Error::Backend {
                        message: format!("{message} (nor can lazy-hdf5's own reader: {pure})"),
                        source,
                    })
            }
            other => other,
        },
    }
}

/// [`inspect`] by lazy-hdf5's own reader.
fn inspect_pure(file: &PureFile, path: &str) -> Result<DatasetInfo> {
    let meta = file.dataset_meta(path).map_err(|why| {
        Error::backend_msg(format!(
            "cannot inspect dataset {path:?} in {:?}: {why}",
            file.location()
        ))
    })?;
    let chunks = match &meta.layout {
        crate::pure::Layout::Chunked { chunk_shape, .. } => Some(chunk_shape.clone()),
        _ => None,
    };
    Ok(
        DatasetInfo::new(meta.shape, meta.dtype, meta.described, chunks, "HDF5")
            .with_reader("lazy-hdf5 (without libhdf5)"),
    )
}

/// [`inspect`] through libhdf5.
#[cfg(feature = "libhdf5")]
fn inspect_libhdf5(group: &Group, path: &str) -> Result<DatasetInfo> {
    let what = |e: hdf5_metno::Error| {
        Error::backend(
            format!(
                "cannot inspect dataset {path:?} in {:?}: {e}",
                group.filename()
            ),
            e,
        )
    };
    let ds = group.dataset(path).map_err(what)?;
    let shape = ds.space().map_err(what)?.shape();
    let (dtype, data_type) = element_type(&ds).map_err(what)?;
    let reader = match Direct::new(&ds, &shape, ds.dtype().map_err(what)?.size()) {
        Ok(_) => "lazy-hdf5".to_string(),
        Err(why) => format!("libhdf5: {why}"),
    };
    Ok(DatasetInfo::new(shape, dtype, data_type, ds.chunk(), "HDF5").with_reader(reader))
}

/// The element type of a dataset (`None` when it has none) and a description
/// of its HDF5 type; a type hdf5-metno cannot describe (`float16`, …) has no
/// element type.
#[cfg(feature = "libhdf5")]
pub(crate) fn element_type(
    ds: &hdf5_metno::Dataset,
) -> hdf5_metno::Result<(Option<DType>, String)> {
    let dtype = ds.dtype()?;
    Ok(match dtype.to_descriptor() {
        Ok(td) => (dtype_of(&td), td.to_string()),
        Err(e) => (
            None,
            format!(
                "of size {} that hdf5-metno cannot describe ({e})",
                dtype.size()
            ),
        ),
    })
}
