//! The `Dataset` and `DatasetMut` traits: anything with a shape, an element
//! type and on-demand reads (and writes) of a [`Region`].
//!
//! The traits are small and object-safe so that heterogeneous sources can sit in
//! one stack (`Box<dyn Dataset<Elem = f64, Rank = U1>>`). An implementation
//! writes [`read_region`](Dataset::read_region) (and
//! [`write_region`](DatasetMut::write_region)) for a [`CheckedRegion`]: a
//! region already checked against the dataset's shape and the buffer, in
//! canonical form. Callers use the checked entry points
//! [`read_into`](crate::DatasetExt::read_into) and
//! [`write_from`](crate::DatasetMutExt::write_from), which do the checks and
//! are the only way to get a `CheckedRegion`, so no implementation can
//! forget them. The ergonomic, typed methods (`read`, `write`, `view`, …)
//! live in [`DatasetExt`](crate::DatasetExt) and
//! [`DatasetMutExt`](crate::DatasetMutExt), implemented for every dataset.
//!
//! ```
//! use lazy_core::{CheckedRegion, Dataset, DatasetExt, Result, Stacked};
//! use ndarray::{array, Array1, ArrayViewMutD};
//! use typenum::U1;
//!
//! /// A dataset computed on demand: element i is i squared.
//! struct Squares(Vec<usize>);
//!
//! impl Dataset for Squares {
//!     type Elem = u64;
//!     type Rank = U1;
//!     fn shape(&self) -> &[usize] {
//!         &self.0
//!     }
//!     fn read_region(&self, region: CheckedRegion<'_>, mut out: ArrayViewMutD<'_, u64>) -> Result<()> {
//!         // `out` has the region's output shape; the region fits this shape.
//!         for (o, i) in out.iter_mut().zip(region.axes()[0].positions()) {
//!             *o = (i * i) as u64;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let a = array![1u64, 2, 3];
//! let sources: Vec<Box<dyn Dataset<Elem = u64, Rank = U1>>> = vec![Box::new(a), Box::new(Squares(vec![3]))];
//! let stacked = Stacked::new(sources, 0)?;
//! assert_eq!(stacked.read_all()?, array![[1, 2, 3], [0, 1, 4]]);
//! # Ok::<(), lazy_core::Error>(())
//! ```

use std::ops::Deref;
use std::sync::Arc;

use ndarray::{ArrayViewD, ArrayViewMutD};

use crate::element::Element;
use crate::error::Result;
use crate::masked::MaskedBlock;
use crate::rank::Rank;
use crate::region::Region;

/// A [`Region`] checked against the dataset it is handed to: resolved
/// against that dataset's shape, canonical (its output axes are the kept
/// source axes in order, no new axes), and with a buffer of its output
/// shape beside it. Only the checked entry points
/// ([`read_into`](crate::DatasetExt::read_into),
/// [`write_from`](crate::DatasetMutExt::write_from),
/// [`validate_write`](crate::DatasetMutExt::validate_write)) make one, so an
/// implementation of [`Dataset`] cannot be called without these checks.
///
/// It dereferences to the [`Region`].
#[derive(Debug, Clone, Copy)]
pub struct CheckedRegion<'a> {
    region: &'a Region,
}

impl<'a> CheckedRegion<'a> {
    /// Only the checked entry points make these.
    pub(crate) fn new(region: &'a Region) -> Self {
        CheckedRegion { region }
    }

    /// The region.
    pub fn region(&self) -> &'a Region {
        self.region
    }
}

impl Deref for CheckedRegion<'_> {
    type Target = Region;
    fn deref(&self) -> &Region {
        self.region
    }
}

/// A dataset: a shape, an element type, and reads of any [`Region`] on demand.
///
/// Datasets are `Sync`: reads take `&self`, and views read their sources from
/// several threads at once (feature `parallel`). A dataset with interior
/// mutability uses a lock or atomics.
pub trait Dataset: Sync {
    /// The element type.
    type Elem: Element;
    /// The rank, as a type (`U2`, or `Dyn` when known only at run time).
    type Rank: Rank;

    /// The shape; its length is the rank.
    fn shape(&self) -> &[usize];

    /// Reads `region` straight into `out`.
    ///
    /// Called by [`read_into`](crate::DatasetExt::read_into) only, after it
    /// checked that `region` was resolved against this dataset's shape and
    /// that `out` has its output shape, and reduced it to canonical form.
    /// `out` is never empty, and may have any memory layout (a column of a
    /// stack is strided). To read from other datasets, call their
    /// `read_into`.
    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        out: ArrayViewMutD<'_, Self::Elem>,
    ) -> Result<()>;

    /// What this dataset tells the views above it about how it is best read
    /// (see [`Hints`]).
    ///
    /// Storage keeps the default, [`Hints::STORAGE`], or adjusts it; views
    /// answer for their sources (one source: its hints; several:
    /// [`Hints::of_all`]).
    fn hints(&self) -> Hints {
        Hints::STORAGE
    }

    /// Whether a read of `region` (resolved against this dataset's shape)
    /// would only copy memory: an in-memory array, or storage whose chunks
    /// under `region` are all held decoded in the cache. Views over several
    /// sources read such regions on the calling thread, one source after
    /// another: waking the pool's threads costs more than copying a few
    /// KiB. A guess that may be wrong either way (a chunk dropped from the
    /// cache in between reads slower, not wrongly); the default, `false`,
    /// keeps reads parallel. Views that pass a region on unchanged answer
    /// for their sources.
    ///
    /// ```
    /// use lazy_core::{AxisSelection, Dataset, Region, Stacked};
    /// use ndarray::array;
    ///
    /// let (a, b) = (array![1.0, 2.0, 3.0], array![4.0, 5.0, 6.0]);
    /// let stack = Stacked::new(vec![&a, &b], 0)?;
    /// let region = Region::new(vec![2, 3], vec![AxisSelection::full(2), AxisSelection::range(0, 1, 1)])?;
    /// assert!(stack.in_memory(&region));
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    fn in_memory(&self, region: &Region) -> bool {
        let _ = region;
        false
    }

    /// The dataset's elements as an ndarray view, when it is an array in
    /// memory (ndarray arrays and views say so; the default is `None`).
    /// Views copy straight from it where that saves a pass: a stack of
    /// arrays along its last axis interleaves its sources' rows in one
    /// pass over the output, instead of reading each source into a
    /// temporary first.
    ///
    /// ```
    /// use lazy_core::{Dataset, Scaled};
    /// use ndarray::array;
    ///
    /// let a = array![1.0, 2.0];
    /// assert_eq!(a.as_array_view().unwrap(), a.view().into_dyn());
    /// assert!(Scaled::new(&a, 2.0).as_array_view().is_none());
    /// ```
    fn as_array_view(&self) -> Option<ArrayViewD<'_, Self::Elem>> {
        None
    }

    /// What the dataset is called in messages, when it has a name: a
    /// dataset of a file or store says its path and where it is
    /// (`"/x" in /data/a.h5`), so that an error about several sources
    /// (shapes that do not match in a stack) names them as the user knows
    /// them. Arrays and views have none (the default).
    ///
    /// ```
    /// use lazy_core::{Dataset, ErrorKind, Stacked};
    /// use ndarray::{array, Array1, ArrayViewMutD};
    ///
    /// #[derive(Debug)]
    /// struct Named(Array1<f64>, &'static str);
    /// impl Dataset for Named {
    ///     type Elem = f64;
    ///     type Rank = typenum::U1;
    ///     fn shape(&self) -> &[usize] { self.0.shape() }
    ///     fn read_region(&self, r: lazy_core::CheckedRegion<'_>, out: ArrayViewMutD<'_, f64>) -> lazy_core::Result<()> {
    ///         self.0.read_region(r, out)
    ///     }
    ///     fn name(&self) -> Option<String> { Some(self.1.to_string()) }
    /// }
    ///
    /// let (x, short) = (Named(array![1.0, 2.0, 3.0], "/x"), Named(array![1.0], "/short"));
    /// let err = Stacked::new(vec![x, short], 0).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Shape);
    /// assert!(err.to_string().contains("/x (dataset 0) has shape [3], /short (dataset 1) has shape [1]"), "{err}");
    /// ```
    fn name(&self) -> Option<String> {
        None
    }

    /// The shape of the chunks the dataset is stored in, when it is stored
    /// in chunks of one shape (the chunk shape of a chunked HDF5 dataset or
    /// a Zarr array); `None` (the default) for arrays in memory and storage
    /// without chunks. Views whose elements line up with their sources'
    /// (stacks, element-wise views) give the grid their sources share;
    /// views that shift or reorder positions give `None`. A
    /// [`Buffered`](crate::Buffered) handle keeps pending writes in blocks of
    /// this shape, so that each chunk is written once, and reads of dense
    /// lists cut their spans on it.
    ///
    /// ```
    /// use lazy_core::Dataset;
    /// assert_eq!(ndarray::array![1.0, 2.0].chunk_grid(), None);
    /// ```
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        None
    }
}

/// What a dataset tells the views above it about how it is best read:
/// the answer of [`Dataset::hints`].
///
/// Storage starts from [`Hints::STORAGE`]; a view over one source passes its
/// source's hints on, a view over several combines theirs with
/// [`Hints::of_all`] (the largest block, and a flag if any source has it).
///
/// ```
/// use lazy_core::{Dataset, Hints, Stacked};
/// use ndarray::array;
///
/// let a = array![1.0, 2.0];
/// let b = array![3.0, 4.0];
/// // In-memory data is cheap to read in blocks of any size.
/// assert_eq!(a.hints().block, 0);
/// let stack = Stacked::new(vec![&a, &b], 0)?;
/// assert_eq!(stack.hints(), Hints { block: 0, latency_bound: false, cf_decoded: false });
/// # Ok::<(), lazy_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    /// How many elements the dataset would like to be asked for at once.
    /// Views that work in cache-sized blocks use blocks at least this
    /// large: in-memory data says 0 (any size is cheap), storage where each
    /// read has a fixed cost `usize::MAX` (read each region whole).
    pub block: usize,
    /// Whether a read waits mostly on a remote service (an object store)
    /// rather than on the machine's cores: views then read such sources
    /// side by side on threads of their own, all at once, instead of on the
    /// compute pool's few threads, so a stack of three remote arrays waits
    /// one round trip, not two.
    pub latency_bound: bool,
    /// Whether CF decoding (a [`Decoded`](crate::Decoded) view) is in the
    /// dataset or under it, so that decoding it again is refused.
    pub cf_decoded: bool,
}

impl Hints {
    /// Local storage: read each region whole (`block: usize::MAX`), not
    /// latency-bound, not CF-decoded.
    pub const STORAGE: Hints = Hints {
        block: usize::MAX,
        latency_bound: false,
        cf_decoded: false,
    };

    /// The hints of a view over all of `sources`: the largest block, and
    /// each flag if any source has it (no sources: block 0, no flags).
    pub fn of_all<D: Dataset>(sources: &[D]) -> Hints {
        sources.iter().map(Dataset::hints).fold(
            Hints {
                block: 0,
                latency_bound: false,
                cf_decoded: false,
            },
            Hints::and,
        )
    }

    /// The hints of a view over both `self`'s dataset and `other`'s.
    pub fn and(self, other: Hints) -> Hints {
        Hints {
            block: self.block.max(other.block),
            latency_bound: self.latency_bound || other.latency_bound,
            cf_decoded: self.cf_decoded || other.cf_decoded,
        }
    }
}

/// A dataset that can be written through.
///
/// Read-only views (`Sum`, `BooleanOr`) and files opened read-only do not
/// implement it, so writing to them does not compile.
///
/// Views over several sources ([`Stacked`](crate::Stacked),
/// [`Concat`](crate::Concat)) write and flush their sources side by side,
/// each on a thread of the pool, so their sources must be `Send` to be
/// written through: every backend handle and array view is; a boxed source
/// is `Box<dyn DatasetMut<Elem = f64, Rank = U1> + Send>`. Only sources that
/// each name storage of their own ([`Dataset::name`]: file and dataset,
/// store and array) are written side by side; two handles of one array, or
/// sources without a name (arrays in memory), are written one after the
/// other, so that the last values win where a write sets an element twice.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written to: it has no inverse",
    label = "this view is read-only",
    note = "views that combine or map values (`Sum`, `BooleanOr`, `Map`, `Zip`) cannot be written through; write to their sources instead"
)]
pub trait DatasetMut: Dataset {
    /// Writes `src`, which has the region's output shape, into `region`.
    ///
    /// Called by [`write_from`](crate::DatasetMutExt::write_from) only, with
    /// the checks of [`Dataset::read_region`], after
    /// [`check_write`](DatasetMut::check_write) accepted the region; `src`
    /// is never empty. When a list repeats a position, the last of its
    /// values is what must be stored, as in NumPy.
    fn write_region(
        &mut self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, Self::Elem>,
    ) -> Result<()>;

    /// Checks, without writing, that a write to `region` would be accepted
    /// (a scale factor is invertible, every target of a stack accepts its
    /// part). The default accepts every region.
    ///
    /// Views that write to several sources check every target (through
    /// [`validate_write`](crate::DatasetMutExt::validate_write)) before
    /// writing to any, so a failed check leaves every source unchanged.
    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        let _ = region;
        Ok(())
    }

    /// Checks, without writing, that the values `src` (the region's output
    /// shape, never empty) can be stored: only views that convert values
    /// and can refuse one ([`Decoded`](crate::Decoded), [`Scaled`](crate::Scaled)
    /// into an integer type) check anything, and views over them pass the
    /// check on (converting views pass on the values their source would get). Called by
    /// [`write_from`](crate::DatasetMutExt::write_from) before
    /// `write_region`, and by views that write to several sources on every
    /// part (through
    /// [`validate_values`](crate::DatasetMutExt::validate_values)) before
    /// writing any. The default accepts every value.
    fn check_values(
        &self,
        region: CheckedRegion<'_>,
        src: ArrayViewD<'_, Self::Elem>,
    ) -> Result<()> {
        let _ = (region, src);
        Ok(())
    }

    /// Stores what earlier writes left pending: a [`Buffered`](crate::Buffered)
    /// handle writes its modified chunks, views pass the call on to every
    /// source (all of them, the first error returned), and everything else
    /// has nothing pending (the default does nothing).
    ///
    /// ```
    /// use lazy_core::{DatasetMut, DatasetMutExt, Scaled, Stacked, TypedSelection as Sel};
    /// use ndarray::array;
    ///
    /// let (mut a, mut b) = (array![0.0, 0.0], array![0.0, 0.0]);
    /// {
    ///     let stack = Stacked::new(vec![(&mut a).buffered(1 << 20), (&mut b).buffered(1 << 20)], 0)?;
    ///     let mut x = Scaled::new(stack, 0.5);
    ///     x.write(Sel::new().push(..).push(1), array![1.0, 2.0])?;
    ///     x.flush()?; // both buffered handles write their pending values
    /// }
    /// assert_eq!((a, b), (array![0.0, 2.0], array![0.0, 4.0]));
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Whether a write of `region` only changes memory (an array in
    /// memory; a [`Buffered`](crate::Buffered) handle whose budget holds the
    /// blocks the region touches): views over several sources then write
    /// them one after the other, as waking threads would cost more than the
    /// copies. Views pass the question on; the default says no.
    fn writes_to_memory(&self, region: &Region) -> bool {
        let _ = region;
        false
    }

    /// Stores the values of each block where its mask is true, and leaves
    /// every other element as it is: how a [`Buffered`](crate::Buffered)
    /// handle writes back what it holds. Each block's `values` and `mask`
    /// have one shape, a box of the dataset starting at `start`.
    ///
    /// Chunked storage overrides the default (one write per run of `true`
    /// along the last axis) so that each chunk is locked, read, changed
    /// where the mask says and stored once, whole, with the blocks
    /// encoded in parallel: another writer's writes to other elements of
    /// the same chunk are kept.
    fn write_masked(&mut self, blocks: &[MaskedBlock<'_, Self::Elem>]) -> Result<()> {
        crate::masked::write_runs(self, blocks)
    }
}

macro_rules! forward_dataset {
    ($($ty:ty $(: $bound:ident)?),*) => {$(
        impl<D: Dataset + ?Sized $(+ $bound)?> Dataset for $ty {
            type Elem = D::Elem;
            type Rank = D::Rank;
            fn shape(&self) -> &[usize] {
                (**self).shape()
            }
            fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, Self::Elem>) -> Result<()> {
                (**self).read_region(region, out)
            }
            fn hints(&self) -> Hints {
                (**self).hints()
            }
            fn in_memory(&self, region: &Region) -> bool {
                (**self).in_memory(region)
            }
            fn as_array_view(&self) -> Option<ArrayViewD<'_, Self::Elem>> {
                (**self).as_array_view()
            }
            fn name(&self) -> Option<String> {
                (**self).name()
            }
            fn chunk_grid(&self) -> Option<Vec<usize>> {
                (**self).chunk_grid()
            }
        }
    )*};
}

// `Arc<D>` is `Sync` only when `D` is also `Send`.
forward_dataset!(&D, &mut D, Box<D>, Arc<D>: Send);

macro_rules! forward_dataset_mut {
    ($($ty:ty),*) => {$(
        impl<D: DatasetMut + ?Sized> DatasetMut for $ty {
            fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, Self::Elem>) -> Result<()> {
                (**self).write_region(region, src)
            }
            fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
                (**self).check_write(region)
            }
            fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, Self::Elem>) -> Result<()> {
                (**self).check_values(region, src)
            }
            fn flush(&mut self) -> Result<()> {
                (**self).flush()
            }
            fn writes_to_memory(&self, region: &Region) -> bool {
                (**self).writes_to_memory(region)
            }
            fn write_masked(&mut self, blocks: &[MaskedBlock<'_, Self::Elem>]) -> Result<()> {
                (**self).write_masked(blocks)
            }
        }
    )*};
}

forward_dataset_mut!(&mut D, Box<D>);
