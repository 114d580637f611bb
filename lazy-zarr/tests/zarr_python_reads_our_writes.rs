//! Chunks lazy-zarr encodes itself (zstd at the array's level, with or
//! without checksums, gzip, no compression; Zarr v3 and v2) read back
//! identically in zarr-python, an implementation that shares nothing with
//! the writer: after whole, partial, strided and listed writes, edge
//! chunks, and chunks written back to the fill value (which are removed,
//! as zarr-python and zarrs do).
//!
//! zarr-python makes the empty arrays (so their metadata is its own),
//! lazy-zarr writes them, and zarr-python compares what it reads with what
//! a naive model of the writes (plain ndarray assignments) expects. Needs
//! `LAZY_DATASETS_PYTHON`, a Python with numpy and zarr (`.ci/run` makes
//! one); without it the test fails, it does not skip.

use std::path::Path;

use lazy_testkit::python::{ramp, save_f8};

use lazy_core::{DatasetExt, DatasetMutExt, Dyn, DynSelection, ReadWrite, SelectionItem as S};
use lazy_zarr::{ZarrDataset, ZarrElement};
use ndarray::ArrayD;

fn run_python(script: &str, args: &[&Path]) -> String {
    lazy_testkit::python::run_python("numpy zarr", script, args)
}

/// zarr-python makes the empty arrays: metadata, codecs and fill values
/// are its own.
const MAKE: &str = r#"
import sys, zarr, numpy as np
from zarr.codecs import ZstdCodec, GzipCodec, BytesCodec
import numcodecs
root = sys.argv[1]
zarr.create_array(f"{root}/v3_zstd_checksum", shape=(1000, 7), chunks=(64, 3), dtype="<f8",
                  compressors=ZstdCodec(level=5, checksum=True), fill_value=-1.0, zarr_format=3)
zarr.create_array(f"{root}/v3_zstd_default", shape=(5000,), chunks=(512,), dtype="<i2",
                  zarr_format=3)
zarr.create_array(f"{root}/v3_gzip", shape=(777, 5), chunks=(100, 5), dtype="<u1",
                  compressors=GzipCodec(level=6), zarr_format=3)
zarr.create_array(f"{root}/v3_raw", shape=(3000,), chunks=(256,), dtype="<f4",
                  compressors=None, fill_value=0.5, zarr_format=3)
zarr.create_array(f"{root}/v2_zstd", shape=(1000, 7), chunks=(64, 3), dtype="<i4",
                  compressors=numcodecs.Zstd(level=2), fill_value=7, zarr_format=2)
zarr.create_array(f"{root}/v2_gzip", shape=(3000,), chunks=(256,), dtype="<f8",
                  compressors=numcodecs.GZip(level=1), zarr_format=2)
zarr.create_array(f"{root}/v2_raw", shape=(777, 5), chunks=(100, 5), dtype="<u2",
                  compressors=None, zarr_format=2)
"#;

/// zarr-python reads every array and compares it with the expected values
/// (raw little-endian f64 next to the store, one per array), and counts
/// the chunks stored.
const CHECK: &str = r#"
import sys, os, zarr, numpy as np
bad = 0
names = ["v2_gzip", "v2_raw", "v2_zstd", "v3_gzip", "v3_raw", "v3_zstd_checksum", "v3_zstd_default"]
for name in names:
    a = zarr.open_array(f"{sys.argv[1]}/{name}", mode="r")
    want = np.fromfile(os.path.join(sys.argv[2], name + ".f8"), dtype="<f8").reshape(a.shape)
    got = a[...].astype("<f8")
    if not np.array_equal(got, want):
        bad += 1
        print(f"{name}: {int((got != want).sum())} of {got.size} differ")
    else:
        print(f"{name}: ok ({got.size}, {a.dtype}, {a.nchunks_initialized} chunks stored)")
print("bad", bad)
"#;

fn key(items: Vec<S>) -> DynSelection {
    DynSelection::from(items)
}

/// Writes `writes` to array `name` of `store` through lazy-zarr and into a
/// model filled with `fill`; saves the model (as f64) for zarr-python.
fn write_both<T: ZarrElement + Copy + PartialEq + std::fmt::Debug>(
    store: &Path,
    name: &str,
    fill: T,
    writes: &[(DynSelection, ArrayD<T>)],
    as_f64: impl Fn(T) -> f64,
) {
    let mut ds: ZarrDataset<T, Dyn, ReadWrite> = ZarrDataset::open_rw(store, name).unwrap();
    assert!(
        ds.reader().starts_with("lazy-zarr ("),
        "{name} is encoded by lazy-zarr: {}",
        ds.reader()
    );
    let mut model = ArrayD::<T>::from_elem(ds.shape().to_vec(), fill);
    for (sel, value) in writes {
        ds.write_dyn(sel, value.view()).unwrap();
        model.write_dyn(sel, value.view()).unwrap();
    }
    assert_eq!(
        ds.read_all().unwrap(),
        model,
        "{name}: read back through lazy-zarr"
    );
    save_f8(store.parent().unwrap(), name, &model.mapv(as_f64));
}

#[test]
fn zarr_python_reads_what_lazy_zarr_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("written.zarr");
    run_python(MAKE, &[&store]);

    // 2-D f64: a partial write (fill kept around it), strided rows in
    // reverse, a reversed list of columns, then a block back to the fill
    // value (its chunks are then removed).
    let rows = |a, b| S::slice(Some(a), Some(b), None);
    let f8_writes = vec![
        (
            key(vec![rows(10, 700), rows(1, 6)]),
            ramp(&[690, 5], |i| i as f64 * 0.25),
        ),
        (
            key(vec![S::slice(Some(999), None, Some(-3)), S::FULL]),
            ramp(&[334, 7], |i| -(i as f64)),
        ),
        (
            key(vec![S::FULL, S::List(vec![6, 0, 3])]),
            ramp(&[1000, 3], |i| 1e6 + i as f64),
        ),
    ];
    write_both(&store, "v3_zstd_checksum", -1.0, &f8_writes, |v| v);
    let i4_writes: Vec<_> = f8_writes
        .iter()
        .map(|(k, v)| (k.clone(), v.mapv(|x| x as i32)))
        .chain([(
            key(vec![rows(128, 192), S::FULL]),
            ArrayD::from_elem(vec![64, 7], 7),
        )])
        .collect();
    write_both(&store, "v2_zstd", 7, &i4_writes, f64::from);

    // 1-D i16: whole, then every 7th element.
    let i2_writes = vec![
        (key(vec![]), ramp(&[5000], |i| (i as i16).wrapping_mul(13))),
        (
            key(vec![S::slice(None, None, Some(7))]),
            ramp(&[715], |i| -(i as i16)),
        ),
    ];
    write_both(&store, "v3_zstd_default", 0, &i2_writes, f64::from);

    // 2-D u8 / u16: whole, then listed rows (duplicates: the last wins).
    let u1_writes = vec![
        (key(vec![]), ramp(&[777, 5], |i| (i % 251) as u8)),
        (
            key(vec![S::List(vec![776, 3, 3, 400]), S::FULL]),
            ramp(&[4, 5], |i| 200 + i as u8),
        ),
    ];
    write_both(&store, "v3_gzip", 0, &u1_writes, f64::from);
    let u2_writes: Vec<_> = u1_writes
        .iter()
        .map(|(k, v)| (k.clone(), v.mapv(|x| u16::from(x) * 250)))
        .collect();
    write_both(&store, "v2_raw", 0, &u2_writes, f64::from);

    // 1-D floats: the edge chunk (3000 = 11 x 256 + 184) only.
    let f4_writes = vec![(
        key(vec![S::slice(Some(2500), None, None)]),
        ramp(&[500], |i| i as f32 + 0.25),
    )];
    write_both(&store, "v3_raw", 0.5, &f4_writes, f64::from);
    let f8_edge: Vec<_> = f4_writes
        .iter()
        .map(|(k, v)| (k.clone(), v.mapv(f64::from)))
        .collect();
    write_both(&store, "v2_gzip", 0.0, &f8_edge, |v| v);

    let report = run_python(CHECK, &[&store, dir.path()]);
    println!("{report}");
    assert!(report.contains("bad 0"), "{report}");
    assert_eq!(report.matches(": ok (").count(), 7, "{report}");
    // The chunks written back to the fill value are not stored: v2_zstd
    // has 16 x 3 chunks, of which rows 128..192 (one chunk row) are fill.
    assert!(
        report.contains("v2_zstd: ok (7000, int32, 45 chunks stored)"),
        "{report}"
    );
    // Only the chunks the write touched are stored (2500..3000: chunks 9,
    // 10 and the edge chunk 11).
    assert!(
        report.contains("v3_raw: ok (3000, float32, 3 chunks stored)"),
        "{report}"
    );
}
