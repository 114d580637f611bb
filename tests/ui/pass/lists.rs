// Lists of positions, written in the macro or as values: they keep the axis,
// and several lists index orthogonally.
use lazy_datasets::prelude::*;
use ndarray::{array, Array, Array1, Array2};

fn main() -> Result<()> {
    let x = Array::from_iter(0..12)
        .into_shape_with_order((3, 4))
        .unwrap();

    let rows: Array2<i32> = x.read(sel![[2, 0, 2]])?; // x[[2, 0, 2]]
    assert_eq!(rows, array![[8, 9, 10, 11], [0, 1, 2, 3], [8, 9, 10, 11]]);
    let cols: Array2<i32> = x.read(sel![.., [-1, 0]])?; // x[:, [-1, 0]]
    assert_eq!(cols, array![[3, 0], [7, 4], [11, 8]]);
    let both: Array2<i32> = x.read(sel![[0, 2], [1, 3]])?; // x[np.ix_([0, 2], [1, 3])]
    assert_eq!(both, array![[1, 3], [9, 11]]);
    let i = 1u16;
    let mixed: Array1<i32> = x.read(sel![0, [i, 2 * i, -1]])?; // x[0, [1, 2, -1]]
    assert_eq!(mixed, array![1, 2, 3]);
    let none: Array2<i32> = x.read(sel![[]])?; // x[[]]
    assert_eq!(none.shape(), &[0, 4]);

    // List values: Vec, slices, arrays, and references to them, of any integer type.
    let v: Vec<isize> = vec![1, 0];
    let s: &[usize] = &[2];
    let a: [i32; 2] = [0, 0];
    let av: &Vec<u8> = &vec![2, 1];
    let ar: &[i64; 1] = &[-1];
    assert_eq!(x.read(sel![&v, 0])?, array![4, 0]);
    assert_eq!(x.read(sel![s, 0])?, array![8]);
    assert_eq!(x.read(sel![a, 1])?, array![1, 1]);
    assert_eq!(x.read(sel![av, 3])?, array![11, 7]);
    assert_eq!(x.read(sel![ar, ar])?, array![[11]]);
    assert_eq!(x.read(sel![v, vec![3usize, 3]])?, array![[7, 7], [3, 3]]);

    // A position out of bounds is an error at run time.
    assert_eq!(x.read(sel![[0, 3]]).unwrap_err().kind(), ErrorKind::Index);
    Ok(())
}
