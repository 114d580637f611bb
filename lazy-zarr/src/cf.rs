//! The CF attributes of a Zarr array (as xarray writes them), for
//! [`Decoded`](lazy_core::Decoded).

use lazy_core::{Cf, Error, Result};
use serde_json::Value;

use crate::dataset::ZarrDataset;

/// Reads an array's CF attributes into a [`Cf`]: `Cf::from_zarr(&array)`.
///
/// ```
/// use lazy_core::{Cf, DatasetExt, DatasetMutExt, Decoded};
/// use lazy_zarr::{CfAttributes, CreateOptions, ZarrDataset};
/// use typenum::U1;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mut a = ZarrDataset::<i16, U1>::create(dir.path(), "t", &[3], &CreateOptions::default()).unwrap();
/// a.write_all(&ndarray::array![10i16, -999, 30]).unwrap();
/// let attrs = serde_json::json!({"scale_factor": 0.5, "_FillValue": -999});
/// let mut array = a.into_inner();
/// array.attributes_mut().extend(attrs.as_object().unwrap().clone());
/// array.store_metadata().unwrap();
/// let t = ZarrDataset::<i16, U1>::open(dir.path(), "t").unwrap();
/// let cf = Cf::from_zarr(&t).unwrap();
/// let v = Decoded::<f64, _>::new(t, cf).unwrap().read_all().unwrap();
/// assert_eq!(v[0], 5.0);
/// assert!(v[1].is_nan());
/// ```
pub trait CfAttributes: Sized {
    /// The `scale_factor`, `add_offset`, `_FillValue`, `missing_value`,
    /// `valid_min`, `valid_max` and `valid_range` attributes of `array`,
    /// those present: numbers, or the strings `"NaN"`, `"Infinity"` and
    /// `"-Infinity"` zarr-python writes for those floats. Anything else, or
    /// the wrong number of values (`valid_range` takes two,
    /// `missing_value` one or more, the others one), is a
    /// [`Value`](lazy_core::ErrorKind::Value) error naming the attribute
    /// and the array.
    fn from_zarr<T, R, M>(array: &ZarrDataset<T, R, M>) -> Result<Self>;
}

/// One JSON value as a number.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" | "nan" => Some(f64::NAN),
            "Infinity" | "inf" => Some(f64::INFINITY),
            "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

impl CfAttributes for Cf {
    fn from_zarr<T, R, M>(array: &ZarrDataset<T, R, M>) -> Result<Self> {
        let attrs = array.inner().attributes();
        let bad = |name: &str, what: &str| {
            Error::value(format!(
                "the attribute {name} of Zarr array {}: {what}",
                array.path()
            ))
        };
        let many = |name: &str| -> Result<Option<Vec<f64>>> {
            match attrs.get(name) {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| number(v).ok_or_else(|| bad(name, "it is not a list of numbers")))
                    .collect::<Result<Vec<_>>>()
                    .map(Some),
                Some(v) => number(v)
                    .map(|x| Some(vec![x]))
                    .ok_or_else(|| bad(name, "it is not a number")),
            }
        };
        Cf::from_attributes(many, &format!("Zarr array {}", array.path()))
    }
}
