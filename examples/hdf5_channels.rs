//! Three channels in three HDF5 files, stacked into one N x 3 view, scaled
//! into volts, their saturation flags OR'ed, a slice read and a slice written
//! back through the views, printing what happens.
//!
//! Run with `cargo run --example hdf5_channels --features libhdf5` (needs the
//! system libhdf5). The files are written to a temporary directory that is
//! removed at the end.

use std::path::{Path, PathBuf};

use lazy_datasets::hdf5::{create_file, open_file_rw, Compression, CreateOptions, H5Dataset};
use lazy_datasets::prelude::*;
use ndarray::Array1;

const N: usize = 100_000;
const CHANNELS: [&str; 3] = ["x", "y", "z"];
/// Full scale of the (pretend) 12-bit converter: 2048 counts are 2.5 V.
const VOLTS_PER_COUNT: f64 = 2.5 / 2048.0;

fn key(elems: Vec<SelectionItem>) -> DynSelection {
    DynSelection::from(elems)
}

/// Writes one channel file: raw counts (chunked and compressed) and a flag
/// per sample that is set where the converter saturated.
fn write_channel(path: &Path, channel: usize) -> Result<()> {
    let file = create_file(path)?;
    let counts = Array1::from_iter((0..N).map(|k| {
        let phase = (k * (channel + 1)) as f64 / 500.0;
        (2100.0 * phase.sin()).clamp(-2048.0, 2047.0) as i32
    }));
    let saturated = counts.mapv(|c| c <= -2048 || c >= 2047);
    let compressed = CreateOptions::default()
        .chunks([8192])
        .compression(Compression::Gzip(4))
        .shuffle(true);
    H5Dataset::<i32, U1>::create(&file, "counts", &[N], &compressed)?.write_all(&counts)?;
    H5Dataset::<bool, U1>::create(&file, "saturated", &[N], &CreateOptions::default())?
        .write_all(&saturated)?;
    Ok(())
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("lazy-datasets-hdf5-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::backend(format!("cannot create {}", dir.display()), e))?;
    let result = run(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run(dir: &Path) -> Result<()> {
    let paths: Vec<PathBuf> = CHANNELS
        .iter()
        .map(|c| dir.join(format!("{c}.h5")))
        .collect();
    for (i, path) in paths.iter().enumerate() {
        write_channel(path, i)?;
    }
    println!(
        "wrote {} channel files of {N} samples to {}",
        CHANNELS.len(),
        dir.display()
    );

    // Open every channel typed: i32 counts (for writing) and bool flags
    // (read-only), rank 1, checked now.
    let files = paths.iter().map(open_file_rw).collect::<Result<Vec<_>>>()?;
    let counts = files
        .iter()
        .map(|f| H5Dataset::<i32, U1>::open_rw(f, "counts"))
        .collect::<Result<Vec<_>>>()?;
    let flags = files
        .iter()
        .map(|f| H5Dataset::<bool, U1>::open(f, "saturated"))
        .collect::<Result<Vec<_>>>()?;
    println!("opened {:?}", counts[0]);

    // Stack the channels as columns (N x 3, rank 2 in the type) and scale to volts.
    let xyz = Stacked::new(counts, -1)?;
    let mut volts = Scaled::new(xyz, VOLTS_PER_COUNT);
    println!(
        "stacked and scaled: shape {:?}, dtype {} (nothing read yet)",
        volts.shape(),
        volts.dtype()
    );
    let any_saturated = BooleanOr::new(flags.iter().collect())?;
    println!(
        "flags OR'ed: shape {:?}, dtype {}",
        any_saturated.shape(),
        any_saturated.dtype()
    );

    // NumPy: volts[1000:1006] — reads 6 rows from each file, nothing else.
    let rows = key(vec![SelectionItem::slice(Some(1000), Some(1006), None)]);
    println!("volts[1000:1006] =\n{:.4}", volts.read_dyn(&rows)?);

    // NumPy: any_saturated[640:700:6] — where any channel clipped.
    let some = key(vec![SelectionItem::slice(Some(640), Some(700), Some(6))]);
    println!(
        "any_saturated[640:700:6] = {}",
        any_saturated.read_dyn(&some)?
    );
    let all_flags = any_saturated.read_all()?;
    println!(
        "{} of {N} samples saturated on some channel",
        all_flags.iter().filter(|&&b| b).count()
    );

    // NumPy: volts[1000:1006, ::-1] = [0.5, 1.0, -1.0] — the last column
    // gets 0.5, written back to z.h5 as counts (value / scale, truncated to
    // whole counts, so it reads back as 0.4993 V).
    let block = key(vec![
        SelectionItem::slice(Some(1000), Some(1006), None),
        SelectionItem::slice(None, None, Some(-1)),
    ]);
    volts.write(block, &ndarray::array![0.5, 1.0, -1.0])?;
    println!("after volts[1000:1006, ::-1] = [0.5, 1.0, -1.0]:");
    println!(
        "volts[998:1008] =\n{:.4}",
        volts.read_dyn(&key(vec![SelectionItem::slice(
            Some(998),
            Some(1008),
            None
        )]))?
    );

    // The files hold the new raw counts.
    let z = &volts.source().sources()[2];
    let raw = z.read_dyn(&key(vec![SelectionItem::List(vec![999, 1000, 1005, 1006])]))?;
    println!(
        "{} {}[[999, 1000, 1005, 1006]] = {raw}",
        z.file_name(),
        z.path()
    );
    Ok(())
}
