//! The metadata reader's fuzz harness (`lazy_hdf5::__pure::fuzz`, the
//! `hdf5_metadata` target of `fuzz/`) on stable Rust, over the inputs the
//! fuzzer found (`fuzz/regressions/hdf5_metadata/`, each minimised to the
//! bytes that matter): none may panic, and none may make an allocation
//! sized by a length read from the file. A counting allocator records the
//! largest single allocation, which stays far below what damage asked for
//! (the Linux allocator hands out 2 GiB of zeros lazily, so an oversized
//! buffer alone would not fail the test).
//!
//! One test in this file: the allocator's record is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, recording the largest single allocation.
struct Largest;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// The most one allocation may take for an input of a few dozen KiB.
const LIMIT: usize = 64 << 20;

fn regressions() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/hdf5_metadata");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_regressions_replay_without_panics_or_oversized_buffers() {
    let files = regressions();
    assert!(!files.is_empty());
    let mut oversized = Vec::new();
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        LARGEST.store(0, Ordering::Relaxed);
        lazy_hdf5::__pure::fuzz(&bytes);
        let largest = LARGEST.load(Ordering::Relaxed);
        if largest > LIMIT.max(4 * bytes.len()) {
            oversized.push(format!("{name}: an allocation of {largest} bytes"));
        }
    }
    assert!(oversized.is_empty(), "{oversized:#?}");
}
