//! [`Map`] and [`Zip`]: user functions as lazy, read-only views, applied
//! block by block as the sources are read.
//!
//! ```
//! use lazy_core::{DatasetExt, Map, Zip};
//! use ndarray::array;
//!
//! let (re, im) = (array![3.0, 0.0], array![4.0, 2.0]);
//! let magnitude = Zip::new(&re, &im, |a: f64, b: f64| a.hypot(b)).unwrap();
//! assert_eq!(magnitude.read_all().unwrap(), array![5.0, 2.0]);
//! let high = Map::new(&re, |v: f64| v > 1.0);
//! assert_eq!(high.read_all().unwrap(), array![true, false]);
//! ```

use ndarray::ArrayViewMutD;

use crate::alloc::zeroed;
use crate::blocks::{for_each_block, join, BLOCK_ELEMS};
use crate::dataset::{CheckedRegion, Dataset, Hints};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ext::DatasetExt;
use crate::region::Region;

/// `f` applied to every element of `source`, as a dataset of `f`'s output
/// type (NumPy's `f(source)` for a ufunc-like `f`, or `np.vectorize(f)`),
/// computed as blocks are read: nothing is held beyond a block. Read-only:
/// writing through a `Map` does not compile.
///
/// ```
/// use lazy_core::{DatasetExt, Map};
/// use ndarray::array;
///
/// let counts = array![[0u16, 512], [1024, 4095]];
/// let volts = Map::new(&counts, |c: u16| f32::from(c) * 2.5 / 4095.0 - 1.25);
/// assert_eq!(volts.read_all().unwrap()[[1, 1]], 1.25);
/// ```
#[derive(Clone)]
pub struct Map<D, F> {
    source: D,
    f: F,
}

impl<D, F> Map<D, F> {
    /// `f` applied to `source`.
    pub fn new(source: D, f: F) -> Self {
        Map { source, f }
    }

    /// The mapped dataset.
    pub fn source(&self) -> &D {
        &self.source
    }
}

impl<D: std::fmt::Debug, F> std::fmt::Debug for Map<D, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Map")
            .field("f", &std::any::type_name::<F>())
            .field("source", &self.source)
            .finish()
    }
}

impl<D, F, U> Dataset for Map<D, F>
where
    D: Dataset,
    F: Fn(D::Elem) -> U + Sync,
    U: Element,
{
    type Elem = U;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, U>) -> Result<()> {
        let block = self.source.hints().block.max(BLOCK_ELEMS);
        for_each_block(&region, out, block, &|region, mut out| {
            let mut raw = zeroed::<D::Elem>(out.shape().to_vec())?;
            self.source.read_into(region, raw.view_mut())?;
            ndarray::Zip::from(&mut out)
                .and(&raw)
                .for_each(|o, &x| *o = (self.f)(x));
            Ok(())
        })
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

crate::backend::dataset_methods!(Map<D, F>);

/// `f` applied to the elements of two datasets of one shape, pairwise, as
/// a dataset of `f`'s output type (NumPy's `f(a, b)` for a binary
/// ufunc-like `f`); the two are read concurrently block by block (storage
/// sources in parallel). Read-only: writing through a `Zip` does not
/// compile. The sources may have different element types and must have the
/// same rank (else it does not compile) and shape (else a
/// [`Shape`](crate::ErrorKind::Shape) error).
///
/// ```
/// use lazy_core::{DatasetExt, ErrorKind, Zip};
/// use ndarray::array;
///
/// let (counts, gain) = (array![10u16, 20, 30], array![0.5f64, 1.0, 2.0]);
/// let z = Zip::new(&counts, &gain, |c: u16, g: f64| f64::from(c) * g).unwrap();
/// assert_eq!(z.read_all().unwrap(), array![5.0, 20.0, 60.0]);
/// let short = array![1.0f64, 2.0];
/// assert_eq!(Zip::new(&counts, &short, |c: u16, g: f64| f64::from(c) * g).unwrap_err().kind(), ErrorKind::Shape);
/// ```
#[derive(Clone)]
pub struct Zip<A, B, F> {
    a: A,
    b: B,
    f: F,
}

impl<A, B, F> Zip<A, B, F>
where
    A: Dataset,
    B: Dataset<Rank = A::Rank>,
{
    /// `f` applied to `a` and `b` pairwise; sources of different shapes are
    /// a [`Shape`](crate::ErrorKind::Shape) error.
    pub fn new(a: A, b: B, f: F) -> Result<Self> {
        if a.shape() != b.shape() {
            let named = |name: Option<String>| name.map(|n| format!(" ({n})")).unwrap_or_default();
            return Err(Error::shape(format!(
                "Zip needs datasets of one shape: the first{} has shape {:?}, the second{} {:?}",
                named(a.name()),
                a.shape(),
                named(b.name()),
                b.shape()
            )));
        }
        Ok(Zip { a, b, f })
    }

    /// The two datasets.
    pub fn sources(&self) -> (&A, &B) {
        (&self.a, &self.b)
    }
}

impl<A: std::fmt::Debug, B: std::fmt::Debug, F> std::fmt::Debug for Zip<A, B, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zip")
            .field("f", &std::any::type_name::<F>())
            .field("a", &self.a)
            .field("b", &self.b)
            .finish()
    }
}

impl<A, B, F, U> Dataset for Zip<A, B, F>
where
    A: Dataset,
    B: Dataset<Rank = A::Rank>,
    F: Fn(A::Elem, B::Elem) -> U + Sync,
    U: Element,
{
    type Elem = U;
    type Rank = A::Rank;

    fn shape(&self) -> &[usize] {
        self.a.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, U>) -> Result<()> {
        let hint = self.hints().block;
        for_each_block(&region, out, hint.max(BLOCK_ELEMS), &|region, mut out| {
            let mut a = zeroed::<A::Elem>(out.shape().to_vec())?;
            let mut b = zeroed::<B::Elem>(out.shape().to_vec())?;
            if hint > BLOCK_ELEMS && !self.in_memory(region) {
                // Storage: both sources at once.
                let (ra, rb) = join(
                    || self.a.read_into(region, a.view_mut()),
                    || self.b.read_into(region, b.view_mut()),
                );
                ra.and(rb)?;
            } else {
                self.a.read_into(region, a.view_mut())?;
                self.b.read_into(region, b.view_mut())?;
            }
            ndarray::Zip::from(&mut out)
                .and(&a)
                .and(&b)
                .for_each(|o, &x, &y| *o = (self.f)(x, y));
            Ok(())
        })
    }

    fn hints(&self) -> Hints {
        self.a.hints().and(self.b.hints())
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.a.in_memory(region) && self.b.in_memory(region)
    }
}

crate::backend::dataset_methods!(Zip<A, B, F>);
