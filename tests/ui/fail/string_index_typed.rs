use lazy_datasets::prelude::*;
use ndarray::array;

fn main() {
    let x = array![1.0, 2.0, 3.0];
    let field = String::from("temperature");
    let _ = x.read(sel![field]);
}
