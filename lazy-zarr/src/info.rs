//! [`inspect`]: what a Zarr array holds, found without choosing a type.

use std::fmt;
use std::path::Path;

use lazy_core::{DatasetInfo, Error, Result};
use zarrs::array::Array;

use crate::dataset::Storage;
use crate::element::dtype_of;
use crate::open::{filesystem_store, node_path};

/// The shape, element type and chunks of the array at `path` in the
/// filesystem store at `store`, to pick the `T` and `R` to open it with.
///
/// ```
/// use lazy_zarr::{inspect, CreateOptions, ZarrDataset};
/// use lazy_core::DType;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// ZarrDataset::<u16, U2>::create(dir.path(), "g", &[4, 2], &CreateOptions::default().chunks([2, 2]))?;
/// let info = inspect(dir.path(), "g")?;
/// assert_eq!((info.shape, info.dtype, info.chunks), (vec![4, 2], Some(DType::U16), Some(vec![2, 2])));
/// assert_eq!(info.format, "Zarr v3");
/// // Chunks of raw bytes (the default codecs) are decoded by lazy-zarr itself.
/// assert_eq!(info.reader, "lazy-zarr (bytes)");
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn inspect(store: impl AsRef<Path>, path: &str) -> Result<DatasetInfo> {
    let root = store.as_ref();
    let storage = filesystem_store(root)?;
    let node = node_path(path)?;
    let what = |e: &dyn fmt::Display| {
        format!(
            "cannot inspect Zarr array {path:?} in {}: {e}",
            root.display()
        )
    };
    let array: Array<Storage> = Array::open(storage, node.as_str())
        .map_err(|e| crate::explain::open_error(&crate::explain::LocalStore(root), &node, e))?;
    let to_usize = |v: &[u64]| -> Result<Vec<usize>> {
        v.iter()
            .map(|&n| usize::try_from(n).map_err(|e| Error::backend(what(&e), e)))
            .collect()
    };
    let shape = to_usize(array.shape())?;
    let chunks = match array.chunk_shape(&vec![0; shape.len()]) {
        Ok(c) => c.iter().map(|n| n.get() as usize).collect(),
        Err(_) => shape.clone(),
    };
    let format = match array.metadata() {
        zarrs::array::ArrayMetadata::V2(_) => "Zarr v2",
        _ => "Zarr v3",
    };
    let reader = crate::codec::reader_of(
        &array,
        crate::open::regular_chunks(&array, &shape).is_some(),
    );
    Ok(DatasetInfo::new(
        shape,
        dtype_of(array.data_type()),
        array.data_type().to_string(),
        Some(chunks),
        format,
    )
    .with_reader(reader))
}
