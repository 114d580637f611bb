use std::time::Instant;
use std::panic::{catch_unwind, AssertUnwindSafe};

const FX: &str = "/work/scratch/h5eval/fx";

trait Le { fn le(&self, out: &mut Vec<u8>); }
macro_rules! le { ($($t:ty),*) => { $(impl Le for $t { fn le(&self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_le_bytes()); } })* } }
le!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);
fn bytes<T: Le>(v: impl IntoIterator<Item = T>) -> Vec<u8> { let mut o = Vec::new(); for x in v { x.le(&mut o); } o }

// dispatch a dtype string to a concrete Rust type
macro_rules! by_dtype {
    ($dt:expr, $T:ident => $body:expr) => {{
        match $dt {
            "<f8" | ">f8" => { type $T = f64; $body }
            "<f4" | ">f4" => { type $T = f32; $body }
            "<i8" | ">i8" => { type $T = i64; $body }
            "<i4" | ">i4" => { type $T = i32; $body }
            "<i2" | ">i2" => { type $T = i16; $body }
            "<u8" | ">u8" => { type $T = u64; $body }
            "<u4" | ">u4" => { type $T = u32; $body }
            "<u2" | ">u2" => { type $T = u16; $body }
            "|u1" => { type $T = u8; $body }
            "|b1" | "|i1" => { type $T = i8; $body }
            d => Err(format!("dtype {d} not mapped")),
        }
    }};
}

pub static NREAD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
pub static NBYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
type R = Result<Vec<u8>, String>;

// ---------------- hdf5-reader ----------------
mod h5r {
    use super::*;
    use hdf5_reader as hr;
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = hr::Hdf5File::open(path).map_err(|e| format!("open: {e}"))?;
        let d = f.dataset(ds).map_err(|e| format!("dataset: {e}"))?;
        if dt == "|b1" { return d.read_native_bytes().map_err(|e| format!("read: {e}")); }
        by_dtype!(dt, T => d.read_array::<T>().map(|a| bytes(a.iter().copied())).map_err(|e| format!("read: {e}")))
    }
    pub fn attrs(path: &str) -> Result<String, String> {
        let f = hr::Hdf5File::open(path).map_err(|e| e.to_string())?;
        let n = f.group("dense_attrs").and_then(|g| g.attributes()).map_err(|e| e.to_string())?.len();
        let g = f.group("a/b/c").map_err(|e| e.to_string())?;
        let u = g.attribute("units").and_then(|a| a.read_string()).map_err(|e| e.to_string())?;
        let s: f32 = g.attribute("scale").and_then(|a| a.read_scalar::<f32>()).map_err(|e| e.to_string())?;
        let a17: i64 = f.group("dense_attrs").and_then(|g| g.attribute("attr17")).and_then(|a| a.read_scalar::<i64>()).map_err(|e| e.to_string())?;
        let (_, dnames) = f.group("many").and_then(|g| g.member_names()).map_err(|e| e.to_string())?;
        Ok(format!("dense_n={n} units={u} scale={s} attr17={a17} many_links={}", dnames.len()))
    }
    pub fn storage_open(path: &str) -> Result<hr::Hdf5File, String> {
        // generic positional-read byte source (what S3 range reads would plug into)
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let len = file.metadata().unwrap().len();
        let st = hr::storage::RangeRequestStorage::new(len, move |off, n| {
            use std::os::unix::fs::FileExt;
            super::NREAD.fetch_add(1, std::sync::atomic::Ordering::Relaxed); super::NBYTES.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            let mut b = vec![0u8; n];
            file.read_exact_at(&mut b, off).map_err(|e| hr::error::Error::Io(e))?;
            Ok(b)
        });
        if std::env::var("BC").is_ok() {
            let bc = hr::storage::BlockCacheStorage::new(std::sync::Arc::new(st), 1 << 20, 64);
            return hr::Hdf5File::from_storage(std::sync::Arc::new(bc)).map_err(|e| e.to_string());
        }
        hr::Hdf5File::from_storage(std::sync::Arc::new(st)).map_err(|e| e.to_string())
    }
    /// chunk index: (offsets, address, size, filter_mask) for every stored chunk
    pub fn chunk_index(f: &hr::Hdf5File, ds: &str) -> Result<Vec<hr::chunk_index::ChunkEntry>, String> {
        use hr::messages::HdfMessage;
        use hdf5_core::{ChunkIndexing, DataLayout};
        let d = f.dataset(ds).map_err(|e| e.to_string())?;
        let hdr = f.get_or_parse_header(d.address()).map_err(|e| e.to_string())?;
        let lay = hdr.messages.iter().find_map(|m| if let HdfMessage::DataLayout(l) = m { Some(l.layout.clone()) } else { None }).ok_or("no layout")?;
        let sb = f.superblock();
        let (os, ls) = (sb.offset_size, sb.length_size);
        let st = f.storage();
        let shape = d.shape().to_vec();
        let cd = d.chunks().ok_or("not chunked")?;
        let DataLayout::Chunked { address, chunk_indexing, .. } = lay else { return Err("not chunked".into()) };
        let r = match chunk_indexing {
            None => hr::btree_v1::collect_btree_v1_leaves_storage(st, address, os, ls, Some(shape.len() as u32), &cd, None).map(|v| v.into_iter().filter_map(|(k, a)| match k { hr::btree_v1::BTreeV1Key::RawData { chunk_size, filter_mask, offsets } => Some(hr::chunk_index::ChunkEntry { address: a, size: chunk_size as u64, filter_mask, offsets: offsets[..shape.len()].to_vec() }), _ => None }).collect()),
            Some(ChunkIndexing::SingleChunk { filtered_size, filters }) => Ok(vec![hr::chunk_index::single_chunk_entry(address, filtered_size, filters, shape.len())]),
            Some(ChunkIndexing::Implicit) => hr::chunk_index::collect_implicit_chunk_entries(address, &shape, &cd, d.raw_element_size().map_err(|e| e.to_string())?, None, st.len()),
            Some(ChunkIndexing::FixedArray { .. }) => hr::fixed_array::collect_fixed_array_chunk_entries_storage(st, address, os, ls, &shape, &cd, None),
            Some(ChunkIndexing::ExtensibleArray { .. }) => hr::extensible_array::collect_extensible_array_chunk_entries_storage(st, address, os, ls, &shape, d.max_dims(), &cd, None),
            Some(ChunkIndexing::BTreeV2) => hr::chunk_index::collect_v2_chunk_entries_storage(st, address, os, ls, shape.len() as u32, &cd, None),
        };
        r.map_err(|e| e.to_string())
    }
    pub fn kind(f: &hr::Hdf5File, ds: &str) -> String {
        use hr::messages::HdfMessage;
        let Ok(d) = f.dataset(ds) else { return "?".into() };
        let Ok(h) = f.get_or_parse_header(d.address()) else { return "?".into() };
        h.messages.iter().find_map(|m| if let HdfMessage::DataLayout(l) = m { Some(match &l.layout {
            hdf5_core::DataLayout::Compact { .. } => "compact".to_string(),
            hdf5_core::DataLayout::Contiguous { .. } => "contiguous".to_string(),
            hdf5_core::DataLayout::Chunked { chunk_indexing: None, .. } => "chunked/btree1".to_string(),
            hdf5_core::DataLayout::Chunked { chunk_indexing: Some(c), .. } => format!("chunked/{}", format!("{c:?}").split([' ', '{']).next().unwrap()),
        }) } else { None }).unwrap_or("?".into())
    }
}

// ---------------- hdf5-pure ----------------
mod h5p {
    use super::*;
    pub fn open(path: &str, streaming: bool) -> Result<hdf5_pure::File, String> {
        if streaming { hdf5_pure::File::open_streaming(path) } else { hdf5_pure::File::open(path) }.map_err(|e| format!("open: {e}"))
    }
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = open(path, true)?;
        let d = f.dataset(ds).map_err(|e| format!("dataset: {e}"))?;
        let e = |e: hdf5_pure::Error| format!("read: {e}");
        match dt {
            "<f8" | ">f8" => d.read_f64().map(bytes).map_err(e),
            "<f4" | ">f4" => d.read_f32().map(bytes).map_err(e),
            "<i8" | ">i8" => d.read_i64().map(bytes).map_err(e),
            "<i4" | ">i4" => d.read_i32().map(bytes).map_err(e),
            "<i2" => d.read_i16().map(bytes).map_err(e),
            "<u4" => d.read_u32().map(bytes).map_err(e),
            "<u2" => d.read_u16().map(bytes).map_err(e),
            "|u1" => d.read_u8().map(bytes).map_err(e),
            "|b1" => d.read_i8().map(bytes).map_err(e),
            d => Err(format!("dtype {d}")),
        }
    }
    pub fn attrs(path: &str) -> Result<String, String> {
        let f = open(path, true)?;
        let n = f.group("dense_attrs").and_then(|g| g.attrs()).map_err(|e| e.to_string())?.len();
        let a = f.group("a/b/c").and_then(|g| g.attrs()).map_err(|e| e.to_string())?;
        let a17 = f.group("dense_attrs").and_then(|g| g.attrs()).map_err(|e| e.to_string())?.get("attr17").map(|v| format!("{v:?}"));
        let links = f.group("many").and_then(|g| g.datasets()).map_err(|e| e.to_string())?.len();
        Ok(format!("dense_n={n} units={:?} scale={:?} attr17={a17:?} many_links={links}", a.get("units"), a.get("scale")))
    }
    pub fn chunk_index(f: &hdf5_pure::File, ds: &str) -> Result<usize, String> {
        f.dataset(ds).and_then(|d| d.chunks()).map(|c| c.len()).map_err(|e| e.to_string())
    }
    pub fn kind(f: &hdf5_pure::File, ds: &str) -> String {
        f.dataset(ds).and_then(|d| d.chunk_index()).map(|c| format!("{c:?}")).unwrap_or_else(|e| format!("err {e}"))
    }
}

// ---------------- rust-hdf5 ----------------
mod rh {
    use super::*;
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = rust_hdf5::H5File::open(path).map_err(|e| format!("open: {e}"))?;
        let d = f.dataset(ds).map_err(|e| format!("dataset: {e}"))?;
        if dt == "|b1" { return d.read_raw::<u8>().map_err(|e| format!("read: {e}")); }
        by_dtype!(dt, T => d.read_numeric_as::<T>().map(bytes).map_err(|e| format!("read: {e}")))
    }
    pub fn attrs(path: &str) -> Result<String, String> {
        let f = rust_hdf5::H5File::open(path).map_err(|e| e.to_string())?;
        let root = f.root_group();
        let n = root.group("dense_attrs").and_then(|g| g.attr_names()).map_err(|e| e.to_string())?.len();
        let names = root.group("a").and_then(|g| g.group("b")).and_then(|g| g.group("c")).and_then(|g| g.attr_names()).map_err(|e| e.to_string())?;
        let links = root.group("many").and_then(|g| g.dataset_names()).map_err(|e| e.to_string())?.len();
        Ok(format!("dense_n={n} abc_attrs={names:?} many_links={links}"))
    }
}

// ---------------- hdf5-pure-rust ----------------
mod hpr {
    use super::*;
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = hdf5_pure_rust::File::open(path).map_err(|e| format!("open: {e}"))?;
        let d = f.dataset(ds).map_err(|e| format!("dataset: {e}"))?;
        by_dtype!(dt, T => d.read::<T>().map(bytes).map_err(|e| format!("read: {e}")))
    }
    pub fn attrs(path: &str) -> Result<String, String> {
        let f = hdf5_pure_rust::File::open(path).map_err(|e| e.to_string())?;
        let n = f.group("dense_attrs").and_then(|g| g.attr_names()).map_err(|e| e.to_string())?.len();
        let names = f.group("a/b/c").and_then(|g| g.attr_names()).map_err(|e| e.to_string())?;
        Ok(format!("dense_n={n} abc_attrs={names:?}"))
    }
}

// ---------------- rustyhdf5 ----------------
mod rhy {
    use super::*;
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = rustyhdf5::File::open(path).map_err(|e| format!("open: {e}"))?;
        let d = f.dataset(ds).map_err(|e| format!("dataset: {e}"))?;
        let e = |e: rustyhdf5::Error| format!("read: {e}");
        match dt {
            "<f8" | ">f8" => d.read_f64().map(bytes).map_err(e),
            "<f4" | ">f4" => d.read_f32().map(bytes).map_err(e),
            "<i8" | ">i8" => d.read_i64().map(bytes).map_err(e),
            "<i4" | ">i4" => d.read_i32().map(bytes).map_err(e),
            d => Err(format!("no typed read for {d}")),
        }
    }
    pub fn attrs(path: &str) -> Result<String, String> {
        let f = rustyhdf5::File::open(path).map_err(|e| e.to_string())?;
        let n = f.group("dense_attrs").and_then(|g| g.attrs()).map_err(|e| e.to_string())?.len();
        let a = f.group("a/b/c").and_then(|g| g.attrs()).map_err(|e| e.to_string())?;
        Ok(format!("dense_n={n} abc_attrs={:?}", a.keys().collect::<Vec<_>>()))
    }
}

// ---------------- hdf5-rust ----------------
mod hru {
    use super::*;
    pub fn read(path: &str, ds: &str, dt: &str) -> R {
        let f = hdf5_rust::Hdf5File::open(path).map_err(|e| format!("open: {e:?}"))?;
        let e = |e: hdf5_rust::HDF5Error| format!("read: {e:?}");
        match dt {
            "<f8" | ">f8" => f.read_f64(ds).map(|x| bytes(x.1)).map_err(e),
            "<f4" | ">f4" => f.read_f32(ds).map(|x| bytes(x.1)).map_err(e),
            "<i8" | ">i8" => f.read_i64(ds).map(|x| bytes(x.1)).map_err(e),
            "<i4" | ">i4" => f.read_i32(ds).map(|x| bytes(x.1)).map_err(e),
            "<i2" => f.read_i16(ds).map(|x| bytes(x.1)).map_err(e),
            "<u4" => f.read_u32(ds).map(|x| bytes(x.1)).map_err(e),
            "<u2" => f.read_u16(ds).map(|x| bytes(x.1)).map_err(e),
            "|u1" => f.read_u8(ds).map(|x| bytes(x.1)).map_err(e),
            "|b1" => f.read_i8(ds).map(|x| bytes(x.1)).map_err(e),
            d => Err(format!("dtype {d}")),
        }
    }
}

fn guard<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(f)) { Ok(r) => r, Err(p) => Err(format!("PANIC: {}", p.downcast_ref::<String>().cloned().or(p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())) }
}

fn main() {
    std::panic::set_hook(Box::new(|info| { LASTLOC.with(|l| *l.borrow_mut() = info.location().map(|l| format!("{}:{}", l.file().rsplit("registry/src/").next().unwrap_or(""), l.line())).unwrap_or_default()); }));
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("all");
    let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{FX}/cases.json")).unwrap()).unwrap();
    let crates: Vec<&str> = if which == "all" { vec!["hdf5-reader", "hdf5-pure", "rust-hdf5", "hdf5-pure-rust", "rustyhdf5", "hdf5-rust"] } else { which.split(',').collect() };
    match args.get(2).map(String::as_str) {
        Some("bench") => { bench(&crates); return; }
        Some("index") => { index_check(); return; }
        Some("fuzz") => { fuzz(crates[0], args[3].parse().unwrap(), args[4].parse().unwrap()); return; }
        Some("dump") => {
            for spec in &args[3..] { let (file, ds) = spec.split_once(':').unwrap();
                let f = h5r::storage_open(&format!("{FX}/{file}")).unwrap();
                let mut v = h5r::chunk_index(&f, ds).unwrap(); v.sort_by_key(|e| e.address);
                for e in v { println!("{file}:{ds}\t{:?}\t{}\t{}\t{}", e.offsets, e.address, e.size, e.filter_mask); } }
            return; }
        _ => {}
    }
    for c in &crates {
        for case in cases.as_array().unwrap() {
            let file = case["file"].as_str().unwrap();
            let ds = case["ds"].as_str().unwrap();
            let dt = case["dtype"].as_str().unwrap();
            if file.starts_with("bigidx") && *c != "hdf5-reader" && *c != "hdf5-pure" && *c != "rust-hdf5" { continue; }
            let path = format!("{FX}/{file}");
            let want = std::fs::read(format!("{FX}/ref/{file}__{}.bin", ds.replace('/', "_"))).unwrap();
            let t = Instant::now();
            let got = guard(|| match *c {
                "hdf5-reader" => h5r::read(&path, ds, dt),
                "hdf5-pure" => h5p::read(&path, ds, dt),
                "rust-hdf5" => rh::read(&path, ds, dt),
                "hdf5-pure-rust" => hpr::read(&path, ds, dt),
                "rustyhdf5" => rhy::read(&path, ds, dt),
                "hdf5-rust" => hru::read(&path, ds, dt),
                _ => Err("?".into()),
            });
            let status = match got {
                Ok(b) if b == want => "OK".to_string(),
                Ok(b) => format!("WRONG (len {} vs {}, first diff at byte {:?})", b.len(), want.len(), b.iter().zip(&want).position(|(a, b)| a != b)),
                Err(e) => format!("FAIL {}", e.chars().take(160).collect::<String>()),
            };
            println!("{c}\t{file}\t{ds}\t{status}\t{:.1}ms", t.elapsed().as_secs_f64() * 1e3);
        }
        for file in ["earliest.h5", "latest.h5", "paged.h5", "v110.h5"] {
            let path = format!("{FX}/{file}");
            let r = guard(|| match *c {
                "hdf5-reader" => h5r::attrs(&path),
                "hdf5-pure" => h5p::attrs(&path),
                "rust-hdf5" => rh::attrs(&path),
                "hdf5-pure-rust" => hpr::attrs(&path),
                "rustyhdf5" => rhy::attrs(&path),
                _ => Err("n/a".into()),
            });
            println!("{c}\t{file}\tATTRS\t{}", match r { Ok(s) => s, Err(e) => format!("FAIL {}", e.chars().take(160).collect::<String>()) });
        }
    }
}

fn index_check() {
    // compare chunk index from hdf5-reader (low-level, via positional-read storage) and hdf5-pure against h5py's get_num_chunks
    let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{FX}/cases.json")).unwrap()).unwrap();
    for case in cases.as_array().unwrap() {
        if case["chunks"].is_null() { continue; }
        let file = case["file"].as_str().unwrap();
        let ds = case["ds"].as_str().unwrap();
        let n = case["nchunks"].as_u64().unwrap();
        let path = format!("{FX}/{file}");
        let a = guard(|| { let f = h5r::storage_open(&path)?; let k = h5r::kind(&f, ds); h5r::chunk_index(&f, ds).map(|v| format!("{} n={} sum={}", k, v.len(), v.iter().map(|e| e.size).sum::<u64>())) });
        let b = guard(|| { let f = h5p::open(&path, true)?; let k = h5p::kind(&f, ds); h5p::chunk_index(&f, ds).map(|n| format!("{k} n={n}")).map_err(|e| format!("{k} {e}")) });
        println!("{file}\t{ds}\th5py_n={n}\thdf5-reader: {}\thdf5-pure: {}", a.unwrap_or_else(|e| format!("FAIL {e}")), b.unwrap_or_else(|e| format!("FAIL {e}")));
    }
}

fn bench(crates: &[&str]) {
    for c in crates {
        for (file, ds) in [("bigidx_latest.h5", "fa"), ("bigidx_latest.h5", "ea"), ("bigidx_latest.h5", "bt2"), ("bigidx_earliest.h5", "fa")] {
            let path = format!("{FX}/{file}");
            let mut best = f64::MAX; let mut info = String::new();
            for _ in 0..5 {
                let t = Instant::now();
                let r = guard(|| match *c {
                    "hdf5-reader" => { let f = h5r::storage_open(&path)?; h5r::chunk_index(&f, ds).map(|v| v.len()) }
                    "hdf5-reader-mmap" => { let f = hdf5_reader::Hdf5File::open(&path).map_err(|e| e.to_string())?; h5r::chunk_index(&f, ds).map(|v| v.len()) }
                    "hdf5-pure" => { let f = h5p::open(&path, true)?; h5p::chunk_index(&f, ds) }
                    "hdf5-pure-mem" => { let f = h5p::open(&path, false)?; h5p::chunk_index(&f, ds) }
                    _ => Err("n/a".into()),
                });
                let el = t.elapsed().as_secs_f64() * 1e3;
                best = best.min(el);
                info = match r { Ok(n) => format!("n={n}"), Err(e) => format!("FAIL {}", e.chars().take(100).collect::<String>()) };
            }
            let (nr, nb) = (NREAD.swap(0, std::sync::atomic::Ordering::Relaxed) / 5, NBYTES.swap(0, std::sync::atomic::Ordering::Relaxed) / 5);
            println!("{c}\t{file}\t{ds}\t{info}\tbest {best:.1} ms\treads/iter={nr} bytes/iter={nb}");
        }
    }
}

thread_local! { static LASTLOC: std::cell::RefCell<String> = std::cell::RefCell::new(String::new()); }

fn fuzz(c: &str, seed: u64, n: usize) {
    let cases: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{FX}/cases.json")).unwrap()).unwrap();
    let files = ["earliest.h5", "latest.h5", "paged.h5", "nc4.nc"];
    let mut x = seed.wrapping_mul(0x9E3779B97F4A7C15) | 1;
    let mut rnd = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
    let tmp = format!("/tmp/h5fuzz_{c}_{seed}.h5");
    let (mut panics, mut errs, mut oks) = (0, 0, 0);
    let mut locs = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..n {
        let file = files[(rnd() % files.len() as u64) as usize];
        let mut data = std::fs::read(format!("{FX}/{file}")).unwrap();
        let meta_end = data.len().min(20000);
        for _ in 0..(1 + rnd() % 6) {
            let i = (rnd() % meta_end as u64) as usize;
            data[i] = match rnd() % 3 { 0 => rnd() as u8, 1 => 0xff, _ => data[i] ^ (1 << (rnd() % 8)) };
        }
        std::fs::write(&tmp, &data).unwrap();
        for case in cases.as_array().unwrap().iter().filter(|k| k["file"] == file) {
            let ds = case["ds"].as_str().unwrap(); let dt = case["dtype"].as_str().unwrap();
            let r = guard(|| match c {
                "hdf5-reader" => (if std::env::var("META_ONLY").is_ok() { Ok(vec![]) } else { h5r::read(&tmp, ds, dt) }).and_then(|_| { let f = h5r::storage_open(&tmp)?; if case["chunks"].is_null() { Ok(vec![]) } else { h5r::chunk_index(&f, ds).map(|_| vec![]) } }),
                "hdf5-pure" => h5p::read(&tmp, ds, dt),
                "rust-hdf5" => rh::read(&tmp, ds, dt),
                _ => Err("?".into()),
            });
            match r { Ok(_) => oks += 1, Err(e) if e.starts_with("PANIC") => { panics += 1; let l = LASTLOC.with(|l| l.borrow().clone()); *locs.entry(format!("{l} {}", e.chars().take(90).collect::<String>())).or_default() += 1; } Err(_) => errs += 1 }
        }
    }
    println!("{c} seed={seed} reads ok={oks} err={errs} panic={panics}");
    for (l, k) in locs { println!("  {k}x {l}"); }
}
#[allow(dead_code)]
fn _assert_send_sync() { fn ss<T: Send + Sync>() {} ss::<hdf5_reader::Hdf5File>(); ss::<hdf5_reader::Dataset>(); ss::<hdf5_pure::File>(); }
