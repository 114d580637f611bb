//! Bytes -> shapes, views (ndarray, `Stacked`, `Scaled`, `Sum`, `BooleanOr`,
//! `Sliced`, nested, and datasets of absurd shapes) and `DynSelection` keys;
//! checks that nothing panics and every result equals the naive NumPy
//! reference. The harness lives in the test kit (`lazy_testkit::harness`),
//! so that `tests/reliability.rs` replays the corpus on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lazy_testkit::harness::run(data));
