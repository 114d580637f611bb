// A dataset of rank `Dyn` takes any selection, checks it at run time and
// reads into `ArrayD`.
use lazy_datasets::prelude::*;
use ndarray::{array, Array, ArrayD};

fn main() -> Result<()> {
    let x: ArrayD<i32> = Array::from_iter(0..6)
        .into_shape_with_order((2, 3))
        .unwrap()
        .into_dyn();
    let row: ArrayD<i32> = x.read(sel![1, ..;-1])?;
    assert_eq!(row, array![5, 4, 3].into_dyn());
    let lifted: ArrayD<i32> = x.read(sel![NewAxis, ..., [0]])?;
    assert_eq!(lifted.shape(), &[1, 2, 1]);
    // Too many indices: known only at run time here.
    assert_eq!(x.read(sel![0, 0, 0]).unwrap_err().kind(), ErrorKind::Index);
    Ok(())
}
