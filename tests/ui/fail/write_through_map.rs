use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let mut a = array![1, 2, 3];
    let mut doubled = Map::new(&mut a, |v: i32| v * 2);
    doubled.write(sel![0], 10)?;
    Ok(())
}
