//! Every selection that works on an ndarray works on an HDF5 dataset, with
//! identical results: random keys (negative steps, unsorted and duplicated
//! lists, lists on several axes, newaxis, ellipsis, out-of-range entries) are
//! read from and written to contiguous, chunked and deflate-compressed
//! datasets, with an in-memory `ArrayD` as the reference.

mod common;

use std::fmt::Debug;

use common::{check_read, check_write, create, key, sparse_key, Layout};

use lazy_core::{AxisSelection, DatasetMutExt, Region};
use lazy_hdf5::{create_file, H5Element};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn random_shape(rng: &mut SmallRng) -> Vec<usize> {
    let ndim = rng.random_range(0..=4);
    (0..ndim)
        .map(|_| {
            if rng.random_bool(0.05) {
                0
            } else {
                rng.random_range(1..=7)
            }
        })
        .collect()
}

struct Counts {
    datasets: usize,
    reads: usize,
    valid_reads: usize,
    writes: usize,
}

fn run<T: H5Element + Debug>(
    rng: &mut SmallRng,
    file: &lazy_hdf5::File,
    counts: &mut Counts,
    datasets: usize,
    value: impl Fn(&mut SmallRng) -> T,
) {
    for i in 0..datasets {
        let shape = random_shape(rng);
        let layout = [Layout::Contiguous, Layout::Chunked, Layout::Deflate][i % 3];
        let mut reference = ArrayD::from_shape_simple_fn(IxDyn(&shape), || value(rng));
        let name = format!("{}_{i}", T::DTYPE);
        let mut h5 = create(file, &name, &reference, layout, rng);
        counts.datasets += 1;
        for _ in 0..60 {
            let k = key(rng, &shape);
            counts.reads += 1;
            counts.valid_reads += usize::from(check_read(&h5, &reference, &k, &format!("{h5:?}")));
        }
        for _ in 0..25 {
            let k = key(rng, &shape);
            let what = format!("{h5:?}");
            check_write(&mut h5, &mut reference, &k, rng, &value, &what);
            counts.writes += 1;
        }
    }
}

#[test]
fn random_selections_match_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("random.h5")).unwrap();
    let mut rng = SmallRng::seed_from_u64(0x5eed_4df5);
    let mut counts = Counts {
        datasets: 0,
        reads: 0,
        valid_reads: 0,
        writes: 0,
    };
    run(&mut rng, &file, &mut counts, 45, |r| {
        r.random_range(-1e3..1e3f64)
    });
    run(&mut rng, &file, &mut counts, 12, |r| r.random::<i16>());
    run(&mut rng, &file, &mut counts, 12, |r| r.random::<u8>());
    run(&mut rng, &file, &mut counts, 12, |r| r.random::<bool>());
    run(&mut rng, &file, &mut counts, 6, |r| r.random::<u64>());
    run(&mut rng, &file, &mut counts, 6, |r| {
        r.random_range(-1e3..1e3f32)
    });
    println!(
        "{} datasets, {} random reads ({} valid keys), {} random writes",
        counts.datasets, counts.reads, counts.valid_reads, counts.writes
    );
    assert!(counts.valid_reads > counts.reads / 2);
}

/// Long axes and sparse lists take the other transfer strategies: per-run
/// hyperslabs and point selections (see the crate docs).
#[test]
fn sparse_lists_on_long_axes() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("sparse.h5")).unwrap();
    let mut rng = SmallRng::seed_from_u64(7);
    for (i, shape) in [
        vec![20_000],
        vec![3000, 40],
        vec![40, 3000],
        vec![300, 20, 30],
    ]
    .into_iter()
    .enumerate()
    {
        for (j, layout) in [Layout::Contiguous, Layout::Chunked, Layout::Deflate]
            .into_iter()
            .enumerate()
        {
            let mut reference =
                ArrayD::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(0..1_000_000i64));
            let mut h5 = create(&file, &format!("s{i}_{j}"), &reference, layout, &mut rng);
            for round in 0..40 {
                // Sparse lists, unsorted, with duplicates, on one or several axes.
                let key = sparse_key(&mut rng, &shape, 6, false);
                check_read(&h5, &reference, &key, &format!("{h5:?}"));
                if round % 4 == 0 {
                    let what = format!("{h5:?}");
                    check_write(
                        &mut h5,
                        &mut reference,
                        &key,
                        &mut rng,
                        &|r| r.random_range(0..1_000_000i64),
                        &what,
                    );
                }
            }
        }
    }
}

/// A read into a buffer that is not contiguous goes through a temporary grid.
#[test]
fn reads_into_strided_buffers() {
    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("strided.h5")).unwrap();
    let mut rng = SmallRng::seed_from_u64(11);
    let reference = ArrayD::from_shape_simple_fn(IxDyn(&[6, 5]), || rng.random::<i32>());
    let h5 = create(&file, "x", &reference, Layout::Chunked, &mut rng);
    let region = Region::new(
        vec![6, 5],
        vec![AxisSelection::range(1, 2, 3), AxisSelection::full(5)],
    )
    .unwrap();
    let mut want = ArrayD::<i32>::zeros(IxDyn(&[5, 3]));
    let mut got = want.clone();
    lazy_core::DatasetExt::read_into(&reference, &region, want.view_mut().reversed_axes()).unwrap();
    lazy_core::DatasetExt::read_into(&h5, &region, got.view_mut().reversed_axes()).unwrap();
    assert_eq!(got, want);
    // A region resolved against another shape is refused.
    let other = Region::full(&[5, 6]);
    assert!(lazy_core::DatasetExt::read_into(&h5, &other, got.view_mut()).is_err());
    assert!(h5.validate_write(&Region::full(&[6, 5])).is_ok());
}
