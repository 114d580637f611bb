//! lazy-hdf5's own reader (no libhdf5: `open_file_pure`) against h5py,
//! whose wheels carry their own HDF5 (2.0): h5py writes the same datasets
//! with `libver` earliest (superblock 0, B-tree v1 chunk index, symbol
//! tables), latest (superblock 3, layout message 5 for filtered chunks,
//! datatype message 5 for bool, single chunk, implicit, fixed array,
//! extensible array and B-tree v2 indexes, dense groups), latest with paged
//! file space, v110, and latest after a user block of 1 KiB; every layout
//! and index kind, unwritten chunks
//! (fill value), edge chunks, big-endian types, gzip + shuffle, fletcher32.
//! h5py dumps every dataset's values (raw, little-endian) and each read
//! must equal them, whole and through selections and views.
//!
//! Needs `LAZY_DATASETS_PYTHON`, a Python with numpy and h5py (`.ci/run`
//! makes one); without it the tests fail, they do not skip.
//!
//! Runs with and without the feature `libhdf5`: without it, `open_file`
//! is the pure reader too, and the tests that write files through libhdf5
//! or compare with it are left out.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[cfg(feature = "libhdf5")]
use lazy_core::SelectionItem as S;
use lazy_core::{DatasetExt, Dyn, DynSelection, ErrorKind};
#[cfg(feature = "libhdf5")]
use lazy_core::{Scaled, Stacked};
use lazy_hdf5::{inspect, open_file, open_file_pure, AttrValue, H5Dataset, H5Element};
use ndarray::{ArrayD, IxDyn};
use typenum::U2;

mod h5py_files;
use h5py_files::{selections, Listed};

/// Opens a fixture file; gives an opener of its datasets by path and dtype.
type FileOpener<'a> = &'a dyn Fn(&Path) -> Box<dyn Fn(&str, &str) -> Opened>;

/// The fixtures' directory and the datasets h5py listed, made once for all
/// tests.
fn fixtures() -> &'static (PathBuf, Vec<Listed>) {
    static FIXTURES: OnceLock<(PathBuf, Vec<Listed>)> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let rows = h5py_files::make(&dir);
        (dir, rows)
    })
}

fn path(file: &str) -> PathBuf {
    fixtures().0.join(file)
}

/// h5py's values of `dataset` in `file`.
fn expected<T: H5Element>(file: &str, dataset: &str, shape: &[usize]) -> ArrayD<T> {
    let bin = fixtures()
        .0
        .join(format!("{file}__{}.bin", dataset.replace('/', "_")));
    let bytes = std::fs::read(bin).unwrap();
    assert_eq!(
        bytes.len(),
        shape.iter().product::<usize>() * T::DTYPE.size(),
        "{file} {dataset}"
    );
    little_endian(&bytes, shape)
}

/// An array of `shape` from its values' little-endian bytes (NumPy's
/// `tofile` of a `<` dtype).
fn little_endian<T: H5Element>(bytes: &[u8], shape: &[usize]) -> ArrayD<T> {
    let values: Vec<T> = bytes
        .chunks_exact(T::DTYPE.size())
        .map(|b| {
            let mut v = [T::default()];
            lazy_core::backend::with_bytes(&mut v, |out| {
                out.copy_from_slice(b);
                if cfg!(target_endian = "big") {
                    out.reverse();
                }
                Ok::<(), ()>(())
            })
            .unwrap();
            v[0]
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()
}

/// The same selection of an array in memory: the reference.
fn select<T: H5Element>(a: &ArrayD<T>, sel: &DynSelection) -> ArrayD<T> {
    a.read_dyn(sel).unwrap()
}

/// Opens `dataset` of `file` (by `open`), reads it whole and through
/// every selection, and compares with h5py's values.
fn check_one<T: H5Element + PartialEq + std::fmt::Debug>(
    open: &dyn Fn(&str) -> lazy_core::Result<H5Dataset<T, Dyn>>,
    file: &str,
    dataset: &str,
    shape: &[usize],
) {
    let want = expected::<T>(file, dataset, shape);
    let ds = open(dataset).unwrap_or_else(|e| panic!("{file} {dataset}: {e}"));
    assert_eq!(ds.shape(), shape, "{file} {dataset}");
    assert_eq!(ds.read_all().unwrap(), want, "{file} {dataset}");
    for sel in selections(shape) {
        assert_eq!(
            ds.read_dyn(&sel).unwrap(),
            select(&want, &sel),
            "{file} {dataset} {sel:?}"
        );
    }
}

/// Reads every listed dataset with `open` (a dataset path to a dataset of
/// the right element type), equal to h5py's values.
/// Returns who read each dataset: (file, dataset, reader).
fn check_all(open_file: FileOpener<'_>) -> Vec<(String, String, String)> {
    let mut readers = Vec::new();
    for (file, dataset, dtype, shape) in &fixtures().1 {
        let opener = open_file(&path(file));
        if let Opened::Ds(_, reader) = opener(dataset, dtype) {
            readers.push((file.clone(), dataset.clone(), reader));
        }
        macro_rules! go {
            ($t:ty) => {{
                let open = |d: &str| match opener(d, dtype) {
                    Opened::Err(e) => Err(e),
                    Opened::Ds(any, _) => Ok(*any.downcast::<H5Dataset<$t, Dyn>>().unwrap()),
                };
                check_one::<$t>(&open, file, dataset, shape)
            }};
        }
        match dtype.as_str() {
            "<f8" => go!(f64),
            "<f4" => go!(f32),
            "<i8" => go!(i64),
            "<i4" => go!(i32),
            "<i2" => go!(i16),
            "<u4" => go!(u32),
            "<u2" => go!(u16),
            "<u1" => go!(u8),
            "<b1" => go!(bool),
            other => panic!("{file} {dataset}: dtype {other} not mapped"),
        }
    }
    readers
}

/// A dataset opened by the checks' openers, of the type its dtype names.
enum Opened {
    Err(lazy_core::Error),
    /// The dataset and who reads it ([`H5Dataset::reader`]).
    Ds(Box<dyn std::any::Any>, String),
}

/// Opens `dataset` from `at` as `H5Dataset<T, Dyn>` for the dtype `dtype`.
fn open_as(at: &impl lazy_hdf5::Location, dataset: &str, dtype: &str) -> Opened {
    fn boxed<T: H5Element>(r: lazy_core::Result<H5Dataset<T, Dyn>>) -> Opened {
        match r {
            Ok(ds) => {
                let reader = ds.reader();
                Opened::Ds(Box::new(ds), reader)
            }
            Err(e) => Opened::Err(e),
        }
    }
    match dtype {
        "<f8" => boxed(H5Dataset::<f64, Dyn>::open(at, dataset)),
        "<f4" => boxed(H5Dataset::<f32, Dyn>::open(at, dataset)),
        "<i8" => boxed(H5Dataset::<i64, Dyn>::open(at, dataset)),
        "<i4" => boxed(H5Dataset::<i32, Dyn>::open(at, dataset)),
        "<i2" => boxed(H5Dataset::<i16, Dyn>::open(at, dataset)),
        "<u4" => boxed(H5Dataset::<u32, Dyn>::open(at, dataset)),
        "<u2" => boxed(H5Dataset::<u16, Dyn>::open(at, dataset)),
        "<u1" => boxed(H5Dataset::<u8, Dyn>::open(at, dataset)),
        "<b1" => boxed(H5Dataset::<bool, Dyn>::open(at, dataset)),
        other => panic!("dtype {other} not mapped"),
    }
}

#[test]
fn every_fixture_dataset_reads_equal_to_h5py_without_libhdf5() {
    let listed = &fixtures().1;
    // 5 files of 19 datasets (and the 30 of `many`), read here.
    assert_eq!(listed.len(), 5 * (19 + 30), "{listed:?}");
    let readers = check_all(&|path| {
        let file = open_file_pure(path).unwrap();
        Box::new(move |d, dtype| open_as(&file, d, dtype))
    });
    assert_eq!(readers.len(), listed.len());
    for (file, dataset, reader) in readers {
        assert_eq!(reader, "lazy-hdf5 (without libhdf5)", "{file} {dataset}");
    }
}

/// Without the feature `libhdf5`, `open_file` opens every file with the
/// pure reader, and `H5Dataset::open` on it reads every dataset.
#[cfg(not(feature = "libhdf5"))]
#[test]
fn without_libhdf5_open_file_reads_every_fixture_dataset() {
    let readers = check_all(&|path| {
        let file: lazy_hdf5::File = open_file(path).unwrap();
        Box::new(move |d, dtype| open_as(&file, d, dtype))
    });
    assert_eq!(readers.len(), fixtures().1.len());
    for (file, dataset, reader) in readers {
        assert_eq!(reader, "lazy-hdf5 (without libhdf5)", "{file} {dataset}");
    }
}

#[cfg(feature = "libhdf5")]
#[test]
fn files_open_through_libhdf5_read_the_same_falling_back_where_libhdf5_cannot() {
    // libhdf5 (the system's, 1.10) opens the files; datasets it cannot
    // read (layout message 5, datatype message 5) open by the pure reader.
    let readers = check_all(&|path| {
        let file = open_file(path).unwrap();
        Box::new(move |d, dtype| open_as(&file, d, dtype))
    });
    assert_eq!(readers.len(), fixtures().1.len());
    let pure: Vec<_> = readers
        .iter()
        .filter(|(_, _, reader)| reader == "lazy-hdf5 (without libhdf5)")
        .map(|(file, dataset, _)| format!("{file} {dataset}"))
        .collect();
    // libhdf5 1.10 reads the earliest file itself, and refuses some
    // datasets of the others (those it reads, it reads itself).
    assert!(
        !pure.iter().any(|d| d.starts_with("earliest.h5")),
        "{pure:?}"
    );
    assert!(
        pure.contains(&"latest.h5 sparse_gz_shuf".to_string()),
        "{pure:?}"
    );
    println!("opened by lazy-hdf5's own reader: {pure:?}");
}

#[cfg(feature = "libhdf5")]
#[test]
fn a_latest_file_libhdf5_cannot_read_reads_right() {
    let latest = path("latest.h5");
    // The system libhdf5 cannot open this dataset (HDF5 2.0's layout
    // message 5 for a filtered chunked dataset).
    let file = open_file(&latest).unwrap();
    let refused = file.inner().dataset("sparse_gz_shuf");
    assert!(refused.is_err(), "libhdf5 opened it: update this test");
    // Through the same `open`, it reads right.
    let x = H5Dataset::<i16, U2>::open(&file, "sparse_gz_shuf").unwrap();
    assert_eq!(x.reader(), "lazy-hdf5 (without libhdf5)");
    assert!(x.inner().is_none());
    let want = expected::<i16>("latest.h5", "sparse_gz_shuf", &[100, 80]);
    assert_eq!(x.read_all().unwrap().into_dyn(), want);
    // Unwritten chunks hold the fill value, the edge chunk its values.
    let at = |i, j| {
        x.read_dyn(&DynSelection::from(vec![S::Index(i), S::Index(j)]))
            .unwrap()
    };
    assert_eq!(at(50, 50), ndarray::arr0(-7).into_dyn());
    assert_eq!(at(99, 79), ndarray::arr0(5).into_dyn());
    // Views over it: a stack with the earliest file's copy, scaled.
    let early = open_file_pure(path("earliest.h5")).unwrap();
    let y = H5Dataset::<i16, U2>::open(&early, "/sparse_gz_shuf").unwrap();
    let both = Scaled::new(Stacked::new(vec![x, y], 0).unwrap(), 2.0);
    let got = both
        .read_dyn(&DynSelection::from(vec![
            S::FULL,
            S::slice(Some(10), Some(20), None),
            S::Index(3),
        ]))
        .unwrap();
    let col = want
        .slice(ndarray::s![10..20, 3])
        .mapv(|v| f64::from(v) * 2.0);
    assert_eq!(got, ndarray::stack![ndarray::Axis(0), col, col].into_dyn());
    // Opened for writing (a copy: the fixtures are shared by the tests),
    // libhdf5's error says it can be read.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("latest.h5");
    std::fs::copy(&latest, &copy).unwrap();
    let rw = lazy_hdf5::open_file_rw(&copy).unwrap();
    let err = H5Dataset::<i16, U2>::open_rw(&rw, "sparse_gz_shuf").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string().contains("read-only: H5Dataset::open"),
        "{err}"
    );
    drop(rw);
    // inspect falls back the same way.
    let info = inspect(&file, "sparse_gz_shuf").unwrap();
    assert_eq!(info.shape, vec![100, 80]);
    assert_eq!(info.chunks, Some(vec![16, 16]));
    assert_eq!(info.reader, "lazy-hdf5 (without libhdf5)");
}

/// Every fixture file's datasets, listed without libhdf5, are those h5py's
/// `visititems` found (and the two it left out of the value files: `lzf`
/// and `strings`); groups listed by hand from the writing script.
#[test]
fn every_dataset_of_every_fixture_is_listed_as_h5py_lists_it() {
    for name in h5py_files::KINDS {
        let file = open_file_pure(path(name)).unwrap();
        let mut expect: Vec<String> = fixtures()
            .1
            .iter()
            .filter(|l| l.0 == name)
            .map(|l| format!("/{}", l.1))
            .chain(["/lzf".to_string(), "/strings".to_string()])
            .collect();
        expect.sort();
        assert_eq!(expect.len(), 51, "{name}");
        assert_eq!(file.dataset_paths().unwrap(), expect, "{name}");
        let root = file.members("/").unwrap();
        assert_eq!(root.groups, ["a", "many"], "{name}");
        assert_eq!(root.datasets.len(), 20, "{name}");
        assert_eq!(file.members("").unwrap(), root, "{name}");
        let b = file.members("a/b").unwrap();
        assert_eq!((b.groups, b.datasets), (vec!["c".to_string()], vec![]));
        assert_eq!(file.members("/a/b/c/").unwrap().datasets, ["deep"]);
        let many = file.members("/many").unwrap().datasets;
        let want: Vec<String> = (0..30).map(|i| format!("d{i:02}")).collect();
        assert_eq!(many, want, "{name}");
        for missing in ["/contig_f8", "/nope", "a/x"] {
            let err = file.members(missing).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Backend);
            let msg = err.to_string();
            assert!(msg.contains(missing) && msg.contains(name), "{msg}");
        }
    }
}

/// An attribute's value as the fixture script writes h5py's: kind, bytes
/// per value (`null` for variable-length strings, 0 for types not
/// decoded), values.
fn as_json(v: &AttrValue) -> (&'static str, serde_json::Value, Vec<serde_json::Value>) {
    use serde_json::json;
    macro_rules! all {
        ($values:expr) => {
            $values.iter().map(|x| json!(x)).collect()
        };
    }
    match v {
        AttrValue::Signed { bytes, values } => ("i", json!(bytes), all!(values)),
        AttrValue::Unsigned { bytes, values } => ("u", json!(bytes), all!(values)),
        AttrValue::Float { bytes, values } => ("f", json!(bytes), all!(values)),
        AttrValue::Bool(values) => ("bool", json!(1), all!(values)),
        AttrValue::Text { fixed, values } => ("text", json!(fixed), all!(values)),
        AttrValue::Other(_) => ("other", json!(0), vec![]),
        other => panic!("a kind of value this test does not know: {other:?}"),
    }
}

/// Every attribute h5py wrote to the fixtures (integers of each width and
/// byte order, floats, bools, fixed- and variable-length strings, scalars,
/// lists and a 2-D one, the 20 of `/many` that files of libver latest
/// store densely), read without libhdf5, equals what h5py reads of it;
/// compound and reference attributes are named, not decoded. The scale
/// h5py attached to `/temp`'s first axis is found.
#[test]
fn attributes_and_dimension_scales_read_as_h5py_reads_them() {
    for name in h5py_files::KINDS {
        let file = open_file_pure(path(name)).unwrap();
        let json =
            std::fs::read_to_string(fixtures().0.join(format!("{name}.attrs.json"))).unwrap();
        let want: serde_json::Value = serde_json::from_str(&json).unwrap();
        let objects = want.as_object().unwrap();
        assert_eq!(objects.len(), 5);
        for (obj, attrs) in objects {
            let attrs = attrs.as_object().unwrap();
            let got = file.attributes(obj).unwrap();
            let names: Vec<&str> = got.iter().map(|a| a.name.as_str()).collect();
            let mut expect: Vec<&str> = attrs.keys().map(String::as_str).collect();
            expect.sort_unstable();
            assert_eq!(names, expect, "{name} {obj}");
            for a in &got {
                let row = attrs[&a.name].as_array().unwrap();
                let (kind, bytes) = (row[0].as_str().unwrap(), row[1].clone());
                let shape: Vec<usize> = row[2]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_u64().unwrap() as usize)
                    .collect();
                let values = row[3].as_array().unwrap().clone();
                let at = format!("{name} {obj} {}", a.name);
                assert_eq!(a.shape, shape, "{at}");
                assert_eq!(as_json(&a.value), (kind, bytes, values), "{at}");
            }
        }
        let units = file.attributes("contig_f8").unwrap();
        let units = units.iter().find(|a| a.name == "units").unwrap();
        assert_eq!(units.value.as_str(), Some("kelvin"));
        assert_eq!(
            file.dimension_scales("/temp").unwrap(),
            [Some("/time".to_string()), None],
            "{name}"
        );
        assert_eq!(file.dimension_scales("contig_f8").unwrap(), [None, None]);
        // h5py's maxshape: ext_array was made with maxshape=(None, 6),
        // btree2 with (None, None), contig_f8 with none (its shape).
        assert_eq!(file.max_shape("/ext_array").unwrap(), [None, Some(6)]);
        assert_eq!(file.max_shape("btree2").unwrap(), [None, None]);
        assert_eq!(file.max_shape("contig_f8").unwrap(), [Some(100), Some(10)]);
        assert!(file.max_shape("/many").is_err());
        for (missing, err) in [
            ("/nope", file.attributes("/nope").unwrap_err()),
            ("/many", file.dimension_scales("/many").unwrap_err()),
        ] {
            assert_eq!(err.kind(), ErrorKind::Backend);
            let msg = err.to_string();
            assert!(msg.contains(missing) && msg.contains(name), "{msg}");
        }
    }
}

#[test]
fn opening_errors_are_clear() {
    for name in ["earliest.h5", "latest.h5"] {
        let file = open_file_pure(path(name)).unwrap();
        // A filter lazy-hdf5 does not decode: named.
        let err = H5Dataset::<i32, Dyn>::open(&file, "lzf").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
        assert!(err.to_string().contains("lzf"), "{err}");
        // And who reads it: libhdf5, built in with the feature `libhdf5`.
        #[cfg(not(feature = "libhdf5"))]
        assert!(err.to_string().contains("feature `libhdf5`"), "{err}");
        #[cfg(feature = "libhdf5")]
        assert!(err.to_string().contains("through libhdf5"), "{err}");
        // `open_file` of the same file: the same error without the
        // feature; with it, libhdf5 1.10 reads the earliest file's.
        let opened = H5Dataset::<i32, Dyn>::open(&open_file(path(name)).unwrap(), "lzf");
        #[cfg(not(feature = "libhdf5"))]
        assert!(
            opened
                .as_ref()
                .is_err_and(|e| e.to_string().contains("feature `libhdf5`")),
            "{opened:?}"
        );
        #[cfg(feature = "libhdf5")]
        if name == "earliest.h5" {
            let reader = opened.map(|ds| ds.reader());
            assert!(
                reader
                    .as_ref()
                    .is_ok_and(|r| r.starts_with("libhdf5: the filter")),
                "{reader:?}"
            );
        }
        // Missing, wrong type, wrong rank, no element type.
        let err = H5Dataset::<i32, Dyn>::open(&file, "no/such").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
        assert!(err.to_string().contains("no/such"), "{err}");
        let err = H5Dataset::<f64, Dyn>::open(&file, "be_i4").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
        assert!(err.to_string().contains("int32"), "{err}");
        let err = H5Dataset::<f64, typenum::U1>::open(&file, "unwritten").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Shape, "{err}");
        let err = H5Dataset::<u8, Dyn>::open(&file, "strings").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    }
    let err = open_file_pure(path("earliest.h5__contig_f8.bin")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
}

#[test]
fn damaged_files_give_errors_not_panics() {
    // Bytes of the metadata changed (one to three at a time, at pseudo-
    // random places of the first 8 KiB): opening, reading every dataset
    // and closing may fail, never panic.
    for name in ["earliest.h5", "latest.h5"] {
        let original = std::fs::read(path(name)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let damaged = dir.path().join(name);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() % 8192.min(bytes.len() as u64)) as usize;
                bytes[at] ^= (next() % 255 + 1) as u8;
            }
            std::fs::write(&damaged, &bytes).unwrap();
            let Ok(file) = open_file_pure(&damaged) else {
                continue;
            };
            for (f, dataset, dtype, _) in &fixtures().1 {
                if f == name {
                    if let Opened::Ds(any, _) = open_as(&file, dataset, dtype) {
                        read_any(any);
                    }
                }
            }
        }
    }
}

/// Reads a dataset opened by [`open_as`], whatever its type, ignoring
/// errors.
fn read_any(any: Box<dyn std::any::Any>) {
    macro_rules! try_read {
        ($($t:ty),*) => {$(
            if let Some(ds) = any.downcast_ref::<H5Dataset<$t, Dyn>>() {
                let _ = ds.read_all();
                return;
            }
        )*};
    }
    try_read!(f64, f32, i64, i32, i16, u32, u16, u8, bool);
}

#[test]
fn the_metadata_fuzz_harness_reads_every_dataset_and_survives_damage() {
    // Undamaged: every dataset h5py wrote (and the two refused at open,
    // whose metadata reads: `lzf` fails, `strings` reads).
    for name in h5py_files::KINDS {
        let bytes = std::fs::read(path(name)).unwrap();
        assert_eq!(lazy_hdf5::__pure::fuzz(&bytes), 19 + 30 + 1, "{name}");
    }
    // Damaged anywhere (metadata of paged files is spread out): no panic.
    let original = std::fs::read(path("paged.h5")).unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..400 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = original.clone();
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] ^= (state >> 40) as u8 | 1;
        lazy_hdf5::__pure::fuzz(&bytes);
        bytes.truncate(at);
        lazy_hdf5::__pure::fuzz(&bytes);
    }
}

/// The netCDF-4 fixture (netCDF4-python: packed int16 with deflate and
/// shuffle, big-endian float32 with fletcher32 and chunks never written,
/// contiguous uint8, an unlimited coordinate) reads the same without
/// libhdf5 as through it, raw and unpacked with its CF attributes (checked
/// against netCDF4-python and xarray in `netcdf4_fixture.rs`).
#[test]
fn netcdf4_variables_read_the_same_without_libhdf5() {
    use lazy_core::{Cf, Decoded};
    use lazy_hdf5::CfAttributes;
    use typenum::{U1, U3};
    let nc = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/netcdf4_fixture.nc"
    );
    let (lib, pure) = (open_file(nc).unwrap(), open_file_pure(nc).unwrap());
    fn same<T: H5Element, R: lazy_core::Rank>(
        lib: &lazy_hdf5::File,
        pure: &lazy_hdf5::PureFile,
        name: &str,
    ) -> (H5Dataset<T, R>, H5Dataset<T, R>)
    where
        ndarray::Array<T, R::Dim>: PartialEq + std::fmt::Debug,
    {
        let (a, b) = (
            H5Dataset::<T, R>::open(lib, name).unwrap(),
            H5Dataset::<T, R>::open(pure, name).unwrap(),
        );
        assert_eq!(b.reader(), "lazy-hdf5 (without libhdf5)");
        assert_eq!(a.read_all().unwrap(), b.read_all().unwrap(), "{name}");
        let info = (inspect(lib, name).unwrap(), inspect(pure, name).unwrap());
        assert_eq!(
            (&info.0.shape, info.0.dtype, &info.0.chunks),
            (&info.1.shape, info.1.dtype, &info.1.chunks),
            "{name}"
        );
        (a, b)
    }
    let (a, b) = same::<i16, U3>(&lib, &pure, "temperature");
    let (cf_a, cf_b) = (Cf::from_hdf5(&a).unwrap(), Cf::from_hdf5(&b).unwrap());
    assert_eq!(
        (cf_b.scale_factor, cf_b.add_offset, cf_b.fill_value),
        (Some(0.01), Some(273.15), Some(-32767.0))
    );
    let decoded = |ds, cf| Decoded::<f64, _>::new(ds, cf).unwrap().read_all().unwrap();
    let (x, y) = (decoded(a, cf_a), decoded(b, cf_b));
    assert!(x
        .iter()
        .zip(&y)
        .all(|(p, q)| p == q || (p.is_nan() && q.is_nan())));
    let (a, b) = same::<f32, U3>(&lib, &pure, "pressure");
    assert_eq!(
        Cf::from_hdf5(&a).unwrap().fill_value,
        Cf::from_hdf5(&b).unwrap().fill_value
    );
    same::<u8, U2>(&lib, &pure, "flags");
    same::<f64, U1>(&lib, &pure, "time");
}

/// A dataset written through libhdf5 in this process after lazy-hdf5's own
/// reader opened it: the chunk index read at open is outdated, and reads
/// say so (open it again) rather than read chunks that may have moved.
#[cfg(feature = "libhdf5")]
#[test]
fn a_write_in_this_process_outdates_the_pure_readers_index() {
    use lazy_core::DatasetMutExt;
    use lazy_hdf5::{create_file, CreateOptions};
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("written.h5");
    let file = create_file(&at).unwrap();
    let options = CreateOptions::default().chunks([4]);
    let mut x = H5Dataset::<i32, typenum::U1>::create(&file, "x", &[10], &options).unwrap();
    x.write_all(3).unwrap();
    let pure = open_file_pure(&at).unwrap();
    let y = H5Dataset::<i32, typenum::U1>::open(&pure, "x").unwrap();
    assert_eq!(y.read_all().unwrap(), ndarray::Array1::from_elem(10, 3));
    x.write_all(4).unwrap();
    let err = y.read_all().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("open it again"), "{err}");
    let again = open_file_pure(&at).unwrap();
    let y = H5Dataset::<i32, typenum::U1>::open(&again, "x").unwrap();
    assert_eq!(y.read_all().unwrap(), ndarray::Array1::from_elem(10, 4));
}

/// A dataset of a file open read-only through libhdf5 locates its chunks
/// with the index the pure reader read at open (libhdf5 1.10 walks its
/// whole index for each chunk); written through another handle of this
/// process, it asks libhdf5 again and reads what was written.
#[cfg(feature = "libhdf5")]
#[test]
fn libhdf5_datasets_locate_chunks_in_rust_until_written() {
    use lazy_core::DatasetMutExt;
    use lazy_hdf5::{create_file, open_file_rw, CreateOptions};
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("index.h5");
    {
        let file = create_file(&at).unwrap();
        let options = CreateOptions::default().chunks([3]);
        let mut x = H5Dataset::<i32, typenum::U1>::create(&file, "x", &[10], &options).unwrap();
        x.write(DynSelection::from(vec![S::slice(None, Some(4), None)]), 1)
            .unwrap();
    }
    let writer = open_file_rw(&at).unwrap();
    let reader = open_file(&at).unwrap();
    let r = H5Dataset::<i32, typenum::U1>::open(&reader, "x").unwrap();
    assert_eq!(r.reader(), "lazy-hdf5");
    assert_eq!(
        r.read_all().unwrap(),
        ndarray::arr1(&[1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    );
    let mut w = H5Dataset::<i32, typenum::U1>::open_rw(&writer, "x").unwrap();
    w.write(DynSelection::from(vec![S::slice(Some(8), None, None)]), 2)
        .unwrap();
    assert_eq!(
        r.read_all().unwrap(),
        ndarray::arr1(&[1, 1, 1, 1, 0, 0, 0, 0, 2, 2])
    );
}

/// Shuffled chunks of 4- and 8-byte elements read into a column of an
/// interleaved output (a stack along a new last axis) are unshuffled
/// straight into it; big-endian ones, unshuffled chunks and edge chunks go
/// through a buffer. Every read equals NumPy's `np.stack(..., axis=-1)` of
/// h5py's values, whole and by windows (parts of chunks).
#[test]
fn shuffled_chunks_stacked_along_a_new_last_axis_read_as_numpy_stacks_them() {
    use lazy_core::{SelectionItem, Stacked};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("columns.h5");
    lazy_testkit::python::run_python(
        "numpy h5py",
        r#"
import sys, h5py, numpy as np
p = sys.argv[1]
rng = np.random.default_rng(22)
x = np.cumsum(rng.standard_normal(1003))
with h5py.File(p, "w") as f:
    f.create_dataset("a", data=x, chunks=(96,), compression="gzip", shuffle=True)
    f.create_dataset("b", data=x * -2, chunks=(96,), shuffle=True, fletcher32=True, compression="gzip")
    f.create_dataset("c", data=(x + 1).astype(">f8"), chunks=(96,), compression="gzip", shuffle=True)
    f.create_dataset("d", data=x / 3, chunks=(96,), compression="gzip")
    u = (np.arange(1003, dtype=np.uint64) * 2654435761 % 2**32).astype("<u4")
    f.create_dataset("u", data=u, chunks=(100,), compression="gzip", shuffle=True)
    f.create_dataset("v", data=u ^ 0xFFFF, chunks=(64,), shuffle=True)
    r = (np.arange(300, dtype="<f4") * 0.25).reshape(50, 6)
    f.create_dataset("r", data=r, chunks=(8, 6), compression="gzip", shuffle=True)
    f.create_dataset("s", data=-r, chunks=(8, 6), compression="gzip", shuffle=True)
    np.stack([x, x * -2, x + 1, x / 3], axis=-1).astype("<f8").tofile(p + ".abcd")
    np.stack([u, u ^ 0xFFFF], axis=-1).astype("<u4").tofile(p + ".uv")
    np.stack([r, -r], axis=-1).astype("<f4").tofile(p + ".rs")
"#,
        &[&file],
    );
    fn dump<T: H5Element>(path: PathBuf, shape: &[usize]) -> ArrayD<T> {
        little_endian(&std::fs::read(path).unwrap(), shape)
    }
    fn check<T: H5Element>(h5: &impl lazy_hdf5::Location, names: &[&str], want: ArrayD<T>) {
        let sources: Vec<H5Dataset<T, Dyn>> = names
            .iter()
            .map(|n| H5Dataset::open(h5, n).unwrap())
            .collect();
        let stack = Stacked::new(sources.iter().collect(), -1).unwrap();
        assert_eq!(
            stack.read_dyn(&DynSelection::from(vec![])).unwrap(),
            want,
            "{names:?}"
        );
        // More sources than are interleaved through temporaries (16): each
        // read straight into its column.
        let many: Vec<_> = sources.iter().cycle().take(17).collect();
        let last = want.ndim() - 1;
        let columns: Vec<_> = (0..17)
            .map(|k| want.index_axis(ndarray::Axis(last), k % names.len()))
            .collect();
        let wide = ndarray::stack(ndarray::Axis(last), &columns).unwrap();
        let got = Stacked::new(many, -1).unwrap();
        assert_eq!(
            got.read_dyn(&DynSelection::from(vec![])).unwrap(),
            wide,
            "{names:?} x 17"
        );
        // Windows that start and end inside chunks.
        let rows = want.shape()[0];
        for start in [0, 37, 95, rows - 41]
            .into_iter()
            .filter(|s| s + 40 <= rows)
        {
            let sel = DynSelection::from(vec![SelectionItem::slice(
                Some(start as isize),
                Some(start as isize + 40),
                None,
            )]);
            let got = stack.read_dyn(&sel).unwrap();
            let expect = want.slice_axis(ndarray::Axis(0), (start..start + 40).into());
            assert_eq!(got, expect, "{names:?} from {start}");
        }
    }
    let h5 = open_file_pure(&file).unwrap();
    let with = |ext: &str| file.with_extension(format!("h5.{ext}"));
    check::<f64>(&h5, &["a", "b", "c", "d"], dump(with("abcd"), &[1003, 4]));
    check::<u32>(&h5, &["u", "v"], dump(with("uv"), &[1003, 2]));
    check::<f32>(&h5, &["r", "s"], dump(with("rs"), &[50, 6, 2]));
}

/// Filtered chunks of files open read-only are decoded from a mapping of
/// the file (`lazy_core::backend::MappedFile`). A file cut short under an
/// open dataset (another process rewriting it) must give an error, not
/// kill the process with `SIGBUS`; a file left whole reads as h5py wrote it.
/// Also passes with `LAZY_DATASETS_MMAP=0` (read with `pread`).
#[test]
fn a_file_cut_short_under_an_open_dataset_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cut.h5");
    lazy_testkit::python::run_python(
        "numpy h5py",
        r#"
import sys, h5py, numpy as np
p = sys.argv[1]
x = np.cumsum(np.random.default_rng(7).standard_normal(400_000))
with h5py.File(p, "w") as f:
    f.create_dataset("x", data=x, chunks=(5000,), compression="gzip", shuffle=True)
x.astype("<f8").tofile(p + ".x")
"#,
        &[&file],
    );
    let want: ArrayD<f64> = little_endian(
        &std::fs::read(file.with_extension("h5.x")).unwrap(),
        &[400_000],
    );
    let all = DynSelection::from(vec![]);
    let check = |name: &str, open: &dyn Fn(&Path) -> H5Dataset<f64, Dyn>| {
        let cut = dir.path().join(name);
        std::fs::copy(&file, &cut).unwrap();
        let whole = open(&cut);
        assert_eq!(whole.read_dyn(&all).unwrap(), want, "{name}: whole");
        let ds = open(&cut);
        let len = std::fs::metadata(&cut).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&cut)
            .unwrap()
            .set_len(len / 2)
            .unwrap();
        let err = ds.read_dyn(&all).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend, "{name}: {err}");
        // The mapping faults (the handler keeps the process alive), and the
        // chunk is read again with `pread`: its end of file.
        assert!(err.to_string().contains("cut short"), "{name}: {err}");
    };
    check("pure.h5", &|p| {
        H5Dataset::open(&open_file_pure(p).unwrap(), "x").unwrap()
    });
    #[cfg(feature = "libhdf5")]
    check("libhdf5.h5", &|p| {
        H5Dataset::open(&open_file(p).unwrap(), "x").unwrap()
    });
}
