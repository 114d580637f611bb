//! Files written by lazy-hdf5's own chunk writer (chunks encoded in Rust,
//! `H5Dwrite_chunk`) read back identically in h5py — whose wheels carry
//! their own libhdf5 (2.0), so the check is independent of the writer:
//! deflate + shuffle, fletcher32, big-endian integers, bools as h5py
//! stores them, unfiltered chunks and edge chunks, after whole, partial,
//! strided and listed writes, also through a stack.
//!
//! h5py makes the empty datasets (so their types and filters are h5py's),
//! lazy-hdf5 writes them, and h5py compares what it reads with the values
//! a naive model of the writes (plain ndarray assignments) expects.
//! Needs `LAZY_DATASETS_PYTHON`, a Python with numpy and h5py (`.ci/run`
//! makes one); without it the test fails, it does not skip.

use std::path::Path;

use lazy_testkit::python::{ramp, save_f8};

use lazy_core::{DatasetExt, DatasetMutExt, Dyn, DynSelection, SelectionItem as S, Stacked};
use lazy_hdf5::{open_file_rw, H5Dataset, H5Element};
use ndarray::{s, Array2, ArrayD};
use typenum::U1;

fn run_python(script: &str, args: &[&Path]) -> String {
    lazy_testkit::python::run_python("numpy h5py", script, args)
}

/// h5py makes the empty datasets: their types, chunks, filters and fill
/// values are h5py's.
const MAKE: &str = r#"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("f8_shuffle_deflate", shape=(1000, 7), dtype="<f8", chunks=(64, 3),
                     shuffle=True, compression="gzip", compression_opts=4, fillvalue=-1.0)
    f.create_dataset("i2_be_fletcher", shape=(5000,), dtype=">i2", chunks=(512,),
                     compression="gzip", compression_opts=1, fletcher32=True)
    f.create_dataset("f4_fletcher", shape=(3000,), dtype="<f4", chunks=(256,), fletcher32=True)
    f.create_dataset("u1_plain", shape=(777, 5), dtype="u1", chunks=(100, 5))
    f.create_dataset("b_deflate", shape=(1000,), dtype=bool, chunks=(128,), compression="gzip")
    for k in range(3):
        f.create_dataset(f"ch{k}", shape=(4000,), dtype="<f8", chunks=(1000,),
                         shuffle=True, compression="gzip")
"#;

/// h5py reads every dataset and compares it with the expected values (raw
/// little-endian f64 next to the file, one per dataset).
const CHECK: &str = r#"
import sys, os, h5py, numpy as np
bad = 0
with h5py.File(sys.argv[1], "r") as f:
    for name in sorted(f):
        want = np.fromfile(os.path.join(sys.argv[2], name + ".f8"), dtype="<f8").reshape(f[name].shape)
        got = f[name][...].astype("<f8")
        if not np.array_equal(got, want):
            bad += 1
            print(f"{name}: {int((got != want).sum())} of {got.size} differ")
        else:
            print(f"{name}: ok ({got.size}, {f[name].dtype}, {f[name].compression}, fletcher32={f[name].fletcher32})")
print("bad", bad)
"#;

fn key(items: Vec<S>) -> DynSelection {
    DynSelection::from(items)
}

/// Writes `writes` through lazy-hdf5 and the same into `model`.
fn write_both<T: H5Element + Copy>(
    ds: &mut H5Dataset<T, Dyn, lazy_core::ReadWrite>,
    model: &mut ArrayD<T>,
    writes: &[(DynSelection, ArrayD<T>)],
) {
    for (sel, value) in writes {
        ds.write_dyn(sel, value.view()).unwrap();
        model.write_dyn(sel, value.view()).unwrap();
    }
    assert_eq!(
        &ds.read_all().unwrap(),
        model,
        "read back through lazy-hdf5"
    );
}

#[test]
fn h5py_reads_what_the_chunk_writer_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("written.h5");
    run_python(MAKE, &[&path]);
    write_all_datasets(&path, dir.path());
    // Every handle is closed: h5py reads the file.
    let report = run_python(CHECK, &[&path, dir.path()]);
    println!("{report}");
    assert!(report.contains("bad 0"), "{report}");
    assert_eq!(report.matches(": ok (").count(), 8, "{report}");
}

/// Writes every dataset of the file at `path` through lazy-hdf5, saving in
/// `dir` what each should hold.
fn write_all_datasets(path: &Path, dir: &Path) {
    let file = open_file_rw(path).unwrap();

    // f8, shuffle + deflate, fill -1: a partial write first (fill kept
    // around it), then strided rows and a reversed list of columns.
    let mut ds = H5Dataset::<f64, Dyn>::open_rw(&file, "f8_shuffle_deflate").unwrap();
    assert_eq!(ds.reader(), "lazy-hdf5");
    let mut model = ArrayD::<f64>::from_elem(vec![1000, 7], -1.0);
    let writes = vec![
        (
            key(vec![
                S::slice(Some(10), Some(700), None),
                S::slice(Some(1), Some(6), None),
            ]),
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
    write_both(&mut ds, &mut model, &writes);
    save_f8(dir, "f8_shuffle_deflate", &model.mapv(|v| v));

    // Big-endian i2, deflate + fletcher32: whole, then every 7th element.
    let mut ds = H5Dataset::<i16, Dyn>::open_rw(&file, "i2_be_fletcher").unwrap();
    let mut model = ArrayD::<i16>::zeros(vec![5000]);
    let writes = vec![
        (key(vec![]), ramp(&[5000], |i| (i as i16).wrapping_mul(13))),
        (
            key(vec![S::slice(None, None, Some(7))]),
            ramp(&[715], |i| -(i as i16)),
        ),
    ];
    write_both(&mut ds, &mut model, &writes);
    save_f8(dir, "i2_be_fletcher", &model.mapv(f64::from));

    // f4, fletcher32 alone; an edge chunk (3000 = 11 x 256 + 184).
    let mut ds = H5Dataset::<f32, Dyn>::open_rw(&file, "f4_fletcher").unwrap();
    let mut model = ArrayD::<f32>::zeros(vec![3000]);
    let writes = vec![(
        key(vec![S::slice(Some(2500), None, None)]),
        ramp(&[500], |i| i as f32 + 0.5),
    )];
    write_both(&mut ds, &mut model, &writes);
    save_f8(dir, "f4_fletcher", &model.mapv(f64::from));

    // u1 without filters, listed rows (duplicates: the last wins).
    let mut ds = H5Dataset::<u8, Dyn>::open_rw(&file, "u1_plain").unwrap();
    let mut model = ArrayD::<u8>::zeros(vec![777, 5]);
    let writes = vec![
        (key(vec![]), ramp(&[777, 5], |i| (i % 251) as u8)),
        (
            key(vec![S::List(vec![776, 3, 3, 400]), S::FULL]),
            ramp(&[4, 5], |i| 200 + i as u8),
        ),
    ];
    write_both(&mut ds, &mut model, &writes);
    save_f8(dir, "u1_plain", &model.mapv(f64::from));

    // bool (h5py's enum over i8), deflate.
    let mut ds = H5Dataset::<bool, Dyn>::open_rw(&file, "b_deflate").unwrap();
    let mut model = ArrayD::<bool>::from_elem(vec![1000], false);
    let writes = vec![(
        key(vec![S::slice(None, None, Some(3))]),
        ramp(&[334], |i| i % 5 != 0),
    )];
    write_both(&mut ds, &mut model, &writes);
    save_f8(dir, "b_deflate", &model.mapv(|b| f64::from(u8::from(b))));

    // Three channels written through a stack: the (N, 3) value's columns
    // are strided in memory, and each channel gets its own.
    let channels: Vec<_> = (0..3)
        .map(|k| H5Dataset::<f64, U1>::open_rw(&file, &format!("ch{k}")).unwrap())
        .collect();
    let mut stack = Stacked::new(channels, -1).unwrap();
    let value = Array2::from_shape_fn((4000, 3), |(i, k)| (i * 10 + k) as f64);
    stack.write_all(&value).unwrap();
    // NumPy: stack[3950:4050, [2, 0]] = part (the slice ends at 4000).
    let part = Array2::from_shape_fn((50, 2), |(i, k)| -((i * 10 + k) as f64));
    stack
        .write(
            key(vec![
                S::slice(Some(3950), Some(4050), None),
                S::List(vec![2, 0]),
            ]),
            &part,
        )
        .unwrap();
    let mut model: Array2<f64> = value.clone();
    for (j, &k) in [2usize, 0].iter().enumerate() {
        for i in 0..50 {
            model[[3950 + i, k]] = part[[i, j]];
        }
    }
    let back: Array2<f64> = stack.read_all().unwrap();
    assert_eq!(back, model);
    for k in 0..3 {
        save_f8(
            dir,
            &format!("ch{k}"),
            &model.slice(s![.., k]).to_owned().into_dyn(),
        );
    }
}
