//! ndarray arrays, the in-memory backend, run the test kit's backend
//! conformance suite like every storage backend: every selection, read and
//! written, of every element type, in four memory layouts (C order, Fortran
//! order, a reversed axis, every other element of a larger array), against
//! the naive NumPy reference.

use lazy_datasets::Element;
use lazy_testkit::conformance::{self, Backend};
use ndarray::{ArrayD, Axis, IxDyn, ShapeBuilder, Slice};
use rand::rngs::SmallRng;
use rand::Rng;

struct Memory;

impl<T: Element> Backend<T> for Memory {
    type Dataset = ArrayD<T>;

    fn layouts(&self) -> usize {
        4
    }

    fn create(
        &mut self,
        _name: &str,
        data: &ArrayD<T>,
        layout: usize,
        rng: &mut SmallRng,
    ) -> ArrayD<T> {
        let shape = data.shape();
        let mut a = match layout {
            0 => ArrayD::from_elem(IxDyn(shape), T::default()),
            1 => ArrayD::from_elem(IxDyn(shape).f(), T::default()),
            2 => {
                let mut r = ArrayD::from_elem(IxDyn(shape), T::default());
                if !shape.is_empty() {
                    r.invert_axis(Axis(rng.random_range(0..shape.len())));
                }
                r
            }
            _ => {
                let big: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
                let mut s = ArrayD::from_elem(IxDyn(&big), T::default());
                s.slice_each_axis_inplace(|_| Slice::new(0, None, 2));
                s
            }
        };
        a.assign(data);
        a
    }
}

#[test]
fn every_element_type() {
    let report = conformance::every_element_type(&mut Memory, 0x5eed_3e30);
    assert_eq!(report.datasets, 99);
}

#[test]
fn sparse_lists_on_long_axes() {
    conformance::sparse_lists_on_long_axes(&mut Memory, 7, 40, 40, true);
}

#[test]
fn strided_buffers() {
    conformance::strided_buffers(&mut Memory, 11);
}

#[test]
fn views_over_arrays_match() {
    conformance::views(&mut Memory, 0xc4a4);
}

#[test]
fn masks_and_long_lists() {
    conformance::masks_and_long_lists(&mut Memory, 24);
}
