//! One error type for the whole library.
//!
//! Every fallible call returns [`Result<T>`](Result). An [`Error`] says what went
//! wrong in a sentence and can be sorted by its [`ErrorKind`], which mirrors the
//! Python exceptions the reference module raised (`IndexError`, `ValueError`) plus
//! the two that Rust callers want to tell apart (`Shape`, `Backend`).
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, ErrorKind, SelectionItem};
//! use ndarray::array;
//!
//! let a = array![1.0, 2.0, 3.0];
//! let err = a.read_dyn(&DynSelection::from(vec![SelectionItem::Index(3)])).unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Index);
//! assert_eq!(err.to_string(), "index error: index 3 is out of bounds for axis 0 with size 3");
//! ```

/// The result type of every fallible operation in lazy-datasets.
///
/// I/O errors convert into [`Error`] (as [`Backend`](ErrorKind::Backend) errors), so `?`
/// works on `std::fs` and `std::io` calls in a function returning it:
///
/// ```
/// use lazy_core::{ErrorKind, Result};
///
/// fn backup(from: &std::path::Path, to: &std::path::Path) -> Result<u64> {
///     Ok(std::fs::copy(from, to)?)
/// }
///
/// let dir = std::env::temp_dir().join(format!("lazy-core-doc-io-{}", std::process::id()));
/// let err = backup(&dir.join("missing.zarr"), &dir.join("copy.zarr")).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Backend);
/// assert!(err.to_string().starts_with("backend error: I/O error: "), "{err}");
/// assert!(std::error::Error::source(&err).is_some()); // the std::io::Error
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The category of an [`Error`], for callers that branch on what went wrong.
///
/// One rule sorts errors into kinds: what the caller asked for decides
/// `Index`, `Shape` and `Value` (a bad key, shapes that do not fit, a bad
/// argument); whatever storage or its library refuses or fails at is
/// `Backend` (a missing file, a full disk, a chunk that does not decode, a
/// write the store rejects), whichever backend it comes from; and a broken
/// promise inside lazy-datasets itself is `Internal`, never the caller's
/// fault (please report it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An index out of bounds or a malformed key (NumPy's `IndexError`).
    Index,
    /// Shapes that do not match or do not broadcast.
    Shape,
    /// An invalid argument: a zero scale factor on write, an empty list of sources, a bad axis.
    Value,
    /// An I/O or storage-library error, with its source attached.
    Backend,
    /// A bug in lazy-datasets: a promise one part made another was broken.
    Internal,
}

/// What went wrong; [`Error::kind`] sorts it into an [`ErrorKind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An index out of bounds or a malformed key.
    #[error("index error: {0}")]
    Index(String),
    /// Shapes that do not match or do not broadcast.
    #[error("shape error: {0}")]
    Shape(String),
    /// An invalid argument.
    #[error("value error: {0}")]
    Value(String),
    /// An error reported by a storage backend.
    #[error("backend error: {message}")]
    Backend {
        /// What the backend was doing and what it said.
        message: String,
        /// The backend's own error, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// A bug in lazy-datasets.
    #[error("internal error: {0} (a bug in lazy-datasets, please report it)")]
    Internal(String),
}

impl Error {
    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Index(_) => ErrorKind::Index,
            Error::Shape(_) => ErrorKind::Shape,
            Error::Value(_) => ErrorKind::Value,
            Error::Backend { .. } => ErrorKind::Backend,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// An [`ErrorKind::Index`] error with this message.
    pub fn index(message: impl Into<String>) -> Self {
        Error::Index(message.into())
    }

    /// An [`ErrorKind::Shape`] error with this message.
    pub fn shape(message: impl Into<String>) -> Self {
        Error::Shape(message.into())
    }

    /// An [`ErrorKind::Value`] error with this message.
    pub fn value(message: impl Into<String>) -> Self {
        Error::Value(message.into())
    }

    /// An [`ErrorKind::Backend`] error carrying the backend's own error as its source.
    pub fn backend(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Backend {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// An [`ErrorKind::Internal`] error: what lazy-datasets found broken in
    /// itself.
    ///
    /// ```
    /// use lazy_core::{Error, ErrorKind};
    /// let err = Error::internal("a plan of 3 axes for a buffer of 2");
    /// assert_eq!(err.kind(), ErrorKind::Internal);
    /// assert!(err.to_string().starts_with("internal error: a plan of 3 axes"));
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// An [`ErrorKind::Backend`] error without a source error.
    pub fn backend_msg(message: impl Into<String>) -> Self {
        Error::Backend {
            message: message.into(),
            source: None,
        }
    }
}

/// An I/O error as a [`Backend`](ErrorKind::Backend) error: the message is
/// `I/O error: ` and the error's own, and the [`std::io::Error`] is the
/// [`source`](std::error::Error::source). For messages that say which file,
/// build the error with [`Error::backend`] instead.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Backend {
            message: format!("I/O error: {e}"),
            source: Some(Box::new(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_convert_to_backend_errors_with_their_source() {
        fn open(path: &std::path::Path) -> Result<std::fs::File> {
            Ok(std::fs::File::open(path)?)
        }
        let missing =
            std::env::temp_dir().join(format!("lazy-core-no-such-file-{}/x", std::process::id()));
        let err = open(&missing).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Backend);
        let io = std::error::Error::source(&err)
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .expect("the io::Error as the source");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(err.to_string(), format!("backend error: I/O error: {io}"));

        let custom = std::io::Error::other("disk on fire");
        assert_eq!(
            Error::from(custom).to_string(),
            "backend error: I/O error: disk on fire"
        );
    }
}
