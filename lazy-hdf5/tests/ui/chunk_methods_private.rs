// The chunk engine's methods (decode) are not on the dataset handle: they
// would bypass the checks and the cache.
use lazy_core::backend::ChunkSource;
use lazy_hdf5::{open_file, H5Dataset};
use typenum::U1;

fn main() {
    let file = open_file("data.h5").unwrap();
    let x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
    let mut chunk = [0.0; 4];
    x.decode(&[0], &mut chunk).unwrap();
}
