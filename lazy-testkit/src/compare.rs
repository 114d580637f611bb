//! The library's results against the naive reference ([`crate::naive`]): a
//! read must give the reference's shape and elements, or fail with the
//! reference's kind of error; a write must leave every source as the
//! reference's stores do, or fail with its kind and change nothing. A
//! mismatch panics with the case; an agreement returns what both did, for
//! the caller to count.
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, ErrorKind, SelectionItem};
//! use lazy_testkit::compare;
//! use lazy_testkit::naive::{naive_read, Naive};
//!
//! let value = Naive::new(&[3], vec![1, 2, 3]);
//! let a = value.to_array();
//! let key = [SelectionItem::slice(None, None, Some(-1))];
//! let got = a.read_dyn(&DynSelection::from(key.to_vec()));
//! assert_eq!(compare::read(|| format!("{key:?}"), got, naive_read(&value, &key)), Ok(()));
//! let key = [SelectionItem::Index(3)];
//! let got = a.read_dyn(&DynSelection::from(key.to_vec()));
//! let outcome = compare::read(|| format!("{key:?}"), got, naive_read(&value, &key));
//! assert_eq!(outcome, Err(ErrorKind::Index));
//! ```

use std::fmt::Debug;

use lazy_core::ErrorKind;
use ndarray::ArrayD;

use crate::naive::{scatter, Loc, Naive};

/// Compares a read with the reference: equal shapes and elements (in C
/// order), or errors of the same kind. Returns `Ok` when both read, the
/// kind when both failed; panics, naming the case with `ctx()`, otherwise.
pub fn read<T: PartialEq + Debug>(
    ctx: impl Fn() -> String,
    got: lazy_core::Result<ArrayD<T>>,
    want: Result<Naive<T>, ErrorKind>,
) -> Result<(), ErrorKind> {
    match (got, want) {
        (Ok(a), Ok(n)) => {
            assert_eq!(a.shape(), &n.shape[..], "{}: shape", ctx());
            let got: Vec<&T> = a.iter().collect();
            let want: Vec<&T> = n.data.iter().collect();
            assert_eq!(got, want, "{}: elements", ctx());
            Ok(())
        }
        (Err(e), Err(k)) => {
            assert_eq!(e.kind(), k, "{}: error kind ({e})", ctx());
            Err(k)
        }
        (got, want) => panic!("{}: library read {got:?}, reference {want:?}", ctx()),
    }
}

/// Compares a write with the reference: both succeed and every source holds
/// (`after`) what it held (`before`) with the reference's stores applied, or
/// both fail with the same kind of error and no source changed. Returns `Ok`
/// when both wrote, the kind when both failed; panics, naming the case with
/// `ctx()`, otherwise.
pub fn write<T: Clone + PartialEq + Debug>(
    ctx: impl Fn() -> String,
    got: lazy_core::Result<()>,
    want: Result<Vec<(Loc, T)>, ErrorKind>,
    before: &[Vec<T>],
    after: &[Vec<T>],
) -> Result<(), ErrorKind> {
    let mut expected = before.to_vec();
    let outcome = match (&got, want) {
        (Ok(()), Ok(stores)) => {
            scatter(&mut expected, stores);
            Ok(())
        }
        (Err(e), Err(k)) => {
            assert_eq!(e.kind(), k, "{}: error kind ({e})", ctx());
            Err(k)
        }
        (_, want) => panic!("{}: library wrote {got:?}, reference {want:?}", ctx()),
    };
    assert_eq!(after, &expected[..], "{}: sources after the write", ctx());
    outcome
}
