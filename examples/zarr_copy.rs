//! Three Zarr arrays, stacked, scaled and copied into a new Zarr array with a
//! progress bar (work in progress).

fn main() {}
