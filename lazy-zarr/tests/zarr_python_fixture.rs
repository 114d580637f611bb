//! Interop with zarr-python: `fixtures/v3.zarr` and `fixtures/v2.zarr` were
//! written by zarr-python 3 (`fixtures/make_zarr_fixture.py`); every array
//! reads back with the values, element types and shapes zarr-python wrote
//! (every element type, ranks 0 to 3, gzip, sharding, big-endian, F order,
//! unwritten chunks), selections on them match ndarray, writes to copies of
//! them read back, and the ways opening can go wrong each give their own
//! clear error.

use std::error::Error as _;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use lazy_core::{DatasetExt, DatasetMutExt, Dyn, DynSelection, ErrorKind, Rank, SelectionItem};
use lazy_zarr::{inspect, ZarrDataset, ZarrElement};
use ndarray::{arr0, array, Array, ArrayD, IxDyn};
use typenum::{U0, U1, U2, U3};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Keys that exercise every kind of selection on a small array.
fn keys(ndim: usize) -> Vec<Vec<SelectionItem>> {
    let mut keys = vec![
        vec![],
        vec![SelectionItem::Ellipsis, SelectionItem::NewAxis],
        vec![SelectionItem::slice(None, None, Some(-1))],
        vec![SelectionItem::List(vec![-1, 0, 0, 1])],
        vec![
            SelectionItem::slice(Some(-1), None, Some(-2)),
            SelectionItem::Ellipsis,
        ],
    ];
    if ndim >= 2 {
        keys.push(vec![
            SelectionItem::List(vec![1, 0, 1]),
            SelectionItem::List(vec![2, -1, 0]),
        ]);
        keys.push(vec![SelectionItem::Ellipsis, SelectionItem::Index(-1)]);
    }
    keys
}

/// Opens `path` in `store` as `ZarrDataset<T, R>` and as `ZarrDataset<T, Dyn>`
/// and checks shape, element type, values and selections.
fn check<T, R>(store: &Path, path: &str, want: Array<T, R::Dim>)
where
    T: ZarrElement,
    R: Rank,
    Array<T, R::Dim>: PartialEq + Debug,
{
    let typed = ZarrDataset::<T, R>::open(store, path).unwrap();
    assert_eq!(typed.shape(), want.shape(), "{path}");
    assert_eq!(typed.dtype(), T::DTYPE, "{path}");
    assert_eq!(typed.read_all().unwrap(), want, "{path}");
    let info = inspect(store, path).unwrap();
    assert_eq!(info.shape, want.shape(), "{path}");
    assert_eq!(info.dtype, Some(T::DTYPE), "{path}");
    let dynamic = ZarrDataset::<T, Dyn>::open(store, path).unwrap();
    let want = want.into_dyn();
    assert_eq!(dynamic.read_all().unwrap(), want, "{path}");
    for key in keys(want.ndim()) {
        let sel = DynSelection::from(key.clone());
        match (want.read_dyn(&sel), dynamic.read_dyn(&sel)) {
            (Ok(w), Ok(g)) => assert_eq!(g, w, "{path} {key:?}"),
            (Err(w), Err(g)) => assert_eq!(g.kind(), w.kind(), "{path} {key:?}"),
            (w, g) => panic!("{path} {key:?}: reference {w:?}, Zarr {g:?}"),
        }
    }
}

/// `arange(n).reshape(shape)` as `T` (for bool: `k % 3 == 0`).
fn arange<T: ZarrElement>(shape: &[usize], f: impl Fn(u8) -> T) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as u8).map(f).collect()).unwrap()
}

/// Checks `<dtype>/r1` to `r3` (and `r0` in v3) of one element type.
macro_rules! check_type {
    ($store:expr, $v3:expr, $t:ty, $name:literal, $r0:expr, $r1:expr, $f:expr) => {{
        let store: &Path = $store;
        if $v3 {
            check::<$t, U0>(store, concat!("/", $name, "/r0"), arr0($r0));
        }
        check::<$t, U1>(store, concat!("/", $name, "/r1"), $r1);
        let r2 = arange::<$t>(&[3, 4], $f).into_dimensionality().unwrap();
        check::<$t, U2>(store, concat!($name, "/r2"), r2);
        let r3 = arange::<$t>(&[2, 3, 4], $f).into_dimensionality().unwrap();
        check::<$t, U3>(store, concat!($name, "/r3/"), r3);
    }};
}

fn check_every_type(store: &Path, v3: bool) {
    check_type!(
        store,
        v3,
        bool,
        "bool",
        true,
        array![true, false, true, true, false],
        |k| k % 3 == 0
    );
    check_type!(
        store,
        v3,
        i8,
        "int8",
        7,
        array![i8::MIN, -1, 0, 1, i8::MAX],
        |k| k as i8
    );
    check_type!(
        store,
        v3,
        i16,
        "int16",
        7,
        array![i16::MIN, -1, 0, 1, i16::MAX],
        |k| { k as i16 }
    );
    check_type!(
        store,
        v3,
        i32,
        "int32",
        7,
        array![i32::MIN, -1, 0, 1, i32::MAX],
        |k| { k as i32 }
    );
    check_type!(
        store,
        v3,
        i64,
        "int64",
        7,
        array![i64::MIN, -1, 0, 1, i64::MAX],
        |k| { k as i64 }
    );
    check_type!(
        store,
        v3,
        u8,
        "uint8",
        7,
        array![0, 1, 0, 1, u8::MAX],
        |k| k
    );
    check_type!(
        store,
        v3,
        u16,
        "uint16",
        7,
        array![0, 1, 0, 1, u16::MAX],
        |k| { k as u16 }
    );
    check_type!(
        store,
        v3,
        u32,
        "uint32",
        7,
        array![0, 1, 0, 1, u32::MAX],
        |k| { k as u32 }
    );
    check_type!(
        store,
        v3,
        u64,
        "uint64",
        7,
        array![0, 1, 0, 1, u64::MAX],
        |k| { k as u64 }
    );
    check_type!(
        store,
        v3,
        f32,
        "float32",
        7.0,
        array![-1.5, 0.0, 2.25, 1e30, -0.125],
        |k| k as f32
    );
    check_type!(
        store,
        v3,
        f64,
        "float64",
        7.0,
        array![-1.5, 0.0, 2.25, 1e30, -0.125],
        |k| k as f64
    );
}

#[test]
fn every_type_and_rank_reads_back_v3() {
    check_every_type(&fixture("v3.zarr"), true);
}

#[test]
fn every_type_and_rank_reads_back_v2() {
    check_every_type(&fixture("v2.zarr"), false);
}

#[test]
fn layouts_read_back() {
    let v3 = fixture("v3.zarr");
    check::<i32, U1>(&v3, "big_endian", Array::from_iter(-5..5));
    let sharded = Array::from_shape_fn((8, 6), |(r, c)| (r * 6 + c) as f64 / 4.0);
    check::<f64, U2>(&v3, "sharded", sharded);
    // Sharded: reads are planned on the chunks inside the shards.
    assert_eq!(
        ZarrDataset::<f64, U2>::open(&v3, "sharded")
            .unwrap()
            .chunk_shape(),
        &[2, 3]
    );
    let mut partial = Array::from_elem((5, 4), -1.5f32);
    partial
        .slice_mut(ndarray::s![..2, ..2])
        .assign(&array![[1.0, 2.0], [3.0, 4.0]]);
    check::<f32, U2>(&v3, "partial", partial);
    assert_eq!(
        ZarrDataset::<f32, U2>::open(&v3, "partial")
            .unwrap()
            .fill_value(),
        -1.5
    );

    let v2 = fixture("v2.zarr");
    let f_order = Array::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as i16);
    check::<i16, U2>(&v2, "f_order", f_order);
    check::<f64, U1>(&v2, "big_endian", array![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
    check::<u16, U1>(&v2, "partial", array![9, 9, 1, 2, 9, 9]);
    let info = inspect(&v2, "partial").unwrap();
    assert_eq!(
        (info.format.as_str(), info.chunks),
        ("Zarr v2", Some(vec![2]))
    );
    assert_eq!(inspect(&v3, "partial").unwrap().format, "Zarr v3");
}

/// Copies a directory tree (the fixture stores are read-only in the repo).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn writes_to_copies_read_back() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["v3.zarr", "v2.zarr"] {
        let store = dir.path().join(name);
        copy_dir(&fixture(name), &store);
        for path in ["int16/r2", "partial", "f_order", "sharded", "big_endian"] {
            let Ok(info) = inspect(&store, path) else {
                continue;
            };
            let ndim = info.shape.len();
            // NumPy: a[::-1, [0, -1, 0]] = 40 + k for the k-th written element, on
            // the last two axes (or a[::-1] for rank 1).
            let key = if ndim == 1 {
                vec![SelectionItem::slice(None, None, Some(-1))]
            } else {
                vec![
                    SelectionItem::slice(None, None, Some(-1)),
                    SelectionItem::List(vec![0, -1, 0]),
                ]
            };
            macro_rules! write_back {
                ($t:ty) => {{
                    let mut a = ZarrDataset::<$t, Dyn>::open_rw(&store, path).unwrap();
                    let mut want = a.read_all().unwrap();
                    let sel = DynSelection::from(key.clone());
                    let shape = want.read_dyn(&sel).unwrap().shape().to_vec();
                    let mut k = 0u8;
                    let src = ArrayD::from_shape_simple_fn(IxDyn(&shape), || {
                        k += 1;
                        (40 + k) as $t
                    });
                    want.write_dyn(&sel, src.view()).unwrap();
                    a.write_dyn(&sel, src.view()).unwrap();
                    let again = ZarrDataset::<$t, Dyn>::open(&store, path).unwrap();
                    assert_eq!(again.read_all().unwrap(), want, "{name}/{path}");
                }};
            }
            match info.dtype {
                Some(lazy_core::DType::I16) => write_back!(i16),
                Some(lazy_core::DType::I32) => write_back!(i32),
                Some(lazy_core::DType::U16) => write_back!(u16),
                Some(lazy_core::DType::F32) => write_back!(f32),
                Some(lazy_core::DType::F64) => write_back!(f64),
                other => panic!("{name}/{path}: unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn open_errors_name_what_went_wrong() {
    let v3 = fixture("v3.zarr");
    let v2 = fixture("v2.zarr");

    let err = ZarrDataset::<i16, U1>::open(&v3, "int16/r2").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
    let msg = err.to_string();
    assert!(
        msg.contains("/int16/r2") && msg.contains("v3.zarr"),
        "{msg}"
    );
    assert!(
        msg.contains("rank 2") && msg.contains("expected rank 1"),
        "{msg}"
    );

    let err = ZarrDataset::<f32, U2>::open(&v2, "int16/r2").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    let msg = err.to_string();
    assert!(
        msg.contains("/int16/r2") && msg.contains("holds int16, expected float32"),
        "{msg}"
    );

    let err = ZarrDataset::<i16, U2>::open(&v3, "int16/nothing").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert!(err.to_string().contains("int16/nothing"), "{err}");
    assert!(err.source().is_some());

    let err = ZarrDataset::<i16, U2>::open("/no/such/store.zarr", "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert!(err.to_string().contains("/no/such/store.zarr"), "{err}");

    // A group is not an array.
    let err = ZarrDataset::<i16, Dyn>::open(&v3, "int16").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);

    // Arrays opened read-only have no write methods (tests/ui/read_only.rs).
    let ro = ZarrDataset::<u16, U1>::open(&v2, "partial").unwrap();
    assert!(format!("{ro:?}").contains("writable: false"));
}

/// zarr-python's default codecs: zstd (feature `zstd`, on by default) and,
/// for v2 arrays made through a group, blosc (feature `blosc`).
#[test]
fn default_codecs_read_back() {
    let want = Array::from_iter((0..10).map(|k| k as f64 / 8.0));
    #[cfg(feature = "zstd")]
    {
        check::<f64, U1>(&fixture("v3.zarr"), "zstd", want.clone());
        check::<f64, U1>(&fixture("v2.zarr"), "zstd", want.clone());
        // zarr-python's default chain, little-endian C order + zstd, is
        // decoded by lazy-zarr itself, in v3 and v2 stores alike; the
        // reads above went through it.
        for store in ["v3.zarr", "v2.zarr"] {
            let a = ZarrDataset::<f64, U1>::open(fixture(store), "zstd").unwrap();
            assert!(
                format!("{a:?}").contains("codecs: \"bytes+zstd\""),
                "{store}: {a:?}"
            );
        }
        // Big-endian data is left to zarrs (zarr-python 3 wrote the v2
        // ">f8" array little-endian: that one is decoded here).
        let be = ZarrDataset::<i32, U1>::open(fixture("v3.zarr"), "big_endian").unwrap();
        assert!(
            format!("{be:?}").contains("decoded_by: \"zarrs\""),
            "{be:?}"
        );
    }
    #[cfg(feature = "blosc")]
    check::<f64, U1>(&fixture("v2.zarr"), "blosc", want);
    #[cfg(not(feature = "blosc"))]
    {
        let _ = want;
        let err = ZarrDataset::<f64, U1>::open(fixture("v2.zarr"), "blosc").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend);
        assert!(err.to_string().contains("blosc"), "{err}");
    }
}
