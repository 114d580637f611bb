// `...`, `NewAxis`, the empty selection, and their effect on the rank.
use lazy_datasets::prelude::*;
use ndarray::{array, Array, Array1, Array2, Array3, Array4};

fn main() -> Result<()> {
    let x = Array::from_iter(0..24)
        .into_shape_with_order((2, 3, 4))
        .unwrap();

    let all: Array3<i32> = x.read(sel![])?; // x[()]
    assert_eq!(all, x);
    let same: Array3<i32> = x.read(sel![...])?; // x[...]
    assert_eq!(same, x);
    let last: Array2<i32> = x.read(sel![..., -1])?; // x[..., -1]
    assert_eq!(last, array![[3, 7, 11], [15, 19, 23]]);
    let middle: Array1<i32> = x.read(sel![1, ..., 0])?; // x[1, ..., 0]
    assert_eq!(middle, array![12, 16, 20]);
    let first: Array2<i32> = x.read(sel![0, ...])?; // x[0, ...]
    assert_eq!(first.shape(), &[3, 4]);

    let lifted: Array4<i32> = x.read(sel![NewAxis])?; // x[np.newaxis]
    assert_eq!(lifted.shape(), &[1, 2, 3, 4]);
    let inner: Array2<i32> = x.read(sel![0, NewAxis, .., 2])?; // x[0, np.newaxis, :, 2]
    assert_eq!(inner, array![[2, 6, 10]]);
    let end: Array4<i32> = x.read(sel![..., NewAxis])?; // x[..., np.newaxis]
    assert_eq!(end.shape(), &[2, 3, 4, 1]);
    let two: Array3<i32> = x.read(sel![NewAxis, 1, -1, NewAxis, ..;2])?; // x[None, 1, -1, None, ::2]
    assert_eq!(two, array![[[20, 22]]]);
    // The type is usable by path too.
    let qualified: Array4<i32> = x.read(sel![lazy_datasets::NewAxis, ...])?;
    assert_eq!(qualified.shape(), &[1, 2, 3, 4]);
    Ok(())
}
