// `...` and `NewAxis` consume no axis, but the four others do: too many for rank 3.
use lazy_datasets::prelude::*;
use ndarray::Array3;

fn main() -> Result<()> {
    let x = Array3::<u16>::zeros((2, 3, 4));
    let _view = (&x).sliced(sel![0, NewAxis, .., 1..;2, ..., [0, 1]])?;
    Ok(())
}
