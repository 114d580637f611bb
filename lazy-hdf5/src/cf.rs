//! The CF attributes of an HDF5 dataset (a netCDF-4 variable), for
//! [`Decoded`](lazy_core::Decoded).

#[cfg(feature = "libhdf5")]
use hdf5_metno::types::TypeDescriptor;
use lazy_core::{Cf, Error, Result};

use crate::dataset::H5Dataset;

/// Reads a dataset's CF attributes into a [`Cf`]: `Cf::from_hdf5(&ds)`.
///
/// ```
/// # #[cfg(feature = "libhdf5")] {
/// use lazy_core::{Cf, DatasetExt, Decoded};
/// use lazy_hdf5::{create_file, CfAttributes, H5Dataset};
/// use typenum::U1;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("packed.h5")).unwrap();
/// let ds = file.new_dataset_builder().with_data(&[10i16, -999, 30]).create("t").unwrap();
/// ds.new_attr::<f64>().create("scale_factor").unwrap().write_scalar(&0.5).unwrap();
/// ds.new_attr::<i16>().create("_FillValue").unwrap().write_scalar(&-999).unwrap();
/// let t = H5Dataset::<i16, U1>::open(&file, "t").unwrap();
/// let cf = Cf::from_hdf5(&t).unwrap();
/// assert_eq!((cf.scale_factor, cf.fill_value), (Some(0.5), Some(-999.0)));
/// let v = Decoded::<f64, _>::new(t, cf).unwrap().read_all().unwrap();
/// assert_eq!(v[0], 5.0);
/// assert!(v[1].is_nan());
/// # }
/// ```
pub trait CfAttributes: Sized {
    /// The `scale_factor`, `add_offset`, `_FillValue`, `missing_value`,
    /// `valid_min`, `valid_max` and `valid_range` attributes of `ds`, those
    /// present. An attribute that is not numeric, or has the wrong number
    /// of values (`valid_range` takes two, `missing_value` one or more, the
    /// others one), is a [`Value`](lazy_core::ErrorKind::Value) error
    /// naming it and the dataset. A dataset opened without libhdf5
    /// ([`open_file_pure`](crate::open_file_pure), or any without the
    /// feature `libhdf5`) has its attributes read by lazy-hdf5's own reader.
    fn from_hdf5<T, R, M>(ds: &H5Dataset<T, R, M>) -> Result<Self>;
}

impl CfAttributes for Cf {
    fn from_hdf5<T, R, M>(ds: &H5Dataset<T, R, M>) -> Result<Self> {
        #[cfg(not(feature = "libhdf5"))]
        return from_pure(ds);
        #[cfg(feature = "libhdf5")]
        from_libhdf5(ds)
    }
}

/// [`CfAttributes::from_hdf5`] through libhdf5, or lazy-hdf5's own reader
/// for a dataset opened by it.
#[cfg(feature = "libhdf5")]
fn from_libhdf5<T, R, M>(ds: &H5Dataset<T, R, M>) -> Result<Cf> {
    let Some(inner) = ds.inner() else {
        return from_pure(ds);
    };
    let names = inner
        .attr_names()
        .map_err(|e| Error::backend(format!("cannot list the attributes of {}", ds.path()), e))?;
    let read = |name: &str| -> Result<Option<Vec<f64>>> {
        if !names.iter().any(|n| n == name) {
            return Ok(None);
        }
        let bad =
            |what: String| Error::value(format!("the attribute {name} of {}: {what}", ds.path()));
        let attr = inner.attr(name).map_err(|e| bad(e.to_string()))?;
        let numeric = matches!(
            attr.dtype().and_then(|t| t.to_descriptor()),
            Ok(TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_) | TypeDescriptor::Float(_))
        );
        if !numeric {
            return Err(bad("it is not a number".into()));
        }
        attr.read_raw::<f64>()
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    };
    Cf::from_attributes(read, &format!("dataset {}", ds.path()))
}

/// [`CfAttributes::from_hdf5`] of a dataset opened by lazy-hdf5's own
/// reader, from the attributes it read at open.
fn from_pure<T, R, M>(ds: &H5Dataset<T, R, M>) -> Result<Cf> {
    let attributes = match &ds.direct {
        Ok(direct) => direct.attributes.as_slice(),
        Err(_) => &[],
    };
    let read = |name: &str| -> Result<Option<Vec<f64>>> {
        match attributes.iter().find(|(n, _)| n == name) {
            None => Ok(None),
            Some((_, Some(values))) => Ok(Some(values.clone())),
            Some((_, None)) => Err(Error::value(format!(
                "the attribute {name} of {}: it is not a number",
                ds.path()
            ))),
        }
    };
    Cf::from_attributes(read, &format!("dataset {}", ds.path()))
}
