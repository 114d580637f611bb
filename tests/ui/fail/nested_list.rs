use lazy_datasets::prelude::*;
use ndarray::Array2;

fn main() -> Result<()> {
    let x = Array2::<u8>::zeros((2, 2));
    let _ = x.read(sel![[[0, 1], [1, 0]]])?;
    Ok(())
}
