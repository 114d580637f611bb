//! The Zarr backend of lazy-datasets, on [zarrs](https://docs.rs/zarrs) (work in progress).
#![warn(missing_docs)]
