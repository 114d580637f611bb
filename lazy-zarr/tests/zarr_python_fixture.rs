//! Interop with zarr-python: `fixtures/v3.zarr` and `fixtures/v2.zarr` were
//! written by zarr-python 3 (`fixtures/make_zarr_fixture.py`); every array
//! reads back with the values, element types and shapes zarr-python wrote
//! (every element type, ranks 0 to 3, gzip, sharding, big-endian, F order,
//! unwritten chunks), selections on them match ndarray, writes to copies of
//! them read back, and the ways opening can go wrong each give their own
//! clear error. `fixtures/codecs-zarr2.zarr` and `fixtures/codecs-zarr3.zarr`
//! (`fixtures/make_codec_fixture.py`, run with zarr-python 2.18 and 3.1)
//! hold the same values under every codec those versions write by default
//! and the other common ones; `fixtures/codecs.json` says what wrote them.

use std::error::Error as _;
use std::fmt::Debug;
use std::path::{Path, PathBuf};

use lazy_core::{DatasetExt, DatasetMutExt, Dyn, DynSelection, ErrorKind, Rank, SelectionItem};
use lazy_zarr::{inspect, ZarrDataset, ZarrElement};
use ndarray::{arr0, array, Array, Array1, Array2, ArrayD, IxDyn};
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
        assert!(
            err.to_string().ends_with(
                "codec blosc is not supported: build lazy-zarr with the feature `blosc` \
                 (lazy-datasets' feature `zarr` turns it on)"
            ),
            "{err}"
        );
    }
}

/// `f8` of the codec fixtures, computed here as NumPy does in
/// `make_codec_fixture.py`: `((arange(1000) * 37) % 101) / 8 - 6`.
fn codec_f8() -> Array1<f64> {
    Array1::from_shape_fn(1000, |k| ((k * 37) % 101) as f64 / 8.0 - 6.0)
}

/// `i4` of the codec fixtures:
/// `(arange(1200).reshape(30, 40) * 7919) % 100003 - 50000` as int32.
fn codec_i4() -> Array2<i32> {
    Array2::from_shape_fn((30, 40), |(i, j)| {
        (((i * 40 + j) as i64 * 7919) % 100_003 - 50_000) as i32
    })
}

/// The `.zarray` or `zarr.json` of `path` in `store`, parsed.
fn metadata(store: &Path, path: &str) -> serde_json::Value {
    let dir = store.join(path);
    let text = std::fs::read_to_string(dir.join(".zarray"))
        .or_else(|_| std::fs::read_to_string(dir.join("zarr.json")))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    serde_json::from_str(&text).unwrap()
}

/// The codec names of a v3 array (outermost first), or the compressor id
/// of a v2 one with its blosc settings.
fn codecs_of(store: &Path, path: &str) -> String {
    let m = metadata(store, path);
    match m.get("codecs") {
        Some(codecs) => codecs
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("+"),
        None => {
            let c = &m["compressor"];
            match c["id"].as_str() {
                Some("blosc") => format!(
                    "blosc {} shuffle {}",
                    c["cname"].as_str().unwrap(),
                    c["shuffle"]
                ),
                Some(id) => id.to_string(),
                None => "none".to_string(),
            }
        }
    }
}

/// The codecs zarr-python 2 and 3 write (their defaults first), as their
/// metadata names them: each array, `f8` and `i4`, reads back as NumPy's
/// values.
const ZARR2_CODECS: [(&str, &str); 11] = [
    // zarr-python 2.18's default compressor: Blosc(cname='lz4', clevel=5, shuffle=SHUFFLE).
    ("default", "blosc lz4 shuffle 1"),
    ("blosc_zstd", "blosc zstd shuffle 1"),
    ("blosc_blosclz", "blosc blosclz shuffle 1"),
    ("blosc_lz4hc", "blosc lz4hc shuffle 1"),
    ("blosc_zlib", "blosc zlib shuffle 1"),
    ("blosc_bitshuffle", "blosc lz4 shuffle 2"),
    ("blosc_noshuffle", "blosc lz4 shuffle 0"),
    ("zstd", "zstd"),
    ("gzip", "gzip"),
    ("none", "none"),
    // Not read by this build: see `unsupported_codecs_name_their_feature`.
    ("zlib", "zlib"),
];

const ZARR3_CODECS: [(&str, &str); 11] = [
    // zarr-python 3.1's defaults: v3 bytes + zstd (level 0); v2 arrays made
    // by zarr.create_array: zstd; by Group.create_array in a v2 group: blosc.
    ("default", "bytes+zstd"),
    ("crc32c", "bytes+zstd+crc32c"),
    ("sharded", "sharding_indexed"),
    ("blosc", "bytes+blosc"),
    ("gzip", "bytes+gzip"),
    ("v2_default", "zstd"),
    ("v2_group_default", "blosc lz4 shuffle 1"),
    ("v2_blosc_lz4", "blosc lz4 shuffle 1"),
    ("v2_blosc_zstd", "blosc zstd shuffle 1"),
    ("v2_zstd", "zstd"),
    ("v2_gzip", "gzip"),
];

#[test]
fn every_codec_of_zarr_python_2_and_3_reads_back() {
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("codecs.json")).unwrap()).unwrap();
    let version = |store: &str| {
        written[store]["written_by"]["zarr"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(version("codecs-zarr2.zarr").starts_with("2."));
    assert!(version("codecs-zarr3.zarr").starts_with("3."));
    let mut read = 0;
    for (name, codecs) in [
        ("codecs-zarr2.zarr", &ZARR2_CODECS),
        ("codecs-zarr3.zarr", &ZARR3_CODECS),
    ] {
        let store = fixture(name);
        for (group, chain) in codecs.iter() {
            if *group == "zlib" {
                continue;
            }
            for array in ["f8", "i4"] {
                let path = format!("{group}/{array}");
                // The fixture holds the codecs it says it does.
                assert_eq!(&codecs_of(&store, &path), chain, "{name}/{path}");
                if cfg!(not(feature = "blosc")) && chain.contains("blosc") {
                    let err = ZarrDataset::<f64, Dyn>::open(&store, &path).unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::Backend);
                    assert_eq!(
                        err.to_string(),
                        format!(
                            "backend error: cannot open Zarr array /{path} in {}: codec blosc is \
                             not supported: build lazy-zarr with the feature `blosc` \
                             (lazy-datasets' feature `zarr` turns it on)",
                            store.display()
                        )
                    );
                    continue;
                }
                if array == "f8" {
                    check::<f64, U1>(&store, &path, codec_f8());
                } else {
                    check::<i32, U2>(&store, &path, codec_i4());
                }
                read += 1;
            }
        }
    }
    // 21 codecs (zlib aside), 11 of them blosc, two arrays each.
    assert_eq!(read, if cfg!(feature = "blosc") { 42 } else { 20 });
}

/// A codec this build does not read names the feature that does, or says
/// that none does; zarrs' error stays the source.
#[test]
fn unsupported_codecs_name_their_feature() {
    let store = fixture("codecs-zarr2.zarr");
    let err = ZarrDataset::<f64, U1>::open(&store, "zlib/f8").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: cannot open Zarr array /zlib/f8 in {}: codec zlib is not supported: \
             lazy-zarr builds zarrs without its feature `zlib`; add zarrs (the version lazy-zarr \
             uses) to your dependencies with `features = [\"zlib\"]` and Cargo turns it on for \
             lazy-zarr too",
            store.display()
        )
    );
    assert_eq!(
        err.source().unwrap().to_string(),
        "unsupported Zarr V2 array: codec zlib is not supported"
    );

    // A compressor nobody reads, in a hand-written .zarray.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("x")).unwrap();
    std::fs::write(
        dir.path().join("x/.zarray"),
        r#"{"zarr_format": 2, "shape": [4], "chunks": [2], "dtype": "<f8",
            "compressor": {"id": "frobnicate", "level": 3}, "fill_value": 0.0,
            "order": "C", "filters": null}"#,
    )
    .unwrap();
    let err = ZarrDataset::<f64, U1>::open(dir.path(), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend);
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: cannot open Zarr array /x in {}: codec frobnicate is not supported: \
             no feature of lazy-zarr (or of zarrs) reads it",
            dir.path().display()
        )
    );
    // And in a v3 zarr.json.
    std::fs::remove_file(dir.path().join("x/.zarray")).unwrap();
    std::fs::write(
        dir.path().join("x/zarr.json"),
        r#"{"zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "float64",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
            "chunk_key_encoding": {"name": "default"}, "fill_value": 0.0,
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                       {"name": "frobnicate"}]}"#,
    )
    .unwrap();
    let err = ZarrDataset::<f64, U1>::open(dir.path(), "x").unwrap_err();
    assert!(
        err.to_string().ends_with(
            "codec frobnicate is not supported: no feature of lazy-zarr (or of zarrs) reads it"
        ),
        "{err}"
    );
}

/// Writes where zarrs encodes the codec: blosc arrays of zarr-python 2
/// (opened for writing) and new ones made with `Compression::BloscLz4`.
#[cfg(feature = "blosc")]
#[test]
fn blosc_arrays_are_written_too() {
    use lazy_zarr::{Compression, CreateOptions};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("codecs-zarr2.zarr");
    copy_dir(&fixture("codecs-zarr2.zarr"), &store);
    // NumPy: a[::-3] = -a[::-3] on zarr-python 2's default (blosc lz4) array.
    let mut a = ZarrDataset::<f64, U1>::open_rw(&store, "default/f8").unwrap();
    let every_third = DynSelection::from(vec![SelectionItem::slice(None, None, Some(-3))]);
    let mut want = codec_f8();
    for (k, v) in want.iter_mut().enumerate() {
        if (999 - k) % 3 == 0 {
            *v = -*v;
        }
    }
    let negated = a.read_dyn(&every_third).unwrap().mapv(|v| -v);
    a.write_dyn(&every_third, negated.view()).unwrap();
    assert_eq!(
        ZarrDataset::<f64, U1>::open(&store, "default/f8")
            .unwrap()
            .read_all()
            .unwrap(),
        want
    );
    assert_eq!(codecs_of(&store, "default/f8"), "blosc lz4 shuffle 1");

    let options = CreateOptions::default()
        .chunks([8, 16])
        .compression(Compression::BloscLz4(5));
    let mut made = ZarrDataset::<i32, U2>::create(dir.path(), "made", &[30, 40], &options).unwrap();
    made.write_all(codec_i4()).unwrap();
    assert_eq!(codecs_of(dir.path(), "made"), "bytes+blosc");
    let config = &metadata(dir.path(), "made")["codecs"][1]["configuration"];
    assert_eq!(
        (
            config["cname"].as_str(),
            config["shuffle"].as_str(),
            config["typesize"].as_u64()
        ),
        (Some("lz4"), Some("shuffle"), Some(4))
    );
    assert_eq!(
        ZarrDataset::<i32, U2>::open(dir.path(), "made")
            .unwrap()
            .read_all()
            .unwrap(),
        codec_i4()
    );
    let bad = CreateOptions::<i32>::default().compression(Compression::BloscLz4(10));
    let err = ZarrDataset::<i32, U1>::create(dir.path(), "bad", &[4], &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    assert!(
        err.to_string().contains("blosc level 10 is not in 0..=9"),
        "{err}"
    );
}
