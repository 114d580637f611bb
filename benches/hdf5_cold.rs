//! The Rust side of `bench/compare_hdf5_cold.sh`: the first pass (and a
//! second) over 1,000 windows of 1,000 rows, at starts `i * 7919`, of a
//! stack of the three `float32` datasets `a`, `b`, `c` of an HDF5 file,
//! in a fresh process: the cold pass a new user sees. Prints
//! `cold<TAB>lazy-datasets<TAB>seconds` and `warm<TAB>…`.
//!
//! `cargo bench --features libhdf5 --bench hdf5_cold -- FILE` (the file
//! opened through libhdf5, as `bench/compare_hdf5_cold.sh` does); with
//! `--features hdf5` only, by lazy-hdf5's own reader.

#[cfg(feature = "hdf5")]
fn main() -> lazy_datasets::Result<()> {
    use lazy_datasets::hdf5::{open_file, H5Dataset};
    use lazy_datasets::prelude::*;

    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: hdf5_cold FILE");
        return Ok(());
    };
    let mut t0 = std::time::Instant::now();
    let file = open_file(&path)?;
    let sources: Vec<H5Dataset<f32, U1>> = ["a", "b", "c"]
        .iter()
        .map(|n| H5Dataset::open(&file, n))
        .collect::<Result<_>>()?;
    let x = Stacked::new(sources, -1)?;
    let n = x.shape()[0];
    let mut sum = 0.0f32;
    for pass in ["cold", "warm"] {
        for i in 0..1000usize {
            let a = (i * 7919) % (n - 1000);
            sum += x.read(sel![a..a + 1000, ..])?[[999, 2]];
        }
        // The cold pass includes opening the file and datasets.
        println!("{pass}\tlazy-datasets\t{}", t0.elapsed().as_secs_f64());
        t0 = std::time::Instant::now();
        std::hint::black_box(sum);
    }
    Ok(())
}

#[cfg(not(feature = "hdf5"))]
fn main() {
    eprintln!("hdf5_cold needs the hdf5 feature");
}
