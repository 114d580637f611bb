use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let (a, b) = (array![true, false], array![false, true]);
    let total = Sum::new(vec![&a, &b])?;
    let _ = total.read_all()?;
    Ok(())
}
