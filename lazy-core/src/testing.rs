//! Test helpers shared by the unit tests of several modules.

use std::sync::Mutex;

use ndarray::{ArrayD, ArrayViewMutD};

use crate::dataset::{CheckedRegion, Dataset};
use crate::element::Element;
use crate::error::Result;
use crate::region::Region;

/// Storage-like data (the default hints) that logs the regions it reads,
/// with the chunk grid `chunk` ([`Dataset::chunk_grid`]).
pub(crate) struct Logged<T> {
    pub(crate) data: ArrayD<T>,
    pub(crate) reads: Mutex<Vec<Region>>,
    pub(crate) chunk: Option<Vec<usize>>,
}

impl<T> Logged<T> {
    /// `data`, with chunks `chunk`, nothing read yet.
    pub(crate) fn new(data: ArrayD<T>, chunk: Option<Vec<usize>>) -> Self {
        Logged {
            data,
            reads: Mutex::new(Vec::new()),
            chunk,
        }
    }

    /// The lowest and highest position along axis 0 of each region read,
    /// in order of position.
    pub(crate) fn row_spans(&self) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = self
            .reads
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.axes()[0].bounds().unwrap())
            .collect();
        spans.sort_unstable();
        spans
    }
}

impl<T: Element> Dataset for Logged<T> {
    type Elem = T;
    type Rank = crate::rank::Dyn;
    fn shape(&self) -> &[usize] {
        self.data.shape()
    }
    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        self.reads.lock().unwrap().push(region.region().clone());
        self.data.read_region(region, out)
    }
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.chunk.clone()
    }
}
