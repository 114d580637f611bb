//! Views over HDF5 datasets: `Stacked` and `Scaled` (generic in lazy-core)
//! read and write HDF5 datasets in several files exactly as they do ndarray
//! arrays, for random keys.

mod common;

use common::{check_read, check_write, create, irange, key, Layout};
use lazy_core::{
    BooleanOr, DatasetExt, Dyn, DynSelection, ReadWrite, Scaled, SelectionItem, Stacked, Sum,
};
use lazy_hdf5::{create_file, H5Dataset};
use ndarray::{array, ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[test]
fn stacked_and_scaled_hdf5_match_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        create_file(dir.path().join("a.h5")).unwrap(),
        create_file(dir.path().join("b.h5")).unwrap(),
    ];
    let mut rng = SmallRng::seed_from_u64(0xc4a2);
    let (mut reads, mut writes) = (0, 0);
    for case in 0..12 {
        let ndim = rng.random_range(0..=2);
        let shape: Vec<usize> = (0..ndim).map(|_| rng.random_range(1..=6)).collect();
        let mut refs: Vec<ArrayD<i32>> = (0..3)
            .map(|_| ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(-1000..1000)))
            .collect();
        let layouts = [Layout::Contiguous, Layout::Chunked, Layout::Deflate];
        let mut h5s: Vec<H5Dataset<i32, Dyn, ReadWrite>> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let file = &files[i % 2];
                create(file, &format!("c{case}_{i}"), r, layouts[i], &mut rng)
            })
            .collect();
        let axis = irange(&mut rng, -(ndim as isize) - 1, ndim as isize + 1);
        let what = format!("Stacked(axis {axis}) of {h5s:?}");

        let mut hs = Stacked::new(h5s.iter_mut().collect(), axis).unwrap();
        let mut rs = Stacked::new(refs.iter_mut().collect(), axis).unwrap();
        let stack_shape = rs.shape().to_vec();
        for _ in 0..40 {
            reads += 1;
            check_read(&hs, &rs, &key(&mut rng, &stack_shape), &what);
        }
        for _ in 0..15 {
            let k = key(&mut rng, &stack_shape);
            writes += usize::from(check_write(
                &mut hs,
                &mut rs,
                &k,
                &mut rng,
                &|r| r.random_range(-1000..1000),
                &what,
            ));
        }

        // Scaled over the stack: reads multiply, writes divide and truncate.
        let mut hs = Scaled::new(hs, 0.5);
        let mut rs = Scaled::new(rs, 0.5);
        for _ in 0..20 {
            reads += 1;
            check_read(&hs, &rs, &key(&mut rng, &stack_shape), &what);
        }
        for _ in 0..10 {
            let k = key(&mut rng, &stack_shape);
            writes += usize::from(check_write(
                &mut hs,
                &mut rs,
                &k,
                &mut rng,
                &|r| r.random_range(-500.0..500.0),
                &what,
            ));
        }
        drop((hs, rs));
        // The files hold what the references hold.
        for (h, r) in h5s.iter().zip(&refs) {
            assert_eq!(&h.read_all().unwrap(), r);
        }
    }
    println!("{reads} random reads and {writes} random writes through views");
}

#[test]
fn sum_and_or_of_hdf5_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("flags.h5")).unwrap();
    let mut rng = SmallRng::seed_from_u64(3);
    let a = create(
        &file,
        "a",
        &array![[true, false], [false, false]].into_dyn(),
        Layout::Chunked,
        &mut rng,
    );
    let b = create(
        &file,
        "b",
        &array![[false, false], [true, false]].into_dyn(),
        Layout::Contiguous,
        &mut rng,
    );
    let any = BooleanOr::new(vec![&a, &b]).unwrap();
    assert_eq!(
        any.read_all().unwrap(),
        array![[true, false], [true, false]].into_dyn()
    );
    let x = create(
        &file,
        "x",
        &array![1.0, 2.0].into_dyn(),
        Layout::Deflate,
        &mut rng,
    );
    let y = create(
        &file,
        "y",
        &array![10.0, 20.0].into_dyn(),
        Layout::Contiguous,
        &mut rng,
    );
    let total = Sum::new(vec![&x, &y]).unwrap();
    let key = DynSelection::from(vec![SelectionItem::List(vec![1, 1, 0])]);
    assert_eq!(
        total.read_dyn(&key).unwrap(),
        array![22.0, 22.0, 11.0].into_dyn()
    );
}

/// Bools stacked as columns: each source reads into (and writes from) a
/// strided column of the output.
#[test]
fn stacked_bool_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("bools.h5")).unwrap();
    let mut rng = SmallRng::seed_from_u64(5);
    let mut refs: Vec<ArrayD<bool>> = (0..3)
        .map(|_| ArrayD::from_shape_simple_fn(IxDyn(&[4, 5]), || rng.random_bool(0.5)))
        .collect();
    let mut h5s: Vec<_> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| create(&file, &format!("b{i}"), r, Layout::Chunked, &mut rng))
        .collect();
    let mut hs = Stacked::new(h5s.iter_mut().collect(), -1).unwrap();
    let mut rs = Stacked::new(refs.iter_mut().collect(), -1).unwrap();
    let all = DynSelection::all();
    assert_eq!(hs.read_dyn(&all).unwrap(), rs.read_dyn(&all).unwrap());
    for _ in 0..30 {
        let k = key(&mut rng, &[4, 5, 3]);
        check_read(&hs, &rs, &k, "bool stack");
        check_write(
            &mut hs,
            &mut rs,
            &k,
            &mut rng,
            &|r| r.random_bool(0.5),
            "bool stack",
        );
    }
}
