//! Buffered handles on Zarr arrays: windows written through
//! `Scaled(Stacked(buffered handles))` are read back through the view
//! before the flush (pending writes seen) and from storage after it (by
//! fresh handles); dropping a handle flushes; two buffered writers of
//! disjoint elements of the same chunks keep each other's values.

use lazy_core::{
    DatasetExt, DatasetMut, DatasetMutExt, Dyn, DynSelection, ReadWrite, Scaled,
    SelectionItem as S, Stacked,
};
use lazy_zarr::{Compression, CreateOptions, ZarrDataset};
use ndarray::{Array2, ArrayD, Axis, IxDyn};
use typenum::U1;

const N: usize = 20_000;

fn create(dir: &std::path::Path, name: &str) -> ZarrDataset<i32, U1, ReadWrite> {
    let options = CreateOptions::default()
        .chunks([4096])
        .compression(Compression::Gzip(1))
        .fill_value(-7);
    ZarrDataset::create(dir, name, &[N], &options).unwrap()
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
    let handles: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| create(dir.path(), n).buffered(64 << 20))
        .collect();
    let mut x = Scaled::new(Stacked::new(handles, -1).unwrap(), 0.5);
    let mut model = Array2::<f64>::from_elem((N, 3), -3.5);
    for w in 0..200 {
        let (a, b) = (w * 100, w * 100 + 100);
        let value = ArrayD::from_shape_fn(IxDyn(&[100, 3]), |ix| {
            ((a + ix[0]) * 3 + ix[1]) as f64 * 0.5
        });
        x.write_dyn(&rows(a, b), value.view()).unwrap();
        model.write_dyn(&rows(a, b), value.view()).unwrap();
        if w % 50 == 49 {
            // Pending writes are read back through the view.
            assert_eq!(
                x.read_dyn(&rows(0, b + 10)).unwrap(),
                model.read_dyn(&rows(0, b + 10)).unwrap()
            );
        }
    }
    // Nothing stored yet: fresh handles see the fill value.
    let fresh = ZarrDataset::<i32, U1>::open(dir.path(), "b").unwrap();
    assert!(fresh.read_all().unwrap().iter().all(|&v| v == -7));
    x.flush().unwrap();
    for (k, name) in ["a", "b", "c"].iter().enumerate() {
        let stored = ZarrDataset::<i32, U1>::open(dir.path(), name)
            .unwrap()
            .read_all()
            .unwrap();
        let want = model.index_axis(Axis(1), k).mapv(|v| (v / 0.5) as i32);
        assert_eq!(stored, want, "{name} after the flush");
    }
}

#[test]
fn dropping_a_buffered_handle_flushes_it() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut x = create(dir.path(), "x").buffered(1 << 20);
        let sel = DynSelection::from(vec![S::slice(Some(5), Some(N as isize), Some(1000))]);
        x.write_dyn(&sel, ArrayD::from_elem(IxDyn(&[20]), 11).view())
            .unwrap();
        assert!(x.pending_bytes() > 0);
    }
    let stored = ZarrDataset::<i32, U1>::open(dir.path(), "x")
        .unwrap()
        .read_all()
        .unwrap();
    assert!(stored
        .indexed_iter()
        .all(|(i, &v)| v == if i % 1000 == 5 { 11 } else { -7 }));
}

/// Writers in threads, each with its own buffered handle, write disjoint
/// elements (by residue mod 4) of the same chunks and flush at once: no
/// value is lost (5 rounds, 4 writers, every element checked).
#[test]
fn buffered_writers_of_disjoint_elements_lose_nothing() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        drop(create(dir.path(), "x"));
        std::thread::scope(|s| {
            for r in 0..4usize {
                let path = dir.path().to_path_buf();
                s.spawn(move || {
                    let x = ZarrDataset::<i32, Dyn>::open_rw(&path, "x").unwrap();
                    let mut x = x.buffered(8 << 20);
                    for w in 0..10usize {
                        let sel = DynSelection::from(vec![S::slice(
                            Some((w * 2000 + r) as isize),
                            Some(((w + 1) * 2000) as isize),
                            Some(4),
                        )]);
                        let value = ArrayD::from_elem(IxDyn(&[500]), (r * 100 + round) as i32);
                        x.write_dyn(&sel, value.view()).unwrap();
                    }
                    x.flush().unwrap();
                });
            }
        });
        let stored = ZarrDataset::<i32, U1>::open(dir.path(), "x")
            .unwrap()
            .read_all()
            .unwrap();
        let lost = stored
            .indexed_iter()
            .filter(|&(i, &v)| v != ((i % 4) * 100 + round) as i32)
            .count();
        assert_eq!(lost, 0, "round {round}: {lost} values lost");
    }
}
