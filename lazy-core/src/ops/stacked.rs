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

use typenum::{Add1, B1};

use crate::dataset::{Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ops::parts::{parted_methods, Part, Parted, Parts, Slot};
use crate::ops::{common_grid, common_shape};
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
}

impl<D> Parted for Stacked<D>
where
    D: Dataset,
{
    type Source = D;
    const INTERLEAVED: bool = true;

    fn sources(&self) -> &[D] {
        &self.sources
    }

    fn sources_mut(&mut self) -> &mut [D] {
        &mut self.sources
    }

    /// Each selected source reads the region without the stacked axis into
    /// its position along it (an integer there: one source, all of it).
    fn parts(&self, region: &Region) -> Result<Parts> {
        let (sel, inner) = region.split_axis(self.axis)?;
        if let AxisSelection::Index(i) = sel {
            return Ok(Parts::one(i, inner));
        }
        let axis = region
            .out_axis(self.axis)
            .ok_or_else(|| Error::internal("the stacked axis is not in the output"))?;
        let parts = sel
            .positions()
            .enumerate()
            .map(|(index, source)| Part {
                source,
                region: 0,
                slot: Slot::At { axis, index },
            })
            .collect();
        Ok(Parts {
            regions: vec![inner],
            parts,
        })
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

    fn hints(&self) -> Hints {
        Hints::of_all(&self.sources)
    }

    /// The sources' common grid ([`Dataset::chunk_grid`]), one position
    /// along the stacked axis (each source is its own chunk there).
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        let mut grid = common_grid(&self.sources)?;
        if self.axis > grid.len() {
            return None;
        }
        grid.insert(self.axis, 1);
        Some(grid)
    }

    parted_methods!(read);
}

/// Writable when the sources are, and `Send`: sources are written side by
/// side (see [`DatasetMut`]'s docs).
impl<D> DatasetMut for Stacked<D>
where
    D: DatasetMut + Send,
    D::Rank: Add<B1>,
    Add1<D::Rank>: Rank,
{
    parted_methods!(write_parallel);
}

crate::backend::dataset_methods!(Stacked<D>);
