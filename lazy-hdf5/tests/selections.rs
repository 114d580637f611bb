//! Every selection that works on an ndarray works on an HDF5 dataset, with
//! identical results: random keys (negative steps, unsorted and duplicated
//! lists, lists on several axes, newaxis, ellipsis, out-of-range entries) are
//! read from and written to contiguous, chunked and deflate-compressed
//! datasets, with an in-memory `ArrayD` as the reference.

use std::fmt::Debug;

use lazy_core::{
    AxisSel, DatasetExt, DatasetMut, DatasetMutExt, Dyn, DynSelection, Region, SelElem,
};
use lazy_hdf5::{create_file, H5Dataset, H5Element};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy)]
enum Layout {
    Contiguous,
    Chunked,
    Deflate,
}

/// Creates `name` in `file` with `data`, written by hdf5-metno itself (not by
/// the code under test).
fn create<T: H5Element>(
    file: &lazy_hdf5::File,
    name: &str,
    data: &ArrayD<T>,
    layout: Layout,
    rng: &mut SmallRng,
) -> H5Dataset<T, Dyn> {
    let shape = data.shape().to_vec();
    let builder = file.new_dataset::<T>();
    let ds = if shape.is_empty() {
        builder.shape(()).create(name)
    } else {
        let chunk: Vec<usize> = shape
            .iter()
            .map(|&n| rng.random_range(1..=n.max(1)))
            .collect();
        let chunkable = shape.iter().all(|&n| n > 0);
        match layout {
            Layout::Chunked if chunkable => builder.shape(shape.clone()).chunk(chunk).create(name),
            Layout::Deflate if chunkable => builder
                .shape(shape.clone())
                .chunk(chunk)
                .shuffle()
                .deflate(4)
                .create(name),
            _ => builder.shape(shape.clone()).create(name),
        }
    }
    .unwrap();
    if !data.is_empty() {
        ds.write(data.view()).unwrap();
    }
    let opened = H5Dataset::<T, Dyn>::open(file, name).unwrap();
    assert_eq!(opened.shape(), &shape[..]);
    opened
}

/// A random `isize` in `lo..hi` (rand samples no `isize`).
fn irange(rng: &mut SmallRng, lo: isize, hi: isize) -> isize {
    rng.random_range(lo as i64..hi as i64) as isize
}

/// A random index into an axis of length `n`, sometimes out of range.
fn index(rng: &mut SmallRng, n: usize) -> isize {
    let n = n as isize;
    if rng.random_bool(0.03) {
        if rng.random_bool(0.5) {
            n
        } else {
            -n - 1
        }
    } else {
        irange(rng, -n, n.max(1)).max(-n)
    }
}

/// A random key for a dataset of shape `shape`.
fn key(rng: &mut SmallRng, shape: &[usize]) -> Vec<SelElem> {
    let ndim = shape.len();
    let consumed = rng.random_range(0..=ndim);
    let mut elems = Vec::new();
    let ellipsis_at = rng.random_bool(0.3).then(|| rng.random_range(0..=consumed));
    // Axes consumed before the ellipsis are the first ones; after it, the last ones.
    let axis_of = |k: usize| match ellipsis_at {
        Some(e) if k >= e => ndim - consumed + k,
        _ => k,
    };
    for k in 0..=consumed {
        if ellipsis_at == Some(k) {
            elems.push(SelElem::Ellipsis);
        }
        while rng.random_bool(0.12) {
            elems.push(SelElem::NewAxis);
        }
        if k == consumed {
            break;
        }
        let n = shape[axis_of(k)];
        let elem = match rng.random_range(0..10) {
            0..=1 if n > 0 => SelElem::Index(index(rng, n)),
            2..=5 => {
                let bound = |rng: &mut SmallRng| {
                    rng.random_bool(0.7)
                        .then(|| irange(rng, -(n as isize) - 2, n as isize + 3))
                };
                let step = if rng.random_bool(0.1) {
                    None
                } else {
                    let s = irange(rng, 1, 4);
                    Some(if rng.random_bool(0.5) { -s } else { s })
                };
                SelElem::slice(bound(rng), bound(rng), step)
            }
            6..=8 if n > 0 => {
                let len = rng.random_range(1..=6);
                SelElem::List((0..len).map(|_| index(rng, n)).collect())
            }
            _ => SelElem::FULL,
        };
        elems.push(elem);
    }
    elems
}

/// Reads `key` from both and compares results or error kinds; returns whether
/// the key was valid.
fn check_read<T: H5Element>(
    h5: &H5Dataset<T, Dyn>,
    reference: &ArrayD<T>,
    key: &[SelElem],
) -> bool {
    let sel = DynSelection::from(key.to_vec());
    match (reference.read_dyn(&sel), h5.read_dyn(&sel)) {
        (Ok(want), Ok(got)) => {
            assert_eq!(got, want, "read of {key:?} from {h5:?}");
            true
        }
        (Err(want), Err(got)) => {
            assert_eq!(got.kind(), want.kind(), "error of {key:?} on {h5:?}: {got}");
            false
        }
        (want, got) => panic!("key {key:?} on {h5:?}: reference {want:?}, HDF5 {got:?}"),
    }
}

/// Writes random values through `key` to both and compares the whole datasets.
fn check_write<T: H5Element>(
    h5: &mut H5Dataset<T, Dyn>,
    reference: &mut ArrayD<T>,
    key: &[SelElem],
    rng: &mut SmallRng,
    value: &impl Fn(&mut SmallRng) -> T,
) {
    let sel = DynSelection::from(key.to_vec());
    let Ok(shape) = reference.read_dyn(&sel).map(|a| a.shape().to_vec()) else {
        return;
    };
    let src = ArrayD::from_shape_simple_fn(IxDyn(&shape), || value(rng));
    // Sometimes a non-contiguous source: the same values through a reversed view.
    let flipped = rng.random_bool(0.3);
    let src_store;
    let view = if flipped && src.ndim() > 0 {
        let mut rev = src.clone();
        rev.invert_axis(ndarray::Axis(0));
        src_store = rev;
        let mut v = src_store.view();
        v.invert_axis(ndarray::Axis(0));
        v
    } else {
        src.view()
    };
    assert_eq!(view, src.view());
    reference.write_dyn(&sel, view.clone()).unwrap();
    h5.write_dyn(&sel, view)
        .unwrap_or_else(|e| panic!("write of {key:?} to {h5:?}: {e}"));
    assert_eq!(
        &h5.read_dyn(&DynSelection::all()).unwrap(),
        reference,
        "after writing {key:?} to {h5:?}"
    );
}

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
            counts.valid_reads += usize::from(check_read(&h5, &reference, &k));
        }
        for _ in 0..25 {
            let k = key(rng, &shape);
            check_write(&mut h5, &mut reference, &k, rng, &value);
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
                // Sparse lists (a few positions anywhere on the axis), unsorted,
                // with duplicates, on one or several axes.
                let key: Vec<SelElem> = shape
                    .iter()
                    .map(|&n| match rng.random_range(0..4) {
                        0 | 1 => SelElem::List(
                            (0..rng.random_range(1..6))
                                .map(|_| irange(&mut rng, -(n as isize), n as isize))
                                .collect(),
                        ),
                        2 => SelElem::slice(None, None, Some(-irange(&mut rng, 1, 4))),
                        _ => SelElem::FULL,
                    })
                    .collect();
                check_read(&h5, &reference, &key);
                if round % 4 == 0 {
                    check_write(&mut h5, &mut reference, &key, &mut rng, &|r| {
                        r.random_range(0..1_000_000i64)
                    });
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
    let region = Region::new(vec![6, 5], vec![AxisSel::range(1, 2, 3), AxisSel::full(5)]).unwrap();
    let mut want = ArrayD::<i32>::zeros(IxDyn(&[5, 3]));
    let mut got = want.clone();
    lazy_core::Dataset::read_into(&reference, &region, want.view_mut().reversed_axes()).unwrap();
    lazy_core::Dataset::read_into(&h5, &region, got.view_mut().reversed_axes()).unwrap();
    assert_eq!(got, want);
    // A region resolved against another shape is refused.
    let other = Region::full(&[5, 6]);
    assert!(lazy_core::Dataset::read_into(&h5, &other, got.view_mut()).is_err());
    assert!(h5.validate_write(&Region::full(&[6, 5])).is_ok());
}
