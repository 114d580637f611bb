//! The fuzz harness: turns bytes into shapes, views and keys, runs them
//! through lazy-datasets and checks the results against the naive reference
//! (`naive.rs`).
//!
//! It is shared by the `cargo fuzz` target (`fuzz/fuzz_targets/selections.rs`)
//! and by `tests/reliability.rs`, which replays the committed corpus and every
//! crash the fuzzer found, on stable Rust. The bytes are read through
//! [`Bytes`], so shapes and keys come from the kit's one generator
//! ([`crate::keys`], in style
//! [`KeyStyle::FUZZ`](crate::keys::KeyStyle::FUZZ)).
//!
//! Each input runs one of six modes, one file each (`check.rs` holds the
//! comparison with the naive model they share, `sources.rs` the stored
//! arrays):
//!
//! - **tree** (`tree.rs`): a random tree of read-only views (`Stacked`,
//!   `Scaled`, `Sum`, `BooleanOr`, `Sliced`, nested) over arrays of varied
//!   memory layouts, read with a random `DynSelection` (extreme integers,
//!   huge lists, empty axes, newaxis, ellipses), also copied with
//!   `copy_into_with` and iterated with `chunks`; compared value by value
//!   with the naive model of the tree;
//! - **write** (`write.rs`): a random tree of writable views (`Stacked`,
//!   `Scaled`, `Sliced`) written with a random key and value, compared with
//!   the naive location-map model (every source checked, and unchanged after
//!   an error);
//! - **region** (`region.rs`): hand-built `Region`s (any `AxisSelection`,
//!   step 0, `usize::MAX` lengths) checked by `Region::new`, read, written,
//!   split into blocks and composed;
//! - **huge** (`huge.rs`): datasets reporting shapes such as
//!   `[usize::MAX, 2]` or `[1 << 40, 1 << 40]` stacked, scaled, summed and
//!   sliced: construction and shapes always checked, reads compared when
//!   their output is small and required to fail when it cannot be allocated;
//! - **wrap** (`wrap.rs`): integer `Sum`s wrap as NumPy's fixed-width
//!   integers do;
//! - **typed** (`typed.rs`): the same checks through arrays of static rank.
//!
//! Every check panics with the case when it fails; a panic of the library
//! itself is a failure too.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::entropy::{Bytes, Entropy};

mod check;
mod huge;
mod region;
mod sources;
mod tree;
mod typed;
mod wrap;
mod write;

/// How many checks of each kind have run, to show the harness is not
/// vacuous: successful reads compared, failed reads compared, successful
/// writes, failed writes, regions read, huge datasets read.
pub static COUNTS: [AtomicUsize; 6] = [const { AtomicUsize::new(0) }; 6];

fn count(i: usize) {
    COUNTS[i].fetch_add(1, Ordering::Relaxed);
}

/// Runs one input; panics when the library misbehaves.
pub fn run(data: &[u8]) {
    let mut u = Bytes::new(data);
    match u.below(16) {
        0..=5 => tree::run(&mut u),
        6..=9 => write::run(&mut u),
        10 | 11 => region::run(&mut u),
        12 | 13 => huge::run(&mut u),
        14 => wrap::run(&mut u),
        _ => typed::run(&mut u),
    }
}
