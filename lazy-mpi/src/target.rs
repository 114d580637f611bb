//! [`ParallelTarget`]: a dataset that the ranks of a job write together.
//!
//! ```
//! use lazy_mpi::ParallelTarget;
//! // Implemented by parallel HDF5 datasets (and, with the feature `zarr`,
//! // Zarr arrays): the grain is their chunk length along the first axis.
//! fn grain_of(target: &impl ParallelTarget) -> usize {
//!     target.grain()
//! }
//! ```

use lazy_core::{Dataset, DatasetMut, Rank, ReadWrite, Result};
use lazy_hdf5::{H5Dataset, H5Element};

/// A dataset every rank of a job writes part of: the target of
/// [`copy_into`](crate::copy_into).
pub trait ParallelTarget: DatasetMut {
    /// The rows of the first axis that one rank writes together, at least
    /// 1: the chunk length along the first axis (1 for a contiguous HDF5
    /// dataset). Shares are cut at its multiples, so that no two ranks
    /// write one chunk.
    fn grain(&self) -> usize;

    /// Makes what this rank wrote durable once every rank is done writing.
    /// Collective: every rank calls it once, after its last write (for
    /// parallel HDF5 a flush of the file).
    fn finish(&mut self) -> Result<()>;
}

/// A parallel HDF5 dataset ([`create_h5`](crate::create_h5),
/// [`open_h5_rw`](crate::open_h5_rw)), or one each rank opened alone.
impl<T: H5Element, R: Rank> ParallelTarget for H5Dataset<T, R, ReadWrite> {
    fn grain(&self) -> usize {
        self.chunk_grid()
            .and_then(|chunks| chunks.first().copied())
            .unwrap_or(1)
            .max(1)
    }

    /// Flushes the file: collective under MPI-IO.
    fn finish(&mut self) -> Result<()> {
        self.flush()
    }
}

impl<P: ParallelTarget + ?Sized> ParallelTarget for &mut P {
    fn grain(&self) -> usize {
        (**self).grain()
    }

    fn finish(&mut self) -> Result<()> {
        (**self).finish()
    }
}

/// A Zarr array (feature `zarr`): each rank writes whole chunks (of a
/// sharded array, whole shards), so ranks never rewrite each other's chunk
/// files. (lazy-zarr also locks a chunk it rewrites in part, on local
/// filesystems, so even unaligned writes would not lose data; aligned ones
/// need no lock waits.)
#[cfg(feature = "zarr")]
impl<T, R> ParallelTarget for lazy_zarr::ZarrDataset<T, R, ReadWrite>
where
    T: lazy_zarr::ZarrElement,
    R: Rank,
    lazy_zarr::ZarrDataset<T, R, ReadWrite>: DatasetMut,
{
    fn grain(&self) -> usize {
        let zeros = vec![0u64; self.shape().len()];
        self.inner()
            .chunk_shape(&zeros)
            .ok()
            .and_then(|chunk| chunk.first().map(|n| n.get()))
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(1)
            .max(1)
    }

    /// Nothing to do: every chunk is stored when it is written.
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}
