use lazy_datasets::prelude::*;
use ndarray::array;

fn main() {
    let x = array![1.0, 2.0, 3.0];
    let position = x.len() as f64 / 2.0;
    let _ = x.read(sel![position]);
}
