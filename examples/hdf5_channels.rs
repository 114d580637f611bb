//! Three channels in HDF5 files, stacked, scaled, OR'ed, sliced and written
//! back (work in progress).

fn main() {}
