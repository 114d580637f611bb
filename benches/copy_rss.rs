//! Peak memory of `copy_into_with`: copies a scaled stack of three HDF5
//! datasets (`--gb` gigabytes of `f64` in all) into a new HDF5 dataset within
//! a memory budget, and prints the process's peak resident set size (VmHWM)
//! next to the budget.
//!
//! `cargo bench --features libhdf5 --bench copy_rss -- --gb 4 --budget-mb 64 [--dir DIR]`
//!
//! With `--zarr` (features `libhdf5,zarr`), the copy a new user tried: three
//! `float32` HDF5 datasets (gzip 4, h5py's default chunking: chunks of
//! 7,813 elements here) scaled and stacked, as `f64`, into a new Zarr array
//! in chunks of [1M, 3] (zstd 3): `--gb` is then the size of the output.
//!
//! The files are written first, a few megabytes at a time, so the peak is the
//! copy's. They are removed at the end.

#[cfg(feature = "libhdf5")]
fn main() -> lazy_datasets::Result<()> {
    use lazy_datasets::hdf5::{create_file, open_file, H5Dataset};
    use lazy_datasets::prelude::*;
    use lazy_datasets::{copy_into_with, CopyOptions};
    use ndarray::Array1;

    let arg = |name: &str| {
        let args: Vec<String> = std::env::args().collect();
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let Some(gb) = arg("--gb").and_then(|v| v.parse::<f64>().ok()) else {
        eprintln!("usage: copy_rss --gb G [--budget-mb M] [--dir DIR]");
        return Ok(());
    };
    let budget_mb: usize = arg("--budget-mb")
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = std::path::PathBuf::from(arg("--dir").unwrap_or_else(|| "target/copy-rss".into()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::backend("cannot create the folder", e))?;
    let h5 = |e: lazy_datasets::hdf5::hdf5_metno::Error| Error::backend(e.to_string(), e);

    let n = (gb * 1e9 / 8.0 / 3.0) as usize;
    #[cfg(feature = "zarr")]
    if std::env::args().any(|a| a == "--zarr") {
        return into_zarr(&dir, n, budget_mb);
    }
    let piece = 1 << 20;
    for k in 0..3 {
        let file = create_file(dir.join(format!("src{k}.h5")))?;
        let ds = file.new_dataset::<f64>().shape(n).create("x").map_err(h5)?;
        let mut start = 0;
        while start < n {
            let len = piece.min(n - start);
            let data = Array1::from_iter((start..start + len).map(|i| (i * 3 + k) as f64));
            ds.write_slice(&data, start..start + len).map_err(h5)?;
            start += len;
        }
    }
    {
        let out = create_file(dir.join("out.h5"))?;
        out.new_dataset::<f64>()
            .shape((n, 3))
            .create("xyz")
            .map_err(h5)?;
    }
    let before = vm_hwm_kb();

    let files: Vec<_> = (0..3)
        .map(|k| open_file(dir.join(format!("src{k}.h5"))))
        .collect::<Result<_>>()?;
    let sources: Vec<H5Dataset<f64, U1>> = files
        .iter()
        .map(|f| H5Dataset::open(f, "x"))
        .collect::<Result<_>>()?;
    let view = Scaled::new(Stacked::new(sources, -1)?, 0.5);
    let out_file = lazy_datasets::hdf5::open_file_rw(dir.join("out.h5"))?;
    let mut out = H5Dataset::<f64, U2>::open_rw(&out_file, "xyz")?;
    let options = CopyOptions {
        budget: budget_mb << 20,
        progress: false,
    };
    let t0 = std::time::Instant::now();
    copy_into_with(&view, &mut out, &options)?;
    let secs = t0.elapsed().as_secs_f64();
    let check = out.read(sel![-1, ..])?;
    let last = (n - 1) as f64;
    assert_eq!(
        check.to_vec(),
        vec![
            last * 1.5,
            (last * 3.0 + 1.0) * 0.5,
            (last * 3.0 + 2.0) * 0.5
        ]
    );

    let peak = vm_hwm_kb();
    println!(
        "copied {:.2} GB in {secs:.1} s; budget {budget_mb} MiB; peak RSS {:.0} MiB (before the copy {:.0} MiB); limit 2 x budget + 50 MB = {:.0} MiB",
        (3 * n * 8) as f64 / 1e9,
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        (2 * budget_mb) as f64 + 50e6 / (1 << 20) as f64
    );
    drop((out, out_file, view, files));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The `--zarr` copy (see the module docs).
#[cfg(all(feature = "libhdf5", feature = "zarr"))]
fn into_zarr(dir: &std::path::Path, n: usize, budget_mb: usize) -> lazy_datasets::Result<()> {
    use lazy_datasets::hdf5::{self, create_file, open_file, H5Dataset};
    use lazy_datasets::prelude::*;
    use lazy_datasets::zarr::{self, ZarrDataset};
    use lazy_datasets::{copy_into_with, CopyOptions};
    use ndarray::Array1;

    let chunk = 7813;
    let options = hdf5::CreateOptions::default()
        .chunks([chunk])
        .compression(hdf5::Compression::Gzip(4));
    for k in 0..3 {
        let file = create_file(dir.join(format!("f{k}.h5")))?;
        let mut ds = H5Dataset::<f32, U1>::create(&file, "x", &[n], &options)?;
        let mut start = 0;
        while start < n {
            let len = (1 << 20).min(n - start);
            let data =
                Array1::from_iter((start..start + len).map(|i| ((i * 3 + k) % 1_000_000) as f32));
            ds.write(sel![start..start + len], &data)?;
            start += len;
        }
    }
    let store = dir.join("out.zarr");
    let _ = std::fs::remove_dir_all(&store);
    let z = zarr::CreateOptions::default()
        .chunks([1 << 20, 3])
        .compression(zarr::Compression::Zstd(3));
    let mut out = ZarrDataset::<f64, U2>::create(&store, "xyz", &[n, 3], &z)?;
    let files: Vec<_> = (0..3)
        .map(|k| open_file(dir.join(format!("f{k}.h5"))))
        .collect::<Result<_>>()?;
    let sources: Vec<H5Dataset<f32, U1>> = files
        .iter()
        .map(|f| H5Dataset::open(f, "x"))
        .collect::<Result<_>>()?;
    let view = Cast::<f64, _>::new(Scaled::new(Stacked::new(sources, -1)?, 0.5f32));
    let before = vm_hwm_kb();
    let t0 = std::time::Instant::now();
    copy_into_with(
        &view,
        &mut out,
        &CopyOptions {
            budget: budget_mb << 20,
            progress: false,
        },
    )?;
    let secs = t0.elapsed().as_secs_f64();
    let last = n - 1;
    let want: Vec<f64> = (0..3)
        .map(|k| ((last * 3 + k) % 1_000_000) as f64 * 0.5)
        .collect();
    assert_eq!(out.read(sel![-1, ..])?.to_vec(), want);
    let peak = vm_hwm_kb();
    let chunk_mib = (1usize << 20) as f64 * 3.0 * 8.0 / (1 << 20) as f64;
    println!(
        "into zarr: copied {:.2} GB in {secs:.2} s; budget {budget_mb} MiB; peak RSS {:.0} MiB (before {:.0} MiB); limit budget + 3 destination chunks + 64 MiB = {:.0} MiB",
        (3 * n * 8) as f64 / 1e9,
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        budget_mb as f64 + 3.0 * chunk_mib + 64.0
    );
    drop((out, view, files));
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// The process's peak resident set size in KiB, from /proc/self/status.
#[cfg(feature = "libhdf5")]
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(not(feature = "libhdf5"))]
fn main() {
    eprintln!("copy_rss needs the libhdf5 feature");
}
