use lazy_datasets::prelude::*;
use ndarray::array;

fn main() {
    let x = array![1.0, 2.0, 3.0];
    let half = 1.5;
    let _ = x.read(sel![..half]);
}
