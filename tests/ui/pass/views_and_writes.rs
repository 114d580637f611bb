// `view` (inherent on the views of this crate) and `sliced` (ndarray arrays,
// generic code) give lazy views of the selection's rank; `write` takes the
// same selections.
use lazy_datasets::prelude::*;
use ndarray::{array, Array1, Array2};

fn main() -> Result<()> {
    let (mut a, mut b, mut c) = (
        Array1::from_iter(0..6),
        Array1::from_iter(10..16),
        Array1::from_iter(20..26),
    );
    {
        let mut stacked = Stacked::new(vec![&mut a, &mut b, &mut c], -1)?; // shape (6, 3)
        {
            let mut tail: Sliced<_, U2> = (&mut stacked).sliced(sel![3.., 1..])?;
            assert_eq!(tail.shape(), &[3, 2]);
            let back: Array2<i32> = tail.read(sel![..;-1, 0])?.insert_axis(ndarray::Axis(1));
            assert_eq!(back, array![[15], [14], [13]]);
            tail.write(sel![0, ..], &array![-1, -2])?; // stacked[3, 1:] = [-1, -2]
        }
        let view = stacked.view(sel![.., 0])?; // inherent `view`: rank 1
        let col: Array1<i32> = view.read_all()?;
        assert_eq!(col, array![0, 1, 2, 3, 4, 5]);
        let twice = view.view(sel![1..;2])?.view(sel![[2, 0]])?; // views of views
        let picked: Array1<i32> = twice.read_all()?;
        assert_eq!(picked, array![5, 1]);
    }
    assert_eq!((b[3], c[3]), (-1, -2));

    // Writes through a scaled, sliced view reach the source.
    let mut raw = Array1::<f64>::zeros(4);
    {
        let mut mm = Scaled::new(&mut raw, 10.0);
        mm.write(sel![..;2], 50.0)?;
        mm.write(sel![[-1]], &array![70.0])?;
    }
    assert_eq!(raw, array![5.0, 0.0, 5.0, 7.0]);
    Ok(())
}
