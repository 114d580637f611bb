//! Thread safety: every dataset and view is `Send + Sync` when its sources
//! are (checked by the compiler), and one stack of in-memory and HDF5
//! sources (feature `libhdf5`) gives every one of 8 threads reading it at once
//! the right data.

use std::sync::{Arc, Barrier};

use lazy_datasets::prelude::*;
use lazy_datasets::sel;
use ndarray::{s, Array1, Array2, ArrayD, Axis};

fn assert_send_sync<T: Send + Sync>() {}

fn assert_sync<T: Sync>() {}

#[test]
fn datasets_and_views_are_send_and_sync() {
    // Sources.
    assert_send_sync::<Array1<f64>>();
    assert_send_sync::<ndarray::ArcArray1<f64>>();
    assert_send_sync::<ndarray::ArrayView2<'static, u8>>();
    assert_send_sync::<Box<dyn Dataset<Elem = f64, Rank = U1> + Send>>();
    assert_send_sync::<Arc<dyn Dataset<Elem = f64, Rank = U1> + Send>>();
    // Without `+ Send` a boxed dataset is still `Sync` (every `Dataset` is),
    // so views over it can be read from several threads by reference.
    assert_sync::<Box<dyn Dataset<Elem = f64, Rank = U1>>>();
    assert_sync::<Stacked<Box<dyn Dataset<Elem = f64, Rank = U1>>>>();
    // Views.
    assert_send_sync::<Stacked<Array1<f64>>>();
    assert_send_sync::<Stacked<&Array1<f64>>>();
    assert_send_sync::<Stacked<&mut Array1<f64>>>();
    assert_send_sync::<Scaled<Array1<i16>>>();
    assert_send_sync::<Scaled<Array1<f32>, f32>>();
    assert_send_sync::<Sum<Array1<f64>>>();
    assert_send_sync::<Sum<&Array2<u64>>>();
    assert_send_sync::<BooleanOr<Array1<u8>>>();
    assert_send_sync::<Sliced<Array2<f64>, Dyn>>();
    assert_send_sync::<Sliced<&mut Array2<f64>, U1>>();
    assert_send_sync::<Stacked<Box<dyn Dataset<Elem = f64, Rank = U1> + Send>>>();
    // Nested.
    assert_send_sync::<Scaled<Stacked<Sliced<Array2<i32>, U1>>>>();
    assert_send_sync::<BooleanOr<Sum<Stacked<Array1<i8>>>>>();
    #[cfg(feature = "libhdf5")]
    {
        use lazy_datasets::hdf5::H5Dataset;
        assert_send_sync::<H5Dataset<f64, U1>>();
        assert_send_sync::<H5Dataset<bool, Dyn>>();
        assert_send_sync::<Stacked<H5Dataset<f64, U1>>>();
        assert_send_sync::<Scaled<Sliced<H5Dataset<i32, U2>, U1>>>();
    }
}

#[test]
fn views_move_to_other_threads() {
    // Owned views are `Send`: built here, read on another thread.
    let stacked = Stacked::new(
        vec![
            Array1::from_vec(vec![1.0, 2.0]),
            Array1::from_vec(vec![3.0, 4.0]),
        ],
        0,
    )
    .unwrap();
    let scaled = Scaled::new(stacked, 2.0);
    let got = std::thread::spawn(move || scaled.read_all().unwrap())
        .join()
        .unwrap();
    assert_eq!(got, ndarray::array![[2.0, 4.0], [6.0, 8.0]]);
}

/// Column `k` of the test data: distinct values per column and row.
fn column(k: usize, n: usize) -> Array1<f64> {
    Array1::from_iter((0..n).map(|i| (k * 100_000 + i) as f64))
}

const ROWS: usize = 2000;

/// A temporary HDF5 file with two datasets holding columns 3 and 4: one
/// contiguous, one chunked and deflate-compressed. Removed on drop.
#[cfg(feature = "libhdf5")]
struct H5Fixture {
    path: std::path::PathBuf,
}

#[cfg(feature = "libhdf5")]
impl H5Fixture {
    fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("lazy-datasets-threads-{}.h5", std::process::id()));
        let file = lazy_datasets::hdf5::create_file(&path).unwrap();
        file.new_dataset_builder()
            .with_data(&column(3, ROWS))
            .create("contiguous")
            .unwrap();
        file.new_dataset_builder()
            .chunk(128)
            .deflate(4)
            .with_data(&column(4, ROWS))
            .create("compressed")
            .unwrap();
        H5Fixture { path }
    }
}

#[cfg(feature = "libhdf5")]
impl Drop for H5Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn one_stack_read_from_eight_threads() {
    type Source = Box<dyn Dataset<Elem = f64, Rank = U1> + Send>;
    let mut sources: Vec<Source> = vec![
        Box::new(column(0, ROWS)),
        Box::new(column(1, ROWS).into_shared()),
        // Column 2, stored as halves: scaled back on read.
        Box::new(Scaled::new(column(2, ROWS).mapv(|x| x * 0.5), 2.0)),
    ];
    #[cfg(feature = "libhdf5")]
    let fixture = H5Fixture::new();
    #[cfg(feature = "libhdf5")]
    {
        use lazy_datasets::hdf5::{open_file, H5Dataset};
        let file = open_file(&fixture.path).unwrap();
        sources.push(Box::new(
            H5Dataset::<f64, U1>::open(&file, "contiguous").unwrap(),
        ));
        sources.push(Box::new(
            H5Dataset::<f64, U1>::open(&file, "compressed").unwrap(),
        ));
    }
    // Column 5: every other element of a longer array, through a typed view.
    let mut longer = Array1::from_elem(2 * ROWS, -1.0);
    longer.slice_mut(s![..;2]).assign(&column(5, ROWS));
    sources.push(Box::new(longer.sliced(sel![..;2]).unwrap()));
    let n_cols = sources.len();
    let stack = Stacked::new(sources, -1).unwrap();
    assert_eq!(stack.shape(), &[ROWS, n_cols]);

    // The expected table, column by column (the HDF5 columns are 3 and 4).
    let mut cols: Vec<Array1<f64>> = (0..3).map(|k| column(k, ROWS)).collect();
    if cfg!(feature = "libhdf5") {
        cols.push(column(3, ROWS));
        cols.push(column(4, ROWS));
    }
    cols.push(column(5, ROWS));
    let views: Vec<_> = cols.iter().map(|c| c.view().insert_axis(Axis(1))).collect();
    let expected: Array2<f64> = ndarray::concatenate(Axis(1), &views).unwrap();

    const THREADS: usize = 8;
    const READS: usize = 40;
    let barrier = Barrier::new(THREADS);
    let checked: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (stack, expected, barrier) = (&stack, &expected, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let mut checked = 0;
                    for r in 0..READS {
                        let start = (t * 97 + r * 31) % ROWS;
                        let len = 1 + (t * 13 + r * 7) % 300;
                        let stop = (start + len).min(ROWS);
                        match (t + r) % 4 {
                            0 => {
                                let got: Array2<f64> = stack.read_all().unwrap();
                                assert_eq!(got, expected);
                            }
                            1 => {
                                // Rows start..stop;3, every column.
                                let got = stack.read(sel![start..stop;3, ..]).unwrap();
                                assert_eq!(got, expected.slice(s![start..stop;3, ..]));
                            }
                            2 => {
                                // Rows in any order with repeats, columns reversed.
                                let rows = vec![stop - 1, start, (start + stop) / 2, start];
                                let got: ArrayD<f64> = stack
                                    .read_dyn(&DynSelection::from(vec![
                                        SelectionItem::List(
                                            rows.iter().map(|&i| i as isize).collect(),
                                        ),
                                        SelectionItem::slice(None, None, Some(-1)),
                                    ]))
                                    .unwrap();
                                let want = expected
                                    .select(Axis(0), &rows)
                                    .slice(s![.., ..;-1])
                                    .to_owned();
                                assert_eq!(got, want.into_dyn());
                            }
                            _ => {
                                // One row, and one element.
                                let got = stack.read(sel![start, ..]).unwrap();
                                assert_eq!(got, expected.row(start));
                                let col = (t + r) % n_cols;
                                let got = stack.read(sel![start, col]).unwrap();
                                assert_eq!(got.into_scalar(), expected[[start, col]]);
                            }
                        }
                        checked += 1;
                    }
                    checked
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(checked, THREADS * READS);
}
