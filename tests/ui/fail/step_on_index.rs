use lazy_datasets::prelude::*;
use ndarray::Array2;

fn main() -> Result<()> {
    let x = Array2::<u8>::zeros((6, 2));
    let _ = x.read(sel![3;2, ..])?;
    Ok(())
}
