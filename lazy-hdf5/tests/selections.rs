//! HDF5 runs the test kit's backend conformance suite: every selection that
//! works on an ndarray works on an HDF5 dataset, with the results of the
//! naive NumPy reference. Random keys (negative steps, unsorted and
//! duplicated lists, lists on several axes, newaxis, ellipsis, out-of-range
//! entries) are read from and written to contiguous, chunked and
//! deflate-compressed datasets of every element type; long axes take the
//! other transfer strategies (per-run hyperslabs and point selections).

mod common;

use common::Hdf5;
use lazy_hdf5::create_file;
use lazy_testkit::conformance;

fn backend(dir: &tempfile::TempDir, name: &str) -> Hdf5 {
    Hdf5 {
        file: create_file(dir.path().join(name)).unwrap(),
    }
}

#[test]
fn every_element_type() {
    let dir = tempfile::tempdir().unwrap();
    let report = conformance::every_element_type(&mut backend(&dir, "random.h5"), 0x5eed_4df5);
    assert_eq!(report.datasets, 99);
}

#[test]
fn sparse_lists_on_long_axes() {
    let dir = tempfile::tempdir().unwrap();
    conformance::sparse_lists_on_long_axes(&mut backend(&dir, "sparse.h5"), 7, 40, 6, false);
}

#[test]
fn strided_buffers() {
    let dir = tempfile::tempdir().unwrap();
    conformance::strided_buffers(&mut backend(&dir, "strided.h5"), 11);
}

#[test]
fn views_over_hdf5_match_views_over_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    conformance::views(&mut backend(&dir, "views.h5"), 0xc4a2);
}

#[test]
fn masks_and_long_lists() {
    let dir = tempfile::tempdir().unwrap();
    conformance::masks_and_long_lists(&mut backend(&dir, "masks.h5"), 24);
}
