//! The Zarr backend through the facade (`lazy_datasets::zarr`, feature
//! `zarr`): typed `sel!` selections, views over Zarr arrays, out-of-core
//! copies between Zarr arrays.
//!
//! Run with `cargo test --features zarr --test zarr`.

use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{Compression, CreateOptions, ZarrDataset};
use lazy_datasets::{copy_into_with, CopyOptions};
use ndarray::{array, Array1, Array2, Array3};

fn store() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lazy-datasets-zarr-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn channel(
    store: &std::path::Path,
    name: &str,
    data: Array2<i32>,
) -> ZarrDataset<i32, U2, ReadWrite> {
    let options = CreateOptions::default()
        .chunks([3, 2])
        .compression(Compression::Gzip(1));
    let mut ds = ZarrDataset::<i32, U2>::create(store, name, data.shape(), &options).unwrap();
    ds.write_all(data).unwrap();
    ZarrDataset::<i32, U2>::open_rw(store, name).unwrap()
}

#[test]
fn typed_selections_views_and_writes() {
    let store = store();
    let a = Array2::from_shape_fn((7, 5), |(r, c)| (r * 5 + c) as i32);
    let b = a.mapv(|v| -v);
    let mut x = channel(&store, "x", a.clone());
    let mut y = channel(&store, "y", b.clone());

    // Typed selections: the output rank is known to the compiler.
    let row: Array1<i32> = x.read(sel![-1, ..;-2]).unwrap();
    assert_eq!(row, array![34, 32, 30]);
    let picked: Array3<i32> = x.read(sel![[4, 0, 4], NewAxis, 1..=3]).unwrap();
    assert_eq!(picked.shape(), &[3, 1, 3]);
    assert_eq!(picked[[2, 0, 0]], 21);

    // Views over Zarr arrays: stack, scale, sum.
    {
        let both = Stacked::new(vec![&mut x, &mut y], 0).unwrap();
        let mut scaled = Scaled::new(both, 0.5);
        let corner: Array2<f64> = scaled.read(sel![.., 6, ..;4]).unwrap();
        assert_eq!(corner, array![[15.0, 17.0], [-15.0, -17.0]]);
        // Writing through the views reaches both arrays: NumPy scaled[:, 0, 0] = 50.
        scaled.write(sel![.., 0, 0], 50.0).unwrap();
    }
    assert_eq!(x.read(sel![0, 0]).unwrap().into_scalar(), 100);
    assert_eq!(y.read(sel![0, 0]).unwrap().into_scalar(), 100);
    let total: Array2<i32> = Sum::new(vec![&x, &y]).unwrap().read_all().unwrap();
    assert_eq!(total[[6, 4]], 0);
    assert_eq!(total[[0, 0]], 200);
    let _ = std::fs::remove_dir_all(&store);
}

#[test]
fn copies_between_zarr_arrays_within_a_budget() {
    let store = store();
    let src = Array2::from_shape_fn((40, 30), |(r, c)| (r * 30 + c) as i32);
    let x = channel(&store, "src", src.clone());
    let options = CreateOptions::default().chunks([8, 30]);
    let mut dst = ZarrDataset::<f64, U2>::create(&store, "dst", &[40, 30], &options).unwrap();
    let view = Scaled::new(&x, 2.0);
    let copy = CopyOptions {
        budget: 1000,
        ..CopyOptions::default()
    };
    copy_into_with(&view, &mut dst, &copy).unwrap();
    assert_eq!(dst.read_all().unwrap(), src.mapv(|v| 2.0 * v as f64));
    // Iterate the copy in chunks of 16 rows.
    let rows: Vec<usize> = dst
        .chunks(0, 16)
        .unwrap()
        .map(|c| c.unwrap().1.shape()[0])
        .collect();
    assert_eq!(rows, vec![16, 16, 8]);
    let _ = std::fs::remove_dir_all(&store);
}
