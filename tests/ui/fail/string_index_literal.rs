// h5py reads fields of compound datasets by name; `sel!` has no such form.
use lazy_datasets::prelude::*;
use ndarray::Array1;

fn main() -> Result<()> {
    let x = Array1::<f64>::zeros(4);
    let _ = x.read(sel!["temperature"])?;
    Ok(())
}
