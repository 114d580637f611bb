// An array opened with `open` is read-only: writing to it does not compile.
use lazy_core::DatasetMutExt;
use lazy_zarr::ZarrDataset;
use typenum::U1;

fn main() {
    let mut x = ZarrDataset::<f64, U1>::open("store.zarr", "x").unwrap();
    x.write_all(1.0).unwrap();
}
