use lazy_datasets::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<()> {
    let x = Array2::<f64>::zeros((4, 3));
    let _: Array1<f64> = x.read(sel![1.5, ..])?;
    Ok(())
}
