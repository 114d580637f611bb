//! Out-of-core iteration and copying: `chunks` and `copy_into_with` against
//! hand-computed expectations, and the memory budget checked by a recording
//! dataset (the test kit's `Recording`) that logs every read.

use lazy_datasets::prelude::*;
use lazy_datasets::{copy_into, copy_into_with, CopyOptions};
use lazy_testkit::datasets::Recording;
use ndarray::{Array1, Array2};

#[test]
fn chunks_cover_the_axis_in_order() {
    let a = Array2::from_shape_fn((7, 3), |(i, j)| (i * 10 + j) as i32);
    let chunks: Vec<_> = a.chunks(0, 3).unwrap().map(|c| c.unwrap()).collect();
    assert_eq!(chunks.len(), 3);
    let lens: Vec<usize> = chunks.iter().map(|(_, d)| d.shape()[0]).collect();
    assert_eq!(lens, vec![3, 3, 1]);
    for (k, (region, data)) in chunks.iter().enumerate() {
        assert_eq!(region.out_shape(), data.shape());
        for (r, row) in data.outer_iter().enumerate() {
            let i = k * 3 + r;
            assert_eq!(
                row.iter().copied().collect::<Vec<_>>(),
                vec![(i * 10) as i32, (i * 10 + 1) as i32, (i * 10 + 2) as i32]
            );
        }
    }
    // Along axis 1, in chunks of 2 columns: 2 + 1.
    let cols: Vec<Vec<usize>> = a
        .chunks(1, 2)
        .unwrap()
        .map(|c| c.unwrap().1.shape().to_vec())
        .collect();
    assert_eq!(cols, vec![vec![7, 2], vec![7, 1]]);
    assert_eq!(a.chunks(1, 2).unwrap().len(), 2);
}

#[test]
fn chunks_reject_bad_arguments() {
    let a = Array1::<f64>::zeros(4);
    assert_eq!(a.chunks(1, 2).unwrap_err().kind(), ErrorKind::Index);
    assert_eq!(a.chunks(0, 0).unwrap_err().kind(), ErrorKind::Value);
    let empty = Array1::<f64>::zeros(0);
    assert_eq!(empty.chunks(0, 5).unwrap().count(), 0);
}

#[test]
fn copy_into_respects_the_budget_and_copies_everything() {
    // A dataset of `i * 1000 + j` that logs every region it is asked for.
    let expected = Array2::from_shape_fn((1000, 7), |(i, j)| (i * 1000 + j) as f64);
    let src = Recording::<U2>::new(expected.clone().into_dyn());
    let mut dst = Array2::<f64>::zeros((1000, 7));
    // 800 bytes = 100 elements of f64 at a time.
    let options = CopyOptions {
        budget: 800,
        ..CopyOptions::default()
    };
    copy_into_with(&src, &mut dst, &options).unwrap();
    assert_eq!(dst, expected);
    let reads: Vec<usize> = src.reads().iter().map(|r| r.out_size().unwrap()).collect();
    assert!(
        reads.iter().all(|&n| n <= 100),
        "a read exceeded the budget: {reads:?}"
    );
    assert_eq!(
        reads.iter().sum::<usize>(),
        7000,
        "every element read exactly once"
    );
}

#[test]
fn copy_into_through_views() {
    let (x, y) = (Array1::from_iter(0..10i32), Array1::from_iter(100..110i32));
    let stacked = Stacked::new(vec![&x, &y], -1).unwrap();
    let mut out = Array2::<f64>::zeros((10, 2));
    copy_into(&Scaled::new(&stacked, 0.5), &mut out).unwrap();
    for i in 0..10 {
        assert_eq!(out[[i, 0]], i as f64 * 0.5);
        assert_eq!(out[[i, 1]], (100 + i) as f64 * 0.5);
    }
    // And into a writable view: the second column of a wider array.
    let mut wide = Array2::<i32>::zeros((10, 3));
    {
        let mut col = (&mut wide)
            .sliced(DynSelection::from(vec![
                SelectionItem::FULL,
                SelectionItem::Index(1),
            ]))
            .unwrap();
        copy_into(&y, &mut col).unwrap();
    }
    assert_eq!(wide.column(1).to_vec(), (100..110).collect::<Vec<_>>());
    assert!(wide.column(0).iter().all(|&v| v == 0));
}

#[test]
fn copy_into_checks_shapes_and_targets_first() {
    let src = Array1::from_iter(0..5i32);
    let mut wrong = Array1::<i32>::zeros(4);
    assert_eq!(
        copy_into(&src, &mut wrong).unwrap_err().kind(),
        ErrorKind::Shape
    );
    assert!(wrong.iter().all(|&v| v == 0));
    // A scaled target with factor 0 cannot be written: nothing is copied.
    let mut raw = Array1::<f64>::zeros(5);
    let mut target = Scaled::new(&mut raw, 0.0);
    let src = Array1::<f64>::ones(5);
    assert_eq!(
        copy_into(&src, &mut target).unwrap_err().kind(),
        ErrorKind::Value
    );
    assert!(raw.iter().all(|&v| v == 0.0));
}
