//! `bench-s3-server --host H --port P --access-key K --secret-key S ROOT`:
//! an S3-compatible server over the directory ROOT (each bucket a
//! folder), for `bench/compare_hdf5_remote.sh`. It is s3s-fs's server
//! (same library, same options as its `s3s-fs` binary) with two changes,
//! so that on loopback, where the server shares the client's cores, it
//! costs what a production object store's front end costs:
//!
//! - Each connection sets `TCP_NODELAY`, as S3's front ends and every
//!   production HTTP server do. Without it (the `s3s-fs` binary), Nagle's
//!   algorithm holds the last small segment of about every other answer
//!   until the client's delayed ACK, so a request waits ~40 ms on
//!   loopback: 1 MiB ranges took 8-60 ms, 4 KiB ones 2-45 ms, against 6-7
//!   ms and 1.1-1.8 ms with it (boto3, 10 requests each).
//! - A GET's bytes (the whole object or its range) are read by one
//!   positional read and sent as one body. s3s-fs reads them 4 KiB at a
//!   time, each read a hop to tokio's blocking pool: ~100 MB/s per request
//!   and a core's worth of CPU taken from the client under test. Every
//!   header of the answer (length, range, ETag, dates, checksums) is still
//!   s3s-fs's: its `get_object` runs, and only its body is replaced.

use std::path::PathBuf;

use bytes::Bytes;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::dto::*;
use s3s::service::S3ServiceBuilder;
use s3s::{S3Request, S3Response, S3Result, S3};
use tokio::net::TcpListener;

/// The command line: `--host`, `--port`, `--access-key`, `--secret-key`
/// and the root directory.
struct Options {
    host: String,
    port: u16,
    keys: Option<(String, String)>,
    root: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut host, mut port, mut access, mut secret, mut root) =
        ("127.0.0.1".to_string(), 8014u16, None, None, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--host" => host = value()?,
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--access-key" => access = Some(value()?),
            "--secret-key" => secret = Some(value()?),
            other if !other.starts_with("--") && root.is_none() => root = Some(other.into()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let keys = match (access, secret) {
        (Some(a), Some(s)) => Some((a, s)),
        (None, None) => None,
        _ => return Err("--access-key and --secret-key go together".into()),
    };
    let root = root.ok_or("the root directory is missing")?;
    Ok(Options {
        host,
        port,
        keys,
        root,
    })
}

/// s3s-fs with GET bodies read in one piece (see the module docs); the
/// other operations the benchmark's clients use are s3s-fs's.
struct Server {
    fs: s3s_fs::FileSystem,
    root: PathBuf,
}

#[async_trait::async_trait]
impl S3 for Server {
    // The operations the benchmark's clients use besides GET: s3s-fs's.
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }
    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.fs.delete_bucket(req).await
    }
    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }
    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.fs.list_objects(req).await
    }
    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.fs.list_objects_v2(req).await
    }
    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }
    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.fs.put_object(req).await
    }
    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let path = self.root.join(&req.input.bucket).join(&req.input.key);
        let mut answer = self.fs.get_object(req).await?;
        // s3s-fs checked the object and the range: its answer says which
        // bytes go out.
        let out = &mut answer.output;
        let len = out.content_length.unwrap_or(0).max(0) as usize;
        let first = match &out.content_range {
            Some(range) => range
                .trim_start_matches("bytes ")
                .split('-')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0),
            None => 0,
        };
        let bytes = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
            use std::os::unix::fs::FileExt;
            let mut buf = vec![0u8; len];
            std::fs::File::open(path)?.read_exact_at(&mut buf, first)?;
            Ok(buf)
        })
        .await
        .map_err(|e| s3s::s3_error!(InternalError, "{e}"))?
        .map_err(|e| s3s::s3_error!(InternalError, "{e}"))?;
        out.body = Some(StreamingBlob::from(s3s::Body::from(Bytes::from(bytes))));
        Ok(answer)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let opt = options().map_err(|e| format!("bench-s3-server: {e}"))?;
    let fs = s3s_fs::FileSystem::new(&opt.root)
        .map_err(|e| format!("bench-s3-server: {}: {e:?}", opt.root.display()))?;
    let root = std::fs::canonicalize(&opt.root)?;
    let mut service = S3ServiceBuilder::new(Server { fs, root });
    if let Some((access, secret)) = opt.keys {
        service.set_auth(SimpleAuth::from_single(access, secret));
    }
    let service = service.build();
    let listener = TcpListener::bind((opt.host.as_str(), opt.port)).await?;
    let http = ConnBuilder::new(TokioExecutor::new());
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        // The one change from s3s-fs's binary (see the module docs).
        socket.set_nodelay(true)?;
        let conn = http
            .serve_connection(TokioIo::new(socket), service.clone())
            .into_owned();
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}
