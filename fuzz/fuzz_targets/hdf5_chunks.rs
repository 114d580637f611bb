//! Bytes -> stored HDF5 chunks (deflate, shuffle, fletcher32 in any
//! combination), raw or built valid and then corrupted, fed to lazy-hdf5's
//! own decoder: nothing panics, and a check-summed chunk with a byte
//! changed is refused. The harness lives in lazy-hdf5
//! (`lazy_hdf5::__filters::fuzz`), so that `lazy-hdf5/tests/decoder_fuzz.rs`
//! replays inputs on stable Rust. Needs libhdf5 to link (as lazy-hdf5 does).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| lazy_hdf5::__filters::fuzz(data));
