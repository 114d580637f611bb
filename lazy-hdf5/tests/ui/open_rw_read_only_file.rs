// A file opened with `open_file` is read-only in its type: its datasets
// cannot be opened for writing, nor new ones created in it.
use lazy_hdf5::{open_file, CreateOptions, H5Dataset};
use typenum::U1;

fn main() {
    let file = open_file("data.h5").unwrap();
    let _ = H5Dataset::<f64, U1>::open_rw(&file, "x");
    let _ = H5Dataset::<f64, U1>::create(&file, "y", &[3], &CreateOptions::default());
}
