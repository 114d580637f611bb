use lazy_datasets::prelude::*;
use ndarray::array;

fn main() -> Result<()> {
    let (mut a, mut b) = (array![1, 2, 3], array![4, 5, 6]);
    let mut diff = Zip::new(&mut a, &mut b, |x: i32, y: i32| x - y)?;
    diff.write(sel![0], 10)?;
    Ok(())
}
