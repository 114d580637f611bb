//! The one generator of random shapes and NumPy-style keys, drawing from any
//! [`Entropy`]: a seeded generator in the randomized tests and the backend
//! conformance suite, the fuzzer's bytes in the fuzz harness.
//!
//! A [`KeyStyle`] says how adventurous the keys are: [`KeyStyle::FUZZ`]
//! draws extreme integers (`isize::MIN`, `1 << 40`, random 64-bit values),
//! huge lists and malformed keys (too many indices, two ellipses, a zero
//! step); [`KeyStyle::STORAGE`] keeps to values near the axis (some out of
//! range) so that most keys are valid reads of stored data.
//!
//! ```
//! use lazy_testkit::keys::{key, shape, KeyStyle};
//! use lazy_testkit::naive::naive_resolve;
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
//! let s = shape(&mut rng, 4, 5, 100);
//! assert!(s.len() <= 4 && s.iter().product::<usize>() <= 100);
//! let valid = (0..100)
//!     .filter(|_| naive_resolve(&s, &key(&mut rng, &s, KeyStyle::STORAGE)).is_ok())
//!     .count();
//! assert!(valid > 50, "{valid}");
//! ```

use lazy_core::SelectionItem;

use crate::entropy::Entropy;

/// How adventurous generated keys are (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyStyle {
    /// Extreme integers: `isize::MIN`/`MAX`, `±1 << 40`, random 64-bit values.
    pub extremes: bool,
    /// Keys NumPy rejects: too many indices, two ellipses, a zero step.
    pub mistakes: bool,
    /// Now and then a list of 1,000 to 100,000 entries.
    pub huge_lists: bool,
}

impl KeyStyle {
    /// Everything: what the fuzz harness and the reference tests draw.
    pub const FUZZ: KeyStyle = KeyStyle {
        extremes: true,
        mistakes: true,
        huge_lists: true,
    };

    /// Like [`FUZZ`](Self::FUZZ) without huge lists: the reference tests of
    /// the in-memory views, which compare every element naively.
    pub const REFERENCE: KeyStyle = KeyStyle {
        extremes: true,
        mistakes: true,
        huge_lists: false,
    };

    /// Values near the axis, some out of range, no malformed keys: the
    /// backend conformance suite, where most keys should reach storage.
    pub const STORAGE: KeyStyle = KeyStyle {
        extremes: false,
        mistakes: false,
        huge_lists: false,
    };
}

/// A shape of rank `0..=max_rank`: lengths 0 (one in twelve), 1 (three in
/// twelve) or `2..=max_len`, with leading axes shortened to 1 until it has
/// at most `max_elems` elements.
pub fn shape(
    e: &mut impl Entropy,
    max_rank: usize,
    max_len: usize,
    max_elems: usize,
) -> Vec<usize> {
    let rank = e.below(max_rank + 1);
    let mut shape: Vec<usize> = (0..rank)
        .map(|_| match e.below(12) {
            0 => 0,
            1..=3 => 1,
            _ => 2 + e.below(max_len.saturating_sub(1)),
        })
        .collect();
    for k in 0..shape.len() {
        if shape.iter().product::<usize>() <= max_elems {
            break;
        }
        shape[k] = 1;
    }
    shape
}

/// One of the extreme values of an index into an axis of length `n`.
pub fn extreme(e: &mut impl Entropy, n: i128) -> isize {
    let choices = [
        isize::MIN as i128,
        isize::MIN as i128 + 1,
        isize::MAX as i128,
        isize::MAX as i128 - 1,
        1 << 40,
        -(1 << 40),
        n,
        -n - 1,
        n - 1,
        -n,
    ];
    clamp_isize(choices[e.below(choices.len())])
}

fn clamp_isize(v: i128) -> isize {
    v.clamp(isize::MIN as i128, isize::MAX as i128) as isize
}

/// An index-like number for an axis of length `n`: mostly in range,
/// sometimes just out of it, with `extremes` sometimes extreme.
pub fn int(e: &mut impl Entropy, n: usize, style: KeyStyle) -> isize {
    let n = n as i128;
    let v = match e.below(20) {
        0 if style.extremes => return extreme(e, n),
        1 if style.extremes => return e.u64() as isize,
        2..=4 => e.range(-n - 3, n + 3),
        _ if n > 0 => e.range(-n, n - 1),
        _ => e.range(-2, 2),
    };
    clamp_isize(v)
}

fn bound(e: &mut impl Entropy, n: usize, style: KeyStyle) -> Option<isize> {
    match e.below(10) {
        0..=2 => None,
        _ => Some(int(e, n, style)),
    }
}

fn step(e: &mut impl Entropy, n: usize, style: KeyStyle) -> Option<isize> {
    match e.below(24) {
        0..=7 => None,
        8 if style.mistakes => Some(0),
        9 if style.extremes => Some(extreme(e, n as i128)),
        10 if style.extremes => Some(int(e, n, style)),
        8..=10 => None,
        _ => Some([-3, -2, -1, -1, 1, 2, 3][e.below(7)]),
    }
}

fn list(e: &mut impl Entropy, n: usize, style: KeyStyle) -> Vec<isize> {
    if style.huge_lists && e.chance(48) {
        // A huge list: a short pattern repeated.
        let pattern: Vec<isize> = (0..1 + e.below(4)).map(|_| int(e, n, style)).collect();
        let len = 1000 + e.below(100_000);
        return pattern.iter().copied().cycle().take(len).collect();
    }
    let len = match e.below(8) {
        0 => 0,
        _ => 1 + e.below(5),
    };
    (0..len).map(|_| int(e, n, style)).collect()
}

/// One key element for an axis of length `n`: an integer, a slice or a list.
pub fn item(e: &mut impl Entropy, n: usize, style: KeyStyle) -> SelectionItem {
    match e.below(10) {
        0..=2 => SelectionItem::Index(int(e, n, style)),
        3..=6 => SelectionItem::slice(bound(e, n, style), bound(e, n, style), step(e, n, style)),
        // Now and then a boolean mask (of the axis's length, rarely one off).
        _ if n <= 100_000 && e.chance(5) => SelectionItem::Mask(mask(e, n)),
        _ => SelectionItem::List(list(e, n, style)),
    }
}

/// A boolean mask for an axis of length `n`: each entry true with a random
/// density; one in ten is one entry too short or too long.
pub fn mask(e: &mut impl Entropy, n: usize) -> Vec<bool> {
    let len = match e.below(20) {
        0 => n.saturating_sub(1),
        1 => n + 1,
        _ => n,
    };
    let density = 1 + e.below(4);
    (0..len).map(|_| e.below(5) < density).collect()
}

/// A random key for `shape`: up to one element per axis (with `mistakes`,
/// sometimes too many), sometimes an ellipsis (with `mistakes`, rarely
/// two), sometimes newaxis.
pub fn key(e: &mut impl Entropy, shape: &[usize], style: KeyStyle) -> Vec<SelectionItem> {
    let ndim = shape.len();
    let n_consume = if e.chance(12) && style.mistakes {
        ndim + 1 + e.below(2)
    } else {
        e.below(ndim + 1)
    };
    let ellipsis_at = (e.below(3) == 0).then(|| e.below(n_consume + 1));
    let mut key = Vec::new();
    for j in 0..n_consume {
        if ellipsis_at == Some(j) {
            key.push(SelectionItem::Ellipsis);
        }
        // The axis entry j will index, for plausible values only.
        let axis = match ellipsis_at {
            Some(e) if j >= e => (ndim + j).checked_sub(n_consume),
            _ => Some(j),
        };
        let n = axis.and_then(|a| shape.get(a)).copied().unwrap_or(3);
        key.push(item(e, n, style));
    }
    if ellipsis_at == Some(n_consume) {
        key.push(SelectionItem::Ellipsis);
    }
    for _ in 0..[0, 0, 0, 1, 2][e.below(5)] {
        let at = e.below(key.len() + 1);
        key.insert(at, SelectionItem::NewAxis);
    }
    if e.chance(40) && style.mistakes {
        let at = e.below(key.len() + 1);
        key.insert(at, SelectionItem::Ellipsis);
    }
    key
}

/// The shape of a value to write to a selection of shape `out` (`None` when
/// the key is invalid): mostly `out` itself or a shape that broadcasts to it
/// (a scalar, length-1 axes, trailing axes only, extra leading length-1
/// axes), sometimes a random shape of rank 0 to 3 that may not.
pub fn value_shape(e: &mut impl Entropy, out: Option<Vec<usize>>) -> Vec<usize> {
    fn random(e: &mut impl Entropy) -> Vec<usize> {
        (0..e.below(4)).map(|_| e.below(5)).collect()
    }
    let Some(out) = out else {
        return random(e);
    };
    match e.below(20) {
        0..=6 => out,
        7..=9 => vec![],
        10..=12 => out
            .iter()
            .map(|&n| if e.chance(3) { 1 } else { n })
            .collect(),
        13 | 14 => out[e.below(out.len() + 1)..].to_vec(),
        15 | 16 => {
            let mut s = vec![1; 1 + e.below(2)];
            s.extend(out);
            s
        }
        _ => random(e),
    }
}

/// A key of sparse lists (1 to `max_list - 1` positions anywhere on the
/// axis, unsorted, with duplicates), short negative steps and whole axes,
/// one element per axis; with `long_steps` also steps of 50 to 899.
pub fn sparse_key(
    e: &mut impl Entropy,
    shape: &[usize],
    max_list: usize,
    long_steps: bool,
) -> Vec<SelectionItem> {
    let kinds = if long_steps { 5 } else { 4 };
    shape
        .iter()
        .map(|&n| {
            let n = n as i128;
            match e.below(kinds) {
                0 | 1 => SelectionItem::List(
                    (0..1 + e.below(max_list.saturating_sub(1)))
                        .map(|_| e.range(-n, n - 1) as isize)
                        .collect(),
                ),
                2 => SelectionItem::slice(None, None, Some(-(e.range(1, 3) as isize))),
                3 if long_steps => {
                    SelectionItem::slice(None, None, Some(e.range(50, 899) as isize))
                }
                _ => SelectionItem::FULL,
            }
        })
        .collect()
}
