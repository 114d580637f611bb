// An integer drops its axis: one row of a rank-2 stack is rank 1.
use lazy_datasets::prelude::*;
use ndarray::{Array1, Array2};

fn main() -> Result<()> {
    let (a, b) = (Array1::<f64>::zeros(5), Array1::<f64>::ones(5));
    let stacked = Stacked::new(vec![&a, &b], -1)?;
    let row: Array2<f64> = stacked.read(sel![3, ..])?;
    drop(row);
    Ok(())
}
