// The chunk engine's methods (decode, store) are not on the dataset
// handle: they would bypass the checks, the chunk locks and the cache.
use lazy_core::backend::{ChunkSink, ChunkSource};
use lazy_zarr::{CreateOptions, ZarrDataset};
use typenum::U1;

fn main() {
    let x = ZarrDataset::<f64, U1>::create("store.zarr", "x", &[4], &CreateOptions::default()).unwrap();
    ChunkSink::store(&x, &[0], &[1.0; 4]).unwrap();
    let mut chunk = [0.0; 4];
    x.decode(&[0], &mut chunk).unwrap();
    ChunkSource::<f64>::decode(&x, &[0], &mut chunk).unwrap();
}
