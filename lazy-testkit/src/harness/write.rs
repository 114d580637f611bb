//! Mode **write**: a random tree of writable views (`Stacked`, `Scaled`,
//! `Sliced`) read and written with random keys and values, compared with the
//! naive location-map model: every source is checked after the write, and
//! must be unchanged after an error.

use lazy_core::{DatasetExt, DatasetMut, DatasetMutExt, Dyn, Scaled, Stacked};
use ndarray::ArrayD;

use super::check::{checked_numel, read_and_check, read_size, sel, Want, LIMIT};
use super::count;
use super::sources::{layout_array, source_values};
use super::tree::{common, gen_node, stack_values, Leaves, Node};
use crate::compare;
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{naive_assignments, naive_read, naive_stack_axis, numel, Loc, Naive};

type BoxMut<'a> = Box<dyn DatasetMut<Elem = f64, Rank = Dyn> + Send + 'a>;

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

pub(super) fn run(u: &mut Bytes<'_>) {
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
    let vshape = keys::value_shape(u, target);
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
    let want = naive_assignments(&map, &key, &val).map(|stores| {
        stores
            .into_iter()
            .map(|((loc, g), v)| (loc, v / g))
            .collect()
    });
    let after: Vec<Vec<f64>> = arrays.iter().map(|a| a.iter().copied().collect()).collect();
    match compare::write(wctx, got, want, &storage, &after) {
        Ok(()) => count(2),
        Err(_) => count(3),
    }
}
