//! The test kit of lazy-datasets (not published): what every test of the
//! project compares against, and the suites every backend runs.
//!
//! - [`naive`]: the naive NumPy reference, written from NumPy's documented
//!   rules and sharing no code with lazy-core's resolution of keys;
//! - [`entropy`] and [`keys`]: one generator of random shapes and keys,
//!   drawing from a seeded generator or from a fuzzer's bytes;
//! - [`compare`]: a read or a write of the library against the reference,
//!   panicking with the case when they disagree;
//! - [`datasets`]: fake datasets (computed values of any shape, a dataset
//!   that records what it is asked for);
//! - [`conformance`]: the suite every backend (memory, HDF5, Zarr, and any
//!   later one) instantiates;
//! - [`harness`]: the fuzz harness, run by `cargo fuzz` and replayed on
//!   stable Rust by the facade's `tests/reliability.rs`.

pub mod compare;
pub mod conformance;
pub mod datasets;
pub mod entropy;
pub mod harness;
pub mod keys;
pub mod naive;
pub mod python;
