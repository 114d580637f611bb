use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let line = array![1.0f64, 2.0];
    let grid = array![[1.0f64, 2.0], [3.0, 4.0]];
    let _ = Concat::new(vec![&line, &grid], 0)?;
    Ok(())
}
