//! Agreeing on errors: every rank learns whether any rank failed, before
//! the next collective step.
//!
//! Under MPI a rank that returns early on an error while the others go on
//! to a collective call (a parallel HDF5 file's create, flush or close, an
//! all-reduce) leaves them waiting for it forever. So every step that can
//! fail on one rank is followed by [`agree`]: one all-gather of a status
//! per rank, after which every rank returns the same way, `Ok` everywhere
//! or an error everywhere (its own error on a rank that failed, an error
//! naming the first failed rank on the others).
//!
//! ```no_run
//! use lazy_core::{Dyn, Result};
//! use lazy_hdf5::H5Dataset;
//!
//! fn open_sources(rank: i32) -> Result<Vec<H5Dataset<f64, Dyn>>> {
//!     let file = lazy_hdf5::open_file(format!("part-{rank}.h5"))?;
//!     Ok(vec![H5Dataset::open(&file, "x")?])
//! }
//!
//! let universe = mpi::initialize().ok_or("MPI was initialized already")?;
//! let world = universe.world();
//! use mpi::traits::Communicator;
//! // A missing file on one rank is an error on every rank: none goes on
//! // to a collective create and waits there for the others.
//! let sources = lazy_mpi::agree(&world, open_sources(world.rank()))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use lazy_core::{Error, ErrorKind, Result};
use mpi::traits::{Communicator, CommunicatorCollectives};

/// Returns `local` on every rank if every rank's `local` is `Ok`, else an
/// error on every rank: on a rank that failed its own error, on the others
/// an error of the same [`ErrorKind`] naming the first rank that failed
/// (whose own error says why). Collective: every rank of `comm` calls it,
/// once per step, with its own result.
pub fn agree<C, T>(comm: &C, local: Result<T>) -> Result<T>
where
    C: Communicator + ?Sized,
{
    let code = match &local {
        Ok(_) => 0,
        Err(e) => code_of(e.kind()),
    };
    let size = usize::try_from(comm.size()).unwrap_or(1);
    let mut codes = vec![0i32; size];
    comm.all_gather_into(&code, &mut codes[..]);
    let value = local?;
    match codes.iter().position(|&c| c != 0) {
        None => Ok(value),
        Some(rank) => {
            let kind = codes.get(rank).copied().unwrap_or(0);
            Err(error_of(
                kind,
                format!(
                    "rank {rank} of {size} failed (its own error says why), so rank {} stops too",
                    comm.rank()
                ),
            ))
        }
    }
}

/// Runs `step(k)` for `k` in `0..local` on this rank, in lockstep with
/// the other ranks: every rank takes as many steps as the rank with the
/// most (doing nothing in the steps it has none), and after each step all
/// of them [`agree`], so that an error on any rank stops every rank at the
/// same step. Collective.
pub(crate) fn lockstep<C: Communicator + ?Sized>(
    comm: &C,
    local: usize,
    mut step: impl FnMut(usize) -> Result<()>,
) -> Result<()> {
    let mut steps = 0u64;
    comm.all_reduce_into(
        &(local as u64),
        &mut steps,
        mpi::collective::SystemOperation::max(),
    );
    for k in 0..steps {
        let k = usize::try_from(k).unwrap_or(usize::MAX);
        let done = if k < local { step(k) } else { Ok(()) };
        agree(comm, done)?;
    }
    Ok(())
}

fn code_of(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Index => 1,
        ErrorKind::Shape => 2,
        ErrorKind::Value => 3,
        ErrorKind::Internal => 5,
        _ => 4,
    }
}

fn error_of(code: i32, message: String) -> Error {
    match code {
        1 => Error::index(message),
        2 => Error::shape(message),
        3 => Error::value(message),
        5 => Error::internal(message),
        _ => Error::backend_msg(message),
    }
}

#[cfg(test)]
mod tests {
    use super::{code_of, error_of};
    use lazy_core::ErrorKind;

    #[test]
    fn kinds_travel_between_ranks() {
        for kind in [
            ErrorKind::Index,
            ErrorKind::Shape,
            ErrorKind::Value,
            ErrorKind::Backend,
        ] {
            assert_ne!(code_of(kind), 0);
            assert_eq!(error_of(code_of(kind), String::new()).kind(), kind);
        }
    }
}
