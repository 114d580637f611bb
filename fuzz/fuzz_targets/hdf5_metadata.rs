//! Bytes -> an HDF5 file in memory, read by lazy-hdf5's own metadata
//! reader (`lazy-hdf5/src/pure/`, on hdf5-reader): superblock, groups,
//! object headers, messages and every dataset's whole chunk index. Anything
//! may fail; nothing may panic. The harness is `lazy_hdf5::__pure::fuzz`,
//! which `lazy-hdf5/tests/pure_reader.rs` runs on stable Rust over damaged
//! copies of h5py's files. Seed the corpus with small HDF5 files (the
//! fixtures that test writes, `lazy-hdf5/tests/fixtures/*.h5`, `*.nc`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lazy_hdf5::__pure::fuzz(data);
});
