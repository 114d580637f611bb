//! The stored arrays the modes read and write: distinct values, held in
//! varied memory layouts (C order, Fortran order, a reversed axis, every
//! other element of a larger array).

use ndarray::{ArrayD, Axis, IxDyn, ShapeBuilder, Slice};

use crate::entropy::{Bytes, Entropy};
use crate::naive::numel;

/// The values of source `s`: distinct, some zero, exact in `f64` after sums
/// and power-of-two scaling.
pub(super) fn source_values(s: usize, shape: &[usize]) -> Vec<f64> {
    (0..numel(shape))
        .map(|f| {
            if (s + f) % 5 == 0 {
                0.0
            } else {
                let v = (s * 4096 + f) as f64;
                if f % 2 == 0 {
                    v
                } else {
                    -v
                }
            }
        })
        .collect()
}

/// An array holding `data` (row-major, of `shape`) in one of several
/// memory layouts: C order, Fortran order, a reversed axis, or every other
/// element of a larger array.
pub(super) fn layout_array(u: &mut Bytes<'_>, shape: &[usize], data: &[f64]) -> ArrayD<f64> {
    let c = ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap();
    match u.below(4) {
        0 => c,
        1 => {
            let mut f = ArrayD::zeros(IxDyn(shape).f());
            f.assign(&c);
            f
        }
        2 => {
            let mut r = ArrayD::zeros(IxDyn(shape));
            if !shape.is_empty() {
                r.invert_axis(Axis(u.below(shape.len())));
            }
            r.assign(&c);
            r
        }
        _ => {
            let big: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
            let mut s = ArrayD::zeros(IxDyn(&big));
            s.slice_each_axis_inplace(|_| Slice::new(0, None, 2));
            s.assign(&c);
            s
        }
    }
}
