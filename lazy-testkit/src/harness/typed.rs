//! Mode **typed**: the same checks through arrays of static rank (a
//! `Stacked` of two `Array2`, an `Array1`).

use lazy_core::{DatasetExt, Stacked};

use super::check::{check_read, read_and_check};
use super::sources::source_values;
use super::tree::stack_values;
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{naive_stack_axis, Naive};

pub(super) fn run(u: &mut Bytes<'_>) {
    use ndarray::{Array1, Array2};
    let (r, c) = (u.below(5), u.below(5));
    let a: Array2<f64> = Array2::from_shape_vec((r, c), source_values(0, &[r, c])).unwrap();
    let b: Array2<f64> = Array2::from_shape_vec((r, c), source_values(1, &[r, c])).unwrap();
    let axis = u.range(-4, 3) as isize;
    let value = stack_values(
        &[
            Naive::new(&[r, c], source_values(0, &[r, c])),
            Naive::new(&[r, c], source_values(1, &[r, c])),
        ],
        match naive_stack_axis(axis, 2) {
            Ok(a) => a,
            Err(_) => {
                assert!(Stacked::new(vec![&a, &b], axis).is_err());
                return;
            }
        },
    );
    let st = Stacked::new(vec![&a, &b], axis).unwrap();
    let all: ndarray::Array3<f64> = st.read_all().unwrap();
    let ctx = || format!("typed stack of ({r}, {c}) along {axis}");
    check_read(&ctx, Ok(all.into_dyn()), Ok(value.clone()));
    let key = keys::key(u, &value.shape, KeyStyle::FUZZ);
    let ctx = || format!("typed stack of ({r}, {c}) along {axis}: read {key:?}");
    read_and_check(&ctx, &st, &value, &key);
    let v: Array1<f64> = Array1::from_iter((0..u.below(6)).map(|k| k as f64));
    let key = keys::key(u, &[v.len()], KeyStyle::FUZZ);
    let ctx = || format!("Array1 of {}: read {key:?}", v.len());
    let naive_v = Naive::new(&[v.len()], v.to_vec());
    read_and_check(&ctx, &v, &naive_v, &key);
}
