//! Checks by an independent implementation: Python scripts (h5py,
//! zarr-python) run by the interpreter `LAZY_DATASETS_PYTHON` names.
//! `.ci/run` makes a venv with what the tests need; without the variable a
//! test that needs it fails (with what to install), it does not skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python of `LAZY_DATASETS_PYTHON`; panics, saying what `packages` to
/// install, when it is not set.
pub fn python(packages: &str) -> PathBuf {
    match std::env::var_os("LAZY_DATASETS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "this test needs LAZY_DATASETS_PYTHON: a Python with {packages} \
             (python3 -m venv V && V/bin/pip install {packages}; bash .ci/run makes one)"
        ),
    }
}

/// Runs `script` with `args` under [`python`] and returns what it printed;
/// panics with its output when it fails.
pub fn run_python(packages: &str, script: &str, args: &[&Path]) -> String {
    let out = Command::new(python(packages))
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("cannot run LAZY_DATASETS_PYTHON");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Saves `want` as `dir/<name>.f8`, raw little-endian `f64`s in row-major
/// order, for a Python check to compare with what it reads
/// (`np.fromfile(path, dtype="<f8").reshape(shape)`).
pub fn save_f8(dir: &Path, name: &str, want: &ndarray::ArrayD<f64>) {
    let bytes: Vec<u8> = want.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join(format!("{name}.f8")), bytes).expect("cannot save expected values");
}

/// An array of `shape` whose element at row-major position `i` is `f(i)`:
/// distinct values for checks by an independent reader.
pub fn ramp<T>(shape: &[usize], f: impl Fn(usize) -> T) -> ndarray::ArrayD<T> {
    ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(shape), |ix| {
        let mut i = 0;
        for (k, &n) in shape.iter().enumerate() {
            i = i * n + ix[k];
        }
        f(i)
    })
}
