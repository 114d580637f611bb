//! The facade's `hdf5` feature: `lazy_datasets::hdf5` is the HDF5 backend,
//! with hdf5-metno's `File`, and its datasets work with the facade's views
//! and typed ranks. Run with `cargo test --features libhdf5`.

use lazy_datasets::hdf5::{self, H5Dataset};
use lazy_datasets::prelude::*;
use ndarray::{array, Array2, Array3};

/// A directory removed when dropped (the facade has no tempfile dependency).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("lazy-datasets-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn hdf5_datasets_through_the_facade() -> Result<()> {
    let dir = TempDir::new("facade");
    let path = dir.0.join("grid.h5");
    {
        let file: hdf5::File<ReadWrite> = hdf5::create_file(&path)?;
        let _: &hdf5::hdf5_metno::File = &file;
        for (name, offset) in [("a", 0.0), ("b", 100.0)] {
            let data = Array2::from_shape_fn((3, 4), |(i, j)| offset + (i * 4 + j) as f64);
            file.new_dataset_builder()
                .with_data(&data)
                .chunk((2, 2))
                .deflate(1)
                .create(name)
                .unwrap();
        }
    }
    let file = hdf5::open_file_rw(&path)?;
    let a = H5Dataset::<f64, U2>::open_rw(&file, "a")?;
    let b = H5Dataset::<f64, U2>::open_rw(&file, "b")?;
    // Rank 2 + 1 = 3, in the type.
    let mut both = Stacked::new(vec![a, b], 0)?;
    let all: Array3<f64> = both.read_all()?;
    assert_eq!(all.shape(), &[2, 3, 4]);
    assert_eq!(all[[1, 2, 3]], 111.0);

    // NumPy: both[::-1, -1, [3, 0, 3]]
    let key = DynSelection::from(vec![
        SelectionItem::slice(None, None, Some(-1)),
        SelectionItem::Index(-1),
        SelectionItem::List(vec![3, 0, 3]),
    ]);
    assert_eq!(
        both.read_dyn(&key)?,
        array![[111.0, 108.0, 111.0], [11.0, 8.0, 11.0]].into_dyn()
    );
    // NumPy: both[:, 0, ::2] = -1, written through to both datasets.
    let row = DynSelection::from(vec![
        SelectionItem::FULL,
        SelectionItem::Index(0),
        SelectionItem::slice(None, None, Some(2)),
    ]);
    both.write(row, -1.0)?;
    let b = &both.sources()[1];
    assert_eq!(
        b.read_dyn(&DynSelection::from(vec![SelectionItem::Index(0)]))?,
        array![-1.0, 101.0, -1.0, 103.0].into_dyn()
    );

    // Typed open errors keep their kinds through the facade.
    let err = H5Dataset::<f64, U3>::open(&file, "a").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Shape);
    let err = H5Dataset::<i64, U2>::open(&file, "a").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value);
    Ok(())
}
