// `sel!` inside `macro_rules!`, with its arguments passed as `expr` fragments.
use lazy_datasets::prelude::*;
use ndarray::{array, Array1};

macro_rules! column {
    ($x:expr, $j:expr) => {
        $x.read(sel![.., $j])
    };
}

macro_rules! window {
    ($x:expr, $lo:expr, $hi:expr) => {
        $x.read(sel![$lo..$hi])
    };
}

fn main() -> Result<()> {
    let x = array![[1, 2], [3, 4]];
    let c: Array1<i32> = column!(x, -1)?;
    assert_eq!(c, array![2, 4]);
    let y = array![0, 1, 2, 3, 4];
    let w: Array1<i32> = window!(y, 1, -1)?;
    assert_eq!(w, array![1, 2, 3]);
    Ok(())
}
