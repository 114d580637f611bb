//! The README's main job: stack, scale, sum, OR, slice and write in-memory
//! channels, then read a netCDF-4 file (feature `hdf5`, a default one),
//! printing what happens.
//!
//! Run with `cargo run --example quickstart`.

use lazy_datasets::prelude::*;

use ndarray::{Array1, Array2, ArrayViewMutD};
use std::sync::atomic::{AtomicUsize, Ordering};

/// An in-memory channel that counts the elements read from it, to show that
/// views load only what a slice needs (atomically: datasets are read from
/// several threads).
struct Counted {
    data: Array1<i32>,
    loaded: AtomicUsize,
}

impl Dataset for Counted {
    type Elem = i32;
    type Rank = U1;

    fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, i32>) -> Result<()> {
        self.loaded.fetch_add(region.out_size()?, Ordering::Relaxed);
        self.data.read_into(&region, out)
    }
}

fn channel(n: usize, offset: i32) -> Counted {
    Counted {
        data: Array1::from_iter((0..n as i32).map(|i| offset + i)),
        loaded: AtomicUsize::new(0),
    }
}

fn loaded(channels: &[&Counted]) -> usize {
    channels
        .iter()
        .map(|c| c.loaded.load(Ordering::Relaxed))
        .sum()
}

fn main() -> Result<()> {
    let n = 1_000_000;
    let (x, y, z) = (channel(n, 0), channel(n, 1_000), channel(n, 2_000));
    println!("three channels of {n} raw counts each");

    // Stack: three rank-1 channels become one n x 3 dataset (rank 2, in the type).
    let xyz = Stacked::new(vec![&x, &y, &z], -1)?;
    println!("stacked shape {:?} (dtype {})", xyz.shape(), xyz.dtype());

    // Scale counts into millimetres: i32 counts read as f64.
    let mm = Scaled::new(&xyz, 0.25);
    let rows: Array2<f64> = mm.read(sel![..2])?;
    println!("first two rows in mm:\n{rows}");

    // A slice reads only its elements: rows 100..105 of the y channel.
    let before = loaded(&[&x, &y, &z]);
    // The integer index drops an axis, in the type: a rank-1 result.
    let y_slice: Array1<f64> = mm.read(sel![100..105, 1])?;
    let loaded = loaded(&[&x, &y, &z]) - before;
    println!("mm[100:105, 1] = {y_slice} (loaded {loaded} elements)");

    // Sum two signals and OR two flag masks, lazily.
    let signal = Sum::new(vec![&x.data, &y.data])?;
    let last = signal.read(sel![-3..])?;
    println!("(x + y)[-3:] = {last}");
    let saturated = Array1::from_iter((0..n).map(|i| u8::from(i % 400_000 == 7)));
    let dropout = Array1::from_iter((0..n).map(|i| u8::from(i == 9)));
    let flags = BooleanOr::new(vec![&saturated, &dropout])?;
    let bad = flags.read(sel![5..11])?;
    println!("flags[5:11] = {bad}");

    // A lazy view of a view: rows 10..20 of the scaled stack, then its last column.
    let window = Scaled::new(&xyz, 0.25).view(sel![10..20, ..])?;
    let z_tail: Array1<f64> = window.read(sel![-2.., -1])?;
    println!("mm[10:20][-2:, -1] = {z_tail}");

    // Write back through the views: mm[0, ::-1] = [30, 20, 10] (in mm, reversed).
    let mut cx = x.data.clone();
    let mut cy = y.data.clone();
    let mut cz = z.data.clone();
    {
        let mut writable = Scaled::new(Stacked::new(vec![&mut cx, &mut cy, &mut cz], -1)?, 0.25);
        writable.write(sel![0, ..;-1], &ndarray::arr1(&[30.0, 20.0, 10.0]))?;
    }
    println!(
        "after writing mm[0, ::-1] = [30, 20, 10]: raw x[0], y[0], z[0] = {}, {}, {}",
        cx[0], cy[0], cz[0]
    );
    #[cfg(feature = "hdf5")]
    netcdf()?;
    Ok(())
}

/// A netCDF-4 file written by netCDF4-python (packed `int16` temperatures
/// with CF attributes, deflate + shuffle), read in Rust with no C library:
/// opened, decoded as xarray would, and sliced.
#[cfg(feature = "hdf5")]
fn netcdf() -> Result<()> {
    use lazy_datasets::hdf5::{open_file, CfAttributes, H5Dataset};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/lazy-hdf5/tests/fixtures/netcdf4_fixture.nc"
    );
    let file = open_file(path)?;
    let packed = H5Dataset::<i16, U3>::open(&file, "temperature")?;
    println!(
        "netCDF-4 temperature: shape {:?}, int16 on disk",
        packed.shape()
    );
    let cf = Cf::from_hdf5(&packed)?; // scale_factor, add_offset, _FillValue
    let kelvin = Decoded::<f64, _>::new(packed, cf)?;
    // The first time step's first row, in kelvin (NaN where the value is missing).
    let row: Array1<f64> = kelvin.read(sel![0, 0, ..4])?;
    println!("temperature[0, 0, :4] in K = {row}");
    Ok(())
}
