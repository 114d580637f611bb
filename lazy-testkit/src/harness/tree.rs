//! Mode **tree**: a random tree of read-only views (`Stacked`, `Scaled`,
//! `Sum`, `BooleanOr`, `Sliced`, nested) over arrays of varied memory
//! layouts, read with a random key, also copied with `copy_into_with` and
//! iterated with `chunks`; compared value by value with the naive model of
//! the tree. Its tree generator serves the write mode too.

use lazy_core::{
    copy_into_with, BooleanOr, CheckedRegion, CopyOptions, Dataset, DatasetExt, Dyn, ErrorKind,
    Scaled, SelectionItem, Stacked, Sum,
};
use ndarray::{ArrayD, ArrayViewMutD};

use super::check::{check_read, checked_numel, read_and_check, read_size, sel, Want, LIMIT};
use super::sources::{layout_array, source_values};
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{naive_read, naive_stack_axis, numel, stack_maps, Loc, Naive};

/// A view tree as data: built into datasets and evaluated naively.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Leaf(usize),
    Stack(isize, Vec<Node>),
    Scale(f64, Box<Node>),
    Sum(Vec<Node>),
    Or(Vec<Node>),
    View(Vec<SelectionItem>, Box<Node>),
}

pub(super) const FACTORS: [f64; 7] = [1.0, 2.0, -1.0, 0.5, -4.0, 0.25, 0.0];

/// The leaves of a tree: their shapes as generated.
pub(super) struct Leaves {
    pub(super) shapes: Vec<Vec<usize>>,
}

impl Leaves {
    pub(super) fn add(&mut self, shape: &[usize]) -> usize {
        self.shapes.push(shape.to_vec());
        self.shapes.len() - 1
    }
}

/// A tree whose (naive) shape is `shape`, built top-down: every view is
/// constructed so that its shape matches, except for rare deliberate
/// mistakes (an axis out of range, a source of another shape, no sources,
/// a mangled key), which both the library and the model must reject alike.
pub(super) fn gen_node(
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
pub(super) fn stack_values<T: Clone>(parts: &[Naive<T>], axis: usize) -> Naive<T> {
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
pub(super) fn common<T>(parts: &[Naive<T>]) -> Result<Vec<usize>, ErrorKind> {
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

pub(super) fn run(u: &mut Bytes<'_>) {
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
