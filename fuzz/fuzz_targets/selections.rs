//! Bytes -> shapes, views (ndarray, `Stacked`, `Scaled`, `Sum`, `BooleanOr`,
//! `Sliced`, nested, and datasets of absurd shapes) and `DynSelection` keys;
//! checks that nothing panics and every result equals the naive NumPy
//! reference. The harness lives in `tests/support/harness.rs`, so that
//! `tests/reliability.rs` replays the corpus on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::run(data));
