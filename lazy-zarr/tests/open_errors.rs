//! Opening a local store the wrong way says what is wrong and what is
//! there: no store, no array (with a few of the store's arrays), a group
//! instead of an array. zarrs' error ("array metadata is missing") stays
//! the source. No server: these are filesystem stores.

use std::error::Error as _;
use std::path::Path;

use lazy_core::{Dyn, ErrorKind};
use lazy_zarr::{inspect, CreateOptions, ZarrDataset};
use typenum::U1;

/// A store with arrays `/a`, `/b` and `/g/c` (and groups `/` and `/g`).
fn store(dir: &Path) {
    for path in ["a", "b", "g/c"] {
        ZarrDataset::<f32, U1>::create(dir, path, &[3], &CreateOptions::default()).unwrap();
    }
}

/// The message of a failed open of `path` in `dir`, checking its kind and source.
fn open_error(dir: &Path, path: &str) -> String {
    let err = ZarrDataset::<f32, Dyn>::open(dir, path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    let source = err.source().map(|s| s.to_string());
    assert!(source.is_some(), "{err}: no source");
    // open_rw and inspect explain alike.
    let rw = ZarrDataset::<f32, Dyn>::open_rw(dir, path).unwrap_err();
    assert_eq!(rw.to_string(), err.to_string());
    assert_eq!(inspect(dir, path).unwrap_err().to_string(), err.to_string());
    err.to_string()
}

#[test]
fn a_missing_store_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.zarr");
    let err = ZarrDataset::<f32, U1>::open(&missing, "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: no Zarr store at {}: there is no such directory",
            missing.display()
        )
    );
    assert_eq!(
        err.source().unwrap().to_string(),
        "array metadata is missing"
    );
    // Looking did not make it.
    assert!(!missing.exists());

    let file = dir.path().join("file.zarr");
    std::fs::write(&file, b"not a store").unwrap();
    assert_eq!(
        open_error(&file, "x"),
        format!(
            "backend error: no Zarr store at {}: it is a file",
            file.display()
        )
    );

    let empty = dir.path().join("empty.zarr");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(
        open_error(&empty, "x"),
        format!(
            "backend error: no Zarr store at {}: it is empty",
            empty.display()
        )
    );

    let other = dir.path().join("photos");
    std::fs::create_dir_all(other.join("2024")).unwrap();
    std::fs::write(other.join("2024/beach.jpg"), b"").unwrap();
    assert_eq!(
        open_error(&other, "x"),
        format!(
            "backend error: no Zarr store at {}: it holds no Zarr metadata \
             (zarr.json, .zarray or .zgroup)",
            other.display()
        )
    );
}

#[test]
fn a_missing_array_lists_what_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let at = dir.path().display();
    assert_eq!(
        open_error(dir.path(), "x"),
        format!("backend error: no array at /x in {at} (the store holds: /a, /b, /g/c)")
    );
    // Leading and trailing slashes name the same node.
    assert_eq!(
        open_error(dir.path(), "/x/"),
        format!("backend error: no array at /x in {at} (the store holds: /a, /b, /g/c)")
    );
    // Below a group: the group's arrays.
    assert_eq!(
        open_error(dir.path(), "g/d"),
        format!("backend error: no array at /g/d in {at} (the group /g holds: /g/c)")
    );
    // Below a missing group: the store's.
    assert_eq!(
        open_error(dir.path(), "h/d"),
        format!("backend error: no array at /h/d in {at} (the store holds: /a, /b, /g/c)")
    );
}

#[test]
fn a_group_is_not_an_array() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let at = dir.path().display();
    assert_eq!(
        open_error(dir.path(), "g"),
        format!("backend error: /g in {at} is a group, not an array (it holds: /g/c)")
    );
    assert_eq!(
        open_error(dir.path(), "/"),
        format!("backend error: / in {at} is a group, not an array (it holds: /a, /b, /g/c)")
    );
    // A v2 group (zarr-python 3 wrote it).
    let v2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v2.zarr");
    assert_eq!(
        open_error(&v2, "int16"),
        format!(
            "backend error: /int16 in {} is a group, not an array \
             (it holds: /int16/r1, /int16/r2, /int16/r3)",
            v2.display()
        )
    );
}

/// A store with many arrays: a few are named, then `…`.
#[test]
fn long_listings_are_cut() {
    let dir = tempfile::tempdir().unwrap();
    for k in 0..12 {
        let path = format!("run{k:02}");
        ZarrDataset::<u8, U1>::create(dir.path(), &path, &[1], &CreateOptions::default()).unwrap();
    }
    assert_eq!(
        open_error(dir.path(), "run99"),
        format!(
            "backend error: no array at /run99 in {} (the store holds: /run00, /run01, /run02, \
             /run03, /run04, /run05, /run06, /run07, …)",
            dir.path().display()
        )
    );
}

/// `file://` URLs explain the same way.
#[cfg(feature = "cloud")]
#[test]
fn file_urls_explain_alike() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path());
    let url = format!("file://{}", dir.path().display());
    let err = ZarrDataset::<f32, U1>::open_url(&url, "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "backend error: no array at /x in {} (the store holds: /a, /b, /g/c)",
            dir.path().display()
        )
    );
    let missing = format!("file://{}/nothing.zarr", dir.path().display());
    let err = ZarrDataset::<f32, U1>::open_url(&missing, "x").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("nothing.zarr: there is no such directory"),
        "{err}"
    );
}
