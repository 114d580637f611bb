//! Interop with h5py: `fixtures/h5py_fixture.h5` was written by h5py
//! (`fixtures/make_h5py_fixture.py`); every dataset reads back with the
//! values, element types and shapes h5py wrote, and the ways opening can go
//! wrong (missing file, missing dataset, wrong rank, wrong type) each give
//! their own clear error.

use std::error::Error as _;
use std::fmt::Debug;

use lazy_core::{
    DatasetExt, DatasetMutExt, Dyn, DynSelection, ErrorKind, Rank, Scaled, SelectionItem, Stacked,
};
use lazy_hdf5::{inspect, open_file, open_file_rw, H5Dataset, H5Element};
use ndarray::{arr0, array, Array};
use typenum::{U0, U1, U2, U3};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/h5py_fixture.h5"
);

fn fixture() -> lazy_hdf5::File {
    open_file(FIXTURE).unwrap()
}

/// Opens `path` as `H5Dataset<T, R>` and as `H5Dataset<T, Dyn>` and checks
/// shape, element type and values.
fn check<T, R>(file: &lazy_hdf5::File, path: &str, want: Array<T, R::Dim>)
where
    T: H5Element,
    R: Rank,
    Array<T, R::Dim>: PartialEq + Debug,
{
    let typed = H5Dataset::<T, R>::open(file, path).unwrap();
    assert_eq!(typed.shape(), want.shape(), "{path}");
    assert_eq!(typed.dtype(), T::DTYPE, "{path}");
    assert_eq!(typed.read_all().unwrap(), want, "{path}");
    let info = inspect(file, path).unwrap();
    assert_eq!(info.shape, want.shape(), "{path}");
    assert_eq!(info.dtype, Some(T::DTYPE), "{path}");
    let dynamic = H5Dataset::<T, Dyn>::open(file, path).unwrap();
    assert_eq!(
        dynamic.read_all().unwrap(),
        want.clone().into_dyn(),
        "{path}"
    );
}

/// Checks `/<group>/r0` to `/<group>/r3` of one element type: r3 is
/// `arange(8).reshape(2, 2, 2)` in every numeric type.
macro_rules! check_numeric {
    ($file:expr, $t:ty, $group:literal, $r0:expr, $r1:tt, $r2:tt) => {{
        check::<$t, U0>($file, concat!("/", $group, "/r0"), arr0($r0));
        check::<$t, U1>($file, concat!("/", $group, "/r1"), array!$r1);
        check::<$t, U2>($file, concat!($group, "/r2"), array!$r2);
        let r3 = array![[[0, 1], [2, 3]], [[4, 5], [6, 7]]].mapv(|v: u8| v as $t);
        check::<$t, U3>($file, concat!($group, "/r3"), r3);
    }};
}

#[test]
fn every_type_and_rank_reads_back() {
    let f = &fixture();
    check::<bool, U0>(f, "/bool/r0", arr0(true));
    check::<bool, U1>(f, "/bool/r1", array![true, false, true]);
    check::<bool, U2>(
        f,
        "/bool/r2",
        array![[true, false, false], [false, true, true]],
    );
    check::<bool, U3>(
        f,
        "/bool/r3",
        array![
            [[false, true], [false, true]],
            [[false, true], [false, true]]
        ],
    );
    check_numeric!(
        f,
        i8,
        "int8",
        -128,
        [-128, 0, 127],
        [[1, -2, 3], [-4, 5, -6]]
    );
    check_numeric!(
        f,
        i16,
        "int16",
        -32768,
        [-32768, 0, 32767],
        [[1, -2, 3], [-4, 5, -6]]
    );
    check_numeric!(
        f,
        i32,
        "int32",
        -2_147_483_648,
        [-2_147_483_648, 0, 2_147_483_647],
        [[1, -2, 3], [-4, 5, -6]]
    );
    check_numeric!(
        f,
        i64,
        "int64",
        -9_223_372_036_854_775_808,
        [-9_223_372_036_854_775_808, 0, 9_223_372_036_854_775_807],
        [[1, -2, 3], [-4, 5, -6]]
    );
    check_numeric!(f, u8, "uint8", 255, [0, 1, 255], [[1, 2, 3], [4, 5, 6]]);
    check_numeric!(
        f,
        u16,
        "uint16",
        65535,
        [0, 1, 65535],
        [[1, 2, 3], [4, 5, 6]]
    );
    check_numeric!(
        f,
        u32,
        "uint32",
        4_294_967_295,
        [0, 1, 4_294_967_295],
        [[1, 2, 3], [4, 5, 6]]
    );
    check_numeric!(
        f,
        u64,
        "uint64",
        18_446_744_073_709_551_615,
        [0, 1, 18_446_744_073_709_551_615],
        [[1, 2, 3], [4, 5, 6]]
    );
    check_numeric!(
        f,
        f32,
        "float32",
        1.5,
        [-0.25, 0.0, 3.402_823_5e38],
        [[1.5, -2.5, 3.25], [-4.0, 5.5, -6.75]]
    );
    check_numeric!(
        f,
        f64,
        "float64",
        -1.5,
        [-0.1, 0.0, f64::INFINITY],
        [[1.5, -2.5, 3.25], [-4.0, 5.5, -6.75]]
    );
    assert_eq!(
        H5Dataset::<f32, U1>::open(f, "float32/r1")
            .unwrap()
            .read_all()
            .unwrap()[2],
        f32::MAX
    );
}

#[test]
fn compressed_nested_and_big_endian_datasets() {
    let f = &fixture();
    // h5py's gzip + shuffle, chunks (8, 3): 0.0, 0.5, … 99.5 in a 50 x 4 array.
    let gz = H5Dataset::<f64, U2>::open(f, "/nested/deep/gzip").unwrap();
    let all = gz.read_all().unwrap();
    assert_eq!(all.shape(), &[50, 4]);
    assert!(all.iter().enumerate().all(|(i, &v)| v == i as f64 * 0.5));
    // NumPy: gz[47:2:-9, [3, 0, 3]]
    let key = DynSelection::from(vec![
        SelectionItem::slice(Some(47), Some(2), Some(-9)),
        SelectionItem::List(vec![3, 0, 3]),
    ]);
    assert_eq!(
        gz.read_dyn(&key).unwrap(),
        array![
            [95.5, 94.0, 95.5],
            [77.5, 76.0, 77.5],
            [59.5, 58.0, 59.5],
            [41.5, 40.0, 41.5],
            [23.5, 22.0, 23.5]
        ]
        .into_dyn()
    );
    // Relative to a group.
    let deep = f.group("nested/deep").unwrap();
    assert_eq!(H5Dataset::<f64, U2>::open(&deep, "gzip").unwrap().len(), 50);
    // Stored big-endian, read as native i32.
    let be = H5Dataset::<i32, U1>::open(f, "int32_be").unwrap();
    assert_eq!(be.read_all().unwrap(), array![1, -2, 300_000]);
}

#[test]
fn debug_shows_file_path_shape_and_dtype() {
    let f = &fixture();
    let ds = H5Dataset::<u16, U2>::open(f, "uint16/r2").unwrap();
    let shown = format!("{ds:?}");
    assert!(shown.contains("h5py_fixture.h5"), "{shown}");
    assert!(shown.contains("\"/uint16/r2\""), "{shown}");
    assert!(shown.contains("shape: [2, 3]"), "{shown}");
    assert!(shown.contains("dtype: uint16"), "{shown}");
    assert!(shown.contains("writable: false"), "{shown}");
    assert_eq!((ds.ndim(), ds.len(), ds.is_empty()), (2, 2, false));
    assert_eq!(ds.path(), "/uint16/r2");
}

#[test]
fn opening_errors_are_clear() {
    // Missing file: Backend, naming the path, with HDF5's error as the source.
    let err = open_file("/nonexistent/dir/missing.h5").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert!(
        err.to_string().contains("/nonexistent/dir/missing.h5"),
        "{err}"
    );
    assert!(err.source().is_some());

    let f = &fixture();
    // Missing dataset: Backend, naming the dataset and the file.
    let err = H5Dataset::<f64, U1>::open(f, "/float64/missing").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    let msg = err.to_string();
    assert!(
        msg.contains("\"/float64/missing\"") && msg.contains("h5py_fixture.h5"),
        "{msg}"
    );
    assert!(err.source().is_some());
    // A group is not a dataset.
    let err = H5Dataset::<f64, U1>::open(f, "/float64").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);

    // Wrong rank: Shape, with both ranks.
    let err = H5Dataset::<f64, U2>::open(f, "/float64/r1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
    assert_eq!(
        err.to_string(),
        format!(
            "shape error: dataset \"/float64/r1\" in {FIXTURE:?} has rank 1 (shape [3]), expected rank 2"
        )
    );

    // Wrong element type: Value, with both types.
    let err = H5Dataset::<f32, U1>::open(f, "/float64/r1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    assert_eq!(
        err.to_string(),
        format!(
            "value error: dataset \"/float64/r1\" in {FIXTURE:?} holds float64, expected float32"
        )
    );
    let err = H5Dataset::<i64, Dyn>::open(f, "/uint64/r1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    let err = H5Dataset::<u8, Dyn>::open(f, "/bool/r1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    assert!(
        err.to_string().contains("holds bool, expected uint8"),
        "{err}"
    );
    let err = H5Dataset::<bool, Dyn>::open(f, "/int8/r1").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);

    // HDF5 types with no element type, and h5py.Empty.
    for path in ["strings", "float16"] {
        let err = H5Dataset::<f64, Dyn>::open(f, path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{path}");
        assert!(
            err.to_string().contains("no lazy-datasets element type"),
            "{err}"
        );
        assert_eq!(inspect(f, path).unwrap().dtype, None);
    }
    let err = H5Dataset::<f64, Dyn>::open(f, "empty").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
}

#[test]
fn read_only_files_open_read_only_and_refused_writes_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (rw_path, ro_path) = (dir.path().join("rw.h5"), dir.path().join("ro.h5"));
    std::fs::copy(FIXTURE, &rw_path).unwrap();
    std::fs::copy(FIXTURE, &ro_path).unwrap();
    let (rw, ro) = (
        open_file_rw(&rw_path).unwrap(),
        open_file(&ro_path).unwrap(),
    );

    // A dataset of a read-only file opens read-only (a type without
    // writes: tests/ui/write_read_only.rs), and not for writing (which does
    // not compile: tests/ui/open_rw_read_only_file.rs); the file's handle
    // wrapped as writable is refused at run time.
    let b = H5Dataset::<i32, U1>::open(&ro, "int32/r1").unwrap();
    let err = lazy_hdf5::File::<lazy_core::ReadWrite>::from_inner(ro.inner().clone()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert!(err.to_string().contains("read-only"), "{err}");
    let err = H5Dataset::<i32, U1>::from_inner_rw(ro.dataset("int32/r1").unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert!(err.to_string().contains("open_file_rw"), "{err}");
    assert!(format!("{b:?}").contains("writable: false"));

    // A stack over two writable views, one of which refuses the write: it
    // is refused before `a` is touched.
    let mut a = H5Dataset::<i32, U1>::open_rw(&rw, "int32/r1").unwrap();
    let mut c = H5Dataset::<i32, U1>::open_rw(&rw, "int32/r1").unwrap();
    let before = a.read_all().unwrap();
    {
        let scaled = vec![Scaled::new(&mut a, 2.0), Scaled::new(&mut c, 0.0)];
        let mut both = Stacked::new(scaled, 0).unwrap();
        let err = both.write_all(1.0).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value);
    }
    assert_eq!(a.read_all().unwrap(), before);
    drop(c);

    // The writable copy takes writes and keeps them after reopening.
    a.write(
        DynSelection::from(vec![SelectionItem::List(vec![2, 0, 2])]),
        &array![5, 6, 7],
    )
    .unwrap();
    drop((a, b, rw));
    let reopened = open_file(&rw_path).unwrap();
    let a = H5Dataset::<i32, U1>::open(&reopened, "int32/r1").unwrap();
    assert_eq!(a.read_all().unwrap(), array![6, 0, 7]);
    // And h5py's bool type round-trips through a write.
    drop(a);
    drop(reopened);
    let rw = open_file_rw(&rw_path).unwrap();
    let mut flags = H5Dataset::<bool, U2>::open_rw(&rw, "bool/r2").unwrap();
    flags
        .write(
            DynSelection::from(vec![SelectionItem::Index(0)]),
            &array![false, true, true],
        )
        .unwrap();
    assert_eq!(
        flags.read_all().unwrap(),
        array![[false, true, true], [false, true, true]]
    );
}

#[test]
fn datasets_outlive_their_file_handle() {
    // HDF5 keeps the file open while a dataset of it is open.
    let ds = lazy_hdf5::open::<i8, U1>(&fixture(), "int8/r1").unwrap();
    assert_eq!(ds.read_all().unwrap(), array![-128, 0, 127]);
}
