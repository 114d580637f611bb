//! Mode **region**: hand-built `Region`s (any `AxisSelection`, step 0,
//! `usize::MAX` lengths) checked by `Region::new`, read whole and in blocks,
//! split, composed with a key and written, against positions enumerated by
//! hand.

use lazy_core::backend::for_each_block;
use lazy_core::{AxisSelection, DatasetExt, DatasetMutExt, ErrorKind, Region};
use ndarray::{ArrayD, IxDyn};

use super::check::{check_read, read_size, LIMIT};
use super::count;
use super::sources::{layout_array, source_values};
use crate::entropy::{Bytes, Entropy};
use crate::keys::{self, KeyStyle};
use crate::naive::{naive_read, read_picks, Naive, Pick};

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
    let picks: Vec<Pick> = axes
        .iter()
        .zip(pos)
        .map(|(s, p)| match s {
            AxisSelection::Index(_) => Pick::Fixed(p[0]),
            _ => Pick::Along(p.clone()),
        })
        .collect();
    read_picks(a, &picks)
}

pub(super) fn run(u: &mut Bytes<'_>) {
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
