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

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, Slice};

use crate::blocks::{for_each_concurrent, BLOCK_ELEMS};
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
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
                     dataset 0 has shape {first:?}, dataset {i} has shape {shape:?}"
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
        let source = self.source(s)?;
        let mut axes = region.axes().to_vec();
        if let Some(a) = axes.get_mut(self.axis) {
            *a = sel;
        }
        Region::with_out(source.shape().to_vec(), axes, region.out_axes().to_vec())
    }

    fn source(&self, i: usize) -> Result<&D> {
        self.sources.get(i).ok_or_else(|| {
            Error::index(format!(
                "no dataset {i} in a concatenation of {}",
                self.sources.len()
            ))
        })
    }
}

impl<D: Dataset> Dataset for Concat<D> {
    type Elem = D::Elem;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, D::Elem>,
    ) -> Result<()> {
        let runs = self.runs(&region)?;
        let Some(out_axis) = region.out_axis(self.axis) else {
            // An integer on the joined axis: one source, one position.
            return match runs.into_iter().next() {
                Some(run) => {
                    let r = self.source_region(&region, run.source, run.sel)?;
                    self.source(run.source)?.read_into(&r, out)
                }
                None => Ok(()),
            };
        };
        // The output cut into each run's part, in order (the runs follow
        // each other: each starts where the last ended).
        let mut jobs = Vec::with_capacity(runs.len());
        let mut rest = out;
        for run in runs {
            let (part, tail) = rest.split_at(Axis(out_axis), run.hi - run.lo);
            jobs.push((
                self.source_region(&region, run.source, run.sel)?,
                run.source,
                part,
            ));
            rest = tail;
        }
        let read = |(r, s, part): (Region, usize, ArrayViewMutD<'_, D::Elem>)| {
            self.source(s)?.read_into(&r, part)
        };
        let hints = Hints::of_all(&self.sources);
        if hints.block > BLOCK_ELEMS {
            return for_each_concurrent(jobs, hints.latency_bound, &read);
        }
        jobs.into_iter().try_for_each(read)
    }

    fn hints(&self) -> Hints {
        Hints::of_all(&self.sources)
    }
}

impl<D: DatasetMut> DatasetMut for Concat<D> {
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, D::Elem>,
    ) -> Result<()> {
        // `write_from` ran `check_write`: every target accepts its part.
        let runs = self.runs(&region)?;
        let out_axis = region.out_axis(self.axis);
        for run in runs {
            let r = self.source_region(&region, run.source, run.sel)?;
            let part = match out_axis {
                Some(a) => src.slice_axis(Axis(a), Slice::from(run.lo..run.hi)),
                None => src.view(),
            };
            let n = self.sources.len();
            self.sources
                .get_mut(run.source)
                .ok_or_else(|| {
                    Error::index(format!(
                        "no dataset {} in a concatenation of {n}",
                        run.source
                    ))
                })?
                .write_from(&r, part)?;
        }
        Ok(())
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        for run in self.runs(&region)? {
            let r = self.source_region(&region, run.source, run.sel)?;
            self.source(run.source)?.validate_write(&r)?;
        }
        Ok(())
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, D::Elem>) -> Result<()> {
        let out_axis = region.out_axis(self.axis);
        for run in self.runs(&region)? {
            let r = self.source_region(&region, run.source, run.sel)?;
            let part = match out_axis {
                Some(a) => src.slice_axis(Axis(a), Slice::from(run.lo..run.hi)),
                None => src.view(),
            };
            self.source(run.source)?.validate_values(&r, part)?;
        }
        Ok(())
    }
}

crate::backend::dataset_methods!(Concat<D>);
