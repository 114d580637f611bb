//! [`Cast`]: a dataset read as another element type, NumPy's
//! `source.astype(T)`; read and write.
//!
//! ```
//! use lazy_core::{Cast, DatasetExt};
//! use ndarray::array;
//!
//! let counts = array![1u16, 2, 65535];
//! assert_eq!(Cast::<f32, _>::new(&counts).read_all().unwrap(), array![1.0f32, 2.0, 65535.0]);
//! ```

use std::marker::PhantomData;

use ndarray::{ArrayViewD, ArrayViewMutD, Zip};
use num_traits::AsPrimitive;

use crate::alloc::zeroed;
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::element::Element;
use crate::error::Result;
use crate::ext::DatasetMutExt;
use crate::ops::{broadcast_back, distinct, read_converted};
use crate::region::Region;

/// `source` read as elements of type `T`, converted with Rust's `as`: float
/// to integer truncates toward zero and saturates at the type's bounds, NaN
/// becomes 0 (NumPy leaves these undefined); integer to integer wraps
/// (keeps the low bits, as NumPy's `astype` does); integer to float rounds
/// to nearest. Writes convert back the same way. `bool` is neither read nor
/// written through a cast (it does not compile).
///
/// ```
/// use lazy_core::{Cast, DatasetExt, DatasetMutExt};
/// use ndarray::array;
///
/// let mut raw = array![0i16, 0, 0];
/// let mut c = Cast::<f64, _>::new(&mut raw);
/// c.write_all(&array![1.9, -1e9, f64::NAN]).unwrap();
/// drop(c);
/// assert_eq!(raw, array![1, i16::MIN, 0]);
/// assert_eq!(Cast::<u8, _>::new(&array![300i32, -1]).read_all().unwrap(), array![44u8, 255]);
/// ```
pub struct Cast<T, D> {
    source: D,
    to: PhantomData<fn() -> T>,
}

impl<T, D> Cast<T, D> {
    /// `source` read as `T`.
    pub fn new(source: D) -> Self {
        Cast {
            source,
            to: PhantomData,
        }
    }

    /// The converted dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// Gives the converted dataset back.
    pub fn into_source(self) -> D {
        self.source
    }
}

impl<T, D: Clone> Clone for Cast<T, D> {
    fn clone(&self) -> Self {
        Cast::new(self.source.clone())
    }
}

impl<T, D: std::fmt::Debug> std::fmt::Debug for Cast<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cast")
            .field("to", &std::any::type_name::<T>())
            .field("source", &self.source)
            .finish()
    }
}

impl<T, D> Dataset for Cast<T, D>
where
    D: Dataset,
    T: Element,
    D::Elem: AsPrimitive<T>,
{
    type Elem = T;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        read_converted(&self.source, &region, out, &|o, x| *o = x.as_())
    }

    fn hints(&self) -> Hints {
        self.source.hints()
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

impl<T, D> DatasetMut for Cast<T, D>
where
    D: DatasetMut,
    T: Element + AsPrimitive<D::Elem>,
    D::Elem: AsPrimitive<T>,
{
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        let raw = converted::<T, D::Elem>(src)?;
        self.source.write_from(&region, raw.view())
    }

    /// A conversion refuses nothing; the source checks the values it would
    /// get (a [`Scaled`](crate::Scaled) or [`Decoded`](crate::Decoded)
    /// view under this one refuses some).
    /// Flushes the source.
    fn flush(&mut self) -> Result<()> {
        self.source.flush()
    }

    fn writes_to_memory(&self, region: &crate::region::Region) -> bool {
        self.source.writes_to_memory(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        let raw = converted::<T, D::Elem>(distinct(&src))?;
        self.source
            .validate_values(&region, broadcast_back(&raw, src.shape())?)
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.source.validate_write(&region)
    }
}

/// `src` converted to `U` with `as`.
fn converted<T: Element + AsPrimitive<U>, U: Element>(
    src: ArrayViewD<'_, T>,
) -> Result<ndarray::ArrayD<U>> {
    // `src` may be a broadcast scalar: allocate its full size fallibly.
    let mut raw = zeroed::<U>(src.shape().to_vec())?;
    Zip::from(&mut raw).and(&src).for_each(|r, &v| *r = v.as_());
    Ok(raw)
}

crate::backend::dataset_methods!(Cast<T, D>);
