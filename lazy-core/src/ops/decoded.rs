//! [`Decoded`]: CF conventions decoding (`scale_factor`, `add_offset`,
//! `_FillValue`, `missing_value`, `valid_min`/`valid_max`/`valid_range`) as
//! a lazy view, as xarray's `mask_and_scale` and netCDF4-python's
//! auto-mask-and-scale do; read and write.
//!
//! ```
//! use lazy_core::{Cf, DatasetExt, Decoded};
//! use ndarray::array;
//!
//! let packed = array![100i16, -32767, 250];
//! let cf = Cf { scale_factor: Some(0.5), add_offset: Some(10.0), fill_value: Some(-32767.0), ..Cf::default() };
//! let t = Decoded::<f64, _>::new(&packed, cf).unwrap().read_all().unwrap();
//! assert_eq!((t[0], t[2]), (60.0, 135.0));
//! assert!(t[1].is_nan());
//! ```

use std::marker::PhantomData;

use ndarray::{ArrayViewD, ArrayViewMutD, Zip};
use num_traits::{AsPrimitive, Float};

use crate::alloc::zeroed;
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::ext::DatasetMutExt;
use crate::ops::{broadcast_back, distinct, read_converted};
use crate::region::Region;

/// The CF attributes of a packed variable, as numbers (in the units of the
/// stored values where the conventions say so). Every field is optional;
/// [`Cf::default`] decodes nothing. Backends read them from a dataset's
/// attributes (`lazy_hdf5::CfAttributes`, `lazy_zarr::CfAttributes`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cf {
    /// Multiplies the stored value.
    pub scale_factor: Option<f64>,
    /// Added after scaling.
    pub add_offset: Option<f64>,
    /// Stored value meaning "no data": read as NaN, written for NaN.
    pub fill_value: Option<f64>,
    /// More stored values meaning "no data", read as NaN.
    pub missing_values: Vec<f64>,
    /// Stored values below it read as NaN.
    pub valid_min: Option<f64>,
    /// Stored values above it read as NaN.
    pub valid_max: Option<f64>,
}

impl Cf {
    /// The CF attributes found by `attribute` (a name to its numbers, or
    /// `None` when absent), for backends that read them from storage:
    /// `scale_factor`, `add_offset` and `_FillValue` take one number,
    /// `missing_value` one or more, `valid_min`/`valid_max` one and
    /// `valid_range` two (which win over those). The wrong count is a
    /// [`Value`](crate::ErrorKind::Value) error naming the attribute and
    /// `what` (the dataset).
    ///
    /// ```
    /// use lazy_core::Cf;
    /// let attrs = |name: &str| Ok(match name {
    ///     "scale_factor" => Some(vec![0.01]),
    ///     "valid_range" => Some(vec![-100.0, 100.0]),
    ///     _ => None,
    /// });
    /// let cf = Cf::from_attributes(attrs, "t").unwrap();
    /// assert_eq!((cf.scale_factor, cf.valid_max), (Some(0.01), Some(100.0)));
    /// let two = |name: &str| Ok((name == "scale_factor").then(|| vec![1.0, 2.0]));
    /// let bad = Cf::from_attributes(two, "t").unwrap_err();
    /// assert!(bad.to_string().contains("scale_factor of t has 2 values"));
    /// ```
    pub fn from_attributes(
        attribute: impl Fn(&str) -> Result<Option<Vec<f64>>>,
        what: &str,
    ) -> Result<Cf> {
        let count = |name: &str, v: &[f64], expected: &str| {
            Error::value(format!(
                "the attribute {name} of {what} has {} values, expected {expected}",
                v.len()
            ))
        };
        let one = |name: &str| -> Result<Option<f64>> {
            match attribute(name)? {
                None => Ok(None),
                Some(v) => match v[..] {
                    [x] => Ok(Some(x)),
                    _ => Err(count(name, &v, "one")),
                },
            }
        };
        let (mut valid_min, mut valid_max) = (one("valid_min")?, one("valid_max")?);
        if let Some(range) = attribute("valid_range")? {
            let [lo, hi] = range[..] else {
                return Err(count("valid_range", &range, "two"));
            };
            (valid_min, valid_max) = (Some(lo), Some(hi));
        }
        let missing_values = match attribute("missing_value")? {
            Some(v) if v.is_empty() => return Err(count("missing_value", &v, "one or more")),
            other => other.unwrap_or_default(),
        };
        Ok(Cf {
            scale_factor: one("scale_factor")?,
            add_offset: one("add_offset")?,
            fill_value: one("_FillValue")?,
            missing_values,
            valid_min,
            valid_max,
        })
    }

    /// Whether the stored value `raw` is missing: the fill value, a missing
    /// value, NaN, or outside the valid range.
    fn is_missing(&self, raw: f64) -> bool {
        raw.is_nan()
            || self.fill_value == Some(raw)
            || self.missing_values.contains(&raw)
            || self.valid_min.is_some_and(|lo| raw < lo)
            || self.valid_max.is_some_and(|hi| raw > hi)
    }

    /// An error unless every number is finite (fill and missing values may
    /// be NaN) and a scale factor is not zero.
    fn check(&self) -> Result<()> {
        let finite = [
            ("scale_factor", self.scale_factor),
            ("add_offset", self.add_offset),
            ("valid_min", self.valid_min),
            ("valid_max", self.valid_max),
        ];
        if let Some((name, v)) = finite
            .iter()
            .find(|(_, v)| v.is_some_and(|v| !v.is_finite()))
        {
            return Err(Error::value(format!(
                "the CF attribute {name} is {v:?}: it must be a finite number"
            )));
        }
        if self.scale_factor == Some(0.0) {
            return Err(Error::value("the CF attribute scale_factor is 0"));
        }
        Ok(())
    }
}

/// A float element type that CF-decoded values are read as: `f32` or `f64`.
#[diagnostic::on_unimplemented(
    message = "CF-decoded values cannot be read as `{Self}`",
    label = "`Decoded` reads as `f32` or `f64`",
    note = "decoding scales and masks values (missing ones become NaN), so the output is a float; use `Cast` to convert plain values"
)]
pub trait DecodedFloat: Float + Element + AsPrimitive<f64> {}
impl DecodedFloat for f32 {}
impl DecodedFloat for f64 {}

/// `source` decoded by the CF attributes `cf`, read as the float type `F`:
/// `raw * scale_factor + add_offset`, NaN where the stored value is the
/// fill value, a missing value, NaN or outside the valid range (xarray's
/// `decode_cf` with `mask_and_scale`, netCDF4-python's default). The
/// arithmetic is done in `F`, multiplication then addition, as NumPy does
/// in xarray. Writable when the source is: NaN writes the fill value (an
/// error without one), other values are unscaled (`(v - add_offset) /
/// scale_factor`), rounded to nearest for integer storage and checked
/// against the storage type's range; a value that does not fit is a
/// [`Value`](crate::ErrorKind::Value) error and nothing is written.
///
/// ```
/// use lazy_core::{Cf, DatasetExt, DatasetMutExt, Decoded, ErrorKind};
/// use ndarray::array;
///
/// let mut raw = array![0u8, 0, 0];
/// let cf = Cf { scale_factor: Some(0.1), fill_value: Some(255.0), ..Cf::default() };
/// let mut d = Decoded::<f32, _>::new(&mut raw, cf).unwrap();
/// d.write_all(&array![1.0, f32::NAN, 2.54]).unwrap();
/// assert_eq!(d.write_all(&array![0.0, 0.0, 99.0]).unwrap_err().kind(), ErrorKind::Value); // 990 > 255
/// drop(d);
/// assert_eq!(raw, array![10, 255, 25]);
/// ```
pub struct Decoded<F, D> {
    source: D,
    cf: Cf,
    to: PhantomData<fn() -> F>,
}

impl<F, D> Decoded<F, D> {
    /// `source` decoded by `cf`. Non-finite scale, offset or valid bounds,
    /// a zero scale factor, a `bool` source, or a source that is decoded
    /// already (a `Decoded` view in it, [`Hints::cf_decoded`]) are
    /// [`Value`](crate::ErrorKind::Value) errors.
    ///
    /// ```
    /// use lazy_core::{Cf, Decoded, ErrorKind, Scaled};
    /// let raw = ndarray::array![1i16, 2];
    /// let once = Decoded::<f64, _>::new(&raw, Cf::default()).unwrap();
    /// let twice = Decoded::<f64, _>::new(Scaled::new(&once, 2.0), Cf::default());
    /// assert_eq!(twice.unwrap_err().kind(), ErrorKind::Value);
    /// ```
    pub fn new(source: D, cf: Cf) -> Result<Self>
    where
        F: DecodedFloat,
        D: Dataset,
        D::Elem: AsPrimitive<f64>,
    {
        cf.check()?;
        if source.hints().cf_decoded {
            return Err(Error::value(
                "the dataset is CF-decoded already (a Decoded view is in it): decoding it again would scale and mask twice",
            ));
        }
        if D::Elem::DTYPE == DType::Bool {
            return Err(Error::value("CF decoding needs numbers, not bool"));
        }
        Ok(Decoded {
            source,
            cf,
            to: PhantomData,
        })
    }

    /// The attributes this view decodes with.
    pub fn cf(&self) -> &Cf {
        &self.cf
    }

    /// The decoded dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// Gives the decoded dataset back.
    pub fn into_source(self) -> D {
        self.source
    }
}

impl<F, D: Clone> Clone for Decoded<F, D> {
    fn clone(&self) -> Self {
        Decoded {
            source: self.source.clone(),
            cf: self.cf.clone(),
            to: PhantomData,
        }
    }
}

impl<F, D: std::fmt::Debug> std::fmt::Debug for Decoded<F, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("to", &std::any::type_name::<F>())
            .field("cf", &self.cf)
            .field("source", &self.source)
            .finish()
    }
}

impl<F, D> Dataset for Decoded<F, D>
where
    F: DecodedFloat,
    D: Dataset,
    D::Elem: AsPrimitive<f64> + AsPrimitive<F>,
    f64: AsPrimitive<F>,
{
    type Elem = F;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, F>) -> Result<()> {
        let scale: Option<F> = self.cf.scale_factor.map(|s| s.as_());
        let offset: Option<F> = self.cf.add_offset.map(|o| o.as_());
        read_converted(&self.source, &region, out, &|o, x| {
            let wide: f64 = x.as_();
            *o = if self.cf.is_missing(wide) {
                F::nan()
            } else {
                let mut v: F = x.as_();
                if let Some(s) = scale {
                    v = v * s;
                }
                if let Some(a) = offset {
                    v = v + a;
                }
                v
            };
        })
    }

    fn hints(&self) -> Hints {
        Hints {
            cf_decoded: true,
            ..self.source.hints()
        }
    }

    /// The source's chunk grid: this view reads element for element.
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.source.chunk_grid()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.source.in_memory(region)
    }

    /// The source's name: this view has its shape.
    fn name(&self) -> Option<String> {
        self.source.name()
    }
}

/// The stored value for the decoded value `v` (NaN: the fill value), in
/// storage of `dtype`: unscaled, rounded for integers, and checked to fit.
fn stored(cf: &Cf, dtype: DType, v: f64) -> Result<f64> {
    let (lo, hi, integer) = storage_range(dtype);
    let stored = if v.is_nan() {
        cf.fill_value.ok_or_else(|| {
            Error::value("cannot write NaN through a Decoded view without a fill value")
        })?
    } else {
        let unscaled = (v - cf.add_offset.unwrap_or(0.0)) / cf.scale_factor.unwrap_or(1.0);
        if integer {
            unscaled.round()
        } else {
            unscaled
        }
    };
    // NaN fits float storage (a NaN fill value) and no integer type.
    if (lo..=hi).contains(&stored) || (stored.is_nan() && !integer) {
        Ok(stored)
    } else {
        Err(Error::value(format!(
            "{v} does not fit the stored type {dtype} once unscaled"
        )))
    }
}

/// The range of values a stored element type holds, and whether it is an
/// integer type (values are rounded to it).
fn storage_range(dtype: DType) -> (f64, f64, bool) {
    match dtype {
        DType::I8 => (i8::MIN as f64, i8::MAX as f64, true),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64, true),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64, true),
        DType::I64 => (i64::MIN as f64, i64::MAX as f64, true),
        DType::U8 => (0.0, u8::MAX as f64, true),
        DType::U16 => (0.0, u16::MAX as f64, true),
        DType::U32 => (0.0, u32::MAX as f64, true),
        DType::U64 => (0.0, u64::MAX as f64, true),
        DType::F32 => (f32::MIN as f64, f32::MAX as f64, false),
        _ => (f64::MIN, f64::MAX, false),
    }
}

impl<F, D> DatasetMut for Decoded<F, D>
where
    F: DecodedFloat,
    D: DatasetMut,
    D::Elem: AsPrimitive<f64> + AsPrimitive<F>,
    f64: AsPrimitive<F> + AsPrimitive<D::Elem>,
{
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, F>) -> Result<()> {
        // `write_from` ran `check_values`: every value converts.
        let raw = self.stored_values(src)?;
        self.source.write_from(&region, raw.view())
    }

    /// Every value must convert to the stored type; then the source checks
    /// the stored values it would get (a [`Scaled`](crate::Scaled) view
    /// under this one refuses some).
    /// Flushes the source.
    fn flush(&mut self) -> Result<()> {
        self.source.flush()
    }

    fn writes_to_memory(&self, region: &crate::region::Region) -> bool {
        self.source.writes_to_memory(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, F>) -> Result<()> {
        let raw = self.stored_values(distinct(&src))?;
        self.source
            .validate_values(&region, broadcast_back(&raw, src.shape())?)
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.source.validate_write(&region)
    }
}

impl<F, D> Decoded<F, D>
where
    F: DecodedFloat,
    D: Dataset,
    f64: AsPrimitive<D::Elem>,
{
    /// The stored values of the decoded values `src`, or the first value's
    /// error that does not convert.
    fn stored_values(&self, src: ArrayViewD<'_, F>) -> Result<ndarray::ArrayD<D::Elem>> {
        let mut raw = zeroed::<D::Elem>(src.shape().to_vec())?;
        let mut failed = None;
        Zip::from(&mut raw).and(&src).for_each(|r, &v| {
            if failed.is_none() {
                match stored(&self.cf, D::Elem::DTYPE, v.as_()) {
                    Ok(x) => *r = x.as_(),
                    Err(e) => failed = Some(e),
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(raw),
        }
    }
}

crate::backend::dataset_methods!(Decoded<F, D>);
