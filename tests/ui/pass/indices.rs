// Integer indices: literals, negative literals, variables and expressions of
// any integer type. Each drops its axis.
use lazy_datasets::prelude::*;
use ndarray::{arr0, array, Array, Array0, Array1};

fn main() -> Result<()> {
    let x = Array::from_iter(0..12)
        .into_shape_with_order((3, 4))
        .unwrap();

    let row: Array1<i32> = x.read(sel![1])?; // x[1]
    assert_eq!(row, array![4, 5, 6, 7]);
    let last: Array1<i32> = x.read(sel![-1])?; // x[-1]
    assert_eq!(last, array![8, 9, 10, 11]);
    let one: Array0<i32> = x.read(sel![2, -4])?; // x[2, -4]
    assert_eq!(one, arr0(8));

    // Variables of several integer types, and expressions.
    let (i, j, k, n): (isize, i32, u8, usize) = (-2, 3, 0, x.shape()[1]);
    let a: Array0<i32> = x.read(sel![i, j])?; // x[-2, 3]
    assert_eq!(a, arr0(7));
    let b: Array0<i32> = x.read(sel![k, n - 1])?; // x[0, 3]
    assert_eq!(b, arr0(3));
    let c: Array0<i32> = x.read(sel![(i + 1), -(j as i64)])?; // x[-1, -3]
    assert_eq!(c, arr0(9));
    let d: Array0<i32> = x.read(sel![1u8, 2i64])?; // suffixed literals
    assert_eq!(d, arr0(6));
    let e: Array0<i32> = x.read(sel![usize::MIN, i64::from(k) + 1])?; // x[0, 1]
    assert_eq!(e, arr0(1));

    // Out of bounds is an error at run time, not a panic.
    assert_eq!(x.read(sel![3]).unwrap_err().kind(), ErrorKind::Index);
    assert_eq!(x.read(sel![0, -5]).unwrap_err().kind(), ErrorKind::Index);
    assert_eq!(
        x.read(sel![usize::MAX]).unwrap_err().kind(),
        ErrorKind::Index
    );
    Ok(())
}
