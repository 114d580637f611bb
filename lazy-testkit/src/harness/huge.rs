//! Mode **huge**: datasets reporting shapes such as `[usize::MAX, 2]` or
//! `[1 << 40, 1 << 40]` stacked, scaled, summed and sliced: construction and
//! shapes are always checked, reads compared when their output is small and
//! required to fail when it cannot be allocated. Keys are resolved with
//! slices as formulas, since such axes cannot be enumerated.

use lazy_core::{
    Dataset, DatasetExt, DatasetMutExt, Dyn, ErrorKind, Scaled, SelectionItem, Stacked, Sum,
};
use ndarray::Dimension;

use super::check::{checked_numel, sel, unallocatable, LIMIT};
use super::count;
use super::tree::FACTORS;
use crate::datasets::Computed;
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{out_shape, resolve_with, slice_formula, source_index, Pick, Positions};

/// The positions along one axis of a lazily resolved key: a slice is kept
/// as its formula (its axis may be too long to list), lists are listed.
#[derive(Debug, Clone)]
enum Span {
    Range { first: i128, step: i128, len: usize },
    List(Vec<usize>),
}

impl From<Vec<usize>> for Span {
    fn from(list: Vec<usize>) -> Self {
        Span::List(list)
    }
}

impl Positions for Span {
    fn count(&self) -> usize {
        match self {
            Span::Range { len, .. } => *len,
            Span::List(l) => l.len(),
        }
    }

    fn at(&self, k: usize) -> usize {
        match self {
            Span::Range { first, step, .. } => (first + step * k as i128) as usize,
            Span::List(l) => l[k],
        }
    }
}

/// One element of a lazily resolved key.
type Lazy = Pick<Span>;

/// A slice as a formula ([`slice_formula`]), for axes too long to list.
fn lazy_slice(
    start: Option<isize>,
    stop: Option<isize>,
    step: Option<isize>,
    n: usize,
) -> Result<Span, ErrorKind> {
    let (first, step, len) = slice_formula(start, stop, step, n)?;
    Ok(Span::Range { first, step, len })
}

/// `naive_resolve` with slices as formulas.
fn lazy_resolve(shape: &[usize], key: &[SelectionItem]) -> Result<Vec<Lazy>, ErrorKind> {
    resolve_with(shape, key, lazy_slice)
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
            HNode::View(picks, _, _) => out_shape(picks),
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
            HNode::View(picks, _, c) => c.value(&source_index(picks, idx)),
        }
    }
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

pub(super) fn run(u: &mut Bytes<'_>) {
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
                let expected = out_shape(&picks);
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
            let out = out_shape(&picks);
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
                    let src = source_index(&picks, idx.slice());
                    assert_eq!(v, node.value(&src), "{}: element {idx:?}", ctx());
                }
                count(5);
            }
        }
    }
}
