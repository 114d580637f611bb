//! # lazy-datasets
//!
//! Lazy, h5py-like datasets whose dimensionality is checked by the compiler.
//! Stack channels from several sources into one array, scale raw counts into
//! physical units, OR flag masks together, sum signals, slice any of it
//! NumPy-style and write back through the views: only the requested slice is
//! ever loaded.
//!
//! ```
//! use lazy_datasets::prelude::*;
//! use ndarray::{array, Array2};
//!
//! let (mut x, mut y, mut z) = (array![1.0, 2.0, 3.0], array![4.0, 5.0, 6.0], array![7.0, 8.0, 9.0]);
//! {
//!     // Three channels as one N x 3 dataset: rank 1 + 1 = 2, known to the compiler.
//!     let xyz = Stacked::new(vec![&mut x, &mut y, &mut z], -1)?;
//!     let mut mm = Scaled::new(xyz, 10.0);                // raw units -> mm
//!     let all: Array2<f64> = mm.read_all()?;
//!     assert_eq!(all[[2, 1]], 60.0);
//!     // NumPy: mm[0] = [0, 0, 0]; the inverse scaling reaches every channel.
//!     mm.write(DynSelection::from(vec![SelectionItem::Index(0)]), 0.0)?;
//! }
//! assert_eq!((x[0], y[0], z[0]), (0.0, 0.0, 0.0));
//! # Ok::<(), lazy_datasets::Error>(())
//! ```
#![warn(missing_docs)]

pub use lazy_core::*;
pub use lazy_macros::sel;
pub use ndarray;
pub use typenum;

/// The HDF5 backend ([`lazy_hdf5`]), with the `hdf5` feature.
#[cfg(feature = "hdf5")]
pub use lazy_hdf5 as hdf5;

/// The Zarr backend ([`lazy_zarr`]), with the `zarr` feature.
#[cfg(feature = "zarr")]
pub use lazy_zarr as zarr;

/// MPI scale-out ([`lazy_mpi`]), with the `mpi` feature: ranks copy or
/// reduce their share of a view into one parallel HDF5 file.
#[cfg(feature = "mpi")]
pub use lazy_mpi as mpi;

/// The names most programs need: the traits, the views, selections, ranks.
///
/// ```
/// use lazy_datasets::prelude::*;
/// let _: Option<Stacked<ndarray::Array1<f64>>> = None;
/// ```
pub mod prelude {
    pub use lazy_core::{
        BooleanOr, Buffered, Cast, Cf, CheckedRegion, Concat, Dataset, DatasetExt, DatasetMut,
        DatasetMutExt, Decoded, Dyn, DynSelection, Error, ErrorKind, Map, Permuted, Rank, ReadOnly,
        ReadWrite, Result, Scaled, SelectionItem, Sliced, Stacked, Sum, Transposed, Zip,
    };
    pub use lazy_macros::sel;
    pub use typenum::{U0, U1, U2, U3, U4, U5, U6};
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
