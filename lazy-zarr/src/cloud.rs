//! Zarr stores on object stores and web servers, by URL (feature `cloud`):
//! `s3://`, `gs://`, `az://`, `http(s)://` (read-only) and `file://`.
//!
//! Built on [object_store](https://docs.rs/object_store) (the Apache Arrow
//! project's client for S3, Google Cloud Storage, Azure Blob Storage and
//! plain HTTP, on reqwest and rustls) with zarrs' adapter of it
//! ([zarrs_object_store](https://docs.rs/zarrs_object_store)). object_store
//! rather than OpenDAL: it is what zarrs and the Arrow/DataFusion ecosystem
//! use, it reads the standard `AWS_*`, `GOOGLE_*` and `AZURE_*`
//! environment variables, it retries transient failures with backoff, and it
//! has one small dependency tree (no per-service crates).
//!
//! Requests run on a private tokio runtime (two I/O threads, made on first
//! use), so programs need no async runtime of their own, and calls from
//! inside one (an `async fn` calling a read) do not panic. A read fetches
//! the chunks it needs side by side, at most
//! [`concurrency`](StoreUrl::concurrency) requests at once, then decodes
//! them on the chunk engine's threads; chunks kept in the
//! [`Cache`](lazy_core::Cache) are not fetched again.
//!
//! ```no_run
//! use lazy_core::{DatasetExt, DynSelection, Scaled, SelectionItem, Stacked};
//! use lazy_zarr::{StoreUrl, ZarrDataset};
//! use typenum::U1;
//!
//! // Credentials, region and endpoint from AWS_* variables, as the AWS CLI reads them.
//! let open = |name| ZarrDataset::<i16, U1>::open_url("s3://bucket/run1.zarr", name);
//! let xyz = Scaled::new(Stacked::new(vec![open("x")?, open("y")?, open("z")?], -1)?, 0.01);
//! // NumPy: xyz[1000:2000] — fetches only the chunks under the window.
//! let rows = DynSelection::from(vec![SelectionItem::slice(Some(1000), Some(2000), None)]);
//! let window = xyz.read_dyn(&rows)?;
//!
//! // Or everything explicit, for programs that do not use the environment:
//! let url = StoreUrl::new("s3://bucket/run1.zarr")
//!     .without_env()
//!     .set("aws_endpoint", "http://127.0.0.1:9000")
//!     .set("aws_allow_http", "true")
//!     .set("aws_access_key_id", "key")
//!     .set("aws_secret_access_key", "secret")
//!     .concurrency(16)
//!     .timeout(std::time::Duration::from_secs(10));
//! let x = ZarrDataset::<i16, U1>::open_url(url, "x")?;
//! # Ok::<(), lazy_core::Error>(())
//! ```
//!
//! # Faults
//!
//! A request that fails transiently (a 5xx answer, a reset connection, a
//! timeout) is retried with exponential backoff, at most
//! [`retries`](StoreUrl::retries) times and for at most
//! [`retry_timeout`](StoreUrl::retry_timeout); one that still fails, a
//! server that is down, wrong credentials and a missing bucket are
//! [`Backend`](lazy_core::ErrorKind::Backend) errors naming the URL and the
//! array. Each request is bounded by [`timeout`](StoreUrl::timeout), so a
//! server that stops answering mid-read gives an error, not a hang. A chunk
//! is one object, written by one `PUT`: readers see the old chunk or the new
//! one, never part of one, and a write that fails leaves each chunk old or
//! new.
//!
//! # Caching and other writers
//!
//! Object stores give no cheap way to see that a chunk changed, so decoded
//! chunks kept in the cache are trusted until a write through this process
//! replaces them: give arrays that other programs rewrite while you read
//! them a cache of budget 0 ([`ZarrDataset::with_cache`]). A partial-chunk
//! write is read, changed and stored under a lock of the chunk within the
//! process; object stores have no locks across processes, so two programs
//! writing disjoint elements of one chunk can undo each other (whole chunks
//! are never torn). Writers that each own whole chunks are safe.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use lazy_core::{Error, Rank, ReadOnly, ReadWrite, Result};
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, ObjectStoreScheme, RetryConfig};
use zarrs::array::Array;
use zarrs::storage::StoreKey;
use zarrs_object_store::AsyncObjectStore;
use zarrs_storage::storage_adapter::async_to_sync::{
    AsyncToSyncBlockOn, AsyncToSyncStorageAdapter,
};

use crate::dataset::{Fetch, Location, Storage, ZarrDataset};
use crate::element::ZarrElement;
use crate::explain::{Browse, Explain, Listing, LocalStore};
use crate::CreateOptions;

/// A store's URL and how to reach it: the argument of
/// [`ZarrDataset::open_url`](crate::ZarrDataset::open_url),
/// [`open_url_rw`](crate::ZarrDataset::open_url_rw) and
/// [`create_url`](crate::ZarrDataset::create_url). A `&str` or `String`
/// converts to one with the defaults: settings from the environment, 32
/// requests at once, 30 s per request, 3 retries.
///
/// Settings are object_store's configuration keys, lower case:
/// `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`,
/// `aws_region`, `aws_endpoint` (an S3-compatible server),
/// `aws_allow_http`, `aws_virtual_hosted_style_request`,
/// `google_service_account`, `google_application_credentials`,
/// `azure_storage_account_name`, `azure_storage_account_key`, … and the
/// client's (`allow_http`, `proxy_url`, …). With the environment (the
/// default), the variables of the same names in upper case (`AWS_*`,
/// `GOOGLE_*`, `AZURE_*`) are read first; settings given here win. One
/// more is lazy-zarr's own, as in the AWS SDKs: `aws_ec2_metadata_disabled`
/// (`AWS_EC2_METADATA_DISABLED=true`) keeps an S3 store without
/// credentials from asking EC2's metadata service for an instance role
/// (object_store would), so the open fails at once.
///
/// Opens that fail say what to do, with object_store's or zarrs' error as
/// the source: `http:// endpoints need AWS_ALLOW_HTTP=true (the endpoint is
/// http://…)`, `no AWS credentials found: set AWS_ACCESS_KEY_ID and
/// AWS_SECRET_ACCESS_KEY …`, `bucket "b" not found`, `access denied (403
/// Forbidden): check AWS_ACCESS_KEY_ID and …`, `no Zarr store at
/// s3://b/p: it is empty`, `no array at /x in s3://b/p (the store holds:
/// /a, /b)`.
///
/// ```
/// use lazy_zarr::StoreUrl;
/// use std::time::Duration;
///
/// let url = StoreUrl::new("s3://bucket/store.zarr")
///     .set("aws_region", "eu-west-1")
///     .concurrency(64)
///     .timeout(Duration::from_secs(5))
///     .retries(5);
/// assert_eq!(url.url(), "s3://bucket/store.zarr");
/// let default: StoreUrl = "gs://bucket/store.zarr".into();
/// assert_eq!(default.url(), "gs://bucket/store.zarr");
/// ```
#[derive(Debug, Clone)]
pub struct StoreUrl {
    url: String,
    settings: Vec<(String, String)>,
    env: bool,
    concurrency: usize,
    timeout: Duration,
    connect_timeout: Duration,
    retries: usize,
    retry_timeout: Duration,
    backoff: Duration,
}

impl StoreUrl {
    /// The store at `url` with the default options.
    pub fn new(url: impl Into<String>) -> Self {
        StoreUrl {
            url: url.into(),
            settings: Vec::new(),
            env: true,
            concurrency: 32,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            retry_timeout: Duration::from_secs(60),
            backoff: Duration::from_millis(100),
        }
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sets one of object_store's configuration keys (see the type's docs);
    /// an unknown key is a [`Value`](lazy_core::ErrorKind::Value) error when
    /// the store is opened.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.push((key.into(), value.into()));
        self
    }

    /// Does not read the environment: only what is [`set`](Self::set) counts.
    pub fn without_env(mut self) -> Self {
        self.env = false;
        self
    }

    /// The most requests one read has in flight (default 32; at least 1).
    pub fn concurrency(mut self, requests: usize) -> Self {
        self.concurrency = requests.max(1);
        self
    }

    /// The longest one request may take, from connecting to the last byte
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest connecting may take (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How many times a request that failed transiently is retried
    /// (default 3; 0: never).
    pub fn retries(mut self, retries: usize) -> Self {
        self.retries = retries;
        self
    }

    /// The longest a request and its retries may take together (default 60 s).
    pub fn retry_timeout(mut self, timeout: Duration) -> Self {
        self.retry_timeout = timeout;
        self
    }

    /// The wait before the first retry, doubled for each next one (default
    /// 100 ms).
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }
}

impl From<&str> for StoreUrl {
    fn from(url: &str) -> Self {
        StoreUrl::new(url)
    }
}

impl From<String> for StoreUrl {
    fn from(url: String) -> Self {
        StoreUrl::new(url)
    }
}

impl From<&String> for StoreUrl {
    fn from(url: &String) -> Self {
        StoreUrl::new(url.as_str())
    }
}

/// A store opened from a URL.
pub(crate) enum Opened {
    /// A `file://` URL: the directory, opened as a filesystem store.
    Local(PathBuf),
    /// An object store or web server.
    Remote(Arc<Remote>),
}

/// The objects of a store: the client, under the URL's prefix.
type Objects = PrefixStore<Arc<dyn ObjectStore>>;

/// An object store (or web server) holding a Zarr store, with the runtime
/// its requests run on.
pub(crate) struct Remote {
    /// The URL, for messages and cache keys.
    pub(crate) url: String,
    store: Arc<AsyncObjectStore<Arc<Objects>>>,
    /// The same store, for the chunk fetches of reads.
    objects: Arc<Objects>,
    buffers: Arc<Buffers>,
    block_on: BlockOn,
    concurrency: usize,
    writable: bool,
    /// What the settings say about how requests can fail.
    expect: Expect,
}

/// What a store's settings say about how its requests can fail, for
/// messages that say what to do ([`Remote`]'s [`Explain`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Expect {
    /// The kind of store.
    kind: Kind,
    /// The bucket (container), for "bucket not found".
    bucket: Option<String>,
    /// An `http://` endpoint that the client refuses (plain HTTP not
    /// allowed), and the variable that allows it.
    http_refused: Option<(String, &'static str)>,
}

/// The kinds of object store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    #[default]
    S3,
    Gcs,
    Azure,
    Http,
}

impl Remote {
    /// The store as zarrs storage (requests made on the calling thread, I/O
    /// driven by the runtime).
    pub(crate) fn storage(&self) -> Arc<Storage> {
        Arc::new(AsyncToSyncStorageAdapter::new(
            self.store.clone(),
            self.block_on.clone(),
        ))
    }

    /// Whether the store can be written (not a plain web server).
    pub(crate) fn writable(&self) -> bool {
        self.writable
    }
}

impl Fetch for Remote {
    /// Fetched at most [`StoreUrl::concurrency`] at once, by one task on the
    /// runtime: the responses' bytes are read where the sockets are polled,
    /// and the caller is woken once, when all are in (polled on the caller,
    /// each packet of a body would wake it: measured 1 ms more CPU per
    /// three 800 KB chunks). Bodies go into buffers of earlier reads
    /// ([`recycle`](Fetch::recycle)d): fresh ones would cost a page fault
    /// per 4 KiB, measured a fifth of a full read's CPU.
    fn fetch(
        &self,
        keys: Vec<(Vec<u64>, StoreKey)>,
    ) -> std::result::Result<HashMap<Vec<u64>, Option<Vec<u8>>>, zarrs::storage::StorageError> {
        let objects = self.objects.clone();
        let buffers = self.buffers.clone();
        let limit = self.concurrency;
        let task = self.block_on.0.spawn(async move {
            futures::stream::iter(keys)
                .map(|(index, key)| {
                    let (objects, buffers) = (&objects, &buffers);
                    async move {
                        let path = object_store::path::Path::from(key.as_str());
                        let got = match objects.get(&path).await {
                            Ok(got) => got,
                            Err(object_store::Error::NotFound { .. }) => return Ok((index, None)),
                            Err(e) => return Err(e),
                        };
                        let size = usize::try_from(got.meta.size).unwrap_or(0);
                        let mut buf = buffers.take(size);
                        let mut body = got.into_stream();
                        while let Some(part) = body.next().await {
                            buf.extend_from_slice(&part?);
                        }
                        Ok((index, Some(buf)))
                    }
                })
                .buffer_unordered(limit)
                .try_collect::<HashMap<_, _>>()
                .await
                .map_err(|e| zarrs::storage::StorageError::Other(e.to_string()))
        });
        futures::executor::block_on(task).map_err(|e| {
            zarrs::storage::StorageError::Other(format!("a fetch of {} failed: {e}", self.url))
        })?
    }

    fn recycle(&self, buffers: Vec<Vec<u8>>) {
        for buf in buffers {
            self.buffers.put(buf);
        }
    }
}

/// Buffers that chunks' bytes were fetched into, kept for the next fetches
/// (at most [`Buffers::BYTES`] of them).
#[derive(Default)]
struct Buffers(std::sync::Mutex<(Vec<Vec<u8>>, usize)>);

impl Buffers {
    /// The most bytes kept.
    const BYTES: usize = 128 << 20;

    /// An empty buffer with room for `size` bytes.
    fn take(&self, size: usize) -> Vec<u8> {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut buf = match kept.0.pop() {
            Some(buf) => {
                kept.1 -= buf.capacity();
                buf
            }
            None => Vec::new(),
        };
        drop(kept);
        buf.clear();
        buf.reserve(size);
        buf
    }

    /// Keeps `buf` for later, while the total stays within the budget.
    fn put(&self, buf: Vec<u8>) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.1 + buf.capacity() <= Self::BYTES {
            kept.1 += buf.capacity();
            kept.0.push(buf);
        }
    }
}

/// Runs a request to completion on the calling thread, with the private
/// runtime entered so its I/O threads drive the sockets and timers. The
/// calling thread is blocked, not handed to a runtime: this works from plain
/// threads, rayon's, and inside another runtime's tasks (where tokio's own
/// `block_on` panics).
#[derive(Clone)]
struct BlockOn(tokio::runtime::Handle);

impl AsyncToSyncBlockOn for BlockOn {
    fn block_on<F: core::future::Future>(&self, future: F) -> F::Output {
        let _entered = self.0.enter();
        futures::executor::block_on(future)
    }
}

/// The runtime every remote store's requests run on: two I/O threads.
fn runtime() -> Result<tokio::runtime::Handle> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    let made = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lazy-zarr-io")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match made {
        Ok(rt) => Ok(rt.handle().clone()),
        Err(e) => Err(Error::backend_msg(format!(
            "cannot start the I/O runtime of object stores: {e}"
        ))),
    }
}

/// Opens the store at `url`: nothing is requested yet. The client of a
/// store (its connections, credentials and the root certificates it loaded)
/// is shared by every open of the same store with the same settings and
/// environment ([`shared_client`]).
pub(crate) fn open_url(url: &StoreUrl) -> Result<Opened> {
    let name = &url.url;
    let parsed = url::Url::parse(name)
        .map_err(|e| Error::value(format!("{name:?} is not a URL of a Zarr store: {e}")))?;
    let (scheme, path) = ObjectStoreScheme::parse(&parsed).map_err(|e| {
        Error::value(format!(
            "{name:?} is not a URL of a supported store (s3://, gs://, az://, http(s)://, \
             file://): {e}"
        ))
    })?;
    if scheme == ObjectStoreScheme::Local {
        let dir = parsed
            .to_file_path()
            .map_err(|()| Error::value(format!("{name:?} is not a local path")))?;
        return Ok(Opened::Local(dir));
    }
    let (store, writable, expect) =
        shared_client(url, &parsed, &scheme, || build(url, &parsed, &scheme))?;
    let objects = Arc::new(PrefixStore::new(store, path));
    Ok(Opened::Remote(Arc::new(Remote {
        url: name.trim_end_matches('/').to_string(),
        store: Arc::new(AsyncObjectStore::new(objects.clone())),
        objects,
        buffers: Arc::default(),
        block_on: BlockOn(runtime()?),
        concurrency: url.concurrency,
        writable,
        expect,
    })))
}

/// The client of the store at `url` (`parsed`, of `scheme`): built from
/// the URL's settings and, unless turned off, the environment's.
fn build(
    url: &StoreUrl,
    parsed: &url::Url,
    scheme: &ObjectStoreScheme,
) -> Result<(Arc<dyn ObjectStore>, bool, Expect)> {
    let name = &url.url;
    let client = ClientOptions::new()
        .with_timeout(url.timeout)
        .with_connect_timeout(url.connect_timeout);
    let retry = RetryConfig {
        backoff: object_store::BackoffConfig {
            init_backoff: url.backoff,
            max_backoff: url.backoff.saturating_mul(32),
            base: 2.0,
        },
        max_retries: url.retries,
        retry_timeout: url.retry_timeout,
    };
    let bad = |e: object_store::Error| {
        Error::backend(format!("cannot open the Zarr store {name}: {e}"), e)
    };
    let mut expect = Expect::default();
    let (store, writable): (Arc<dyn ObjectStore>, bool) = match scheme {
        ObjectStoreScheme::AmazonS3 => {
            use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey as K};
            let b = AmazonS3Builder::new()
                .with_client_options(client)
                .with_retry(retry);
            let b = configure(b, "AWS_", url, |b, k, v| b.with_config(k, v))?;
            let b = b.with_url(name);
            let get = |k: K| b.get_config_value(&k);
            let endpoint = get(K::Endpoint).or_else(|| get(K::S3Endpoint));
            let allow_http = get(K::Client(object_store::ClientConfigKey::AllowHttp));
            expect.http_refused = http_refused(endpoint, allow_http, "AWS_ALLOW_HTTP");
            expect.bucket = bucket_of(parsed);
            // object_store asks the instance role (EC2's metadata service)
            // when nothing else gives credentials; honour the AWS SDKs'
            // switch for not asking.
            let asks_instance_role = [
                K::AccessKeyId,
                K::WebIdentityTokenFile,
                K::ContainerCredentialsRelativeUri,
                K::ContainerCredentialsFullUri,
            ]
            .into_iter()
            .all(|k| get(k).is_none())
                && !get(K::SkipSignature).is_some_and(|v| truthy(&v));
            if asks_instance_role && metadata_disabled(url) {
                return Err(Error::backend_msg(format!(
                    "cannot open the Zarr store {name}: {NO_AWS_CREDENTIALS} \
                     (AWS_EC2_METADATA_DISABLED is set, so the instance role is not asked)"
                )));
            }
            (Arc::new(b.build().map_err(bad)?), true)
        }
        ObjectStoreScheme::GoogleCloudStorage => {
            use object_store::gcp::GoogleCloudStorageBuilder;
            let b = GoogleCloudStorageBuilder::new()
                .with_client_options(client)
                .with_retry(retry);
            let b = configure(b, "GOOGLE_", url, |b, k, v| b.with_config(k, v))?;
            expect.kind = Kind::Gcs;
            expect.bucket = bucket_of(parsed);
            (Arc::new(b.with_url(name).build().map_err(bad)?), true)
        }
        ObjectStoreScheme::MicrosoftAzure => {
            use object_store::azure::{AzureConfigKey as K, MicrosoftAzureBuilder};
            let b = MicrosoftAzureBuilder::new()
                .with_client_options(client)
                .with_retry(retry);
            let b = configure(b, "AZURE_", url, |b, k, v| b.with_config(k, v))?;
            let b = b.with_url(name);
            expect.kind = Kind::Azure;
            expect.bucket = bucket_of(parsed);
            let allow_http =
                b.get_config_value(&K::Client(object_store::ClientConfigKey::AllowHttp));
            let endpoint = b.get_config_value(&K::Endpoint);
            expect.http_refused = http_refused(endpoint, allow_http, "AZURE_ALLOW_HTTP");
            (Arc::new(b.build().map_err(bad)?), true)
        }
        ObjectStoreScheme::Http => {
            use object_store::http::HttpBuilder;
            // The user named a plain-http server: allow it.
            let b = HttpBuilder::new()
                .with_client_options(client.with_allow_http(true))
                .with_retry(retry);
            let b = configure(b, "", url, |b, k, v| b.with_config(k, v))?;
            let base = &parsed[..url::Position::BeforePath];
            expect.kind = Kind::Http;
            (Arc::new(b.with_url(base).build().map_err(bad)?), false)
        }
        other => {
            return Err(Error::value(format!(
                "{name:?}: stores of scheme {other:?} are not supported"
            )))
        }
    };
    Ok((store, writable, expect))
}

/// The most store clients [`shared_client`] keeps.
const SHARED_CLIENTS: usize = 16;

/// The client of the store `parsed` names (scheme and bucket, or an HTTP
/// server), as `build` makes it, shared by every open with the same
/// settings and the same environment variables of the store's kind: each
/// new client loads the system's root certificates (~2 ms) and opens its
/// own connections (a TLS handshake each), which an open per file would pay
/// again. The last [`SHARED_CLIENTS`] are kept.
fn shared_client(
    url: &StoreUrl,
    parsed: &url::Url,
    scheme: &ObjectStoreScheme,
    build: impl FnOnce() -> Result<(Arc<dyn ObjectStore>, bool, Expect)>,
) -> Result<(Arc<dyn ObjectStore>, bool, Expect)> {
    type Clients = Vec<(String, (Arc<dyn ObjectStore>, bool, Expect))>;
    static CLIENTS: std::sync::Mutex<Clients> = std::sync::Mutex::new(Vec::new());
    let prefixes = ["AWS_", "GOOGLE_", "AZURE_"];
    let env: Vec<(String, String)> = if url.env {
        let mut vars: Vec<_> = std::env::vars()
            .filter(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
            .collect();
        vars.sort();
        vars
    } else {
        Vec::new()
    };
    // The store: its scheme and bucket (container) where the URL names it
    // before the path; else (an https URL of a cloud store, which may name
    // its bucket in the path) the whole URL.
    let bucket_first = BUCKET_IN_HOST.contains(&parsed.scheme())
        || matches!(parsed.scheme(), "abfs" | "abfss")
        || *scheme == ObjectStoreScheme::Http;
    let store = if bucket_first {
        &parsed[..url::Position::BeforePath]
    } else {
        parsed.as_str()
    };
    let key = format!(
        "{store}\n{:?}\n{:?}\n{:?}",
        url.settings,
        (
            url.timeout,
            url.connect_timeout,
            url.retries,
            url.retry_timeout,
            url.backoff
        ),
        env
    );
    let lock = || {
        CLIENTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(found) = lock().iter().find(|(k, _)| *k == key) {
        return Ok(found.1.clone());
    }
    let built = build()?;
    let mut clients = lock();
    clients.retain(|(k, _)| *k != key);
    if clients.len() >= SHARED_CLIENTS {
        clients.remove(0);
    }
    clients.push((key, built.clone()));
    Ok(built)
}

/// One object of an object store or web server, read by byte ranges: what
/// lazy-hdf5 reads HDF5 files by URL with (its feature `cloud`), sharing
/// this crate's URLs, settings, runtime, retries and messages. `url` names
/// the object itself (`s3://bucket/dir/file.h5`), not a prefix.
///
/// Nothing is requested at [`open`](Self::open); each read is one request
/// per range, at most [`concurrency`](StoreUrl::concurrency) in flight,
/// each bounded by [`timeout`](StoreUrl::timeout) and retried as the
/// stores of this crate are. Failures are
/// [`Backend`](lazy_core::ErrorKind::Backend) errors naming the URL and,
/// when the failure says, what to do (`bucket "b" not found`, …).
pub struct RangeReader {
    remote: Arc<Remote>,
}

impl std::fmt::Debug for RangeReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RangeReader")
            .field("url", &self.remote.url)
            .finish()
    }
}

impl RangeReader {
    /// The object at `url` (`s3://`, `gs://`, `az://`, `http(s)://`): a
    /// malformed URL, an unknown setting or a `file://` URL (read local
    /// files as files) is a [`Value`](lazy_core::ErrorKind::Value) error;
    /// nothing is requested yet.
    pub fn open(url: impl Into<StoreUrl>) -> Result<RangeReader> {
        let url = url.into();
        match open_url(&url)? {
            Opened::Remote(remote) => Ok(RangeReader { remote }),
            Opened::Local(dir) => Err(Error::value(format!(
                "{:?} is a local path ({}): open it as a file",
                url.url,
                dir.display()
            ))),
        }
    }

    /// The URL, as given (without a trailing `/`).
    pub fn url(&self) -> &str {
        &self.remote.url
    }

    /// The most requests one read has in flight ([`StoreUrl::concurrency`]).
    pub fn concurrency(&self) -> usize {
        self.remote.concurrency
    }

    /// The first `len` bytes of the object (all of it when it is shorter)
    /// and the object's size, in one request.
    pub fn first(&self, len: u64) -> Result<(bytes::Bytes, u64)> {
        let objects = self.remote.objects.clone();
        let got = self.remote.block_on.block_on(async move {
            let path = object_store::path::Path::default();
            let options = object_store::GetOptions::new().with_range(Some(0..len.max(1)));
            let got = objects.get_opts(&path, options).await?;
            let size = got.meta.size;
            let bytes = got.bytes().await?;
            Ok::<_, object_store::Error>((bytes, size))
        });
        got.map_err(|e| self.failed(e))
    }

    /// The bytes of each of `ranges`, in order, fetched side by side (at
    /// most [`concurrency`](Self::concurrency) requests at once); a range
    /// past the object's end, or an answer of another length, is an error.
    /// An answer the client received in one piece is not copied; see
    /// [`receive`](Self::receive) for answers as they arrived.
    pub fn read_ranges(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<bytes::Bytes>> {
        Ok(self
            .receive(ranges)?
            .into_iter()
            .map(Received::into_bytes)
            .collect())
    }

    /// The bytes of each of `ranges`, as [`read_ranges`](Self::read_ranges)
    /// fetches them, each answer as the client received it: its frames,
    /// not joined (joining copies every byte of a large answer once more,
    /// into fresh memory), so that a part of it is a slice of a frame.
    pub fn receive(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Received>> {
        let objects = self.remote.objects.clone();
        let limit = self.remote.concurrency;
        let wanted = ranges.to_vec();
        let task = self.remote.block_on.0.spawn(async move {
            futures::stream::iter(wanted)
                .map(|range| {
                    let objects = &objects;
                    async move {
                        let path = object_store::path::Path::default();
                        let n = range.end.saturating_sub(range.start);
                        let options =
                            object_store::GetOptions::new().with_range(Some(range.clone()));
                        let mut frames = objects.get_opts(&path, options).await?.into_stream();
                        let mut got = Received::default();
                        while let Some(frame) = frames.try_next().await? {
                            got.push(frame);
                        }
                        if got.len() as u64 != n {
                            return Err(object_store::Error::Generic {
                                store: "lazy-zarr",
                                source: format!(
                                    "bytes {}..{} answered with {} bytes",
                                    range.start,
                                    range.end,
                                    got.len()
                                )
                                .into(),
                            });
                        }
                        Ok(got)
                    }
                })
                .buffered(limit)
                .try_collect::<Vec<_>>()
                .await
        });
        match futures::executor::block_on(task) {
            Ok(got) => got.map_err(|e| self.failed(e)),
            Err(e) => Err(Error::backend_msg(format!(
                "cannot read {}: a request failed: {e}",
                self.remote.url
            ))),
        }
    }

    /// `e`, a failed request, as a `Backend` error naming the URL and what
    /// to do when the failure says.
    fn failed(&self, e: object_store::Error) -> Error {
        let url = &self.remote.url;
        if let object_store::Error::NotFound { .. } = e {
            return Error::backend(format!("cannot read {url}: no such object"), e);
        }
        let text = with_causes(&e);
        match explain_request(&self.remote.expect, &text) {
            Some(hint) => Error::backend(format!("cannot read {url}: {hint}"), e),
            None => Error::backend(format!("cannot read {url}: {text}"), e),
        }
    }
}

/// An answer's bytes as they arrived ([`RangeReader::receive`]): the
/// frames the client received, in order, not joined into one buffer. A
/// part inside one frame is a slice of it (not copied); a part across
/// frames is copied.
///
/// ```
/// use bytes::Bytes;
/// use lazy_zarr::Received;
///
/// let got: Received = [&b"hdf"[..], b"5 chu", b"nks"].into_iter().map(Bytes::from_static).collect();
/// assert_eq!(got.len(), 11);
/// assert_eq!(got.slice(5..8).as_deref(), Some(&b"chu"[..])); // in one frame
/// assert_eq!(got.slice(1..9).as_deref(), Some(&b"df5 chun"[..])); // across three
/// assert_eq!(got.slice(9..12), None); // past the end
/// assert_eq!(got.into_bytes(), Bytes::from_static(b"hdf5 chunks"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Received {
    frames: Vec<bytes::Bytes>,
    /// Where each frame ends, counted from the answer's first byte.
    ends: Vec<usize>,
}

impl Received {
    /// Appends a frame.
    pub fn push(&mut self, frame: bytes::Bytes) {
        if frame.is_empty() {
            return;
        }
        let end = self.len().saturating_add(frame.len());
        self.frames.push(frame);
        self.ends.push(end);
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes `range` of the answer: a slice of the frame that holds them,
    /// or a copy where they span frames; `None` past the end.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Option<bytes::Bytes> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        if range.is_empty() {
            return Some(bytes::Bytes::new());
        }
        // The frame holding the first byte: the first that ends past it.
        let first = self.ends.partition_point(|&end| end <= range.start);
        let start_of = |k: usize| if k == 0 { 0 } else { self.ends[k - 1] };
        let frame = self.frames.get(first)?;
        let at = start_of(first);
        if range.end <= self.ends[first] {
            return Some(frame.slice(range.start - at..range.end - at));
        }
        let mut joined = Vec::with_capacity(range.len());
        for (k, frame) in self.frames.iter().enumerate().skip(first) {
            let at = start_of(k);
            if at >= range.end {
                break;
            }
            let from = range.start.saturating_sub(at);
            let to = (range.end - at).min(frame.len());
            joined.extend_from_slice(frame.get(from..to)?);
        }
        Some(joined.into())
    }

    /// All the bytes in one buffer: the frame itself when there is one,
    /// else joined (copied).
    pub fn into_bytes(mut self) -> bytes::Bytes {
        match self.frames.len() {
            0 => bytes::Bytes::new(),
            1 => self.frames.swap_remove(0),
            _ => {
                let mut joined = Vec::with_capacity(self.len());
                for frame in &self.frames {
                    joined.extend_from_slice(frame);
                }
                joined.into()
            }
        }
    }
}

impl FromIterator<bytes::Bytes> for Received {
    fn from_iter<I: IntoIterator<Item = bytes::Bytes>>(frames: I) -> Self {
        let mut got = Received::default();
        for frame in frames {
            got.push(frame);
        }
        got
    }
}

/// The schemes of URLs that name their bucket (container) as their host
/// (`s3://bucket/...`, `gs://`, `az://`).
const BUCKET_IN_HOST: [&str; 6] = ["s3", "s3a", "gs", "az", "azure", "adl"];

/// The bucket (container) of a URL that names it as its host
/// ([`BUCKET_IN_HOST`]).
fn bucket_of(url: &url::Url) -> Option<String> {
    BUCKET_IN_HOST
        .contains(&url.scheme())
        .then(|| url.host_str().map(str::to_string))
        .flatten()
}

/// `Some((endpoint, variable))` when `endpoint` is `http://` and plain
/// HTTP is not allowed (`allow_http`, a setting's value, is not true).
fn http_refused(
    endpoint: Option<String>,
    allow_http: Option<String>,
    variable: &'static str,
) -> Option<(String, &'static str)> {
    let endpoint = endpoint.filter(|e| e.to_ascii_lowercase().starts_with("http://"))?;
    (!allow_http.is_some_and(|v| truthy(&v))).then_some((endpoint, variable))
}

/// Whether a setting's value means true, as object_store reads it.
fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "y"
    )
}

/// What to do without AWS credentials.
const NO_AWS_CREDENTIALS: &str = "no AWS credentials found: set AWS_ACCESS_KEY_ID and \
    AWS_SECRET_ACCESS_KEY (object_store does not read ~/.aws profiles: `aws configure \
    export-credentials --format env` prints a profile's), run where an instance role gives \
    them, or set AWS_SKIP_SIGNATURE=true for a public bucket";

/// The setting (and environment variable, with the environment) that
/// keeps S3 stores from asking EC2's metadata service for credentials, as
/// in the AWS SDKs; not one of object_store's.
const METADATA_DISABLED: &str = "aws_ec2_metadata_disabled";

/// Whether [`METADATA_DISABLED`] is set to true, as a setting or (with the
/// environment) a variable.
fn metadata_disabled(url: &StoreUrl) -> bool {
    let set = url
        .settings
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case(METADATA_DISABLED));
    match set {
        Some((_, v)) => truthy(v),
        None => {
            url.env
                && std::env::var(METADATA_DISABLED.to_ascii_uppercase()).is_ok_and(|v| truthy(&v))
        }
    }
}

/// What to do about a request to a store that failed with `error` (its
/// text, with its causes), when the text or the settings say.
pub(crate) fn explain_request(expect: &Expect, error: &str) -> Option<String> {
    let lower = error.to_ascii_lowercase();
    let bucket = || {
        expect
            .bucket
            .as_deref()
            .map_or(String::new(), |b| format!(" {b:?}"))
    };
    // The error code as the server wrote it (lower-casing keeps offsets).
    let refused = [
        "invalidaccesskeyid",
        "signaturedoesnotmatch",
        "authenticationfailed",
    ]
    .into_iter()
    .find_map(|code| {
        let at = lower.find(code)?;
        error.get(at..at + code.len())
    });
    if expect.kind == Kind::S3
        && (lower.contains("/latest/api/token") || lower.contains("/latest/meta-data/iam"))
    {
        Some(NO_AWS_CREDENTIALS.to_string())
    } else if let Some((endpoint, variable)) = &expect.http_refused {
        Some(format!(
            "http:// endpoints need {variable}=true (the endpoint is {endpoint}; or \
             StoreUrl::set(\"{}\", \"true\"))",
            variable.to_ascii_lowercase()
        ))
    } else if lower.contains("nosuchbucket")
        || lower.contains("containernotfound")
        || lower.contains("the specified bucket does not exist")
    {
        let what = if expect.kind == Kind::Azure {
            "container"
        } else {
            "bucket"
        };
        Some(format!("{what}{} not found", bucket()))
    } else if let Some(code) = refused.or_else(|| {
        let denied = lower.contains("403 forbidden")
            || lower.contains("401 unauthorized")
            || lower.contains("lacked the necessary privileges");
        denied.then(|| {
            if lower.contains("401") {
                "401 Unauthorized"
            } else {
                "403 Forbidden"
            }
        })
    }) {
        let which = match expect.kind {
            Kind::S3 => "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            Kind::Azure => "the storage account's name and key",
            _ => "the credentials",
        };
        Some(format!(
            "access denied ({code}): check {which}, and that they may read this bucket"
        ))
    } else {
        None
    }
}

/// `e` and its causes, for matching their text.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

impl Explain for Remote {
    fn store(&self) -> String {
        self.url.clone()
    }

    fn failed(&self, error: &str) -> Option<String> {
        explain_request(&self.expect, error)
    }
}

impl Browse for Remote {
    fn list(&self, prefix: &str) -> std::result::Result<Option<Listing>, String> {
        if self.expect.kind == Kind::Http {
            return Ok(None);
        }
        let path = object_store::path::Path::from(prefix.trim_end_matches('/'));
        let listed = self
            .block_on
            .block_on(self.objects.list_with_delimiter(Some(&path)))
            .map_err(|e| with_causes(&e))?;
        let last = |p: &object_store::path::Path| p.filename().map(str::to_string);
        Ok(Some(Listing {
            files: listed
                .objects
                .iter()
                .filter_map(|o| last(&o.location))
                .collect(),
            dirs: listed.common_prefixes.iter().filter_map(last).collect(),
        }))
    }

    fn read(&self, key: &str) -> std::result::Result<Option<Vec<u8>>, String> {
        let path = object_store::path::Path::from(key);
        let got = self.block_on.block_on(async {
            match self.objects.get(&path).await {
                Ok(got) => got.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| with_causes(&e))
    }

    /// Each directory costs up to four requests, one after another.
    fn budget(&self) -> usize {
        12
    }
}

impl Remote {
    /// `e`, an error of creating an array here, with what to do about it
    /// when the request's failure says (the message replaced, the source kept).
    fn explained(&self, e: Error) -> Error {
        match e {
            Error::Backend { message, source } => {
                let text = source.as_deref().map_or_else(
                    || message.clone(),
                    |s| format!("{message}: {}", with_causes(s)),
                );
                match explain_request(&self.expect, &text) {
                    Some(hint) => {
                        let head = message.split(": ").next().unwrap_or(&message);
                        Error::Backend {
                            message: format!("{head}: {hint}"),
                            source,
                        }
                    }
                    None => Error::Backend { message, source },
                }
            }
            other => other,
        }
    }
}

/// Applies to builder `b` the environment's variables that start with
/// `env` (as object_store's `from_env` does; none for an empty prefix or
/// with [`StoreUrl::without_env`]), then the URL's settings, each through
/// `set`. The builder's client options and retries are set before: the
/// environment and the settings may change them.
fn configure<B, K: std::str::FromStr>(
    mut b: B,
    env: &str,
    url: &StoreUrl,
    set: fn(B, K, String) -> B,
) -> Result<B> {
    if url.env && !env.is_empty() {
        for (k, v) in std::env::vars() {
            if k.starts_with(env) {
                if let Ok(key) = k.to_ascii_lowercase().parse::<K>() {
                    b = set(b, key, v);
                }
            }
        }
    }
    for (k, v) in &url.settings {
        if k.eq_ignore_ascii_case(METADATA_DISABLED) {
            continue; // read by `metadata_disabled`, not object_store's
        }
        let key = k.to_ascii_lowercase().parse::<K>().map_err(|_| {
            Error::value(format!(
                "{k:?} is not a setting of the store {} (see lazy_zarr::StoreUrl)",
                url.url
            ))
        })?;
        b = set(b, key, v.clone());
    }
    Ok(b)
}

/// The store at a URL, opened: its storage, where it is, and how to
/// explain its failures.
pub(crate) struct At {
    storage: Arc<Storage>,
    location: Location,
    /// The object store, `None` for a `file://` URL.
    remote: Option<Arc<Remote>>,
    /// The directory of a `file://` URL.
    dir: Option<PathBuf>,
}

impl At {
    /// Opens the array at `path` here.
    fn open(self, path: &str) -> Result<(Array<Storage>, Location)> {
        let array = match (&self.remote, &self.dir) {
            (Some(remote), _) => crate::open::open_in(self.storage, path, remote.as_ref())?,
            (None, Some(dir)) => crate::open::open_in(self.storage, path, &LocalStore(dir))?,
            (None, None) => {
                return Err(Error::backend_msg(
                    "internal error: a store by URL is neither local nor remote",
                ))
            }
        };
        Ok((array, self.location))
    }
}

/// The storage at `url` and where it is, for opening (`write`: for
/// writing, which a web server refuses) or creating an array.
pub(crate) fn storage_at(url: &StoreUrl, write: bool) -> Result<At> {
    match open_url(url)? {
        Opened::Local(dir) => {
            let storage = crate::open::filesystem_store(&dir)?;
            Ok(At {
                storage,
                location: Location::local(&dir),
                remote: None,
                dir: Some(dir),
            })
        }
        Opened::Remote(remote) => {
            if write && !remote.writable() {
                // Storage refusing a write is a Backend error, as in every
                // backend (the one rule of `ErrorKind`).
                return Err(Error::backend_msg(format!(
                    "cannot write to {}: stores on web servers (http://, https://) are read-only",
                    remote.url
                )));
            }
            Ok(At {
                storage: remote.storage(),
                location: Location::remote(remote.url.clone(), remote.clone()),
                remote: Some(remote),
                dir: None,
            })
        }
    }
}

/// Opening and creating by URL (feature `cloud`).
impl<T: ZarrElement, R: Rank> ZarrDataset<T, R, ReadOnly> {
    /// Opens the array at `path` in the Zarr store at `url` read-only, and
    /// checks it against `T` and `R` as [`open`](ZarrDataset::open) does:
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`,
    /// `http(s)://host/prefix` or `file:///dir`. `url` is a `&str` (settings
    /// from the environment) or a [`StoreUrl`] with explicit options. Only
    /// the array's metadata is read here.
    ///
    /// Errors, each naming the URL and the array: a malformed URL or an
    /// unknown setting, [`Value`](lazy_core::ErrorKind::Value); a store that
    /// cannot be reached, wrong credentials, a missing bucket or array,
    /// [`Backend`](lazy_core::ErrorKind::Backend); rank and element type as
    /// for [`open`](ZarrDataset::open).
    ///
    /// ```
    /// use lazy_core::{DatasetExt, ErrorKind};
    /// use lazy_zarr::{CreateOptions, ZarrDataset};
    /// use typenum::U1;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let url = format!("file://{}", dir.path().display());
    /// let mut x = ZarrDataset::<i32, U1>::create_url(&url, "x", &[4], &CreateOptions::default())?;
    /// lazy_core::DatasetMutExt::write_all(&mut x, ndarray::array![1, 2, 3, 4])?;
    /// assert_eq!(ZarrDataset::<i32, U1>::open_url(&url, "x")?.read_all()?, ndarray::array![1, 2, 3, 4]);
    ///
    /// let err = ZarrDataset::<i32, U1>::open_url("ftp://host/store.zarr", "x").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Value);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open_url(url: impl Into<StoreUrl>, path: &str) -> Result<Self> {
        let (array, location) = storage_at(&url.into(), false)?.open(path)?;
        ZarrDataset::checked(array, location)
    }

    /// Opens the array at `path` in the Zarr store at `url` for reading and
    /// writing; as [`open_url`](Self::open_url), and a web server
    /// (`http(s)://`) is a [`Value`](lazy_core::ErrorKind::Value) error: it
    /// cannot be written.
    pub fn open_url_rw(
        url: impl Into<StoreUrl>,
        path: &str,
    ) -> Result<ZarrDataset<T, R, ReadWrite>> {
        let (array, location) = storage_at(&url.into(), true)?.open(path)?;
        ZarrDataset::checked(array, location)
    }

    /// Creates a Zarr v3 array at `path` in the store at `url`, as
    /// [`create`](ZarrDataset::create) does in a directory, and opens it for
    /// reading and writing.
    pub fn create_url(
        url: impl Into<StoreUrl>,
        path: &str,
        shape: &[usize],
        options: &CreateOptions<T>,
    ) -> Result<ZarrDataset<T, R, ReadWrite>> {
        let at = storage_at(&url.into(), true)?;
        let remote = at.remote.clone();
        crate::create::create_in(at.storage, at.location, path, shape, options).map_err(|e| {
            match &remote {
                Some(r) => r.explained(e),
                None => e,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stores `open_url` would build for `urls`, through
    /// `shared_client`, and how many clients it built.
    fn clients(urls: &[StoreUrl]) -> (Vec<Arc<dyn ObjectStore>>, usize) {
        let built = std::sync::atomic::AtomicUsize::new(0);
        let stores = urls
            .iter()
            .map(|url| {
                let parsed = url::Url::parse(url.url()).unwrap();
                let (scheme, _) = ObjectStoreScheme::parse(&parsed).unwrap();
                shared_client(url, &parsed, &scheme, || {
                    built.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    build(url, &parsed, &scheme)
                })
                .unwrap()
                .0
            })
            .collect();
        (stores, built.into_inner())
    }

    #[test]
    fn parts_of_an_answer_in_frames_are_its_bytes() {
        // 1,000 bytes cut into frames of 1 to 37 bytes (and empty ones);
        // every part equals the same part of the joined bytes.
        let all: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut got = Received::default();
        let (mut at, mut k) = (0, 0usize);
        while at < all.len() {
            let n = (k * 13 % 37 + 1).min(all.len() - at);
            got.push(bytes::Bytes::copy_from_slice(&all[at..at + n]));
            got.push(bytes::Bytes::new());
            (at, k) = (at + n, k + 1);
        }
        assert_eq!(got.len(), all.len());
        for start in (0..=1000).step_by(7) {
            for len in [0, 1, 5, 36, 37, 38, 200] {
                let end = start + len;
                let part = got.slice(start..end);
                if end <= all.len() {
                    assert_eq!(part.as_deref(), Some(&all[start..end]), "{start}..{end}");
                } else {
                    assert!(part.is_none(), "{start}..{end}");
                }
            }
        }
        // A part inside one frame is that frame's memory, not a copy.
        let first = got.frames[0].clone();
        let inside = got.slice(0..first.len()).unwrap();
        assert_eq!(inside.as_ptr(), first.as_ptr());
        assert_eq!(got.into_bytes(), all);
    }

    #[test]
    fn opens_of_one_store_with_the_same_settings_share_its_client() {
        // A port no other test uses, so that no client is shared with them.
        let at = |path: &str| StoreUrl::new(format!("http://127.0.0.1:9/{path}")).without_env();
        let (stores, built) = clients(&[at("a/x.h5"), at("b/y.h5"), at("a/x.h5")]);
        assert_eq!(built, 1);
        assert!(Arc::ptr_eq(&stores[0], &stores[1]) && Arc::ptr_eq(&stores[0], &stores[2]));
        // Other settings, another server: clients of their own.
        let (others, built) = clients(&[
            at("a/x.h5").retries(7),
            at("a/x.h5").timeout(Duration::from_secs(3)),
            StoreUrl::new("http://127.0.0.1:10/a/x.h5").without_env(),
        ]);
        assert_eq!(built, 3);
        assert!(others.iter().all(|o| !Arc::ptr_eq(o, &stores[0])));
        // Buckets are stores of their own; an https URL of a cloud store
        // (which may name its bucket in its path) is keyed whole.
        let s3 = |u: &str| {
            StoreUrl::new(u)
                .without_env()
                .set("aws_skip_signature", "true")
        };
        let (buckets, built) = clients(&[
            s3("s3://one/x.h5"),
            s3("s3://two/x.h5"),
            s3("s3://one/y.h5"),
            s3("https://s3.us-east-1.amazonaws.com/one/x.h5"),
            s3("https://s3.us-east-1.amazonaws.com/two/x.h5"),
        ]);
        assert_eq!(built, 4);
        assert!(Arc::ptr_eq(&buckets[0], &buckets[2]));
        assert!(!Arc::ptr_eq(&buckets[0], &buckets[1]));
        assert!(!Arc::ptr_eq(&buckets[3], &buckets[4]));
    }
}
