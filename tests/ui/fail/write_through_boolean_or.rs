use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let (a, b) = (array![true, false], array![false, false]);
    let mut any = BooleanOr::new(vec![&a, &b])?;
    any.write(sel![..], false)?;
    Ok(())
}
