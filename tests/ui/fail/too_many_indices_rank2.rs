// Stacking rank-1 datasets gives rank 2; `sel![3, .., 0]` indexes three axes.
use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let (a, b) = (array![1.0, 2.0], array![3.0, 4.0]);
    let stacked = Stacked::new(vec![&a, &b], -1)?;
    let _ = stacked.read(sel![1, .., 0])?;
    Ok(())
}
