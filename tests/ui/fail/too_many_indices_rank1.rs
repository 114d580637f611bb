// A rank-1 dataset has one axis; `sel![0, 1]` indexes two.
use lazy_datasets::prelude::*;
use ndarray::array;

fn main() {
    let x = array![1.0, 2.0, 3.0];
    let _ = x.read(sel![0, 1]);
}
