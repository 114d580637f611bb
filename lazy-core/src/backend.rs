//! The kit for backend authors: what a storage backend needs besides its
//! own I/O.
//!
//! A backend implements [`Dataset`](crate::Dataset) (and
//! [`DatasetMut`](crate::DatasetMut) for its [`ReadWrite`](crate::ReadWrite)
//! mode) for a [`CheckedRegion`](crate::CheckedRegion), and keeps only its
//! policy and its I/O:
//!
//! - **open**: [`check_open`] compares what storage holds with the element
//!   type and rank asked for; the dataset type carries a
//!   [`Mode`](crate::Mode) so that a read-only open has no write methods;
//! - **plan**: a [`Plan`] groups the region's positions into runs of storage
//!   with the backend's [`Grouping`] (regular hyperslabs, or spans split at
//!   chunk-sized gaps), and lists the [`Piece`]s to transfer;
//! - **transfer**: [`read_via`] and [`write_via`] move a plan's buffer
//!   straight into the caller's buffer when the layout allows, else through
//!   a temporary that the region is gathered from or scattered into; the
//!   backend supplies only "fill this buffer" and "store this buffer";
//! - **chunks**: chunked storage reads, writes and answers `in_memory` with
//!   one call each, [`read_chunked`], [`write_chunked`] and
//!   [`chunked_in_memory`]: chunk by chunk, in parallel, through the shared
//!   [`Cache`](crate::Cache), locking chunks for writes; the backend
//!   supplies, on a private adaptor, [`ChunkSource`] (its grid; fetch and
//!   decode a chunk, or open a raw one as a [`RawChunk`]) and [`ChunkSink`]
//!   (encode and store one);
//! - **files**: [`MappedFile`] maps a read-only file, so chunks decode
//!   straight from the page cache; a file cut short under it is an error;
//! - **memory**: [`zeroed`] and [`checked_size`] allocate fallibly,
//!   [`bytes_mut`] and [`bytes`] view element buffers as bytes,
//!   [`for_each_block`] splits work into blocks run in parallel;
//! - **methods**: [`dataset_methods!`](crate::backend::dataset_methods) gives a
//!   dataset type the inherent `shape()`, `ndim()`, `len()`, `is_empty()`
//!   and `view(sel)` every dataset of this project has.
//!
//! A backend in a few lines, over numbers kept in memory but moved one run
//! at a time:
//!
//! ```
//! use lazy_core::backend::{read_via, Grouping, Plan};
//! use lazy_core::{CheckedRegion, Dataset, DatasetExt, DynSelection, Result, SelectionItem};
//! use ndarray::ArrayViewMutD;
//! use typenum::U1;
//!
//! struct Runs(Vec<usize>, Vec<f64>);
//!
//! impl Dataset for Runs {
//!     type Elem = f64;
//!     type Rank = U1;
//!     fn shape(&self) -> &[usize] {
//!         &self.0
//!     }
//!     fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, f64>) -> Result<()> {
//!         let plan = |r: &lazy_core::Region| Plan::new(r, |_| Grouping::Exact);
//!         read_via(&region, out, usize::MAX, &plan, &|plan, mut buf| {
//!             for run in plan.runs(0) {
//!                 for (k, p) in run.positions().enumerate() {
//!                     buf[[run.offset + k]] = self.1[p];
//!                 }
//!             }
//!             Ok(())
//!         })
//!     }
//! }
//!
//! lazy_core::backend::dataset_methods!(Runs<>);
//!
//! let ds = Runs(vec![5], vec![0.0, 0.5, 1.0, 1.5, 2.0]);
//! let key = DynSelection::from(vec![SelectionItem::List(vec![4, 0, 4])]);
//! assert_eq!(ds.read_dyn(&key)?.as_slice().unwrap(), &[2.0, 0.0, 2.0]);
//! assert_eq!(ds.len(), 5);
//! # Ok::<(), lazy_core::Error>(())
//! ```

pub use crate::alloc::{checked_size, zeroed};
pub use crate::blocks::{
    for_each_block, for_each_block_seq, for_each_concurrent, for_each_parallel, join, BLOCK_ELEMS,
    LATENCY_THREADS,
};
pub use crate::cache::{ArrayKey, Generation};
pub use crate::chunked::{
    chunked_in_memory, read_chunked, write_chunked, write_chunked_masked, BoxSpan, ChunkInside,
    ChunkSink, ChunkSource, RawChunk, READ_COST,
};
pub use crate::element::{bytes, bytes_mut, with_bytes, Strided};
pub use crate::mapped::MappedFile;
pub use crate::masked::write_runs as write_masked_by_runs;
pub use crate::open::{auto_chunks, check_create, check_open};
pub use crate::plan::{Grouping, Piece, Plan, RowMajor, Run};
pub use crate::transfer::{fill_contiguous, read_via, write_via, FetchFn, PlanFn};

#[doc(inline)]
pub use crate::__dataset_methods as dataset_methods;

/// The phantom field of a backend's dataset type: its element type `T`,
/// rank `R` and [`Mode`](crate::Mode) `M`, owned by none of it, so the
/// dataset is `Send` and `Sync` whatever they are.
pub type Marker<T, R, M> = std::marker::PhantomData<fn() -> (T, R, M)>;

/// Adds the inherent methods every dataset type of this project has: `shape()`,
/// `ndim()`, `len()`, `is_empty()` and `view(sel)`.
///
/// They are inherent rather than trait methods so that ndarray arrays, which
/// are datasets too, keep their own `len()` and `view()`. Backend crates call
/// this for their dataset types.
///
/// ```
/// use lazy_core::{DatasetExt, DynSelection, SelectionItem, Stacked};
/// use ndarray::array;
///
/// let (a, b) = (array![1, 2, 3], array![4, 5, 6]);
/// let s = Stacked::new(vec![&a, &b], 0).unwrap();
/// assert_eq!(s.len(), 2);
/// let row = s.view(DynSelection::from(vec![SelectionItem::Index(1)])).unwrap();
/// assert_eq!(row.read_all().unwrap(), array![4, 5, 6].into_dyn());
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __dataset_methods {
    ($name:ident < $($gen:ident $(: $bound:path)?),* >) => {
        impl<$($gen $(: $bound)?),*> $name<$($gen),*>
        where
            Self: $crate::Dataset,
        {
            /// The shape; its length is the rank.
            pub fn shape(&self) -> &[usize] {
                $crate::Dataset::shape(self)
            }

            /// The number of axes.
            pub fn ndim(&self) -> usize {
                $crate::Dataset::shape(self).len()
            }

            /// The length of the first axis, as Python's `len()` of a dataset
            /// (0 for a rank-0 dataset, where Python raises `TypeError`).
            pub fn len(&self) -> usize {
                $crate::Dataset::shape(self).first().copied().unwrap_or(0)
            }

            /// Whether the dataset holds no elements.
            pub fn is_empty(&self) -> bool {
                $crate::DatasetExt::is_empty(self)
            }

            /// A lazy view of a selection, itself a dataset: nothing is read
            /// until the view is (see [`DatasetExt::sliced`]($crate::DatasetExt::sliced)).
            pub fn view<S>(self, sel: S) -> $crate::Result<$crate::Sliced<Self, S::Out>>
            where
                S: $crate::Selection<<Self as $crate::Dataset>::Rank>,
            {
                $crate::DatasetExt::sliced(self, sel)
            }
        }
    };
}
