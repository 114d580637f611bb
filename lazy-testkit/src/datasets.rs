//! Datasets for tests: [`Computed`], of any shape (even one whose element
//! count overflows `usize`) with values computed from positions, and
//! [`Recording`], which logs every region it is asked for.
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, SelectionItem, Stacked};
//! use lazy_testkit::datasets::{Computed, Recording};
//! use ndarray::array;
//!
//! let huge = Computed::new(1, &[usize::MAX, 2]);
//! let last = huge.read_dyn(&DynSelection::from(vec![SelectionItem::Index(-1)])).unwrap();
//! assert_eq!(last, array![Computed::value(1, &[usize::MAX - 1, 0]), Computed::value(1, &[usize::MAX - 1, 1])].into_dyn());
//! assert_eq!(huge.served(), 2);
//!
//! let a = Recording::<lazy_core::Dyn>::new(array![1.0, 2.0, 3.0].into_dyn());
//! let b = Recording::<lazy_core::Dyn>::new(array![4.0, 5.0, 6.0].into_dyn());
//! let s = Stacked::new(vec![&a, &b], 0).unwrap();
//! s.read_dyn(&DynSelection::from(vec![SelectionItem::Index(1), SelectionItem::List(vec![2])])).unwrap();
//! assert!(a.reads().is_empty());
//! assert_eq!(b.reads().len(), 1);
//! ```

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use lazy_core::{
    AxisSelection, CheckedRegion, Dataset, DatasetExt, DatasetMut, Dyn, Rank, Region, Result,
};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Dimension};

/// The most elements a [`Computed`] dataset serves at once: more is a bug in
/// the library (a view reading more than it needs), and fails the test.
pub const MAX_SERVED: usize = 1 << 20;

/// A dataset of any shape whose elements are computed from their positions
/// ([`Computed::value`]); reads count the elements served, writes are
/// counted and dropped.
#[derive(Debug)]
pub struct Computed {
    id: u64,
    shape: Vec<usize>,
    served: AtomicUsize,
    writes: usize,
}

impl Computed {
    /// Dataset number `id` (its values differ from other ids') of `shape`.
    pub fn new(id: u64, shape: &[usize]) -> Self {
        Computed {
            id,
            shape: shape.to_vec(),
            served: AtomicUsize::new(0),
            writes: 0,
        }
    }

    /// The element at `pos` of dataset `id`: a hash of both, exact in `f64`.
    pub fn value(id: u64, pos: &[usize]) -> f64 {
        let h = pos.iter().fold(id.wrapping_add(0x51), |h, &p| {
            (h ^ p as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        });
        (h >> 44) as f64
    }

    /// The elements read so far.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::Relaxed)
    }

    /// The writes accepted so far.
    pub fn writes(&self) -> usize {
        self.writes
    }
}

/// The source position of output position `idx` of a canonical region.
fn source_position(region: &Region, idx: &[usize]) -> Vec<usize> {
    let mut out = idx.iter();
    region
        .axes()
        .iter()
        .map(|sel| match sel {
            AxisSelection::Index(i) => *i,
            other => out
                .next()
                .and_then(|&k| other.position(k))
                .expect("a position of the region"),
        })
        .collect()
}

impl Dataset for Computed {
    type Elem = f64;
    type Rank = Dyn;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        mut out: ArrayViewMutD<'_, f64>,
    ) -> Result<()> {
        assert!(
            out.len() <= MAX_SERVED,
            "a computed dataset was asked for {} elements",
            out.len()
        );
        self.served.fetch_add(out.len(), Ordering::Relaxed);
        for (idx, o) in out.indexed_iter_mut() {
            *o = Computed::value(self.id, &source_position(&region, idx.slice()));
        }
        Ok(())
    }
}

impl DatasetMut for Computed {
    fn write_region(
        &mut self,
        _region: CheckedRegion<'_>,
        _src: ArrayViewD<'_, f64>,
    ) -> Result<()> {
        self.writes += 1;
        Ok(())
    }
}

/// An in-memory dataset of rank `R` that logs every region it is asked to
/// read, as the checked entry point hands it over (canonical).
#[derive(Debug)]
pub struct Recording<R = Dyn> {
    data: ArrayD<f64>,
    reads: Mutex<Vec<Region>>,
    rank: PhantomData<R>,
}

impl<R: Rank> Recording<R> {
    /// A recording dataset holding `data`, whose rank must be `R`'s.
    pub fn new(data: ArrayD<f64>) -> Self {
        assert!(
            R::NDIM.is_none_or(|n| n == data.ndim()),
            "data of rank {} for a dataset of rank {:?}",
            data.ndim(),
            R::NDIM
        );
        Recording {
            data,
            reads: Mutex::new(Vec::new()),
            rank: PhantomData,
        }
    }

    /// The regions read so far, in order.
    pub fn reads(&self) -> Vec<Region> {
        self.reads.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl<R: Rank> Dataset for Recording<R> {
    type Elem = f64;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, f64>) -> Result<()> {
        if let Ok(mut reads) = self.reads.lock() {
            reads.push(region.region().clone());
        }
        self.data.read_into(&region, out)
    }
}
