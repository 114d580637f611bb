use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let volts = array![0.5f64, 1.5];
    let counts = array![3i32, 4];
    let _ = Concat::new(vec![&volts, &counts], 0)?;
    Ok(())
}
