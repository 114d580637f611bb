//! [`Scaled`]: a dataset multiplied by a factor, with the inverse on write.
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, Scaled};
//! use ndarray::array;
//!
//! let mut raw = array![10i32, 20, 30];
//! let mut volts = Scaled::new(&mut raw, 0.5);
//! assert_eq!(volts.read_all().unwrap(), array![5.0, 10.0, 15.0]);
//! volts.write_all(&array![1.0, 2.0, 3.9]).unwrap(); // writes value / 0.5, truncated
//! drop(volts);
//! assert_eq!(raw, array![2, 4, 7]);
//! ```

use ndarray::{ArrayViewD, ArrayViewMutD, Zip};
use num_traits::{AsPrimitive, Float};

use crate::alloc::zeroed;
use crate::blocks::{for_each_block, BLOCK_ELEMS};
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::region::Region;

/// Reads `source * factor` as `F` (an integer source reads as floats, as NumPy
/// promotes); writes `value / factor` converted back to the source's element
/// type, truncating toward zero for integers as NumPy's assignment does (and
/// saturating where NumPy's result would be undefined). Writing with factor 0
/// is a [`Value`](crate::ErrorKind::Value) error.
///
/// Unlike the reference module, whose `dtype` reported the source's type, the
/// element type is `F`, what a read returns.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMutExt, ErrorKind, Scaled};
/// use ndarray::array;
///
/// let mut a = array![1.0f32, 2.0];
/// let s = Scaled::new(&a, 2.0f32);
/// assert_eq!(s.read_all().unwrap(), array![2.0f32, 4.0]);
/// let mut zero = Scaled::new(&mut a, 0.0);
/// assert_eq!(zero.write_all(1.0).unwrap_err().kind(), ErrorKind::Value);
/// ```
#[derive(Debug, Clone)]
pub struct Scaled<D, F = f64> {
    source: D,
    factor: F,
}

impl<D, F> Scaled<D, F> {
    /// Scales `source` by `factor`.
    pub fn new(source: D, factor: F) -> Self {
        Scaled { source, factor }
    }

    /// The scale factor.
    pub fn factor(&self) -> &F {
        &self.factor
    }

    /// The scaled dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// Gives the scaled dataset back.
    pub fn into_source(self) -> D {
        self.source
    }
}

impl<D, F> Dataset for Scaled<D, F>
where
    D: Dataset,
    F: Float + Element,
    D::Elem: AsPrimitive<F>,
{
    type Elem = F;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, F>) -> Result<()> {
        let factor = self.factor;
        let block = self.source.hints().block.max(BLOCK_ELEMS);
        for_each_block(&region, out, block, &|region, mut out| {
            let mut raw = zeroed::<D::Elem>(out.shape().to_vec())?;
            self.source.read_into(region, raw.view_mut())?;
            Zip::from(&mut out)
                .and(&raw)
                .for_each(|o, &x| *o = x.as_() * factor);
            Ok(())
        })
    }

    fn hints(&self) -> Hints {
        self.source.hints()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.source.in_memory(region)
    }

    /// The source's name: this view has its shape.
    fn name(&self) -> Option<String> {
        self.source.name()
    }
}

impl<D, F> DatasetMut for Scaled<D, F>
where
    D: DatasetMut,
    F: Float + Element + AsPrimitive<D::Elem>,
    D::Elem: AsPrimitive<F>,
{
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, F>) -> Result<()> {
        let factor = self.factor;
        // `src` may be a broadcast scalar: allocate its full size fallibly.
        let mut raw = zeroed::<D::Elem>(src.shape().to_vec())?;
        Zip::from(&mut raw)
            .and(&src)
            .for_each(|r, &v| *r = (v / factor).as_());
        self.source.write_from(&region, raw.view())
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        if self.factor == F::zero() {
            return Err(Error::value(
                "cannot write through a Scaled view with factor 0: the inverse scaling is undefined",
            ));
        }
        self.source.validate_write(&region)
    }
}

crate::backend::dataset_methods!(Scaled<D, F>);
