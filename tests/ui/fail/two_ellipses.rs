use lazy_datasets::prelude::*;
use ndarray::{Array1, Array3};

fn main() -> Result<()> {
    let x = Array3::<f32>::zeros((2, 3, 4));
    let _: Array1<f32> = x.read(sel![..., 0, ...])?;
    Ok(())
}
