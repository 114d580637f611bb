//! [`Concat`]: N datasets joined along an existing axis, NumPy's
//! `np.concatenate(sources, axis)`; read and write.
//!
//! ```
//! use lazy_core::{Concat, DatasetExt};
//! use ndarray::array;
//!
//! let (jan, feb) = (array![1.0, 2.0, 3.0], array![4.0, 5.0]);
//! let series = Concat::new(vec![&jan, &feb], 0).unwrap();
//! assert_eq!(series.shape(), &[5]);
//! assert_eq!(series.read_all().unwrap(), array![1.0, 2.0, 3.0, 4.0, 5.0]);
//! ```

use crate::dataset::{Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ops::describe;
use crate::ops::parts::{parted_methods, Part, Parted, Parts, Slot};
use crate::region::{AxisSelection, Region};

/// N datasets of one rank and element type joined along `axis` (NumPy's
/// `np.concatenate(sources, axis)`): the rank is unchanged, the sources'
/// shapes must be equal except along `axis`. A read or write goes only to
/// the sources that hold the selected positions, each getting one region
/// per run of its positions (so a window of a time series split across 100
/// files touches only the files under the window); storage sources are
/// read in parallel. Writable when the sources are; every target is checked
/// before any is written.
///
/// ```
/// use lazy_core::{Concat, DatasetExt, DatasetMutExt, DynSelection, ErrorKind, SelectionItem as S};
/// use ndarray::{array, Array2};
///
/// let (mut a, mut b) = (Array2::<i32>::zeros((2, 3)), Array2::<i32>::zeros((2, 1)));
/// let mut c = Concat::new(vec![&mut a, &mut b], -1).unwrap(); // shape (2, 4)
/// // NumPy: c[:, 2:] = [[1, 2], [3, 4]] writes a[:, 2] and b[:, 0].
/// let key = DynSelection::from(vec![S::FULL, S::slice(Some(2), None, None)]);
/// c.write_dyn(&key, array![[1, 2], [3, 4]].into_dyn().view()).unwrap();
/// drop(c);
/// assert_eq!((a[[1, 2]], b[[1, 0]]), (3, 4));
/// let short = Array2::<i32>::zeros((3, 1));
/// assert_eq!(Concat::new(vec![&a, &short], 1).unwrap_err().kind(), ErrorKind::Shape);
/// ```
#[derive(Debug, Clone)]
pub struct Concat<D> {
    sources: Vec<D>,
    axis: usize,
    /// Where each source starts along `axis`, and the total length last.
    starts: Vec<usize>,
    shape: Vec<usize>,
}

/// One run of output positions that one source holds: the source, the
/// output positions `lo..hi` along the axis, and the source's selection.
struct Run {
    source: usize,
    lo: usize,
    hi: usize,
    sel: AxisSelection,
}

impl<D: Dataset> Concat<D> {
    /// Joins `sources` along `axis` (negative from the end). No sources or
    /// an axis out of range (also any axis of rank-0 sources) is a
    /// [`Value`](crate::ErrorKind::Value) error; shapes that differ other
    /// than along `axis` are a [`Shape`](crate::ErrorKind::Shape) error
    /// naming the first mismatch.
    pub fn new(sources: Vec<D>, axis: isize) -> Result<Self> {
        let first = sources
            .first()
            .ok_or_else(|| Error::value("Concat needs at least one dataset"))?
            .shape()
            .to_vec();
        let rank = first.len() as isize;
        let axis = if axis < 0 { axis + rank } else { axis };
        if axis < 0 || axis >= rank {
            return Err(Error::value(format!(
                "axis {axis} is out of range for concatenating datasets of {rank} axes"
            )));
        }
        let axis = axis as usize;
        let mut starts = vec![0];
        let mut total = 0usize;
        for (i, d) in sources.iter().enumerate() {
            let shape = d.shape();
            let differs = shape.len() != first.len()
                || shape
                    .iter()
                    .zip(&first)
                    .enumerate()
                    .any(|(k, (a, b))| k != axis && a != b);
            if differs {
                return Err(Error::shape(format!(
                    "Concat along axis {axis} needs datasets whose shapes differ only along it: \
                     {} has shape {first:?}, {} has shape {shape:?}",
                    describe(&sources, 0),
                    describe(&sources, i),
                )));
            }
            total = total
                .checked_add(shape[axis])
                .ok_or_else(|| Error::shape("the concatenated axis is too long"))?;
            starts.push(total);
        }
        let mut shape = first;
        shape[axis] = total;
        Ok(Concat {
            sources,
            axis,
            starts,
            shape,
        })
    }

    /// The joined datasets.
    pub fn sources(&self) -> &[D] {
        &self.sources
    }

    /// Gives the joined datasets back.
    pub fn into_sources(self) -> Vec<D> {
        self.sources
    }

    /// The axis the datasets are joined along.
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// The source holding position `p` of the joined axis, and `p` in it.
    fn locate(&self, p: usize) -> Result<(usize, usize)> {
        let s = self.starts.partition_point(|&start| start <= p);
        match (s.checked_sub(1), self.starts.get(s)) {
            (Some(i), Some(_)) => Ok((i, p - self.starts[i])),
            _ => Err(Error::index(format!(
                "position {p} is out of bounds for a concatenated axis of length {}",
                self.shape[self.axis]
            ))),
        }
    }

    /// The runs of the positions `region` selects along the joined axis,
    /// by source, in output order.
    fn runs(&self, region: &Region) -> Result<Vec<Run>> {
        let sel = region
            .axes()
            .get(self.axis)
            .ok_or_else(|| Error::index("the region has no joined axis"))?;
        let mut runs: Vec<Run> = Vec::new();
        let mut locals: Vec<usize> = Vec::new();
        let flush = |runs: &mut Vec<Run>, locals: &mut Vec<usize>, source: usize, lo: usize| {
            let hi = lo + locals.len();
            let sel = match (sel, locals.first()) {
                (AxisSelection::Index(_), Some(&q)) => AxisSelection::Index(q),
                (AxisSelection::Range { step, .. }, Some(&q)) => {
                    AxisSelection::range(q, *step, locals.len())
                }
                _ => AxisSelection::List(std::mem::take(locals)),
            };
            locals.clear();
            runs.push(Run {
                source,
                lo,
                hi,
                sel,
            });
        };
        let mut current: Option<(usize, usize)> = None; // (source, first output position)
        for (j, p) in sel.positions().enumerate() {
            let (s, q) = self.locate(p)?;
            match current {
                Some((cs, _)) if cs == s => {}
                Some((cs, lo)) => {
                    flush(&mut runs, &mut locals, cs, lo);
                    current = Some((s, j));
                }
                None => current = Some((s, j)),
            }
            locals.push(q);
        }
        if let Some((cs, lo)) = current {
            flush(&mut runs, &mut locals, cs, lo);
        }
        Ok(runs)
    }

    /// `region` with the joined axis's selection replaced by `sel`, as a
    /// region of source `s`.
    fn source_region(&self, region: &Region, s: usize, sel: AxisSelection) -> Result<Region> {
        let source = self
            .sources
            .get(s)
            .ok_or_else(|| Error::internal(format!("no dataset {s} in a concatenation")))?;
        let mut axes = region.axes().to_vec();
        if let Some(a) = axes.get_mut(self.axis) {
            *a = sel;
        }
        Region::with_out(source.shape().to_vec(), axes, region.out_axes().to_vec())
    }
}

impl<D: Dataset> Parted for Concat<D> {
    type Source = D;

    fn sources(&self) -> &[D] {
        &self.sources
    }

    fn sources_mut(&mut self) -> &mut [D] {
        &mut self.sources
    }

    /// Each run of positions one source holds reads that source's region
    /// into its span of the joined axis (an integer there: one source, all
    /// of the output).
    fn parts(&self, region: &Region) -> Result<Parts> {
        let runs = self.runs(region)?;
        let axis = region.out_axis(self.axis);
        let mut parts = Parts::default();
        for (k, run) in runs.into_iter().enumerate() {
            let slot = match axis {
                Some(axis) => Slot::Span {
                    axis,
                    start: run.lo,
                    end: run.hi,
                },
                None => Slot::All,
            };
            parts
                .regions
                .push(self.source_region(region, run.source, run.sel)?);
            parts.parts.push(Part {
                source: run.source,
                region: k,
                slot,
            });
        }
        Ok(parts)
    }
}

impl<D: Dataset> Dataset for Concat<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn hints(&self) -> Hints {
        Hints::of_all(&self.sources)
    }

    parted_methods!(read);
}

/// Writable when the sources are, and `Send`: sources are written side by
/// side.
impl<D: DatasetMut + Send> DatasetMut for Concat<D> {
    parted_methods!(write_parallel);
}

crate::backend::dataset_methods!(Concat<D>);
