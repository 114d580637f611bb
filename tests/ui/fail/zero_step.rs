use lazy_datasets::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<()> {
    let x = Array2::<f32>::zeros((2, 10));
    let _: Array1<f32> = x.read(sel![0, 1..10;0])?;
    Ok(())
}
