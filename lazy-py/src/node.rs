//! Nodes: a dataset of any element type behind one Rust type, so that the
//! Python classes can hold sources and views whose dtype is known only at
//! run time.
//!
//! A [`Handle<T>`] is a shared, cheaply cloned dataset of element type `T`
//! and rank `Dyn`: a Python source, a native file, or a view over other
//! handles. [`Node`] is the enum over the eleven element types, and
//! [`with_node!`](crate::with_node) runs one generic body for whichever
//! type a node holds, so no code is written out per dtype.

use std::sync::{Arc, RwLock};

use lazy_datasets::prelude::*;
use lazy_datasets::{DType, Element, Hints, Region};
use ndarray::{ArrayViewD, ArrayViewMutD};
use pyo3::exceptions::{PyNotImplementedError, PyPermissionError, PyValueError};
use pyo3::PyErr;

/// What a [`Handle`] points to: a dataset read with `&self` and written with
/// `&self` too (writable ones lock), so that one source can be shared by
/// several Python objects.
pub trait Backing<T: Element>: Send + Sync {
    /// The shape.
    fn shape(&self) -> &[usize];
    /// Reads `region` into `out` (see [`Dataset::read_region`]).
    fn read(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()>;
    /// Writes `src` into `region` (see [`DatasetMut::write_region`]).
    fn write(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()>;
    /// Whether a write to `region` would be accepted.
    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()>;
    /// Whether the values `src` can be stored in `region`.
    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()>;
    /// The hints of the dataset (see [`Dataset::hints`]).
    fn hints(&self) -> Hints;
    /// Whether a read of `region` only copies memory.
    fn in_memory(&self, region: &Region) -> bool;
    /// Whether every source under this dataset is native (read in Rust,
    /// without calling Python).
    fn native(&self) -> bool;
    /// The storage it reads, for messages and for views that write sources
    /// side by side (see [`Dataset::name`]); Python objects have none.
    fn name(&self) -> Option<String> {
        None
    }
    /// Its chunk grid (see [`Dataset::chunk_grid`]).
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        None
    }
}

/// A shared dataset of element type `T`, rank `Dyn`: what every Python
/// object of this module holds (through [`Node`]).
pub struct Handle<T>(pub Arc<dyn Backing<T>>);

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle(Arc::clone(&self.0))
    }
}

impl<T: Element> Handle<T> {
    /// A handle of a writable dataset (a view, or a file opened for writing).
    pub fn writable<V>(view: V, native: bool) -> Self
    where
        V: DatasetMut<Elem = T> + Send + 'static,
    {
        Handle(Arc::new(
            Writable {
                view: RwLock::new(view),
                shape: Vec::new(),
                native,
            }
            .init(),
        ))
    }

    /// A handle of a dataset that refuses writes with `refusal`.
    pub fn read_only<V>(view: V, native: bool, refusal: Refusal) -> Self
    where
        V: Dataset<Elem = T> + Send + 'static,
    {
        Handle(Arc::new(ReadOnly {
            view,
            native,
            refusal,
        }))
    }
}

impl<T: Element> Dataset for Handle<T> {
    type Elem = T;
    type Rank = Dyn;
    fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        self.0.read(region, out)
    }
    fn hints(&self) -> Hints {
        self.0.hints()
    }
    fn in_memory(&self, region: &Region) -> bool {
        self.0.in_memory(region)
    }
    fn name(&self) -> Option<String> {
        self.0.name()
    }
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.0.chunk_grid()
    }
}

impl<T: Element> DatasetMut for Handle<T> {
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        self.0.write(region, src)
    }
    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.0.check_write(region)
    }
    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        self.0.check_values(region, src)
    }
}

/// A writable dataset behind a lock: reads share it, writes take it alone.
struct Writable<V> {
    view: RwLock<V>,
    /// The view's shape, copied out of the lock once.
    shape: Vec<usize>,
    native: bool,
}

impl<V: Dataset> Writable<V> {
    fn init(mut self) -> Self {
        self.shape = match self.view.read() {
            Ok(v) => v.shape().to_vec(),
            Err(p) => p.into_inner().shape().to_vec(),
        };
        self
    }
}

fn poisoned() -> Error {
    Error::internal("a dataset's lock was poisoned by a panic in another thread")
}

impl<V> Backing<V::Elem> for Writable<V>
where
    V: DatasetMut + Send,
{
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn read(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, V::Elem>) -> Result<()> {
        self.view
            .read()
            .map_err(|_| poisoned())?
            .read_region(region, out)
    }
    fn write(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, V::Elem>) -> Result<()> {
        self.view
            .write()
            .map_err(|_| poisoned())?
            .write_region(region, src)
    }
    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        self.view
            .read()
            .map_err(|_| poisoned())?
            .check_write(region)
    }
    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, V::Elem>) -> Result<()> {
        self.view
            .read()
            .map_err(|_| poisoned())?
            .check_values(region, src)
    }
    fn hints(&self) -> Hints {
        self.view
            .read()
            .map(|v| v.hints())
            .unwrap_or(Hints::STORAGE)
    }
    fn in_memory(&self, region: &Region) -> bool {
        self.view.read().is_ok_and(|v| v.in_memory(region))
    }
    fn native(&self) -> bool {
        self.native
    }
    fn name(&self) -> Option<String> {
        self.view.read().ok().and_then(|v| v.name())
    }
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.view.read().ok().and_then(|v| v.chunk_grid())
    }
}

/// Why a read-only dataset refuses a write, and which Python exception
/// says so.
#[derive(Clone, Copy, Debug)]
pub enum Refusal {
    /// A view with no inverse (sum, boolean OR, map): `NotImplementedError`,
    /// as the reference raises.
    View(&'static str),
    /// A file or store opened with `mode="r"`: `PermissionError`.
    OpenedReadOnly,
    /// A scaled dataset with factor 0: `ValueError`, as the reference.
    ScaleZero,
}

impl Refusal {
    /// The refusal as a Python exception.
    pub fn to_pyerr(self) -> PyErr {
        match self {
            Refusal::View(what) => PyNotImplementedError::new_err(format!(
                "{what} is read-only: it has no inverse; write to its sources instead"
            )),
            Refusal::ScaleZero => {
                PyValueError::new_err("Cannot write to dataset with scale_factor=0")
            }
            Refusal::OpenedReadOnly => PyPermissionError::new_err(
                "this dataset was opened read-only (mode=\"r\"): open it with mode=\"r+\" to write",
            ),
        }
    }

    fn error(self) -> Error {
        Error::backend("write refused", self.to_pyerr())
    }
}

/// A dataset that is read-only, by nature or by the mode it was opened with.
struct ReadOnly<V> {
    view: V,
    native: bool,
    refusal: Refusal,
}

impl<V> Backing<V::Elem> for ReadOnly<V>
where
    V: Dataset + Send,
{
    fn shape(&self) -> &[usize] {
        self.view.shape()
    }
    fn read(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, V::Elem>) -> Result<()> {
        self.view.read_region(region, out)
    }
    fn write(&self, _: CheckedRegion<'_>, _: ArrayViewD<'_, V::Elem>) -> Result<()> {
        Err(self.refusal.error())
    }
    fn check_write(&self, _: CheckedRegion<'_>) -> Result<()> {
        Err(self.refusal.error())
    }
    fn check_values(&self, _: CheckedRegion<'_>, _: ArrayViewD<'_, V::Elem>) -> Result<()> {
        Err(self.refusal.error())
    }
    fn hints(&self) -> Hints {
        self.view.hints()
    }
    fn in_memory(&self, region: &Region) -> bool {
        self.view.in_memory(region)
    }
    fn native(&self) -> bool {
        self.native
    }
    fn name(&self) -> Option<String> {
        self.view.name()
    }
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.view.chunk_grid()
    }
}

/// A dataset of any of the eleven element types.
#[derive(Clone)]
pub enum Node {
    /// `bool`
    Bool(Handle<bool>),
    /// `int8`
    I8(Handle<i8>),
    /// `int16`
    I16(Handle<i16>),
    /// `int32`
    I32(Handle<i32>),
    /// `int64`
    I64(Handle<i64>),
    /// `uint8`
    U8(Handle<u8>),
    /// `uint16`
    U16(Handle<u16>),
    /// `uint32`
    U32(Handle<u32>),
    /// `uint64`
    U64(Handle<u64>),
    /// `float32`
    F32(Handle<f32>),
    /// `float64`
    F64(Handle<f64>),
}

/// One `match` arm per listed variant of [`Node`], each running `$body`
/// with `$h` bound to the typed handle and `$t` to its element type, then
/// the arms in `$rest`: what [`with_node!`](crate::with_node) and
/// [`with_number!`](crate::with_number) expand to.
#[doc(hidden)]
#[macro_export]
macro_rules! match_node {
    ($node:expr, $h:ident : $t:ident => $body:expr; $($v:ident = $ty:ty),*; $($rest:tt)*) => {
        match $node {
            $($crate::node::Node::$v($h) => {
                type $t = $ty;
                $body
            })*
            $($rest)*
        }
    };
}

/// Runs `$body` with `$h` bound to the typed handle of `$node` and `$t` to
/// its element type: one generic body for every dtype.
#[macro_export]
macro_rules! with_node {
    ($node:expr, $h:ident : $t:ident => $body:expr) => {
        $crate::match_node!($node, $h: $t => $body; Bool = bool, I8 = i8, I16 = i16,
            I32 = i32, I64 = i64, U8 = u8, U16 = u16, U32 = u32, U64 = u64, F32 = f32,
            F64 = f64;)
    };
}

/// As [`with_node!`](crate::with_node) for the ten numeric dtypes, whose
/// body may use arithmetic and `as` conversions; a `bool` node runs
/// `$bool` with `$hb` bound to its handle.
#[macro_export]
macro_rules! with_number {
    ($node:expr, $h:ident : $t:ident => $body:expr, bool $hb:ident => $bool:expr) => {
        $crate::match_node!($node, $h: $t => $body; I8 = i8, I16 = i16, I32 = i32,
            I64 = i64, U8 = u8, U16 = u16, U32 = u32, U64 = u64, F32 = f32, F64 = f64;
            $crate::node::Node::Bool($hb) => $bool,)
    };
}

/// Runs `$body` with `$t` bound to the Rust element type of the `DType`
/// `$dtype`.
#[macro_export]
macro_rules! with_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            lazy_datasets::DType::Bool => {
                type $t = bool;
                $body
            }
            lazy_datasets::DType::I8 => {
                type $t = i8;
                $body
            }
            lazy_datasets::DType::I16 => {
                type $t = i16;
                $body
            }
            lazy_datasets::DType::I32 => {
                type $t = i32;
                $body
            }
            lazy_datasets::DType::I64 => {
                type $t = i64;
                $body
            }
            lazy_datasets::DType::U8 => {
                type $t = u8;
                $body
            }
            lazy_datasets::DType::U16 => {
                type $t = u16;
                $body
            }
            lazy_datasets::DType::U32 => {
                type $t = u32;
                $body
            }
            lazy_datasets::DType::U64 => {
                type $t = u64;
                $body
            }
            lazy_datasets::DType::F32 => {
                type $t = f32;
                $body
            }
            lazy_datasets::DType::F64 => {
                type $t = f64;
                $body
            }
            other => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "element type {other} is not supported"
                )))
            }
        }
    };
}

/// Element types a [`Node`] can hold: the conversions between them that
/// the views need.
pub trait Elem: Element + numpy::Element + Widen {
    /// Wraps a typed handle into a [`Node`].
    fn node(h: Handle<Self>) -> Node;
}

macro_rules! elems {
    ($($t:ty => $v:ident),*) => {$(
        impl Elem for $t {
            fn node(h: Handle<Self>) -> Node {
                Node::$v(h)
            }
        }
    )*};
}

elems!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
    u32 => U32, u64 => U64, f32 => F32, f64 => F64);

/// Value conversions as NumPy's `astype` does them (bool is 0 or 1).
pub trait Widen: Copy {
    /// As `int64`.
    fn to_i64(self) -> i64;
    /// As `uint64`.
    fn to_u64(self) -> u64;
    /// As `float32`.
    fn to_f32(self) -> f32;
    /// As `float64`.
    fn to_f64(self) -> f64;
}

macro_rules! widen {
    ($($t:ty),*) => {$(
        impl Widen for $t {
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn to_i64(self) -> i64 { self as i64 }
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn to_u64(self) -> u64 { self as u64 }
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn to_f32(self) -> f32 { self as f32 }
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn to_f64(self) -> f64 { self as f64 }
        }
    )*};
}

widen!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Widen for bool {
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
    fn to_u64(self) -> u64 {
        u64::from(self)
    }
    fn to_f32(self) -> f32 {
        f32::from(u8::from(self))
    }
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
}

impl Node {
    /// The element type.
    pub fn dtype(&self) -> DType {
        with_node!(self, _h: T => <T as Element>::DTYPE)
    }

    /// The shape.
    pub fn shape(&self) -> Vec<usize> {
        with_node!(self, h: _T => h.shape().to_vec())
    }

    /// Whether every source under this node is native.
    pub fn native(&self) -> bool {
        with_node!(self, h: _T => h.0.native())
    }
}

/// A node's values converted to `T` with `f` (a lazy map, read-only), or the
/// node's own handle when `f` is not needed.
macro_rules! convert_to {
    ($name:ident, $t:ty, $method:ident) => {
        /// The node's values as this type, lazily (read-only).
        pub fn $name(node: &Node) -> Handle<$t> {
            if let Some(h) = same_type::<$t>(node) {
                return h;
            }
            let native = node.native();
            with_node!(node, h: S => Handle::read_only(
                Map::new(h.clone(), |v: S| v.$method()),
                native,
                Refusal::View("a converted dataset"),
            ))
        }
    };
}

convert_to!(as_i64, i64, to_i64);
convert_to!(as_u64, u64, to_u64);
convert_to!(as_f32, f32, to_f32);
convert_to!(as_f64, f64, to_f64);

/// The node's values as bools (non-zero is true), lazily.
pub fn as_bool(node: &Node) -> Handle<bool> {
    if let Node::Bool(h) = node {
        return h.clone();
    }
    let native = node.native();
    with_node!(node, h: S => Handle::read_only(
        Map::new(h.clone(), |v: S| v.is_nonzero()),
        native,
        Refusal::View("a converted dataset"),
    ))
}

/// The node's handle when it holds `T`.
pub fn same_type<T: Elem>(node: &Node) -> Option<Handle<T>> {
    with_node!(node, h: _S => {
        let any: &dyn std::any::Any = h;
        any.downcast_ref::<Handle<T>>().cloned()
    })
}

/// Element types a node's values convert to, as NumPy's `astype` does:
/// lazily, through lazy-core's [`Cast`] (writable when the source is)
/// between numbers, and read-only from and to `bool` (non-zero is true;
/// `True` is 1).
pub trait CastTarget: Elem {
    /// `node`'s values as this type; `node` itself when it holds this type.
    fn cast(node: &Node) -> Node;
}

impl CastTarget for bool {
    fn cast(node: &Node) -> Node {
        Node::Bool(as_bool(node))
    }
}

macro_rules! cast_targets {
    ($($t:ty),*) => {$(
        impl CastTarget for $t {
            fn cast(node: &Node) -> Node {
                if let Some(h) = same_type::<$t>(node) {
                    return <$t as Elem>::node(h);
                }
                let native = node.native();
                let h = crate::with_number!(node, h: _S => Handle::writable(
                    Cast::<$t, _>::new(h.clone()),
                    native,
                ), bool h => Handle::read_only(
                    Map::new(h.clone(), <$t as Element>::from_bool),
                    native,
                    Refusal::View("a cast of bool values"),
                ));
                <$t as Elem>::node(h)
            }
        }
    )*};
}

cast_targets!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
