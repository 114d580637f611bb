//! Three Zarr arrays of raw counts, stacked into one dataset and scaled into
//! physical units without reading anything, then copied into a new Zarr
//! array a bounded piece at a time, with a progress bar.
//!
//! Run with `cargo run --release --example zarr_copy --features zarr,progress`.
//! The arrays live in a fresh directory under the system's temporary
//! directory, removed at the end.

use std::path::Path;
use std::time::Instant;

use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{Compression, CreateOptions, ZarrDataset};
use lazy_datasets::{copy_into_with, CopyOptions};
use ndarray::Array2;

/// Rows and columns of each channel.
const SHAPE: [usize; 2] = [4_000, 1_000];

/// Creates channel `name` holding `offset + row + column` as raw `i16` counts,
/// gzip-compressed in chunks of 500 x 250.
fn make_channel(store: &Path, name: &str, offset: i16) -> Result<()> {
    let options = CreateOptions::default()
        .chunks([500, 250])
        .compression(Compression::Gzip(1));
    let mut channel = ZarrDataset::<i16, U2>::create(store, name, &SHAPE, &options)?;
    let data = Array2::from_shape_fn(SHAPE, |(r, c)| offset + (r % 1000 + c) as i16);
    channel.write_all(data)?;
    Ok(())
}

/// The total size of the files below `dir`.
fn disk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_size(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

fn run(store: &Path) -> Result<()> {
    for (name, offset) in [("raw/x", 0), ("raw/y", 2000), ("raw/z", 4000)] {
        make_channel(store, name, offset)?;
    }
    println!(
        "three channels of {:?} raw i16 counts in {} ({} KiB on disk)",
        SHAPE,
        store.display(),
        disk_size(store) / 1024
    );

    // Open read-only, typed: element type and rank are checked against the metadata.
    let x = ZarrDataset::<i16, U2>::open(store, "raw/x")?;
    let y = ZarrDataset::<i16, U2>::open(store, "raw/y")?;
    let z = ZarrDataset::<i16, U2>::open(store, "raw/z")?;
    println!("opened {x:?}");

    // Stack along a new last axis (rank 2 + 1 = 3, in the type) and scale
    // counts into millimetres. Nothing has been read yet.
    let xyz_mm = Scaled::new(Stacked::new(vec![x, y, z], -1)?, 0.25);
    println!(
        "view: stacked and scaled, shape {:?}, dtype {}",
        xyz_mm.shape(),
        xyz_mm.dtype()
    );

    // NumPy: xyz_mm[-1, 10:13, :] — reads 3 elements from each channel.
    let corner = xyz_mm.read(sel![-1, 10..13, ..])?;
    println!("xyz_mm[-1, 10:13, :] =\n{corner}");

    // Copy the whole view into a new Zarr array, 16 MiB of f64 at a time.
    let dst_options = CreateOptions::default()
        .chunks([500, 1_000, 3])
        .compression(Compression::Gzip(1))
        .fill_value(f64::NAN);
    let mut dst = ZarrDataset::<f64, U3>::create(store, "mm/xyz", xyz_mm.shape(), &dst_options)?;
    let start = Instant::now();
    copy_into_with(
        &xyz_mm,
        &mut dst,
        &CopyOptions {
            budget: 16 << 20,
            progress: true,
        },
    )?;
    println!(
        "copied {} elements into {:?} in {:.2?}",
        xyz_mm.shape().iter().product::<usize>(),
        dst.path(),
        start.elapsed()
    );

    // Read back through a fresh read-only handle and compare with the view.
    let copy = ZarrDataset::<f64, U3>::open(store, "mm/xyz")?;
    let rows = sel![..;-997, 999, ..];
    let (want, got) = (xyz_mm.read(rows.clone())?, copy.read(rows)?);
    assert_eq!(want, got);
    println!("copy[::-997, 999, :] =\n{got}");
    Ok(())
}

fn main() -> Result<()> {
    let store = std::env::temp_dir().join(format!("lazy-zarr-copy-{}.zarr", std::process::id()));
    let result = run(&store);
    if let Err(e) = std::fs::remove_dir_all(&store) {
        eprintln!("could not remove {}: {e}", store.display());
    }
    result
}
