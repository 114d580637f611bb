//! Buffered handles on HDF5 datasets (gzip + shuffle, on the chunk
//! engine): windows written through `Scaled(Stacked(buffered handles))`
//! are read back through the view before the flush and from the file
//! after it; two buffered handles writing disjoint elements of the same
//! chunks keep each other's values; dropping a handle flushes.

use lazy_core::{
    DatasetExt, DatasetMut, DatasetMutExt, DynSelection, ReadWrite, Scaled, SelectionItem as S,
    Stacked,
};
use lazy_hdf5::{create_file, open_file, open_file_rw, Compression, CreateOptions, H5Dataset};
use ndarray::{Array2, ArrayD, Axis, IxDyn};
use typenum::U1;

const N: usize = 20_000;

fn create(file: &lazy_hdf5::File<ReadWrite>, name: &str) -> H5Dataset<i32, U1, ReadWrite> {
    let options = CreateOptions::default()
        .chunks([4096])
        .compression(Compression::Gzip(4))
        .shuffle(true)
        .fill_value(-7);
    H5Dataset::create(file, name, &[N], &options).unwrap()
}

fn rows(a: usize, b: usize) -> DynSelection {
    DynSelection::from(vec![
        S::slice(Some(a as isize), Some(b as isize), None),
        S::FULL,
    ])
}

#[test]
fn windows_through_a_scaled_stack_of_buffered_handles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.h5");
    let mut model = Array2::<f64>::from_elem((N, 3), -3.5);
    {
        let file = create_file(&path).unwrap();
        let handles: Vec<_> = ["a", "b", "c"]
            .iter()
            .map(|n| {
                let ds = create(&file, n);
                assert_eq!(ds.reader(), "lazy-hdf5");
                ds.buffered(64 << 20)
            })
            .collect();
        let mut x = Scaled::new(Stacked::new(handles, -1).unwrap(), 0.5);
        for w in 0..200 {
            let (a, b) = (w * 100, w * 100 + 100);
            let value = ArrayD::from_shape_fn(IxDyn(&[100, 3]), |ix| {
                ((a + ix[0]) * 3 + ix[1]) as f64 * 0.5
            });
            x.write_dyn(&rows(a, b), value.view()).unwrap();
            model.write_dyn(&rows(a, b), value.view()).unwrap();
            if w % 50 == 49 {
                assert_eq!(
                    x.read_dyn(&rows(0, b + 10)).unwrap(),
                    model.read_dyn(&rows(0, b + 10)).unwrap()
                );
            }
        }
        x.flush().unwrap();
    }
    let file = open_file(&path).unwrap();
    for (k, name) in ["a", "b", "c"].iter().enumerate() {
        let stored = H5Dataset::<i32, U1>::open(&file, name)
            .unwrap()
            .read_all()
            .unwrap();
        let want = model.index_axis(Axis(1), k).mapv(|v| (v / 0.5) as i32);
        assert_eq!(stored, want, "{name} after the flush");
    }
}

#[test]
fn buffered_handles_of_disjoint_elements_keep_each_others_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.h5");
    drop(create(&create_file(&path).unwrap(), "x"));
    {
        let file = open_file_rw(&path).unwrap();
        let mut handles: Vec<_> = (0..3)
            .map(|_| {
                H5Dataset::<i32, U1>::open_rw(&file, "x")
                    .unwrap()
                    .buffered(8 << 20)
            })
            .collect();
        for (r, h) in handles.iter_mut().enumerate() {
            let sel = DynSelection::from(vec![S::slice(Some(r as isize), None, Some(3))]);
            let n = (N - r).div_ceil(3);
            h.write_dyn(&sel, ArrayD::from_elem(IxDyn(&[n]), r as i32 * 10).view())
                .unwrap();
        }
        for h in &mut handles {
            h.flush().unwrap();
        }
        // One more pending write, flushed when the handle is dropped.
        let last = handles.last_mut().unwrap();
        last.write_dyn(
            &DynSelection::from(vec![S::Index(2)]),
            ArrayD::from_elem(IxDyn(&[]), 99).view(),
        )
        .unwrap();
    }
    let file = open_file(&path).unwrap();
    let stored = H5Dataset::<i32, U1>::open(&file, "x")
        .unwrap()
        .read_all()
        .unwrap();
    let wrong = stored
        .indexed_iter()
        .filter(|&(i, &v)| v != if i == 2 { 99 } else { (i % 3) as i32 * 10 })
        .count();
    assert_eq!(wrong, 0, "{wrong} values lost");
}
