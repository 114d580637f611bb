//! Views over HDF5 datasets beyond the conformance suite's (`selections.rs`
//! runs `conformance::views`): sums and ORs of files, and bools stacked as
//! strided columns.

mod common;

use common::{create, Layout};
use lazy_core::{BooleanOr, DatasetExt, DynSelection, SelectionItem, Stacked, Sum};
use lazy_hdf5::create_file;
use lazy_testkit::conformance::{same_read, same_write};
use lazy_testkit::keys::{key, KeyStyle};
use ndarray::{array, ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

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
        let k = key(&mut rng, &[4, 5, 3], KeyStyle::STORAGE);
        same_read(&hs, &rs, &k, "bool stack");
        same_write(
            &mut hs,
            &mut rs,
            &k,
            &mut rng,
            &|r| r.random_bool(0.5),
            "bool stack",
        );
    }
}

#[test]
fn shape_errors_name_the_datasets() {
    use lazy_core::{Concat, ErrorKind};
    use lazy_hdf5::{create_file, CreateOptions, H5Dataset};
    use typenum::U2;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("named.h5");
    let file = create_file(&path).unwrap();
    let options = CreateOptions::default();
    let a = H5Dataset::<u8, U2>::create(&file, "/a", &[4, 3], &options).unwrap();
    let b = H5Dataset::<u8, U2>::create(&file, "/b", &[4, 2], &options).unwrap();
    let err = Concat::new(vec![a, b], 0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
    let file = path.display().to_string();
    let want = format!("\"/a\" in {file} (dataset 0) has shape [4, 3], \"/b\" in {file} (dataset 1) has shape [4, 2]");
    assert!(err.to_string().contains(&want), "{err}");
}

/// Writes through a stack of contiguous datasets (written through libhdf5)
/// larger than the 4 MiB blocks strided memory is gathered in: whole, by
/// strided rows in reverse, and with an integer index dropping the
/// stacked axis; read back through hdf5-metno.
#[test]
fn large_strided_writes_to_contiguous_datasets() {
    use lazy_core::{DatasetMutExt, ReadWrite};
    use lazy_hdf5::{CreateOptions, H5Dataset};
    use ndarray::{s, Array2};

    let dir = tempfile::tempdir().unwrap();
    let file = create_file(dir.path().join("c.h5")).unwrap();
    let n = 1_200_000; // 9.6 MB per column: three blocks of rows
    let sources: Vec<H5Dataset<f64, typenum::U1, ReadWrite>> = (0..3)
        .map(|k| {
            H5Dataset::create(&file, &format!("c{k}"), &[n], &CreateOptions::default()).unwrap()
        })
        .collect();
    assert!(sources.iter().all(|d| d.reader() == "lazy-hdf5"));
    let mut x = Stacked::new(sources, -1).unwrap();
    let mut model = Array2::<f64>::from_shape_fn((n, 3), |(i, k)| (i * 3 + k) as f64);
    x.write_all(&model).unwrap();
    let rev = DynSelection::from(vec![
        SelectionItem::slice(None, None, Some(-2)),
        SelectionItem::FULL,
    ]);
    let value = ArrayD::from_shape_fn(IxDyn(&[n / 2, 3]), |ix| -((ix[0] * 3 + ix[1]) as f64));
    x.write_dyn(&rev, value.view()).unwrap();
    model.write_dyn(&rev, value.view()).unwrap();
    let col = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::Index(1)]);
    let value = ArrayD::from_shape_fn(IxDyn(&[n]), |ix| 0.5 + ix[0] as f64);
    x.write_dyn(&col, value.view()).unwrap();
    model.write_dyn(&col, value.view()).unwrap();
    for k in 0..3 {
        let raw: Vec<f64> = file.dataset(&format!("c{k}")).unwrap().read_raw().unwrap();
        assert_eq!(raw, model.slice(s![.., k]).to_vec(), "column {k}");
    }
}

#[test]
fn stacks_write_chunked_compressed_datasets_that_libhdf5_reads_back() {
    use lazy_core::{DatasetMutExt, ReadWrite};
    use lazy_hdf5::{open_file_rw, Compression, CreateOptions, H5Dataset};
    use ndarray::{s, Array2};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.h5");
    let n = 300_000;
    let options = CreateOptions::default()
        .chunks([10_000])
        .compression(Compression::Gzip(4))
        .shuffle(true);
    {
        let file = create_file(&path).unwrap();
        for k in 0..3 {
            H5Dataset::<f64, typenum::U1>::create(&file, &format!("c{k}"), &[n], &options).unwrap();
        }
    }
    let file = open_file_rw(&path).unwrap();
    let sources: Vec<H5Dataset<f64, typenum::U1, ReadWrite>> = (0..3)
        .map(|k| H5Dataset::open_rw(&file, &format!("c{k}")).unwrap())
        .collect();
    let mut x = Stacked::new(sources, -1).unwrap();
    let mut model = Array2::<f64>::from_shape_fn((n, 3), |(i, k)| (i % 977 * 3 + k) as f64);
    x.write_all(&model).unwrap();
    // Every other row of the last 1,000, through a list.
    let rows: Vec<isize> = (n as isize - 1000..n as isize).step_by(2).collect();
    let key = DynSelection::from(vec![SelectionItem::List(rows.clone()), SelectionItem::FULL]);
    let value = ArrayD::from_shape_fn(IxDyn(&[rows.len(), 3]), |ix| -((ix[0] + ix[1]) as f64));
    x.write_dyn(&key, value.view()).unwrap();
    model.write_dyn(&key, value.view()).unwrap();
    assert_eq!(x.read_all().unwrap(), model);
    for k in 0..3 {
        // Read back by libhdf5 itself.
        let raw: Vec<f64> = file.dataset(&format!("c{k}")).unwrap().read_raw().unwrap();
        assert_eq!(raw, model.slice(s![.., k]).to_vec(), "column {k}");
    }
    // Two handles of one dataset in one stack (the same values to both).
    let twice: Vec<H5Dataset<f64, typenum::U1, ReadWrite>> = (0..2)
        .map(|_| H5Dataset::open_rw(&file, "c0").unwrap())
        .collect();
    let mut y = Stacked::new(twice, 0).unwrap();
    let row = ndarray::Array1::from_shape_fn(n, |i| i as f64 * 0.5);
    y.write_all(&ndarray::stack![ndarray::Axis(0), row, row])
        .unwrap();
    let raw: Vec<f64> = file.dataset("c0").unwrap().read_raw().unwrap();
    assert_eq!(raw, row.to_vec());
}
