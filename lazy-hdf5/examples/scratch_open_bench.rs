// Scratch (not committed): open + read time, pure vs libhdf5, one process per measurement.
use lazy_core::{Cache, DatasetExt, Dyn, DynSelection, SelectionItem as S};
use lazy_hdf5::{open_file, open_file_pure, H5Dataset};
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (mode, path, ds) = (&a[1], &a[2], &a[3]);
    let t = Instant::now();
    let x: H5Dataset<i32, Dyn> = if mode == "pure" {
        let f = open_file_pure(path).unwrap();
        H5Dataset::open(&f, ds).unwrap()
    } else {
        let f = open_file(path).unwrap();
        H5Dataset::open(&f, ds).unwrap()
    };
    let x = x.with_cache(Cache::new(0));
    let open = t.elapsed();
    let t = Instant::now();
    let w = x
        .read_dyn(&DynSelection::from(vec![S::slice(
            Some(30000),
            Some(30100),
            None,
        )]))
        .unwrap();
    let window = t.elapsed();
    let t = Instant::now();
    let all = if a.len() > 4 {
        ndarray::ArrayD::zeros(ndarray::IxDyn(&[0]))
    } else {
        x.read_all().unwrap()
    };
    let full = t.elapsed();
    println!(
        "{mode} {path} {ds} reader={:?} open={:.2}ms window100={:.2}ms full={:.1}ms sum={}",
        x.reader(),
        open.as_secs_f64() * 1e3,
        window.as_secs_f64() * 1e3,
        full.as_secs_f64() * 1e3,
        all.iter().map(|&v| v as i64).sum::<i64>() + w.len() as i64
    );
}
