use lazy_datasets::prelude::*;
use ndarray::Array1;

fn main() -> Result<()> {
    let (a, b) = (Array1::<f64>::zeros(3), Array1::<f64>::ones(3));
    let mut total = Sum::new(vec![&a, &b])?;
    total.write(sel![0], 0.0)?;
    Ok(())
}
