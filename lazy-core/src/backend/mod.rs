//! Storage backends that live in the core: ndarray arrays. File formats live in
//! their own crates (`lazy-hdf5`), which depend on the core and never the reverse.

pub mod ndarray;
