// A dataset opened with `open` is read-only, even in a file opened for
// writing: writing to it, or stacking it where writes go, does not compile.
use lazy_core::{DatasetMutExt, Stacked};
use lazy_hdf5::{open_file_rw, H5Dataset};
use typenum::U1;

fn main() {
    let file = open_file_rw("data.h5").unwrap();
    let mut x = H5Dataset::<f64, U1>::open(&file, "x").unwrap();
    x.write_all(1.0).unwrap();
    let mut both = Stacked::new(vec![x], 0).unwrap();
    both.write_all(1.0).unwrap();
}
