//! The fuzz harness: turns bytes into shapes, views and keys, runs them
//! through lazy-datasets and checks the results against the naive reference
//! (`naive.rs`).
//!
//! It is shared by the `cargo fuzz` target (`fuzz/fuzz_targets/selections.rs`)
//! and by `tests/reliability.rs`, which replays the committed corpus and every
//! crash the fuzzer found, on stable Rust. The bytes are read through
//! [`Bytes`], so shapes and keys come from the kit's one generator
//! ([`crate::keys`], in style [`KeyStyle::FUZZ`]).
//!
//! Each input runs one of six modes:
//!
//! - **tree**: a random tree of read-only views (`Stacked`, `Scaled`, `Sum`,
//!   `BooleanOr`, `Sliced`, nested) over arrays of varied memory layouts, read
//!   with a random `DynSelection` (extreme integers, huge lists, empty axes,
//!   newaxis, ellipses), also copied with `copy_into_with` and iterated with
//!   `chunks`; compared value by value with the naive model of the tree;
//! - **write**: a random tree of writable views (`Stacked`, `Scaled`,
//!   `Sliced`) written with a random key and value, compared with the naive
//!   location-map model (every source checked, and unchanged after an error);
//! - **region**: hand-built `Region`s (any `AxisSelection`, step 0, `usize::MAX`
//!   lengths) checked by `Region::new`, read, written, split into blocks and
//!   composed;
//! - **huge**: datasets reporting shapes such as `[usize::MAX, 2]` or
//!   `[1 << 40, 1 << 40]` stacked, scaled, summed and sliced: construction and
//!   shapes always checked, reads compared when their output is small and
//!   required to fail when it cannot be allocated;
//! - **wrap**: integer `Sum`s wrap as NumPy's fixed-width integers do;
//! - **typed**: the same checks through arrays of static rank.
//!
//! Every check panics with the case when it fails; a panic of the library
//! itself is a failure too.

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};

use lazy_core::backend::for_each_block;
use lazy_core::{
    copy_into_with, AxisSelection, BooleanOr, CheckedRegion, CopyOptions, Dataset, DatasetExt,
    DatasetMut, DatasetMutExt, Dyn, DynSelection, ErrorKind, Region, Scaled, SelectionItem,
    Stacked, Sum,
};
use ndarray::{ArrayD, ArrayViewMutD, Axis, Dimension, IxDyn, ShapeBuilder, Slice};

use crate::datasets::Computed;
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{
    expand_key, naive_broadcast, naive_read, naive_resolve, naive_stack_axis, numel, ravel,
    slice_formula, stack_maps, unravel, wrap_index, Loc, Naive, Pick,
};

/// Reads larger than this many elements are not compared element by element.
const LIMIT: usize = 1 << 16;

/// How many checks of each kind have run, to show the harness is not
/// vacuous: successful reads compared, failed reads compared, successful
/// writes, failed writes, regions read, huge datasets read.
pub static COUNTS: [AtomicUsize; 6] = [const { AtomicUsize::new(0) }; 6];

fn count(i: usize) {
    COUNTS[i].fetch_add(1, Ordering::Relaxed);
}

/// Runs one input; panics when the library misbehaves.
pub fn run(data: &[u8]) {
    let mut u = Bytes::new(data);
    match u.below(16) {
        0..=5 => tree_case(&mut u),
        6..=9 => write_case(&mut u),
        10 | 11 => region_case(&mut u),
        12 | 13 => huge_case(&mut u),
        14 => wrap_case(&mut u),
        _ => typed_case(&mut u),
    }
}

fn sel(key: &[SelectionItem]) -> DynSelection {
    DynSelection::from(key.to_vec())
}

/// The number of elements of `shape`, or `None` when it overflows `usize`.
fn checked_numel(shape: &[usize]) -> Option<usize> {
    if shape.contains(&0) {
        return Some(0);
    }
    shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n))
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// What the naive model says about an operation.
#[derive(Debug, Clone, PartialEq)]
enum Want<T> {
    /// It succeeds with this result.
    Ok(T),
    /// It fails with this kind of error.
    Err(ErrorKind),
    /// Its result is too large to compute naively: not checked.
    TooBig,
}

impl<T> From<Result<T, ErrorKind>> for Want<T> {
    fn from(r: Result<T, ErrorKind>) -> Self {
        match r {
            Ok(t) => Want::Ok(t),
            Err(k) => Want::Err(k),
        }
    }
}

fn check_read<T: PartialEq + Debug>(
    ctx: &dyn Fn() -> String,
    got: lazy_core::Result<ArrayD<T>>,
    want: Result<Naive<T>, ErrorKind>,
) {
    match (got, want) {
        (Ok(a), Ok(n)) => {
            assert_eq!(a.shape(), &n.shape[..], "{}: shape", ctx());
            let got: Vec<&T> = a.iter().collect();
            let want: Vec<&T> = n.data.iter().collect();
            assert!(
                got == want,
                "{}: elements {got:?}, expected {want:?}",
                ctx()
            );
            count(0);
        }
        (Err(e), Err(k)) => {
            assert_eq!(e.kind(), k, "{}: error kind ({e})", ctx());
            count(1);
        }
        (got, want) => panic!("{}: library read {got:?}, reference {want:?}", ctx()),
    }
}

/// The output shape of `key` on `shape` per the reference, counting only
/// (no enumeration of the output): `TooBig` when it has more than `LIMIT`
/// elements, with the exact count (or `None` on overflow).
fn read_size(
    shape: &[usize],
    key: &[SelectionItem],
) -> Result<(Vec<usize>, Option<usize>), ErrorKind> {
    let picks = naive_resolve(shape, key)?;
    let out: Vec<usize> = picks
        .iter()
        .filter_map(|p| match p {
            Pick::Fixed(_) => None,
            Pick::Along(v) => Some(v.len()),
            Pick::Unit => Some(1),
        })
        .collect();
    let n = checked_numel(&out);
    Ok((out, n))
}

/// Whether an array of this shape and element size cannot exist: more
/// elements than `usize` holds, more than `isize::MAX` bytes, or (ndarray's
/// rule, even for an empty array) non-zero lengths whose product passes
/// `isize::MAX`. The library must refuse it without trying to allocate.
fn unallocatable(shape: &[usize], size: usize) -> bool {
    let n = checked_numel(shape);
    let nonzero: Vec<usize> = shape.iter().copied().filter(|&l| l != 0).collect();
    n.is_none_or(|n| n.checked_mul(size).is_none_or(|b| b > isize::MAX as usize))
        || checked_numel(&nonzero).is_none_or(|p| p > isize::MAX as usize)
}

/// Reads `key` from `ds` (whose naive value is `value`) and compares; reads
/// whose output is too large to check are only done when they must fail.
fn read_and_check<D>(
    ctx: &dyn Fn() -> String,
    ds: &D,
    value: &Naive<D::Elem>,
    key: &[SelectionItem],
) where
    D: Dataset + ?Sized,
{
    match read_size(&value.shape, key) {
        Err(k) => check_read(ctx, ds.read_dyn(&sel(key)), Err(k)),
        Ok((out, _)) if unallocatable(&out, std::mem::size_of::<D::Elem>()) => {
            let err = ds
                .read_dyn(&sel(key))
                .expect_err(&format!("{}: an unallocatable read succeeded", ctx()));
            assert_eq!(err.kind(), ErrorKind::Shape, "{}: {err}", ctx());
        }
        Ok((_, Some(n))) if n <= LIMIT => {
            check_read(ctx, ds.read_dyn(&sel(key)), naive_read(value, key))
        }
        Ok(_) => {} // large but allocatable: not read
    }
}

// ---------------------------------------------------------------------------
// Sources: arrays of varied memory layout
// ---------------------------------------------------------------------------

/// The values of source `s`: distinct, some zero, exact in `f64` after sums
/// and power-of-two scaling.
fn source_values(s: usize, shape: &[usize]) -> Vec<f64> {
    (0..numel(shape))
        .map(|f| {
            if (s + f) % 5 == 0 {
                0.0
            } else {
                let v = (s * 4096 + f) as f64;
                if f % 2 == 0 {
                    v
                } else {
                    -v
                }
            }
        })
        .collect()
}

/// An array holding `data` (row-major, of `shape`) in one of several
/// memory layouts: C order, Fortran order, a reversed axis, or every other
/// element of a larger array.
fn layout_array(u: &mut Bytes<'_>, shape: &[usize], data: &[f64]) -> ArrayD<f64> {
    let c = ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap();
    match u.below(4) {
        0 => c,
        1 => {
            let mut f = ArrayD::zeros(IxDyn(shape).f());
            f.assign(&c);
            f
        }
        2 => {
            let mut r = ArrayD::zeros(IxDyn(shape));
            if !shape.is_empty() {
                r.invert_axis(Axis(u.below(shape.len())));
            }
            r.assign(&c);
            r
        }
        _ => {
            let big: Vec<usize> = shape.iter().map(|&n| 2 * n).collect();
            let mut s = ArrayD::zeros(IxDyn(&big));
            s.slice_each_axis_inplace(|_| Slice::new(0, None, 2));
            s.assign(&c);
            s
        }
    }
}

// ---------------------------------------------------------------------------
// Mode "tree": read-only views
// ---------------------------------------------------------------------------

/// A view tree as data: built into datasets and evaluated naively.
#[derive(Debug, Clone)]
enum Node {
    Leaf(usize),
    Stack(isize, Vec<Node>),
    Scale(f64, Box<Node>),
    Sum(Vec<Node>),
    Or(Vec<Node>),
    View(Vec<SelectionItem>, Box<Node>),
}

const FACTORS: [f64; 7] = [1.0, 2.0, -1.0, 0.5, -4.0, 0.25, 0.0];

/// The leaves of a tree: their shapes as generated.
struct Leaves {
    shapes: Vec<Vec<usize>>,
}

impl Leaves {
    fn add(&mut self, shape: &[usize]) -> usize {
        self.shapes.push(shape.to_vec());
        self.shapes.len() - 1
    }
}

/// A tree whose (naive) shape is `shape`, built top-down: every view is
/// constructed so that its shape matches, except for rare deliberate
/// mistakes (an axis out of range, a source of another shape, no sources,
/// a mangled key), which both the library and the model must reject alike.
fn gen_node(
    u: &mut Bytes<'_>,
    leaves: &mut Leaves,
    shape: &[usize],
    depth: usize,
    writable: bool,
) -> Node {
    let kinds = if writable { 3 } else { 5 };
    if depth == 0 || u.chance(3) {
        return Node::Leaf(leaves.add(shape));
    }
    match u.below(kinds) {
        0 => gen_stack(u, leaves, shape, depth, writable),
        1 => gen_view(u, leaves, shape, depth, writable),
        2 => {
            let f = FACTORS[u.below(if writable { 6 } else { 7 })];
            Node::Scale(f, Box::new(gen_node(u, leaves, shape, depth - 1, writable)))
        }
        k => {
            let n = if u.chance(32) { 0 } else { 1 + u.below(3) };
            let mut children: Vec<Node> = (0..n)
                .map(|_| gen_node(u, leaves, shape, depth - 1, false))
                .collect();
            if n > 1 && u.chance(24) {
                let other = keys::shape(u, 3, 5, 32);
                children[n - 1] = Node::Leaf(leaves.add(&other));
            }
            if k == 3 {
                Node::Sum(children)
            } else {
                Node::Or(children)
            }
        }
    }
}

fn gen_stack(
    u: &mut Bytes<'_>,
    leaves: &mut Leaves,
    shape: &[usize],
    depth: usize,
    w: bool,
) -> Node {
    let axes: Vec<usize> = (0..shape.len())
        .filter(|&a| (1..=4).contains(&shape[a]))
        .collect();
    if axes.is_empty() {
        return Node::Leaf(leaves.add(shape));
    }
    let a = axes[u.below(axes.len())];
    let mut child_shape = shape.to_vec();
    let k = child_shape.remove(a);
    let child_ndim = child_shape.len() as isize;
    let mut axis = if u.chance(2) {
        a as isize
    } else {
        a as isize - (child_ndim + 1)
    };
    if u.chance(24) {
        axis = [child_ndim + 1, -child_ndim - 2, isize::MIN, isize::MAX][u.below(4)];
    }
    let mut children: Vec<Node> = (0..k)
        .map(|_| gen_node(u, leaves, &child_shape, depth - 1, w))
        .collect();
    if u.chance(24) {
        if k > 1 && !w {
            let other = keys::shape(u, 3, 5, 32);
            children[k - 1] = Node::Leaf(leaves.add(&other));
        } else if !w {
            children.clear();
        }
    }
    Node::Stack(axis, children)
}

/// A view whose output has `shape`: per output axis a newaxis, a list, or a
/// slice over a source axis of a fitting length, with dropped (integer)
/// axes between; trailing full slices may be left out or replaced by an
/// ellipsis.
fn gen_view(
    u: &mut Bytes<'_>,
    leaves: &mut Leaves,
    shape: &[usize],
    depth: usize,
    w: bool,
) -> Node {
    let mut key = Vec::new();
    let mut src = Vec::new();
    let full = SelectionItem::slice(None, None, None);
    for &n in shape {
        if u.chance(5) {
            let m = 1 + u.below(3);
            src.push(m);
            key.push(SelectionItem::Index(
                u.range(-(m as i128), m as i128 - 1) as isize
            ));
        }
        match u.below(6) {
            0 if n == 1 => key.push(SelectionItem::NewAxis),
            1 => {
                let m = if n == 0 { u.below(4) } else { 1 + u.below(4) };
                src.push(m);
                key.push(SelectionItem::List(
                    (0..n)
                        .map(|_| u.range(-(m as i128), m as i128 - 1) as isize)
                        .collect(),
                ));
            }
            2 => {
                src.push(2 * n);
                let step = if u.chance(2) { 2 } else { -2 };
                key.push(SelectionItem::slice(None, None, Some(step)));
            }
            3 => {
                let j = u.below(3);
                src.push(n + j + u.below(3));
                let start = j as isize;
                key.push(SelectionItem::slice(
                    Some(start),
                    Some(start + n as isize),
                    None,
                ));
            }
            4 => {
                src.push(n);
                key.push(SelectionItem::slice(None, None, Some(-1)));
            }
            _ => {
                src.push(n);
                key.push(full.clone());
            }
        }
    }
    if u.chance(4) {
        // Trailing dropped axes.
        for _ in 0..1 + u.below(2) {
            let m = 1 + u.below(3);
            src.push(m);
            key.push(SelectionItem::Index(keys::int(u, m, KeyStyle::FUZZ)));
        }
    }
    match u.below(3) {
        0 => {
            while key.last() == Some(&full) {
                key.pop();
            }
        }
        1 => {
            let at = u.below(key.len() + 1);
            let mut end = at;
            while key.get(end) == Some(&full) && u.below(3) != 0 {
                end += 1;
            }
            key.splice(at..end, [SelectionItem::Ellipsis]);
        }
        _ => {}
    }
    if u.chance(16) && !key.is_empty() {
        let at = u.below(key.len());
        key[at] = keys::item(u, 3, KeyStyle::FUZZ);
    }
    let nonzero: Vec<usize> = src.iter().copied().filter(|&n| n != 0).collect();
    if src.len() > 6 || checked_numel(&nonzero).is_none_or(|n| n > 4096) {
        // Sources stay small (views of views multiply their sizes).
        return Node::Leaf(leaves.add(shape));
    }
    let child = gen_node(u, leaves, &src, depth - 1, w);
    Node::View(key, Box::new(child))
}

type BoxDs<'a> = Box<dyn Dataset<Elem = f64, Rank = Dyn> + 'a>;

/// `BooleanOr` read as `0.0`/`1.0`, so that it nests in an `f64` tree.
struct AsF64<D>(D);

impl<D: Dataset<Elem = bool>> Dataset for AsF64<D> {
    type Elem = f64;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    fn read_region(
        &self,
        region: CheckedRegion<'_>,
        mut out: ArrayViewMutD<'_, f64>,
    ) -> lazy_core::Result<()> {
        let mut flags = ArrayD::<bool>::default(out.shape());
        self.0.read_into(&region, flags.view_mut())?;
        out.zip_mut_with(&flags, |o, &b| *o = if b { 1.0 } else { 0.0 });
        Ok(())
    }
}

fn build<'a>(node: &Node, arrays: &'a [ArrayD<f64>]) -> lazy_core::Result<BoxDs<'a>> {
    let all = |nodes: &[Node]| -> lazy_core::Result<Vec<BoxDs<'a>>> {
        nodes.iter().map(|n| build(n, arrays)).collect()
    };
    Ok(match node {
        Node::Leaf(s) => Box::new(&arrays[*s]),
        Node::Stack(axis, children) => Box::new(Stacked::new(all(children)?, *axis)?),
        Node::Scale(f, child) => Box::new(Scaled::new(build(child, arrays)?, *f)),
        Node::Sum(children) => Box::new(Sum::new(all(children)?)?),
        Node::Or(children) => Box::new(AsF64(BooleanOr::new(all(children)?)?)),
        Node::View(key, child) => Box::new(build(child, arrays)?.sliced(sel(key))?),
    })
}

/// `np.stack` of values (the axis already normalised).
fn stack_values<T: Clone>(parts: &[Naive<T>], axis: usize) -> Naive<T> {
    let maps: Vec<Naive<Loc>> = parts
        .iter()
        .enumerate()
        .map(|(s, p)| Naive::new(&p.shape, (0..p.data.len()).map(|f| (s, f)).collect()))
        .collect();
    let map = stack_maps(&maps, axis);
    Naive {
        shape: map.shape,
        data: map
            .data
            .iter()
            .map(|&(s, f)| parts[s].data[f].clone())
            .collect(),
    }
}

/// The shape all `parts` share: `Value` for none, `Shape` for a mismatch.
fn common<T>(parts: &[Naive<T>]) -> Result<Vec<usize>, ErrorKind> {
    let first = parts.first().ok_or(ErrorKind::Value)?;
    if parts.iter().any(|p| p.shape != first.shape) {
        return Err(ErrorKind::Shape);
    }
    Ok(first.shape.clone())
}

/// The naive value of a tree; `TooBig` when a view in it is too large.
fn eval(node: &Node, values: &[Naive<f64>]) -> Want<Naive<f64>> {
    let all = |nodes: &[Node]| -> Want<Vec<Naive<f64>>> {
        let mut out = Vec::new();
        for n in nodes {
            match eval(n, values) {
                Want::Ok(v) => out.push(v),
                Want::Err(k) => return Want::Err(k),
                Want::TooBig => return Want::TooBig,
            }
        }
        Want::Ok(out)
    };
    macro_rules! get {
        ($w:expr) => {
            match $w {
                Want::Ok(v) => v,
                Want::Err(k) => return Want::Err(k),
                Want::TooBig => return Want::TooBig,
            }
        };
    }
    match node {
        Node::Leaf(s) => Want::Ok(values[*s].clone()),
        Node::Stack(axis, children) => {
            let parts = get!(all(children));
            let shape = get!(Want::from(common(&parts)));
            let axis = get!(Want::from(naive_stack_axis(*axis, shape.len())));
            Want::Ok(stack_values(&parts, axis))
        }
        Node::Scale(f, child) => {
            let v = get!(eval(child, values));
            Want::Ok(Naive {
                shape: v.shape,
                data: v.data.iter().map(|x| x * f).collect(),
            })
        }
        Node::Sum(children) | Node::Or(children) => {
            let parts = get!(all(children));
            let shape = get!(Want::from(common(&parts)));
            let is_sum = matches!(node, Node::Sum(_));
            let data = (0..numel(&shape))
                .map(|i| {
                    if is_sum {
                        parts.iter().map(|p| p.data[i]).sum()
                    } else if parts.iter().any(|p| p.data[i] != 0.0) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect();
            Want::Ok(Naive { shape, data })
        }
        Node::View(key, child) => {
            let v = get!(eval(child, values));
            match get!(Want::from(read_size(&v.shape, key))) {
                (_, Some(n)) if n <= LIMIT => Want::from(naive_read(&v, key)),
                _ => Want::TooBig,
            }
        }
    }
}

fn tree_case(u: &mut Bytes<'_>) {
    let shape = keys::shape(u, 4, 5, 48);
    let mut leaves = Leaves { shapes: Vec::new() };
    let mut node = gen_node(u, &mut leaves, &shape, 3, false);
    // Sometimes views with arbitrary keys on top (a view of a view); their
    // keys need the shape below them, so they are filled in below.
    for _ in 0..u.below(3) {
        node = Node::View(Vec::new(), Box::new(node));
    }
    let values: Vec<Naive<f64>> = leaves
        .shapes
        .iter()
        .enumerate()
        .map(|(s, sh)| Naive::new(sh, source_values(s, sh)))
        .collect();
    fill_view_keys(u, &mut node, &values);
    let arrays: Vec<ArrayD<f64>> = values
        .iter()
        .map(|v| layout_array(u, &v.shape, &v.data))
        .collect();
    let want = eval(&node, &values);
    let ctx = || format!("tree {node:?} over leaves {:?}", leaves.shapes);
    let ds = match (build(&node, &arrays), want) {
        (Ok(ds), Want::Ok(v)) => {
            assert_eq!(ds.shape(), &v.shape[..], "{}: shape", ctx());
            Some((ds, v))
        }
        (Ok(ds), Want::TooBig) => {
            // The library builds lazily; only its shape is checked elsewhere.
            let _ = ds.shape();
            None
        }
        (Err(e), Want::Err(k)) => {
            assert_eq!(e.kind(), k, "{}: construction error ({e})", ctx());
            None
        }
        (Err(_), Want::TooBig) => None,
        (got, want) => panic!(
            "{}: library built {:?}, reference {want:?}",
            ctx(),
            got.map(|d| d.shape().to_vec())
        ),
    };
    let Some((ds, value)) = ds else {
        return;
    };
    let key = keys::key(u, &value.shape, KeyStyle::FUZZ);
    let ctx = || {
        format!(
            "tree {node:?} over leaves {:?}: read {key:?}",
            leaves.shapes
        )
    };
    read_and_check(&ctx, &*ds, &value, &key);

    let mode = if value.data.len() <= 4096 {
        u.below(3)
    } else {
        2
    };
    match mode {
        0 => {
            // Copied a piece at a time into an array of any layout.
            let budget = 1 + u.below(64);
            let mut dst = layout_array(u, &value.shape, &vec![7.0; value.data.len()]);
            let options = CopyOptions {
                budget,
                ..CopyOptions::default()
            };
            let got = copy_into_with(&*ds, &mut dst, &options).map(|()| dst.into_dyn());
            let ctx = || format!("tree {node:?}: copy_into_with budget {budget}");
            check_read(&ctx, got, Ok(value.clone()));
        }
        1 if !value.shape.is_empty() => {
            // Iterated in chunks along an axis.
            let axis = u.below(value.shape.len());
            let len = 1 + u.below(4);
            let mut start = 0;
            for chunk in ds.chunks(axis, len).unwrap() {
                let (_, data) = chunk.unwrap();
                let n = len.min(value.shape[axis] - start);
                let mut key = vec![SelectionItem::slice(None, None, None); axis];
                key.push(SelectionItem::slice(
                    Some(start as isize),
                    Some((start + n) as isize),
                    None,
                ));
                let ctx = || format!("tree {node:?}: chunks({axis}, {len}) at {start}");
                check_read(&ctx, Ok(data), naive_read(&value, &key));
                start += n;
            }
            assert_eq!(
                start, value.shape[axis],
                "tree {node:?}: chunks cover the axis"
            );
        }
        _ => {}
    }
}

/// Gives every `View` with an empty key a random key for the shape below it.
fn fill_view_keys(u: &mut Bytes<'_>, node: &mut Node, values: &[Naive<f64>]) {
    if let Node::View(key, child) = node {
        fill_view_keys(u, child, values);
        if key.is_empty() {
            if let Want::Ok(v) = eval(child, values) {
                *key = keys::key(u, &v.shape, KeyStyle::FUZZ);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Mode "write": writable views
// ---------------------------------------------------------------------------

type BoxMut<'a> = Box<dyn DatasetMut<Elem = f64, Rank = Dyn> + 'a>;

fn build_mut<'a>(
    node: &Node,
    arrays: &mut Vec<Option<&'a mut ArrayD<f64>>>,
) -> lazy_core::Result<BoxMut<'a>> {
    Ok(match node {
        Node::Leaf(s) => Box::new(arrays[*s].take().expect("each leaf once")),
        Node::Stack(axis, children) => {
            let built = children
                .iter()
                .map(|c| build_mut(c, arrays))
                .collect::<lazy_core::Result<Vec<_>>>()?;
            Box::new(Stacked::new(built, *axis)?)
        }
        Node::Scale(f, child) => Box::new(Scaled::new(build_mut(child, arrays)?, *f)),
        Node::View(key, child) => Box::new(build_mut(child, arrays)?.sliced(sel(key))?),
        Node::Sum(_) | Node::Or(_) => unreachable!("read-only views are not generated here"),
    })
}

/// Where each element of a writable tree is stored, and the product of the
/// scale factors on the way.
type Place = (Loc, f64);

fn eval_map(node: &Node, shapes: &[Vec<usize>]) -> Want<Naive<Place>> {
    match node {
        Node::Leaf(s) => {
            let sh = &shapes[*s];
            Want::Ok(Naive::new(
                sh,
                (0..numel(sh)).map(|f| ((*s, f), 1.0)).collect(),
            ))
        }
        Node::Stack(axis, children) => {
            let mut parts = Vec::new();
            for c in children {
                match eval_map(c, shapes) {
                    Want::Ok(m) => parts.push(m),
                    other => return other,
                }
            }
            let shape = match common(&parts) {
                Ok(s) => s,
                Err(k) => return Want::Err(k),
            };
            match naive_stack_axis(*axis, shape.len()) {
                Ok(a) => Want::Ok(stack_values(&parts, a)),
                Err(k) => Want::Err(k),
            }
        }
        Node::Scale(f, child) => match eval_map(child, shapes) {
            Want::Ok(m) => Want::Ok(Naive {
                shape: m.shape,
                data: m.data.iter().map(|&(l, g)| (l, g * f)).collect(),
            }),
            other => other,
        },
        Node::View(key, child) => match eval_map(child, shapes) {
            Want::Ok(m) => match read_size(&m.shape, key) {
                Err(k) => Want::Err(k),
                Ok((_, Some(n))) if n <= LIMIT => Want::from(naive_read(&m, key)),
                Ok(_) => Want::TooBig,
            },
            other => other,
        },
        Node::Sum(_) | Node::Or(_) => unreachable!("read-only views are not generated here"),
    }
}

/// The shape of a value to write to a selection of shape `out` (unknown when
/// the key is invalid): mostly broadcastable, sometimes not.
fn gen_value_shape(u: &mut Bytes<'_>, out: Option<Vec<usize>>) -> Vec<usize> {
    let random =
        |u: &mut Bytes<'_>| -> Vec<usize> { (0..u.below(4)).map(|_| u.below(5)).collect() };
    let Some(out) = out else {
        return random(u);
    };
    match u.below(20) {
        0..=6 => out,
        7..=9 => vec![],
        10..=12 => out
            .iter()
            .map(|&n| if u.chance(3) { 1 } else { n })
            .collect(),
        13 | 14 => out[u.below(out.len() + 1)..].to_vec(),
        15 | 16 => {
            let mut s = vec![1; 1 + u.below(2)];
            s.extend(out);
            s
        }
        _ => random(u),
    }
}

fn write_case(u: &mut Bytes<'_>) {
    let shape = keys::shape(u, 4, 5, 48);
    let mut leaves = Leaves { shapes: Vec::new() };
    let node = gen_node(u, &mut leaves, &shape, 3, true);
    let shapes = leaves.shapes.clone();
    let storage: Vec<Vec<f64>> = shapes
        .iter()
        .enumerate()
        .map(|(s, sh)| source_values(s, sh))
        .collect();
    let mut arrays: Vec<ArrayD<f64>> = shapes
        .iter()
        .zip(&storage)
        .map(|(sh, d)| layout_array(u, sh, d))
        .collect();
    let want = eval_map(&node, &shapes);
    let ctx = || format!("writable tree {node:?} over leaves {shapes:?}");
    let mut slots: Vec<Option<&mut ArrayD<f64>>> = arrays.iter_mut().map(Some).collect();
    let built = build_mut(&node, &mut slots);
    let (mut ds, map) = match (built, want) {
        (Ok(ds), Want::Ok(map)) => {
            assert_eq!(ds.shape(), &map.shape[..], "{}: shape", ctx());
            (ds, map)
        }
        (Err(e), Want::Err(k)) => {
            assert_eq!(e.kind(), k, "{}: construction error ({e})", ctx());
            return;
        }
        (_, Want::TooBig) => return,
        (got, want) => panic!(
            "{}: library built {:?}, reference {want:?}",
            ctx(),
            got.map(|d| d.shape().to_vec())
        ),
    };

    // A read through the writable views.
    let key = keys::key(u, &map.shape, KeyStyle::FUZZ);
    let value = Naive {
        shape: map.shape.clone(),
        data: map
            .data
            .iter()
            .map(|&((s, f), g)| storage[s][f] * g)
            .collect(),
    };
    let rctx = || format!("{}: read {key:?}", ctx());
    read_and_check(&rctx, &*ds, &value, &key);

    // A write.
    let key = keys::key(u, &map.shape, KeyStyle::FUZZ);
    let (target, too_big) = match read_size(&map.shape, &key) {
        Ok((out, Some(n))) => (Some(out), n > LIMIT),
        Ok((out, None)) => (Some(out), true),
        Err(_) => (None, false),
    };
    let vshape = gen_value_shape(u, target);
    let vshape = if checked_numel(&vshape).is_none_or(|n| n > LIMIT) {
        vec![]
    } else {
        vshape
    };
    let val = Naive::new(
        &vshape,
        (0..numel(&vshape))
            .map(|_| f64::from(u.byte()) - 128.0)
            .collect(),
    );
    let wctx = || format!("{}: write {key:?} = {val:?}", ctx());
    if too_big {
        // Too large to model (and for an in-memory source, to write in
        // reasonable time): not written.
        return;
    }
    let got = ds.write_dyn(&sel(&key), val.to_array().view());
    drop(ds);
    let mut expected = storage.clone();
    let want = naive_read(&map, &key).and_then(|targets| {
        let values = naive_broadcast(&val, &targets.shape)?;
        Ok(targets
            .data
            .into_iter()
            .zip(values.data)
            .collect::<Vec<_>>())
    });
    match (&got, &want) {
        (Ok(()), Ok(stores)) => {
            for (((s, f), g), v) in stores {
                expected[*s][*f] = v / g;
            }
            count(2);
        }
        (Err(e), Err(k)) => {
            assert_eq!(e.kind(), *k, "{}: error kind ({e})", wctx());
            count(3);
        }
        _ => panic!("{}: library wrote {got:?}, reference {want:?}", wctx()),
    }
    for (s, a) in arrays.iter().enumerate() {
        let got: Vec<f64> = a.iter().copied().collect();
        assert_eq!(got, expected[s], "{}: source {s} after the write", wctx());
    }
}

// ---------------------------------------------------------------------------
// Mode "region": hand-built regions
// ---------------------------------------------------------------------------

fn gen_axis_sel(u: &mut Bytes<'_>, n: usize) -> AxisSelection {
    let any = |u: &mut Bytes<'_>| -> usize {
        match u.below(6) {
            0 => usize::MAX - u.below(3),
            1 => u.u64() as usize,
            2 => n + u.below(3),
            _ => u.below(n + 1),
        }
    };
    match u.below(3) {
        0 => AxisSelection::Index(any(u)),
        1 => {
            let start = any(u);
            let step = match u.below(6) {
                0 => 0,
                1 => keys::extreme(u, n as i128),
                _ => u.range(-3, 3) as isize,
            };
            let len = match u.below(5) {
                0 => any(u),
                _ => u.below(n + 2),
            };
            AxisSelection::Range { start, step, len }
        }
        _ => AxisSelection::List((0..u.below(5)).map(|_| any(u)).collect()),
    }
}

/// The positions of a hand-built selection on an axis of length `n`, or
/// `None` when it is invalid (out of bounds, or step 0 over two positions).
fn naive_positions(sel: &AxisSelection, n: usize) -> Option<Vec<usize>> {
    match sel {
        AxisSelection::Index(i) => (*i < n).then(|| vec![*i]),
        AxisSelection::List(l) => l.iter().all(|&i| i < n).then(|| l.clone()),
        AxisSelection::Range { start, step, len } => {
            if *len == 0 {
                return Some(vec![]);
            }
            if *step == 0 && *len > 1 {
                return None;
            }
            // Ranges are monotonic: the ends decide.
            let last =
                (*start as i128).checked_add((*step as i128).checked_mul(*len as i128 - 1)?)?;
            if *start >= n || last < 0 || last >= n as i128 {
                return None;
            }
            Some(
                (0..*len)
                    .map(|k| (*start as i128 + *step as i128 * k as i128) as usize)
                    .collect(),
            )
        }
    }
}

/// `a[region]` by enumeration: per axis the positions, output axes for all
/// but indices.
fn naive_region_read(a: &Naive<f64>, axes: &[AxisSelection], pos: &[Vec<usize>]) -> Naive<f64> {
    let keep: Vec<bool> = axes
        .iter()
        .map(|s| !matches!(s, AxisSelection::Index(_)))
        .collect();
    let out: Vec<usize> = pos
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(p, _)| p.len())
        .collect();
    let data = (0..numel(&out))
        .map(|flat| {
            let o = unravel(flat, &out);
            let mut o = o.iter();
            let idx: Vec<usize> = pos
                .iter()
                .zip(&keep)
                .map(|(p, &k)| if k { p[*o.next().unwrap()] } else { p[0] })
                .collect();
            a.data[ravel(&idx, &a.shape)]
        })
        .collect();
    Naive { shape: out, data }
}

fn region_case(u: &mut Bytes<'_>) {
    let shape = keys::shape(u, 4, 5, 64);
    let mut axes: Vec<AxisSelection> = shape.iter().map(|&n| gen_axis_sel(u, n)).collect();
    if u.chance(16) {
        if u.chance(2) {
            axes.pop();
        } else {
            axes.push(AxisSelection::Index(0));
        }
    }
    let ctx = || format!("shape {shape:?}, region {axes:?}");
    let pos: Option<Vec<Vec<usize>>> = (axes.len() == shape.len())
        .then(|| {
            axes.iter()
                .zip(&shape)
                .map(|(s, &n)| naive_positions(s, n))
                .collect()
        })
        .flatten();
    let region = match (Region::new(shape.clone(), axes.clone()), pos) {
        (Ok(r), Some(pos)) => (r, pos),
        (Err(e), None) => {
            assert_eq!(e.kind(), ErrorKind::Index, "{}: {e}", ctx());
            return;
        }
        (got, want) => panic!("{}: Region::new gave {got:?}, reference {want:?}", ctx()),
    };
    let (region, pos) = region;
    let data = source_values(1, &shape);
    let value = Naive::new(&shape, data.clone());
    let a = layout_array(u, &shape, &data);
    let want = naive_region_read(&value, &axes, &pos);
    assert_eq!(region.out_shape(), want.shape, "{}: out_shape", ctx());

    // Read whole, and in blocks of at most `max` elements.
    let mut out = ArrayD::<f64>::zeros(IxDyn(&want.shape));
    a.read_into(&region, out.view_mut()).unwrap();
    check_read(&ctx, Ok(out), Ok(want.clone()));
    let max = 1 + u.below(8);
    let mut out = ArrayD::<f64>::from_elem(IxDyn(&want.shape), f64::NAN);
    for_each_block(&region, out.view_mut(), max, &|r, o| {
        assert!(o.len() <= max, "{}: a block of {} elements", ctx(), o.len());
        a.read_into(r, o)
    })
    .unwrap();
    let bctx = || format!("{}: blocks of {max}", ctx());
    check_read(&bctx, Ok(out), Ok(want.clone()));

    // A split at any point, valid or not.
    let out_ndim = want.shape.len();
    if out_ndim > 0 {
        let axis = u.below(out_ndim + 1);
        let at = u.below(want.shape.get(axis).copied().unwrap_or(3) + 2);
        match region.split_out(axis, at) {
            Ok((r1, r2)) => {
                assert!(axis < out_ndim && at <= want.shape[axis], "{}", ctx());
                let n1 = r1.out_shape();
                let n2 = r2.out_shape();
                assert_eq!(n1[axis] + n2[axis], want.shape[axis], "{}: split", ctx());
            }
            Err(e) => {
                assert!(axis >= out_ndim || at > want.shape[axis], "{}: {e}", ctx());
                assert_eq!(e.kind(), ErrorKind::Index, "{}: {e}", ctx());
            }
        }
    }

    // Composed with a region of its output, from a random key (newaxis
    // included: a composed region keeps it as an output axis).
    let key = keys::key(u, &want.shape, KeyStyle::FUZZ);
    if let Ok(inner) = lazy_core::resolve(&want.shape, &key) {
        if read_size(&want.shape, &key).is_ok_and(|(_, n)| n.is_some_and(|n| n <= LIMIT)) {
            let composed = region.compose(&inner).unwrap();
            let mut out = ArrayD::<f64>::zeros(IxDyn(&composed.out_shape()));
            a.read_into(&composed, out.view_mut()).unwrap();
            let cctx = || format!("{}: composed with {key:?}", ctx());
            check_read(&cctx, Ok(out), naive_read(&want, &key));
        }
    }

    // Written from an array of the output's shape: C order, last write wins.
    let mut target = a.clone();
    let src_vals: Vec<f64> = (0..want.data.len()).map(|k| 1000.0 + k as f64).collect();
    let src = ArrayD::from_shape_vec(IxDyn(&want.shape), src_vals.clone()).unwrap();
    target.write_from(&region, src.view()).unwrap();
    let mut expected = data.clone();
    let idx_map = naive_region_read(
        &Naive::new(&shape, (0..data.len()).map(|f| f as f64).collect()),
        &axes,
        &pos,
    );
    for (k, &f) in idx_map.data.iter().enumerate() {
        expected[f as usize] = src_vals[k];
    }
    let got: Vec<f64> = target.iter().copied().collect();
    assert_eq!(got, expected, "{}: write_from", ctx());
    count(4);
}

// ---------------------------------------------------------------------------
// Mode "huge": shapes whose element counts overflow
// ---------------------------------------------------------------------------

/// One axis of a lazily resolved key: positions are computed, not listed.
#[derive(Debug, Clone)]
enum Lazy {
    Fixed(usize),
    Range { first: i128, step: i128, len: usize },
    List(Vec<usize>),
    Unit,
}

impl Lazy {
    fn len(&self) -> Option<usize> {
        match self {
            Lazy::Fixed(_) => None,
            Lazy::Range { len, .. } => Some(*len),
            Lazy::List(l) => Some(l.len()),
            Lazy::Unit => Some(1),
        }
    }

    fn at(&self, k: usize) -> usize {
        match self {
            Lazy::Fixed(i) => *i,
            Lazy::Range { first, step, .. } => (first + step * k as i128) as usize,
            Lazy::List(l) => l[k],
            Lazy::Unit => 0,
        }
    }
}

/// A slice as a formula ([`slice_formula`]), for axes too long to list.
fn lazy_slice(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
    n: usize,
) -> Result<Lazy, ErrorKind> {
    let (first, step, len) = slice_formula(start, stop, step, n)?;
    Ok(Lazy::Range { first, step, len })
}

/// `naive_resolve` with slices as formulas.
fn lazy_resolve(shape: &[usize], key: &[SelectionItem]) -> Result<Vec<Lazy>, ErrorKind> {
    let expanded = expand_key(shape, key)?;
    let mut axes = shape.iter().copied();
    let mut out = Vec::new();
    for e in &expanded {
        out.push(match e {
            SelectionItem::NewAxis => Lazy::Unit,
            SelectionItem::Ellipsis => unreachable!("expanded above"),
            SelectionItem::Index(i) => Lazy::Fixed(wrap_index(*i, axes.next().unwrap())?),
            SelectionItem::Slice { start, stop, step } => {
                lazy_slice(*start, *stop, *step, axes.next().unwrap())?
            }
            SelectionItem::List(l) => {
                let n = axes.next().unwrap();
                Lazy::List(
                    l.iter()
                        .map(|&i| wrap_index(i, n))
                        .collect::<Result<_, _>>()?,
                )
            }
            SelectionItem::Mask(m) => {
                Lazy::List(crate::naive::mask_positions(m, axes.next().unwrap())?)
            }
        });
    }
    Ok(out)
}

/// A tree over fake datasets, modelled as a function from positions to values.
#[derive(Debug, Clone)]
enum HNode {
    Leaf(u64, Vec<usize>),
    Stack(usize, Vec<HNode>),
    Scale(f64, Box<HNode>),
    Sum(Vec<HNode>),
    View(Vec<Lazy>, Vec<SelectionItem>, Box<HNode>),
}

impl HNode {
    fn shape(&self) -> Vec<usize> {
        match self {
            HNode::Leaf(_, s) => s.clone(),
            HNode::Stack(axis, c) => {
                let mut s = c[0].shape();
                s.insert(*axis, c.len());
                s
            }
            HNode::Scale(_, c) => c.shape(),
            HNode::Sum(c) => c[0].shape(),
            HNode::View(picks, _, _) => picks.iter().filter_map(Lazy::len).collect(),
        }
    }

    fn value(&self, idx: &[usize]) -> f64 {
        match self {
            HNode::Leaf(id, _) => Computed::value(*id, idx),
            HNode::Stack(axis, c) => {
                let mut inner = idx.to_vec();
                let k = inner.remove(*axis);
                c[k].value(&inner)
            }
            HNode::Scale(f, c) => c.value(idx) * f,
            HNode::Sum(c) => c.iter().map(|c| c.value(idx)).sum(),
            HNode::View(picks, _, c) => c.value(&lazy_index(picks, idx)),
        }
    }
}

/// The source position of output position `idx` under `picks`.
fn lazy_index(picks: &[Lazy], idx: &[usize]) -> Vec<usize> {
    let mut out = idx.iter();
    picks
        .iter()
        .filter_map(|p| match p {
            Lazy::Fixed(i) => Some(*i),
            Lazy::Unit => {
                out.next();
                None
            }
            other => Some(other.at(*out.next().unwrap())),
        })
        .collect()
}

const HUGE: [usize; 12] = [
    0,
    1,
    2,
    3,
    1 << 20,
    1 << 31,
    1 << 40,
    1 << 62,
    isize::MAX as usize,
    usize::MAX / 2 + 1,
    usize::MAX - 1,
    usize::MAX,
];

fn gen_hnode(u: &mut Bytes<'_>, next_id: &mut u64, shape: &[usize], depth: usize) -> HNode {
    if depth == 0 || u.chance(3) {
        *next_id += 1;
        return HNode::Leaf(*next_id, shape.to_vec());
    }
    match u.below(3) {
        0 => {
            let axes: Vec<usize> = (0..shape.len())
                .filter(|&a| (1..=3).contains(&shape[a]))
                .collect();
            if axes.is_empty() {
                *next_id += 1;
                return HNode::Leaf(*next_id, shape.to_vec());
            }
            let a = axes[u.below(axes.len())];
            let mut inner = shape.to_vec();
            let k = inner.remove(a);
            HNode::Stack(
                a,
                (0..k)
                    .map(|_| gen_hnode(u, next_id, &inner, depth - 1))
                    .collect(),
            )
        }
        1 => HNode::Scale(
            FACTORS[u.below(6)],
            Box::new(gen_hnode(u, next_id, shape, depth - 1)),
        ),
        _ => HNode::Sum(
            (0..1 + u.below(3))
                .map(|_| gen_hnode(u, next_id, shape, depth - 1))
                .collect(),
        ),
    }
}

type HBox = Box<dyn Dataset<Elem = f64, Rank = Dyn>>;

fn build_huge(node: &HNode) -> lazy_core::Result<HBox> {
    Ok(match node {
        HNode::Leaf(id, shape) => Box::new(Computed::new(*id, shape)),
        HNode::Stack(axis, c) => Box::new(Stacked::new(
            c.iter()
                .map(build_huge)
                .collect::<lazy_core::Result<Vec<_>>>()?,
            *axis as isize,
        )?),
        HNode::Scale(f, c) => Box::new(Scaled::new(build_huge(c)?, *f)),
        HNode::Sum(c) => Box::new(Sum::new(
            c.iter()
                .map(build_huge)
                .collect::<lazy_core::Result<Vec<_>>>()?,
        )?),
        HNode::View(_, key, c) => Box::new(build_huge(c)?.sliced(sel(key))?),
    })
}

fn huge_case(u: &mut Bytes<'_>) {
    let rank = u.below(4);
    let shape: Vec<usize> = (0..rank).map(|_| HUGE[u.below(HUGE.len())]).collect();
    let mut next_id = 0;
    let mut node = gen_hnode(u, &mut next_id, &shape, 2);
    for _ in 0..u.below(3) {
        let shape = node.shape();
        let key = keys::key(u, &shape, KeyStyle::FUZZ);
        let ctx = || format!("huge {node:?}: view {key:?}");
        let want = lazy_resolve(&shape, &key);
        let got = build_huge(&node).and_then(|d| d.sliced(sel(&key)));
        match (got, want) {
            (Ok(v), Ok(picks)) => {
                let expected: Vec<usize> = picks.iter().filter_map(Lazy::len).collect();
                assert_eq!(v.shape(), &expected[..], "{}: shape", ctx());
                node = HNode::View(picks, key, Box::new(node));
            }
            (Err(e), Err(k)) => {
                assert_eq!(e.kind(), k, "{}: {e}", ctx());
                break;
            }
            (got, want) => panic!(
                "{}: library {:?}, reference {want:?}",
                ctx(),
                got.map(|v| v.shape().to_vec())
            ),
        }
    }
    let ds = build_huge(&node).unwrap();
    let shape = node.shape();
    assert_eq!(ds.shape(), &shape[..], "huge {node:?}: shape");
    let key = keys::key(u, &shape, KeyStyle::FUZZ);
    let ctx = || format!("huge {node:?}: read {key:?}");
    match lazy_resolve(&shape, &key) {
        Err(k) => {
            let e = ds.read_dyn(&sel(&key)).unwrap_err();
            assert_eq!(e.kind(), k, "{}: {e}", ctx());
        }
        Ok(picks) => {
            let out: Vec<usize> = picks.iter().filter_map(Lazy::len).collect();
            let n = checked_numel(&out);
            if unallocatable(&out, 8) {
                let e = ds.read_dyn(&sel(&key)).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Shape, "{}: {e}", ctx());
                // A scalar written through a scale to the same region: the
                // inverse-scaled copy cannot be allocated either.
                let mut fake = Scaled::new(Computed::new(0, &shape), 2.0);
                let e = fake
                    .write_dyn(&sel(&key), ndarray::arr0(1.0).into_dyn().view())
                    .unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Shape, "{}: scaled write: {e}", ctx());
                // Through a stack: the sources take the broadcast value as it is.
                let mut stack = Stacked::new(vec![Computed::new(0, &shape)], 0).unwrap();
                let mut key0 = vec![SelectionItem::Index(0)];
                key0.extend(key.iter().cloned());
                let got = stack.write_dyn(&sel(&key0), ndarray::arr0(1.0).into_dyn().view());
                if let Err(e) = got {
                    assert_eq!(e.kind(), ErrorKind::Shape, "{}: stacked write: {e}", ctx());
                }
            } else if n.is_some_and(|n| n <= LIMIT) {
                let got = ds
                    .read_dyn(&sel(&key))
                    .unwrap_or_else(|e| panic!("{}: {e}", ctx()));
                assert_eq!(got.shape(), &out[..], "{}: shape", ctx());
                for (idx, &v) in got.indexed_iter() {
                    let src = lazy_index(&picks, idx.slice());
                    assert_eq!(v, node.value(&src), "{}: element {idx:?}", ctx());
                }
                count(5);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Mode "wrap": integer sums wrap
// ---------------------------------------------------------------------------

fn wrap_sum<T>(u: &mut Bytes<'_>, from: impl Fn(u64) -> T, add: impl Fn(T, T) -> T)
where
    T: lazy_core::Summable + Debug,
{
    let shape = keys::shape(u, 3, 5, 24);
    let n_src = 1 + u.below(4);
    let data: Vec<Vec<T>> = (0..n_src)
        .map(|_| (0..numel(&shape)).map(|_| from(u.u64())).collect())
        .collect();
    let arrays: Vec<ArrayD<T>> = data
        .iter()
        .map(|d| ArrayD::from_shape_vec(IxDyn(&shape), d.clone()).unwrap())
        .collect();
    let sum = Sum::new(arrays.iter().collect()).unwrap();
    let want: Vec<T> = (0..numel(&shape))
        .map(|i| data[1..].iter().fold(data[0][i], |acc, d| add(acc, d[i])))
        .collect();
    let key = keys::key(u, &shape, KeyStyle::FUZZ);
    let ctx = || format!("wrapping Sum of {data:?}: read {key:?}");
    let value = Naive::new(&shape, want);
    read_and_check(&ctx, &sum, &value, &key);
}

fn wrap_case(u: &mut Bytes<'_>) {
    match u.below(4) {
        0 => wrap_sum(u, |x| x as i8, i8::wrapping_add),
        1 => wrap_sum(u, |x| x as u8, u8::wrapping_add),
        2 => wrap_sum(u, |x| x as i64, i64::wrapping_add),
        _ => wrap_sum(u, |x| x, u64::wrapping_add),
    }
}

// ---------------------------------------------------------------------------
// Mode "typed": static ranks
// ---------------------------------------------------------------------------

fn typed_case(u: &mut Bytes<'_>) {
    use ndarray::{Array1, Array2};
    let (r, c) = (u.below(5), u.below(5));
    let a: Array2<f64> = Array2::from_shape_vec((r, c), source_values(0, &[r, c])).unwrap();
    let b: Array2<f64> = Array2::from_shape_vec((r, c), source_values(1, &[r, c])).unwrap();
    let axis = u.range(-4, 3) as isize;
    let value = stack_values(
        &[
            Naive::new(&[r, c], source_values(0, &[r, c])),
            Naive::new(&[r, c], source_values(1, &[r, c])),
        ],
        match naive_stack_axis(axis, 2) {
            Ok(a) => a,
            Err(_) => {
                assert!(Stacked::new(vec![&a, &b], axis).is_err());
                return;
            }
        },
    );
    let st = Stacked::new(vec![&a, &b], axis).unwrap();
    let all: ndarray::Array3<f64> = st.read_all().unwrap();
    let ctx = || format!("typed stack of ({r}, {c}) along {axis}");
    check_read(&ctx, Ok(all.into_dyn()), Ok(value.clone()));
    let key = keys::key(u, &value.shape, KeyStyle::FUZZ);
    let ctx = || format!("typed stack of ({r}, {c}) along {axis}: read {key:?}");
    read_and_check(&ctx, &st, &value, &key);
    let v: Array1<f64> = Array1::from_iter((0..u.below(6)).map(|k| k as f64));
    let key = keys::key(u, &[v.len()], KeyStyle::FUZZ);
    let ctx = || format!("Array1 of {}: read {key:?}", v.len());
    let naive_v = Naive::new(&[v.len()], v.to_vec());
    read_and_check(&ctx, &v, &naive_v, &key);
}
