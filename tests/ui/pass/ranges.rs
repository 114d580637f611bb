// Ranges with NumPy's meaning, every form, with and without a step.
use lazy_datasets::prelude::*;
use ndarray::{array, Array, Array1, Array2};

fn main() -> Result<()> {
    let x: Array1<i64> = Array::from_iter(0..10);
    let r = |a: Array1<i64>| a.to_vec();

    assert_eq!(r(x.read(sel![..])?), (0..10).collect::<Vec<_>>()); // x[:]
    assert_eq!(r(x.read(sel![2..7])?), vec![2, 3, 4, 5, 6]); // x[2:7]
    assert_eq!(r(x.read(sel![7..])?), vec![7, 8, 9]); // x[7:]
    assert_eq!(r(x.read(sel![..3])?), vec![0, 1, 2]); // x[:3]
    assert_eq!(r(x.read(sel![2..=5])?), vec![2, 3, 4, 5]); // x[2:6]
    assert_eq!(r(x.read(sel![..=2])?), vec![0, 1, 2]); // x[:3]
    assert_eq!(r(x.read(sel![-3..])?), vec![7, 8, 9]); // x[-3:]
    assert_eq!(r(x.read(sel![..-7])?), vec![0, 1, 2]); // x[:-7]
    assert_eq!(r(x.read(sel![-2..=-1])?), vec![8, 9]); // x[-2:]
    assert_eq!(r(x.read(sel![..=-2])?), (0..9).collect::<Vec<_>>()); // x[:-1]
    assert_eq!(r(x.read(sel![100..])?), Vec::<i64>::new()); // x[100:]
    assert_eq!(r(x.read(sel![-100..2])?), vec![0, 1]); // x[-100:2]

    // Steps.
    assert_eq!(r(x.read(sel![1..9;3])?), vec![1, 4, 7]); // x[1:9:3]
    assert_eq!(r(x.read(sel![..4;3])?), vec![0, 3]); // x[:4:3]
    assert_eq!(r(x.read(sel![..;-1])?), (0..10).rev().collect::<Vec<_>>()); // x[::-1]
    assert_eq!(r(x.read(sel![8..;-2])?), vec![8, 6, 4, 2, 0]); // x[8::-2]
    assert_eq!(r(x.read(sel![8..2;-2])?), vec![8, 6, 4]); // x[8:2:-2]
    assert_eq!(r(x.read(sel![2..8;-2])?), Vec::<i64>::new()); // x[2:8:-2]
    assert_eq!(r(x.read(sel![7..=3;-2])?), vec![7, 5, 3]); // x[7:2:-2]
    assert_eq!(r(x.read(sel![3..=0;-1])?), vec![3, 2, 1, 0]); // x[3::-1]
    assert_eq!(r(x.read(sel![-1..=-3;-1])?), vec![9, 8, 7]); // x[-1:-4:-1]
    assert_eq!(r(x.read(sel![5..-100;-1])?), vec![5, 4, 3, 2, 1, 0]); // x[5:-100:-1]

    // Bounds and steps are any integer expressions, of mixed types.
    let (lo, hi, step): (u8, usize, i32) = (1, x.len() - 1, 4);
    assert_eq!(r(x.read(sel![lo..hi;step])?), vec![1, 5]); // x[1:9:4]
    assert_eq!(r(x.read(sel![lo..=hi;-step])?), Vec::<i64>::new()); // x[1:10:-4]
    assert_eq!(r(x.read(sel![hi..=lo;-step])?), vec![9, 5, 1]); // x[9:0:-4]
    let back = -1;
    assert_eq!(r(x.read(sel![..;back])?), (0..10).rev().collect::<Vec<_>>());

    // Range values are ranges too (without a step).
    let (a, b, c) = (2usize..4, 7i32.., 1u8..=2);
    assert_eq!(r(x.read(sel![a])?), vec![2, 3]);
    assert_eq!(r(x.read(sel![b])?), vec![7, 8, 9]);
    assert_eq!(r(x.read(sel![c])?), vec![1, 2]);

    // A zero step known only at run time is an error, not a panic.
    let zero = 0;
    assert_eq!(x.read(sel![..;zero]).unwrap_err().kind(), ErrorKind::Index);

    // Ranges keep their axis.
    let y = Array::from_iter(0..12)
        .into_shape_with_order((3, 4))
        .unwrap();
    let corner: Array2<i32> = y.read(sel![1.., ..;-3])?; // y[1:, ::-3]
    assert_eq!(corner, array![[7, 4], [11, 8]]);
    Ok(())
}
