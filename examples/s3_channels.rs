//! Three Zarr arrays in an S3 bucket, stacked and scaled into physical units
//! without reading anything, a window read from them, then the whole view
//! copied into a local Zarr store a bounded piece at a time, with progress.
//!
//! ```sh
//! # an S3-compatible server on 127.0.0.1:5000 with a bucket "demo" (moto's, from PyPI):
//! python3 -m venv /tmp/moto && /tmp/moto/bin/pip install -q 'moto[server]' && \
//!   (/tmp/moto/bin/moto_server -H 127.0.0.1 -p 5000 &) && sleep 3 && curl -X PUT http://127.0.0.1:5000/demo
//! # the example, configured as every AWS tool is, by environment variables:
//! AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
//!   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//!   cargo run --release --example s3_channels --features cloud,progress -- s3://demo/run1.zarr
//! ```
//!
//! The first argument is the store's URL (default `s3://demo/run1.zarr`);
//! the example writes the three channels there first (raw `i16` counts,
//! zstd-compressed), so it needs only an empty bucket.

use std::time::Instant;

use lazy_datasets::prelude::*;
use lazy_datasets::zarr::{Compression, CreateOptions, ZarrDataset};
use lazy_datasets::{copy_into_with, CopyOptions};
use ndarray::Array2;

/// Rows and columns of each channel.
const SHAPE: [usize; 2] = [2_000, 500];

/// Writes channel `name` holding `offset + (row % 1000) + column` as raw counts.
fn make_channel(url: &str, name: &str, offset: i16) -> Result<()> {
    let options = CreateOptions::default()
        .chunks([250, 250])
        .compression(Compression::Zstd(3))
        .overwrite(true);
    let mut channel = ZarrDataset::<i16, U2>::create_url(url, name, &SHAPE, &options)?;
    channel.write_all(Array2::from_shape_fn(SHAPE, |(r, c)| {
        offset + (r % 1000 + c) as i16
    }))?;
    Ok(())
}

fn run(url: &str, local: &std::path::Path) -> Result<()> {
    let start = Instant::now();
    for (name, offset) in [("raw/x", 0), ("raw/y", 2000), ("raw/z", 4000)] {
        make_channel(url, name, offset)?;
    }
    println!(
        "wrote three channels of {SHAPE:?} i16 counts to {url} in {:.2?}",
        start.elapsed()
    );

    // Open read-only by URL, typed: element type and rank are checked against the metadata.
    let open = |name| ZarrDataset::<i16, U2>::open_url(url, name);
    let (x, y, z) = (open("raw/x")?, open("raw/y")?, open("raw/z")?);
    println!("opened {x:?}");

    // Stacked along a new last axis (rank 3, in the type), counts scaled to
    // millimetres. Nothing has been fetched yet.
    let xyz_mm = Scaled::new(Stacked::new(vec![x, y, z], -1)?, 0.25);

    // NumPy: xyz_mm[1000:1003, -2:, :] — fetches one chunk of each channel.
    let window = xyz_mm.read(sel![1000..1003, -2.., ..])?;
    println!("xyz_mm[1000:1003, -2:, :] =\n{window}");

    // Copy the whole view into a local store, 8 MiB of f64 at a time; each
    // piece fetches its chunks side by side.
    let options = CreateOptions::default()
        .chunks([250, 500, 3])
        .compression(Compression::Zstd(1));
    let mut dst = ZarrDataset::<f64, U3>::create(local, "mm/xyz", xyz_mm.shape(), &options)?;
    let start = Instant::now();
    copy_into_with(
        &xyz_mm,
        &mut dst,
        &CopyOptions {
            budget: 8 << 20,
            progress: true,
        },
    )?;
    println!(
        "copied {} elements from {url} into {} in {:.2?}",
        xyz_mm.shape().iter().product::<usize>(),
        local.display(),
        start.elapsed()
    );

    // The copy holds what the view reads.
    let copy = ZarrDataset::<f64, U3>::open(local, "mm/xyz")?;
    let rows = sel![..;-499, 7, ..];
    assert_eq!(xyz_mm.read(rows.clone())?, copy.read(rows)?);
    Ok(())
}

fn main() -> Result<()> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "s3://demo/run1.zarr".to_string());
    let local = std::env::temp_dir().join(format!("s3-channels-{}.zarr", std::process::id()));
    let result = run(&url, &local);
    if let Err(e) = std::fs::remove_dir_all(&local) {
        eprintln!("could not remove {}: {e}", local.display());
    }
    result
}
