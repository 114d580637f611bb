//! The model of lazy-datasets: ranks, selections, regions, the `Dataset`
//! traits, views, ndarray arrays as datasets, and the kit for storage
//! backends.
//!
//! Most users depend on the facade crate `lazy-datasets`, which re-exports all
//! of this together with the `sel!` macro and a prelude. Backend crates
//! (`lazy-hdf5`, `lazy-zarr`) depend on this crate only, and build on
//! [`backend`].
//!
//! Every item has one path: the crate root, except the backend kit, which
//! lives in [`backend`]. The modules behind them are private; each holds
//! one concept (`rank`, `selection`, `typed_selection`, `resolve`, `region`,
//! `dataset`, `ext`, `ops`, `memory`, `plan`, `transfer`, …).
//!
//! ```
//! use lazy_core::{DatasetExt, Scaled, Stacked, Sum};
//! use ndarray::array;
//!
//! let (x, y) = (array![1.0, 2.0], array![3.0, 4.0]);
//! let xy = Stacked::new(vec![&x, &y], -1).unwrap();          // shape (2, 2)
//! let scaled = Scaled::new(&xy, 10.0);                       // nothing read yet
//! assert_eq!(scaled.read_all().unwrap(), array![[10.0, 30.0], [20.0, 40.0]]);
//! assert_eq!(Sum::new(vec![&x, &y]).unwrap().read_all().unwrap(), array![4.0, 6.0]);
//! ```
#![warn(missing_docs)]

pub mod backend;

mod alloc;
mod blocks;
mod buffered;
mod cache;
mod chunked;
mod dataset;
mod element;
mod error;
mod ext;
mod mapped;
mod masked;
mod memory;
mod open;
mod ops;
mod out_of_core;
mod plan;
mod rank;
mod region;
mod resolve;
mod selection;
#[cfg(test)]
mod testing;
mod transfer;
mod typed_selection;
mod value;

pub use buffered::Buffered;
pub use cache::{Cache, CacheStats};
pub use dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
pub use element::{DType, Element};
pub use error::{Error, ErrorKind, Result};
pub use ext::{DatasetExt, DatasetMutExt};
pub use masked::MaskedBlock;
pub use open::{DatasetInfo, Mode, ReadOnly, ReadWrite, Writable};
pub use ops::{
    BooleanOr, Cast, Cf, Concat, Decoded, DecodedFloat, Map, Permuted, Scaled, Sliced, Stacked,
    Sum, Summable, Transposed, Zip,
};
pub use out_of_core::{copy_into, copy_into_with, Chunks, CopyOptions};
pub use rank::{DimRank, Dyn, Rank};
pub use region::{AxisSelection, OutAxis, Region};
pub use resolve::resolve;
pub use selection::{DynSelection, Selection, SelectionItem};
pub use typed_selection::{
    Axes, AxisCount, Ellipsis, FitsRank, IntoSelectionItem, NewAxis, SelectionInt, Slice,
    TypedSelection,
};
pub use value::{with_broadcast, IntoValue};
