//! Mode **wrap**: integer `Sum`s wrap as NumPy's fixed-width integers do
//! (`i8`, `u8`, `i64`, `u64`).

use std::fmt::Debug;

use lazy_core::Sum;
use ndarray::{ArrayD, IxDyn};

use super::check::read_and_check;
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{numel, Naive};

fn wrap_sum<T>(u: &mut Bytes<'_>, from: impl Fn(u64) -> T, add: impl Fn(T, T) -> T)
where
    T: lazy_core::Summable + Debug,
{
    let shape = keys::shape(u, 3, 5, 24);
    let n_src = 1 + u.below(4);
    let data: Vec<Vec<T>> = (0..n_src)
        .map(|_| (0..numel(&shape)).map(|_| from(u.u64())).collect())
        .collect();
    let arrays: Vec<ArrayD<T>> = data
        .iter()
        .map(|d| ArrayD::from_shape_vec(IxDyn(&shape), d.clone()).unwrap())
        .collect();
    let sum = Sum::new(arrays.iter().collect()).unwrap();
    let want: Vec<T> = (0..numel(&shape))
        .map(|i| data[1..].iter().fold(data[0][i], |acc, d| add(acc, d[i])))
        .collect();
    let key = keys::key(u, &shape, KeyStyle::FUZZ);
    let ctx = || format!("wrapping Sum of {data:?}: read {key:?}");
    let value = Naive::new(&shape, want);
    read_and_check(&ctx, &sum, &value, &key);
}

pub(super) fn run(u: &mut Bytes<'_>) {
    match u.below(4) {
        0 => wrap_sum(u, |x| x as i8, i8::wrapping_add),
        1 => wrap_sum(u, |x| x as u8, u8::wrapping_add),
        2 => wrap_sum(u, |x| x as i64, i64::wrapping_add),
        _ => wrap_sum(u, |x| x, u64::wrapping_add),
    }
}
