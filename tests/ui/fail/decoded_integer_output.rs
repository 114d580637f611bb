use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let packed = array![1i16, 2, 3];
    let _ = Decoded::<i32, _>::new(&packed, Cf::default())?;
    Ok(())
}
