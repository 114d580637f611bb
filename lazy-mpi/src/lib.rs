//! MPI scale-out for lazy-datasets: the ranks of a job each read their
//! share of a view and write the same rows of one parallel HDF5 file (or of
//! chunk-disjoint Zarr chunks), or reduce their share to one number.
//! With the facade's feature `mpi` this crate is `lazy_datasets::mpi`.
//!
//! - [`share`]: this rank's contiguous rows of the first axis, cut at the
//!   target's chunk length so that no two ranks write one chunk
//!   ([`share_of`] is the same as a pure function).
//! - [`open_file`], [`open_file_rw`], [`create_file`]: one HDF5 file opened
//!   by every rank through libhdf5's MPI-IO driver (its datasets open with
//!   lazy-hdf5's `H5Dataset::open`, `open_rw` and `create`); [`open_h5`],
//!   [`open_h5_rw`], [`create_h5`]: a file and a dataset in one call.
//! - [`copy_into`]: every rank copies its share of any view into a
//!   [`ParallelTarget`], in budgeted pieces.
//! - [`sum`], [`min`], [`max`]: every rank reduces its share; the results
//!   are combined on every rank.
//! - [`agree`]: an error on one rank becomes an error on every rank, before
//!   the next collective step.
//!
//! ```no_run
//! use lazy_core::{Scaled, Stacked};
//! use lazy_hdf5::{open_file, CreateOptions, H5Dataset};
//! use mpi::traits::Communicator;
//! use typenum::{U1, U2};
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! let view = lazy_mpi::agree(&world, (|| {
//!     let file = open_file("channels.h5")?; // each rank, independently
//!     let (x, y) = (H5Dataset::<f64, U1>::open(&file, "x")?, H5Dataset::<f64, U1>::open(&file, "y")?);
//!     Ok(Scaled::new(Stacked::new(vec![x, y], -1)?, 2.0))
//! })())?;
//! let n = lazy_core::Dataset::shape(&view)[0];
//! {
//!     let mut out = lazy_mpi::create_h5::<f64, U2, _>(&world, "out.h5", "xy", &[n, 2], &CreateOptions::default().chunks([4096, 2]))?;
//!     lazy_mpi::copy_into(&world, &view, &mut out)?;
//!     let total = lazy_mpi::sum(&world, &out)?;
//!     if world.rank() == 0 {
//!         println!("sum {total}");
//!     }
//! } // the parallel file closes on every rank, before MPI is finalized
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The MPI hazard
//!
//! Under the MPI-IO driver, creating, opening, flushing and closing a file
//! are collective: a rank that skips one (it returned early on an error)
//! leaves the others waiting forever. Every function here that can fail on
//! one rank agrees on a status with all ranks ([`agree`]) before the next
//! collective step, and makes the same collective calls on every rank, so
//! an error anywhere is an error everywhere and the job ends. Code around
//! them does the same: [`agree`] on opening the sources before
//! [`create_h5`], and drop the parallel handles on every rank.
//!
//! # Building
//!
//! The crate links the system MPI (rsmpi; OpenMPI on Debian:
//! `openmpi-bin libopenmpi-dev`, and `libclang-dev` for its bindings) and
//! the MPI build of libhdf5 (lazy-hdf5's feature `mpio`, which enables
//! hdf5-metno's): on Debian `libhdf5-openmpi-dev`, chosen at build time
//! with `HDF5_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi`.
#![warn(missing_docs)]

mod agree;
mod copy;
mod h5;
mod reduce;
mod share;
mod target;

pub use agree::agree;
pub use copy::{copy_into, copy_into_with};
pub use h5::{create_file, create_h5, open_file, open_file_rw, open_h5, open_h5_rw};
pub use reduce::{max, min, sum};
pub use share::{share, share_of};
pub use target::ParallelTarget;

/// rsmpi, the MPI bindings this crate is built on: `mpi::initialize`,
/// communicators, collectives.
pub use mpi;
