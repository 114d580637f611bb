//! Shared by the integration tests: datasets written by hdf5-metno itself,
//! and HDF5 as a backend of the test kit's conformance suite.
#![allow(dead_code)]

use lazy_core::{DatasetExt, Dyn, ReadWrite};
use lazy_hdf5::{H5Dataset, H5Element};
use lazy_testkit::conformance::Backend;
use ndarray::ArrayD;
use rand::rngs::SmallRng;
use rand::Rng;

/// How a test dataset is stored.
#[derive(Debug, Clone, Copy)]
pub enum Layout {
    Contiguous,
    Chunked,
    Deflate,
}

/// Creates `name` in `file` with `data`, written by hdf5-metno itself (not by
/// the code under test).
pub fn create<T: H5Element>(
    file: &lazy_hdf5::File<ReadWrite>,
    name: &str,
    data: &ArrayD<T>,
    layout: Layout,
    rng: &mut SmallRng,
) -> H5Dataset<T, Dyn, ReadWrite> {
    let shape = data.shape().to_vec();
    let builder = file.new_dataset::<T>();
    let ds = if shape.is_empty() {
        builder.shape(()).create(name)
    } else {
        let chunk: Vec<usize> = shape
            .iter()
            .map(|&n| rng.random_range(1..=n.max(1)))
            .collect();
        let chunkable = shape.iter().all(|&n| n > 0);
        match layout {
            Layout::Chunked if chunkable => builder.shape(shape.clone()).chunk(chunk).create(name),
            Layout::Deflate if chunkable => builder
                .shape(shape.clone())
                .chunk(chunk)
                .shuffle()
                .deflate(4)
                .create(name),
            _ => builder.shape(shape.clone()).create(name),
        }
    }
    .unwrap();
    if !data.is_empty() {
        ds.write(data.view()).unwrap();
    }
    let opened = H5Dataset::<T, Dyn>::open_rw(file, name).unwrap();
    assert_eq!(opened.shape(), &shape[..]);
    opened
}

/// HDF5 datasets in one file, in the three layouts, for the conformance
/// suite of the test kit.
pub struct Hdf5 {
    pub file: lazy_hdf5::File<ReadWrite>,
}

impl<T: H5Element> Backend<T> for Hdf5 {
    type Dataset = H5Dataset<T, Dyn, ReadWrite>;

    fn layouts(&self) -> usize {
        3
    }

    fn create(
        &mut self,
        name: &str,
        data: &ArrayD<T>,
        layout: usize,
        rng: &mut SmallRng,
    ) -> Self::Dataset {
        let layout = [Layout::Contiguous, Layout::Chunked, Layout::Deflate][layout % 3];
        create(&self.file, name, data, layout, rng)
    }

    fn reopened(&mut self, name: &str) -> Option<ArrayD<T>> {
        let ds = H5Dataset::<T, Dyn>::open(&self.file, name).unwrap();
        Some(ds.read_all().unwrap())
    }
}
