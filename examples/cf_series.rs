//! A time series split across monthly netCDF-4/HDF5 files, packed as
//! `int16` with CF attributes (`scale_factor`, `add_offset`, `_FillValue`):
//! each file decoded lazily with its own attributes (`Decoded`), the months
//! concatenated along time (`Concat`), and a window across two months read
//! as temperatures, with missing samples as NaN. Only the two files under
//! the window are read.
//!
//! Run with `cargo run --example cf_series --features libhdf5` (needs the
//! system libhdf5). The files are written to a temporary directory that is
//! removed at the end.

use std::path::Path;

use lazy_datasets::hdf5::{create_file, open_file, CfAttributes, H5Dataset};
use lazy_datasets::prelude::*;
use ndarray::{Array2, Axis};

/// Hours per month file and stations per hour.
const HOURS: [usize; 3] = [744, 672, 744];
const STATIONS: usize = 4;

fn h5_error(what: &str) -> impl FnOnce(lazy_datasets::hdf5::hdf5_metno::Error) -> Error + '_ {
    move |e| Error::backend(format!("{what}: {e}"), e)
}

/// Writes one month: temperatures in kelvin packed as `round((t - 273.15)
/// / 0.01)`, every 97th sample missing (`-32767`), in chunks of a day.
fn write_month(path: &Path, month: usize, hours: usize) -> Result<()> {
    let file = create_file(path)?;
    let packed = Array2::from_shape_fn((hours, STATIONS), |(h, s)| {
        let t = 283.15
            + 8.0 * ((h as f64 + 24.0 * 30.0 * month as f64) / 24.0 * std::f64::consts::TAU).sin()
            + s as f64;
        if (h * STATIONS + s) % 97 == 0 {
            -32767i16
        } else {
            ((t - 273.15) / 0.01).round() as i16
        }
    });
    let ds = file
        .new_dataset_builder()
        .with_data(&packed)
        .chunk([24, STATIONS])
        .deflate(4)
        .create("temperature")
        .map_err(h5_error("write the temperatures"))?;
    for (name, value) in [("scale_factor", 0.01), ("add_offset", 273.15)] {
        ds.new_attr::<f64>()
            .create(name)
            .and_then(|a| a.write_scalar(&value))
            .map_err(h5_error("write an attribute"))?;
    }
    ds.new_attr::<i16>()
        .create("_FillValue")
        .and_then(|a| a.write_scalar(&-32767i16))
        .map_err(h5_error("write _FillValue"))?;
    Ok(())
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("lazy-cf-series-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::backend("make the directory", e))?;
    let result = run(&dir);
    std::fs::remove_dir_all(&dir).ok();
    result
}

fn run(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    for (month, &hours) in HOURS.iter().enumerate() {
        let path = dir.join(format!("month-{}.nc", month + 1));
        write_month(&path, month, hours)?;
        files.push(open_file(&path)?);
    }
    // Each month decoded with its own attributes, then joined along time.
    let months = files
        .iter()
        .map(|file| {
            let packed = H5Dataset::<i16, U2>::open(file, "temperature")?;
            let cf = Cf::from_hdf5(&packed)?;
            Decoded::<f64, _>::new(packed, cf)
        })
        .collect::<Result<Vec<_>>>()?;
    let series = Concat::new(months, 0)?;
    println!("series: {:?} hours x stations", series.shape());

    // The last 6 hours of January and the first 6 of February.
    let jan = HOURS[0];
    let window = series.read(sel![jan - 6..jan + 6, ..])?;
    println!(
        "hours {}..{} (kelvin, NaN where missing):",
        jan - 6,
        jan + 6
    );
    for (k, row) in window.axis_iter(Axis(0)).enumerate() {
        let cells: Vec<String> = row.iter().map(|t| format!("{t:7.2}")).collect();
        println!("  {:4}  {}", jan - 6 + k, cells.join(" "));
    }
    let missing = window.iter().filter(|t| t.is_nan()).count();
    println!("{missing} of {} samples missing", window.len());
    // Station means of the whole series, month by month in pieces.
    let mut sums = [0.0f64; STATIONS];
    let mut counts = [0usize; STATIONS];
    for piece in series.chunks(0, 24 * 7)? {
        let (_, piece) = piece?;
        for row in piece.axis_iter(Axis(0)) {
            for (s, &t) in row.iter().enumerate() {
                if !t.is_nan() {
                    sums[s] += t;
                    counts[s] += 1;
                }
            }
        }
    }
    for s in 0..STATIONS {
        println!(
            "station {s}: mean {:.2} K over {} hours",
            sums[s] / counts[s] as f64,
            counts[s]
        );
    }
    Ok(())
}
