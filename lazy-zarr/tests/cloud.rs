//! Zarr on object stores (feature `cloud`), against real servers on
//! 127.0.0.1 started by the tests: moto's S3-compatible server (requests
//! signed, authentication on), Python's HTTP server and a Google Cloud
//! Storage emulator (fake-gcs-server, for `gs://`). Nothing in the
//! library is mocked; the fault tests put a flaky proxy between the two or
//! kill the server mid-read. Needs `LAZY_DATASETS_PYTHON` (see
//! `cloud_support`); without it these tests fail.

mod cloud_support;

use std::sync::atomic::Ordering::SeqCst;
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

use cloud_support::{Http, Proxy, S3};
use lazy_core::{
    Cache, DatasetExt, DatasetMutExt, Dyn, DynSelection, ErrorKind, ReadWrite, Scaled,
    SelectionItem, Stacked,
};
use lazy_testkit::conformance::{self, Backend};
use lazy_zarr::zarrs::array::ArraySubset;
use lazy_zarr::{Compression, CreateOptions, ZarrDataset, ZarrElement};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::SmallRng;
use rand::Rng;
use typenum::{U1, U2};

/// One server for the tests that do not stop it.
fn server() -> &'static S3 {
    static SERVER: OnceLock<S3> = OnceLock::new();
    SERVER.get_or_init(S3::start)
}

/// Element `i` of channel `c` of the zarr-python store.
fn channel(c: i64, i: i64) -> i16 {
    ((i * 7 + c * 1000) % 30000 - 15000) as i16
}

fn key(items: Vec<SelectionItem>) -> DynSelection {
    DynSelection::from(items)
}

/// `xy[:, 999::-7]`: two channels of 1,000 read backwards, every seventh.
fn every_seventh_row_back(xy: &Stacked<ZarrDataset<i16, U1>>) -> ArrayD<i16> {
    xy.read_dyn(&key(vec![
        SelectionItem::FULL,
        SelectionItem::slice(Some(999), None, Some(-7)),
    ]))
    .unwrap()
}

#[test]
fn reads_a_store_written_by_zarr_python() {
    let s3 = server();
    s3.write_with_zarr_python("zarr-python.zarr");
    let url = s3.url("zarr-python.zarr");
    let cache = Cache::new(64 << 20);
    let open = |name| {
        ZarrDataset::<i16, U1>::open_url(url.clone(), name).map(|a| a.with_cache(cache.clone()))
    };
    let (x, y, z) = (open("x").unwrap(), open("y").unwrap(), open("z").unwrap());
    assert_eq!(x.shape(), &[10000]);
    assert_eq!(x.store(), "s3://lazy/zarr-python.zarr");

    let all = z.read_all().unwrap();
    for (i, &v) in all.iter().enumerate() {
        let want = if (4000..5000).contains(&i) {
            -1
        } else {
            channel(2, i as i64)
        };
        assert_eq!(v, want, "z[{i}]");
    }

    // Windows of the scaled stack, every chunk fetched once.
    let xyz = Scaled::new(Stacked::new(vec![x, y, z], -1).unwrap(), 0.5);
    let before = cache.stats();
    for start in (0..10000).step_by(500) {
        let w = xyz
            .read_dyn(&key(vec![SelectionItem::slice(
                Some(start),
                Some(start + 500),
                None,
            )]))
            .unwrap();
        assert_eq!(w.shape(), &[500, 3]);
        for r in 0..500usize {
            let i = (start + r as isize) as i64;
            for c in 0..3 {
                let raw = if c == 2 && (4000..5000).contains(&i) {
                    -1
                } else {
                    channel(c, i)
                };
                assert_eq!(w[[r, c as usize]], f64::from(raw) * 0.5, "xyz[{i}, {c}]");
            }
        }
    }
    let after = cache.stats();
    assert_eq!(after.misses - before.misses, 30, "{after:?}");

    // A 2-D float array: strided, reversed and listed.
    let grid = ZarrDataset::<f64, U2>::open_url(url.clone(), "/grid").unwrap();
    let got = grid
        .read_dyn(&key(vec![
            SelectionItem::slice(None, None, Some(-3)),
            SelectionItem::List(vec![49, 0, 17, 17]),
        ]))
        .unwrap();
    let rows: Vec<usize> = (0..60).rev().step_by(3).collect();
    assert_eq!(got.shape(), &[rows.len(), 4]);
    for (r, &i) in rows.iter().enumerate() {
        for (k, &j) in [49usize, 0, 17, 17].iter().enumerate() {
            assert_eq!(got[[r, k]], i as f64 * 0.5 - j as f64);
        }
    }
}

/// Arrays on S3 for the conformance suite: made and written by zarrs (not
/// the code under test) through the store, then read and written through
/// lazy-zarr, and checked against the naive reference.
struct OnS3 {
    prefix: String,
    cache: Cache,
}

impl<T: ZarrElement> Backend<T> for OnS3 {
    type Dataset = ZarrDataset<T, Dyn, ReadWrite>;

    fn layouts(&self) -> usize {
        2
    }

    fn create(
        &mut self,
        name: &str,
        data: &ArrayD<T>,
        layout: usize,
        rng: &mut SmallRng,
    ) -> Self::Dataset {
        let chunks: Vec<usize> = data
            .shape()
            .iter()
            .map(|&n| rng.random_range(1..=n.max(1)))
            .collect();
        let compression = [Compression::None, Compression::Gzip(1)][layout % 2];
        let fill = data.iter().next().copied().unwrap_or_default();
        let options = CreateOptions::default()
            .chunks(chunks)
            .compression(compression)
            .fill_value(fill)
            .overwrite(true);
        let url = server().url(&self.prefix);
        let a = ZarrDataset::<T, Dyn>::create_url(url, name, data.shape(), &options).unwrap();
        if !data.is_empty() {
            let shape: Vec<u64> = data.shape().iter().map(|&n| n as u64).collect();
            let std = data.as_standard_layout();
            a.inner()
                .store_array_subset(&ArraySubset::new_with_shape(shape), std.as_slice().unwrap())
                .unwrap();
        }
        a.with_cache(self.cache.clone())
    }

    fn reopened(&mut self, name: &str) -> Option<ArrayD<T>> {
        let a = ZarrDataset::<T, Dyn>::open_url(server().url(&self.prefix), name).unwrap();
        Some(
            a.with_cache(Cache::new(0))
                .read_dyn(&DynSelection::all())
                .unwrap(),
        )
    }
}

#[test]
fn every_selection_reads_and_writes_as_numpy() {
    let mut backend = OnS3 {
        prefix: "conformance.zarr".into(),
        cache: Cache::new(16 << 20),
    };
    let report = conformance::every_element_type(&mut backend, 0x5eed_c10d);
    assert_eq!(report.datasets, 99);
}

#[test]
fn create_write_and_read_back() {
    let s3 = server();
    let url = s3.url("made-here.zarr");
    let options = CreateOptions::default()
        .chunks([100, 7])
        .compression(Compression::Zstd(3))
        .fill_value(-1.0)
        .overwrite(true);
    let mut a =
        ZarrDataset::<f64, U2>::create_url(url.clone(), "/g/a", &[1000, 20], &options).unwrap();
    let want = ArrayD::from_shape_fn(IxDyn(&[1000, 20]), |p| (p[0] * 20 + p[1]) as f64);
    a.write_all(want.clone().into_dimensionality::<ndarray::Ix2>().unwrap())
        .unwrap();
    // A partial write: every other row of column 3.
    a.write(
        key(vec![
            SelectionItem::slice(None, None, Some(2)),
            SelectionItem::Index(3),
        ]),
        0.25,
    )
    .unwrap();
    let fresh = ZarrDataset::<f64, U2>::open_url(url, "g/a")
        .unwrap()
        .with_cache(Cache::new(0));
    let got = fresh.read_all().unwrap();
    for ((i, j), &v) in got.indexed_iter() {
        let expect = if j == 3 && i % 2 == 0 {
            0.25
        } else {
            (i * 20 + j) as f64
        };
        assert_eq!(v, expect, "a[{i}, {j}]");
    }
}

#[test]
fn errors_name_the_url() {
    let s3 = server();
    let mut a = ZarrDataset::<i32, U1>::create_url(
        s3.url("errors.zarr"),
        "x",
        &[10],
        &CreateOptions::default().overwrite(true),
    )
    .unwrap();
    a.write_all(ndarray::Array1::from_iter(0..10)).unwrap();

    let wrong = s3
        .url("errors.zarr")
        .set("aws_secret_access_key", "not-the-secret");
    let err = ZarrDataset::<i32, U1>::open_url(wrong, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("s3://lazy/errors.zarr"), "{err}");

    let no_bucket = lazy_zarr::StoreUrl::new("s3://no-such-bucket/errors.zarr")
        .without_env()
        .set("aws_endpoint", &s3.endpoint)
        .set("aws_allow_http", "true")
        .set("aws_access_key_id", &s3.key)
        .set("aws_secret_access_key", &s3.secret)
        .retries(0);
    let err = ZarrDataset::<i32, U1>::open_url(no_bucket, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string().contains("s3://no-such-bucket/errors.zarr"),
        "{err}"
    );

    let err = ZarrDataset::<i32, U1>::open_url(s3.url("errors.zarr"), "y").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("/y"), "{err}");

    let err =
        ZarrDataset::<i32, U1>::open_url(s3.url("errors.zarr").set("aws_colour", "blue"), "x")
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    assert!(err.to_string().contains("aws_colour"), "{err}");

    let err = ZarrDataset::<i32, U1>::open_url("not a url", "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value, "{err}");
}

#[test]
fn http_stores_read_and_refuse_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("served.zarr");
    for (c, name) in ["x", "y"].iter().enumerate() {
        let options = CreateOptions::default()
            .chunks([64])
            .compression(Compression::Zstd(1));
        let mut a = ZarrDataset::<i16, U1>::create(&store, name, &[1000], &options).unwrap();
        a.write_all(ndarray::Array1::from_shape_fn(1000, |i| {
            channel(c as i64, i as i64)
        }))
        .unwrap();
    }
    let http = Http::serve(dir.path());
    let url = format!("{}/served.zarr", http.url);
    let open = |name| ZarrDataset::<i16, U1>::open_url(&url, name).unwrap();
    let xy = Stacked::new(vec![open("x"), open("y")], 0).unwrap();
    let got = every_seventh_row_back(&xy);
    for c in 0..2 {
        for (k, i) in (0..=999).rev().step_by(7).enumerate() {
            assert_eq!(got[[c, k]], channel(c as i64, i as i64));
        }
    }
    // The store refuses writes: a Backend error, as every storage refusal.
    let err = ZarrDataset::<i16, U1>::open_url_rw(&url, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
}

/// A 1-D f64 array of `chunks` chunks of 1000 on `s3` at `prefix`, holding `0, 1, 2, …`.
fn numbered(s3: &S3, prefix: &str, chunks: usize) {
    let options = CreateOptions::default()
        .chunks([1000])
        .compression(Compression::Zstd(1))
        .overwrite(true);
    let mut a = ZarrDataset::<f64, U1>::create_url(s3.url(prefix), "n", &[chunks * 1000], &options)
        .unwrap();
    a.write_all(ndarray::Array1::from_shape_fn(chunks * 1000, |i| i as f64))
        .unwrap();
}

#[test]
fn requests_run_side_by_side_up_to_the_limit() {
    let s3 = server();
    numbered(s3, "concurrency.zarr", 64);
    for limit in [1, 8] {
        let proxy = Proxy::start(s3.port(), 0);
        let url = s3
            .url_via(&proxy.endpoint, "concurrency.zarr")
            .concurrency(limit);
        let a = ZarrDataset::<f64, U1>::open_url(url, "n")
            .unwrap()
            .with_cache(Cache::new(0));
        let got = a.read_all().unwrap();
        assert!(got.iter().enumerate().all(|(i, &v)| v == i as f64));
        let peak = proxy.stats().peak_in_flight.load(SeqCst);
        eprintln!("limit {limit}: at most {peak} requests in flight");
        assert!(
            peak <= limit,
            "limit {limit}: {peak} requests in flight at once"
        );
        if limit > 1 {
            // More than the chunk engine's two threads could have made.
            assert!(
                peak > 2,
                "limit {limit}: only {peak} requests in flight at once"
            );
        }
    }
}

/// A write stores its chunks side by side too (at most
/// `LATENCY_THREADS` at once).
#[test]
fn chunks_are_stored_side_by_side() {
    let s3 = server();
    numbered(s3, "stored.zarr", 64);
    let proxy = Proxy::start(s3.port(), 0);
    let url = s3.url_via(&proxy.endpoint, "stored.zarr");
    let mut a = ZarrDataset::<f64, U1>::open_url_rw(url, "n").unwrap();
    a.write_all(ndarray::Array1::from_shape_fn(64_000, |i| -(i as f64)))
        .unwrap();
    let peak = proxy.stats().peak_in_flight.load(SeqCst);
    assert!(
        (3..=lazy_core::backend::LATENCY_THREADS).contains(&peak),
        "{peak} requests in flight at once"
    );
    let back = ZarrDataset::<f64, U1>::open_url(s3.url("stored.zarr"), "n")
        .unwrap()
        .with_cache(Cache::new(0))
        .read_all()
        .unwrap();
    assert!(back.iter().enumerate().all(|(i, &v)| v == -(i as f64)));
}

/// The sources of a stack are fetched at once, not in turns on the chunk
/// engine's two threads: three arrays with a limit of one request each have
/// three in flight.
#[test]
fn the_sources_of_a_stack_are_fetched_side_by_side() {
    let s3 = server();
    numbered(s3, "stacked.zarr", 64);
    let proxy = Proxy::start(s3.port(), 0);
    let url = s3.url_via(&proxy.endpoint, "stacked.zarr").concurrency(1);
    let open = || {
        ZarrDataset::<f64, U1>::open_url(url.clone(), "n")
            .unwrap()
            .with_cache(Cache::new(0))
    };
    let xyz = Stacked::new(vec![open(), open(), open()], -1).unwrap();
    let got = xyz.read_all().unwrap();
    assert!(got.indexed_iter().all(|((i, _), &v)| v == i as f64));
    let peak = proxy.stats().peak_in_flight.load(SeqCst);
    assert_eq!(peak, 3, "{peak} requests in flight at once");
}

#[test]
fn transient_failures_are_retried() {
    let s3 = server();
    numbered(s3, "flaky.zarr", 20);
    // Every third connection answered 503; one request per connection.
    let proxy = Proxy::start(s3.port(), 3);
    let flaky = |retries| {
        s3.url_via(&proxy.endpoint, "flaky.zarr")
            .set("pool_max_idle_per_host", "0")
            .retries(retries)
            .concurrency(4)
    };
    let a = ZarrDataset::<f64, U1>::open_url(flaky(5), "n")
        .unwrap()
        .with_cache(Cache::new(0));
    let got = a.read_all().unwrap();
    assert!(got.iter().enumerate().all(|(i, &v)| v == i as f64));
    assert!(proxy.stats().failed.load(SeqCst) > 0);

    // Without retries the same failures are errors naming the store.
    let mut failures = 0;
    for _ in 0..5 {
        let read = ZarrDataset::<f64, U1>::open_url(flaky(0), "n")
            .and_then(|a| a.with_cache(Cache::new(0)).read_all());
        if let Err(e) = read {
            assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
            assert!(e.to_string().contains("s3://lazy/flaky.zarr"), "{e}");
            failures += 1;
        }
    }
    assert_eq!(failures, 5);
}

#[test]
fn a_server_that_stops_mid_read_gives_an_error() {
    let mut s3 = S3::start();
    numbered(&s3, "stopping.zarr", 200);
    let url = s3
        .url("stopping.zarr")
        .concurrency(2)
        .timeout(Duration::from_secs(3));
    let a = Arc::new(
        ZarrDataset::<f64, U1>::open_url(url, "n")
            .unwrap()
            .with_cache(Cache::new(0)),
    );
    let (started, first) = mpsc::channel();
    let (done, result) = mpsc::channel();
    let reader = a.clone();
    std::thread::spawn(move || {
        let mut reads = 0usize;
        loop {
            match reader.read_all() {
                Ok(all) => {
                    assert_eq!(all[199_999], 199_999.0);
                    reads += 1;
                    let _ = started.send(());
                }
                Err(e) => {
                    let _ = done.send((reads, e));
                    return;
                }
            }
        }
    });
    first
        .recv_timeout(Duration::from_secs(120))
        .expect("a first whole read");
    s3.kill();
    let (reads, err) = result
        .recv_timeout(Duration::from_secs(120))
        .expect("a read that ends once the server is gone (no hang)");
    assert!(reads >= 1);
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("s3://lazy/stopping.zarr"), "{err}");
}

#[test]
fn a_failed_write_leaves_each_chunk_old_or_new() {
    let s3 = server();
    numbered(s3, "failing-write.zarr", 40);
    // Every fourth connection answered 503, no retries: the write fails part way.
    let proxy = Proxy::start(s3.port(), 4);
    let url = s3
        .url_via(&proxy.endpoint, "failing-write.zarr")
        .set("pool_max_idle_per_host", "0")
        .retries(0);
    let mut a = ZarrDataset::<f64, U1>::open_url_rw(url, "n")
        .unwrap()
        .with_cache(Cache::new(0));
    let err = a.write_all(-1.0).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string().contains("s3://lazy/failing-write.zarr"),
        "{err}"
    );

    let after = ZarrDataset::<f64, U1>::open_url(s3.url("failing-write.zarr"), "n")
        .unwrap()
        .with_cache(Cache::new(0))
        .read_all()
        .unwrap();
    let (mut old, mut new) = (0, 0);
    for (c, chunk) in after.exact_chunks(1000).into_iter().enumerate() {
        if chunk.iter().all(|&v| v == -1.0) {
            new += 1;
        } else {
            let whole = chunk
                .iter()
                .enumerate()
                .all(|(k, &v)| v == (c * 1000 + k) as f64);
            assert!(whole, "chunk {c} is neither old nor new");
            old += 1;
        }
    }
    assert_eq!(old + new, 40);
    assert!(old > 0, "the failure came after every chunk was written");
}

/// Google Cloud Storage and Azure URLs go through their own clients:
/// opening gives a clear error, never a panic or a hang (Azure's emulator
/// endpoint pointed at a closed port; a malformed service-account key for
/// GCS, whose reads `gcs_stores_read_as_written` tests).
#[test]
fn other_clouds_give_clear_errors() {
    let closed = cloud_support::free_port();
    let az = lazy_zarr::StoreUrl::new("az://container/store.zarr")
        .without_env()
        .set("azure_storage_use_emulator", "true")
        .set("azure_storage_account_name", "devstoreaccount1")
        .set(
            "azure_storage_endpoint",
            format!("http://127.0.0.1:{closed}/devstoreaccount1"),
        )
        .set("azure_allow_http", "true")
        .retries(1)
        .retry_timeout(Duration::from_secs(5));
    let err = ZarrDataset::<f64, U1>::open_url(az, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string().contains("az://container/store.zarr"),
        "{err}"
    );

    let gs = lazy_zarr::StoreUrl::new("gs://bucket/store.zarr")
        .without_env()
        .set("google_service_account_key", "not a key");
    let err = ZarrDataset::<f64, U1>::open_url(gs, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("gs://bucket/store.zarr"), "{err}");
}

/// `gs://` URLs against a Google Cloud Storage emulator (fake-gcs-server,
/// started here and stopped at the end): a store written locally and
/// uploaded reads as written, and a missing array names what the store
/// holds (listed by the XML API). The emulator takes no writes by the XML
/// API object_store writes with, so writes are not tried.
#[test]
fn gcs_stores_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("gs.zarr");
    for (c, name) in ["x", "g/y"].iter().enumerate() {
        let options = CreateOptions::default()
            .chunks([64])
            .compression(Compression::Zstd(1))
            .fill_value(-1);
        let mut a = ZarrDataset::<i16, U1>::create(&store, name, &[1000], &options).unwrap();
        // The last chunk is never written: its fill value is read.
        a.write(
            key(vec![SelectionItem::slice(None, Some(960), None)]),
            ndarray::Array1::from_shape_fn(960, |i| channel(c as i64, i as i64)),
        )
        .unwrap();
    }
    let gcs = cloud_support::Gcs::start();
    gcs.upload(&store, "", "gs.zarr");
    let url = gcs.url("gs.zarr");
    let open = |name| ZarrDataset::<i16, U1>::open_url(url.clone(), name).unwrap();
    let (x, y) = (open("x"), open("/g/y"));
    assert_eq!(x.store(), "gs://lazy/gs.zarr");
    let xy = Stacked::new(vec![x, y], 0).unwrap();
    let got = every_seventh_row_back(&xy);
    for c in 0..2 {
        for (k, i) in (0..=999).rev().step_by(7).enumerate() {
            let want = if i < 960 { channel(c, i) } else { -1 };
            assert_eq!(got[[c as usize, k]], want, "[{c}, {i}]");
        }
    }

    let err = ZarrDataset::<i16, U1>::open_url(url, "z").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        "backend error: no array at /z in gs://lazy/gs.zarr (the store holds: /x, /g/y)"
    );
}

/// The source of `err`, as text.
fn source_of(err: &lazy_core::Error) -> String {
    std::error::Error::source(err)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// A missing bucket, store or array each say which, and what the store
/// holds; the original error stays the source.
#[test]
fn missing_buckets_stores_and_arrays_are_named() {
    let s3 = server();
    for name in ["a", "g/b"] {
        ZarrDataset::<i32, U1>::create_url(
            s3.url("holds.zarr"),
            name,
            &[4],
            &CreateOptions::default().overwrite(true),
        )
        .unwrap();
    }

    let err = ZarrDataset::<i32, U1>::open_url(s3.url("holds.zarr"), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        "backend error: no array at /x in s3://lazy/holds.zarr (the store holds: /a, /g/b)"
    );
    assert_eq!(source_of(&err), "array metadata is missing");
    let err = ZarrDataset::<i32, U1>::open_url(s3.url("holds.zarr"), "g").unwrap_err();
    assert_eq!(
        err.to_string(),
        "backend error: /g in s3://lazy/holds.zarr is a group, not an array (it holds: /g/b)"
    );
    let err = ZarrDataset::<i32, U1>::open_url(s3.url("holds.zarr"), "g/c").unwrap_err();
    assert_eq!(
        err.to_string(),
        "backend error: no array at /g/c in s3://lazy/holds.zarr (the group /g holds: /g/b)"
    );

    let err = ZarrDataset::<i32, U1>::open_url(s3.url("nothing-here.zarr"), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        "backend error: no Zarr store at s3://lazy/nothing-here.zarr: it is empty"
    );

    let no_bucket = lazy_zarr::StoreUrl::new("s3://no-such-bucket/holds.zarr")
        .without_env()
        .set("aws_endpoint", &s3.endpoint)
        .set("aws_allow_http", "true")
        .set("aws_access_key_id", &s3.key)
        .set("aws_secret_access_key", &s3.secret)
        .retries(0)
        .timeout(Duration::from_secs(20));
    let err = ZarrDataset::<i32, U1>::open_url(no_bucket.clone(), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        "backend error: cannot open Zarr array /x in s3://no-such-bucket/holds.zarr: \
         bucket \"no-such-bucket\" not found"
    );
    assert_eq!(source_of(&err), "array metadata is missing");
    // Creating there says so too, with object_store's error as the source.
    let err = ZarrDataset::<i32, U1>::create_url(no_bucket, "x", &[4], &CreateOptions::default())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string()
            .ends_with("bucket \"no-such-bucket\" not found"),
        "{err}"
    );
    assert!(
        source_of(&err).contains("NoSuchBucket"),
        "{err}: {}",
        source_of(&err)
    );
}

/// Wrong credentials name the server's refusal.
#[test]
fn refused_credentials_say_so() {
    let s3 = server();
    let wrong = s3
        .url("errors.zarr")
        .set("aws_secret_access_key", "not-the-secret");
    let err = ZarrDataset::<i32, U1>::open_url(wrong, "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    // zarrs' first request is a HEAD: the answer has no body to name the
    // reason, only its status.
    assert_eq!(
        err.to_string(),
        "backend error: cannot open Zarr array /x in s3://lazy/errors.zarr: access denied \
         (403 Forbidden): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may \
         read this bucket"
    );
    assert!(
        source_of(&err).contains("403 Forbidden"),
        "{}",
        source_of(&err)
    );
}

/// An `http://` endpoint without AWS_ALLOW_HTTP: no request leaves the
/// client (reqwest refuses plain HTTP), so no server is needed; the port
/// is a closed one on 127.0.0.1 all the same.
#[test]
fn http_endpoints_need_allow_http() {
    let endpoint = format!("http://127.0.0.1:{}", cloud_support::free_port());
    let url = lazy_zarr::StoreUrl::new("s3://lazy/store.zarr")
        .without_env()
        .set("aws_endpoint", &endpoint)
        .set("aws_access_key_id", "key")
        .set("aws_secret_access_key", "secret")
        .set("aws_metadata_endpoint", &endpoint)
        .retries(0)
        .connect_timeout(Duration::from_secs(2));
    let err = ZarrDataset::<i32, U1>::open_url(url.clone(), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: cannot open Zarr array /x in s3://lazy/store.zarr: http:// endpoints \
             need AWS_ALLOW_HTTP=true (the endpoint is {endpoint}; or \
             StoreUrl::set(\"aws_allow_http\", \"true\"))"
        )
    );
    assert!(
        source_of(&err).contains("builder error"),
        "{}",
        source_of(&err)
    );
    // Allowed, the same URL reaches the (closed) port: another error.
    let err = ZarrDataset::<i32, U1>::open_url(url.set("aws_allow_http", "true"), "x").unwrap_err();
    assert!(!err.to_string().contains("AWS_ALLOW_HTTP"), "{err}");
}

/// No credentials: object_store asks EC2's metadata service for an
/// instance role. Pointed at a closed port on 127.0.0.1 (never
/// 169.254.169.254), that fails, and the message says what to set; with
/// `aws_ec2_metadata_disabled` nothing is asked at all.
#[test]
fn missing_credentials_say_what_to_set() {
    let closed = format!("http://127.0.0.1:{}", cloud_support::free_port());
    let url = lazy_zarr::StoreUrl::new("s3://lazy/store.zarr")
        .without_env()
        .set("aws_endpoint", &closed)
        .set("aws_allow_http", "true")
        .set("aws_metadata_endpoint", &closed)
        .retries(0)
        .connect_timeout(Duration::from_secs(2));
    let want = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
                (object_store does not read ~/.aws profiles: `aws configure export-credentials \
                --format env` prints a profile's), run where an instance role gives them, or \
                set AWS_SKIP_SIGNATURE=true for a public bucket";
    let err = ZarrDataset::<i32, U1>::open_url(url.clone(), "x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        format!("backend error: cannot open Zarr array /x in s3://lazy/store.zarr: {want}")
    );
    assert!(
        source_of(&err).contains(&format!("{closed}/latest/api/token")),
        "{}",
        source_of(&err)
    );

    let err = ZarrDataset::<i32, U1>::open_url(url.set("aws_ec2_metadata_disabled", "true"), "x")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: cannot open the Zarr store s3://lazy/store.zarr: {want} \
             (AWS_EC2_METADATA_DISABLED is set, so the instance role is not asked)"
        )
    );
}

/// A web server cannot be listed: the store's root metadata tells a wrong
/// path from a wrong URL.
#[test]
fn http_stores_tell_a_wrong_path_from_a_wrong_url() {
    let dir = tempfile::tempdir().unwrap();
    ZarrDataset::<i16, U1>::create(
        dir.path().join("served.zarr"),
        "x",
        &[4],
        &CreateOptions::default(),
    )
    .unwrap();
    let http = Http::serve(dir.path());
    let url = format!("{}/served.zarr", http.url);
    let err = ZarrDataset::<i16, U1>::open_url(&url, "y").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: no array at /y in {url} (the store cannot be listed to show what it \
             holds)"
        )
    );
    let wrong = format!("{}/elsewhere.zarr", http.url);
    let err = ZarrDataset::<i16, U1>::open_url(&wrong, "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: no array at /x in {wrong}, and no Zarr metadata at the store's root \
             (zarr.json, .zgroup or .zarray): check the URL"
        )
    );
}
