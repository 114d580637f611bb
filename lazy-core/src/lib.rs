//! The model of lazy-datasets: ranks, selections, regions, the `Dataset`
//! traits, views, the ndarray backend and errors.
//!
//! Most users depend on the facade crate `lazy-datasets`, which re-exports all
//! of this together with the `sel!` macro and a prelude. Backend crates
//! (`lazy-hdf5`) depend on this crate only.
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
pub mod blocks;
pub mod chunks;
pub mod dataset;
pub mod element;
pub mod error;
pub mod ext;
pub mod ops;
pub mod rank;
pub mod region;
pub mod selection;
pub mod typed;
pub mod value;

pub use chunks::{copy_into, copy_into_with, Chunks, CopyOptions};
pub use dataset::{Dataset, DatasetMut};
pub use element::{zeroed, DType, Element};
pub use error::{Error, ErrorKind, Result};
pub use ext::{DatasetExt, DatasetMutExt};
pub use ops::boolean_or::BooleanOr;
pub use ops::scaled::Scaled;
pub use ops::sliced::Sliced;
pub use ops::stacked::Stacked;
pub use ops::sum::{Sum, Summable};
pub use rank::{DimRank, Dyn, Rank};
pub use region::{checked_size, resolve, AxisSel, Region, Resolved};
pub use selection::{DynSelection, SelElem, Selection};
pub use typed::{Axes, AxisCount, Ellipsis, FitsRank, NewAxis, Sel, SelArg, SelInt, Slice};
pub use value::{with_broadcast, IntoValue};
