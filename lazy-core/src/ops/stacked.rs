//! [`Stacked`]: N same-shape datasets joined along a new axis, like `np.stack`.
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem, Stacked};
//! use ndarray::array;
//!
//! let (mut x, mut y, mut z) = (array![1.0, 2.0], array![3.0, 4.0], array![5.0, 6.0]);
//! let mut xyz = Stacked::new(vec![&mut x, &mut y, &mut z], -1).unwrap();
//! assert_eq!(xyz.shape(), &[2, 3]);
//! assert_eq!(xyz.read_all().unwrap(), array![[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]);
//! // Write the first row back: x[0], y[0], z[0] change.
//! xyz.write(DynSelection::from(vec![SelectionItem::Index(0)]), &array![-1.0, -3.0, -5.0]).unwrap();
//! drop(xyz);
//! assert_eq!((x[0], y[0], z[0]), (-1.0, -3.0, -5.0));
//! ```

use std::ops::Add;

use ndarray::{ArrayViewD, ArrayViewMutD, Axis};
use typenum::{Add1, B1};

use crate::blocks::{for_each_block, for_each_concurrent, BLOCK_ELEMS};
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::ops::common_shape;
use crate::rank::Rank;
use crate::region::{AxisSelection, Region};

/// N datasets of one shape and element type stacked along a new axis: rank
/// `Add1<D::Rank>`. Reads and writes go to the selected sources only; the
/// stacked axis takes integers, slices (any step) and lists like every other.
///
/// ```
/// use lazy_core::{DatasetExt, Stacked};
/// use ndarray::{array, Array2};
///
/// let a = array![1, 2, 3];
/// let b = array![4, 5, 6];
/// let rows: Array2<i32> = Stacked::new(vec![&a, &b], 0).unwrap().read_all().unwrap();
/// assert_eq!(rows, array![[1, 2, 3], [4, 5, 6]]);
/// ```
#[derive(Debug, Clone)]
pub struct Stacked<D> {
    sources: Vec<D>,
    axis: usize,
    shape: Vec<usize>,
}

impl<D: Dataset> Stacked<D> {
    /// Stacks `sources` along `axis`, which may be negative and lies in
    /// `-(ndim + 1)..=ndim` (ndim of the sources).
    ///
    /// An empty list or an axis out of range is a [`Value`](crate::ErrorKind::Value)
    /// error, sources of different shapes a [`Shape`](crate::ErrorKind::Shape) error.
    ///
    /// ```
    /// use lazy_core::{ErrorKind, Stacked};
    /// use ndarray::array;
    /// let (a, b) = (array![1, 2], array![3]);
    /// assert_eq!(Stacked::new(vec![&a, &b], 0).unwrap_err().kind(), ErrorKind::Shape);
    /// assert_eq!(Stacked::new(vec![&a, &a], 2).unwrap_err().kind(), ErrorKind::Value);
    /// assert_eq!(Stacked::<&ndarray::Array1<i32>>::new(vec![], 0).unwrap_err().kind(), ErrorKind::Value);
    /// ```
    pub fn new(sources: Vec<D>, axis: isize) -> Result<Self> {
        let mut shape = common_shape(&sources, "Stacked")?;
        let ndim = shape.len() as isize;
        if axis < -(ndim + 1) || axis > ndim {
            return Err(Error::value(format!(
                "axis {axis} is out of bounds for stacking {ndim}-dimensional datasets (expected {}..={ndim})",
                -(ndim + 1)
            )));
        }
        let axis = if axis < 0 { axis + ndim + 1 } else { axis } as usize;
        shape.insert(axis, sources.len());
        Ok(Stacked {
            sources,
            axis,
            shape,
        })
    }

    /// The stacked axis, normalised to `0..=ndim`.
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// The stacked datasets.
    pub fn sources(&self) -> &[D] {
        &self.sources
    }

    /// Gives the stacked datasets back.
    pub fn into_sources(self) -> Vec<D> {
        self.sources
    }

    /// Where the stacked axis is in the output of `region` (a canonical
    /// region of this stack that keeps it).
    fn out_axis(&self, region: &Region) -> Result<Axis> {
        region
            .out_axis(self.axis)
            .map(Axis)
            .ok_or_else(|| Error::index("the stacked axis is not in the output"))
    }

    fn source(&self, i: usize) -> Result<&D> {
        self.sources
            .get(i)
            .ok_or_else(|| no_source(i, self.sources.len()))
    }

    /// Whether source `i`'s part `inner` of a read is in memory
    /// ([`Dataset::in_memory`]).
    fn in_source(&self, i: usize, inner: &Region) -> bool {
        self.sources.get(i).is_some_and(|s| s.in_memory(inner))
    }
}

impl<D> Dataset for Stacked<D>
where
    D: Dataset,
    D::Rank: Add<B1>,
    Add1<D::Rank>: Rank,
{
    type Elem = D::Elem;
    type Rank = Add1<D::Rank>;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        // Blocks keep each piece of the output in cache while every source
        // writes its part of it.
        let hints = Hints::of_all(&self.sources);
        let block = hints.block.max(BLOCK_ELEMS);
        for_each_block(&region, out, block, &|region, mut out| {
            let (sel, inner) = region.split_axis(self.axis)?;
            if let AxisSelection::Index(i) = sel {
                return self.source(i)?.read_into(&inner, out);
            }
            let out_axis = self.out_axis(region)?;
            if block > BLOCK_ELEMS && !sel.positions().all(|i| self.in_source(i, &inner)) {
                // Storage: every source's part at once (a window of three
                // arrays decodes its three chunks together), unless every
                // part is in memory already (then waking threads would cost
                // more than the copies).
                let parts: Vec<(usize, ArrayViewMutD<'_, D::Elem>)> =
                    sel.positions().zip(out.axis_iter_mut(out_axis)).collect();
                return for_each_concurrent(parts, hints.latency_bound, &|(i, part)| {
                    self.source(i)?.read_into(&inner, part)
                });
            }
            for (k, i) in sel.positions().enumerate() {
                self.source(i)?
                    .read_into(&inner, out.index_axis_mut(out_axis, k))?;
            }
            Ok(())
        })
    }

    fn hints(&self) -> Hints {
        Hints::of_all(&self.sources)
    }

    fn in_memory(&self, region: &Region) -> bool {
        match region.split_axis(self.axis) {
            Ok((sel, inner)) => sel.positions().all(|i| self.in_source(i, &inner)),
            Err(_) => false,
        }
    }
}

impl<D> DatasetMut for Stacked<D>
where
    D: DatasetMut,
    D::Rank: Add<B1>,
    Add1<D::Rank>: Rank,
{
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, D::Elem>,
    ) -> Result<()> {
        // `write_from` ran `check_write`: every target accepts its part.
        let (sel, inner) = region.split_axis(self.axis)?;
        if let AxisSelection::Index(i) = sel {
            return self.source_mut(i)?.write_from(&inner, src);
        }
        let src_axis = self.out_axis(&region)?;
        for (k, i) in sel.positions().enumerate() {
            let part = src.index_axis(src_axis, k);
            self.source_mut(i)?.write_from(&inner, part)?;
        }
        Ok(())
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        let (sel, inner) = region.split_axis(self.axis)?;
        if let AxisSelection::Index(i) = sel {
            return self.source(i)?.validate_values(&inner, src);
        }
        let src_axis = self.out_axis(&region)?;
        for (k, i) in sel.positions().enumerate() {
            self.source(i)?
                .validate_values(&inner, src.index_axis(src_axis, k))?;
        }
        Ok(())
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        let (sel, inner) = region.split_axis(self.axis)?;
        let mut seen = vec![false; self.sources.len()];
        for i in sel.positions() {
            match seen.get_mut(i) {
                Some(true) => continue,
                Some(s) => *s = true,
                None => return Err(no_source(i, self.sources.len())),
            }
            self.source(i)?.validate_write(&inner)?;
        }
        Ok(())
    }
}

impl<D: DatasetMut> Stacked<D> {
    fn source_mut(&mut self, i: usize) -> Result<&mut D> {
        let n = self.sources.len();
        self.sources.get_mut(i).ok_or_else(|| no_source(i, n))
    }
}

fn no_source(i: usize, n: usize) -> Error {
    Error::index(format!("no dataset {i} in a stack of {n}"))
}

crate::backend::dataset_methods!(Stacked<D>);
