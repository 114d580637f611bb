//! [`Scaled`]: a dataset multiplied by a factor, with the inverse on write.
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, Scaled};
//! use ndarray::array;
//!
//! let mut raw = array![10i32, 20, 30];
//! let mut volts = Scaled::new(&mut raw, 0.5);
//! assert_eq!(volts.read_all().unwrap(), array![5.0, 10.0, 15.0]);
//! volts.write_all(&array![1.0, 2.0, 3.9]).unwrap(); // writes value / 0.5, truncated
//! assert!(volts.write_all(&array![1.0, 2.0, 1e10]).is_err()); // 2e10 does not fit i32
//! drop(volts);
//! assert_eq!(raw, array![2, 4, 7]); // the refused write changed nothing
//! ```

use ndarray::{ArrayViewD, ArrayViewMutD, FoldWhile, Zip};
use num_traits::{AsPrimitive, Float};

use crate::alloc::zeroed;
use crate::blocks::{for_each_block, for_each_chunk_block, BLOCK_ELEMS};
use crate::dataset::{CheckedRegion, Dataset, DatasetMut, Hints};
use crate::element::{same_type, DType, Element};
use crate::error::{Error, Result};
use crate::ext::{DatasetExt, DatasetMutExt};
use crate::ops::{broadcast_back, chunk_block_rows, distinct, read_converted};
use crate::region::Region;

/// Reads `source * factor` as `F` (an integer source reads as floats, as NumPy
/// promotes); writes `value / factor` (computed in `F`) converted back to the
/// source's element type, truncating toward zero for integers as NumPy's
/// assignment does (`3.9 / 0.5 = 7.8` stores 7, `-7.8` stores -7).
///
/// A write is refused, as a [`Value`](crate::ErrorKind::Value) error naming
/// the value and the type, and nothing is written, when:
/// - the factor is 0 (the inverse scaling is undefined);
/// - a value divided by the factor does not fit an integer source once
///   truncated (`1000.0 / 0.5 = 2000` into `u8`, `-3.0` into `u8`), or is NaN
///   or infinite: NumPy's result would be undefined (it wraps or gives an
///   arbitrary value), and a silently clamped value would be wrong data;
/// - a finite value divided by the factor overflows to infinity (in `F`,
///   or in an `f32` source); infinities and NaN themselves are stored as
///   they are in float sources.
///
/// Through views that write to several sources (a `Stacked` of `Scaled`
/// views) every part is checked before any is written.
///
/// Unlike the reference module, whose `dtype` reported the source's type, the
/// element type is `F`, what a read returns.
///
/// ```
/// use lazy_core::{DatasetExt, DatasetMutExt, ErrorKind, Scaled};
/// use ndarray::array;
///
/// let mut a = array![1.0f32, 2.0];
/// let s = Scaled::new(&a, 2.0f32);
/// assert_eq!(s.read_all().unwrap(), array![2.0f32, 4.0]);
/// let mut zero = Scaled::new(&mut a, 0.0);
/// assert_eq!(zero.write_all(1.0).unwrap_err().kind(), ErrorKind::Value);
///
/// let mut counts = array![1u8, 2, 3];
/// let mut half = Scaled::new(&mut counts, 0.5);
/// half.write_all(&array![10.0, 127.9, 0.2]).unwrap(); // 20, 255.8 and 0.4, truncated
/// let err = half.write_all(&array![1.0, 1000.0, 2.0]).unwrap_err(); // 2000 > 255
/// assert_eq!(err.kind(), ErrorKind::Value);
/// assert_eq!(
///     err.to_string(),
///     "value error: cannot write 1000 through Scaled (factor 0.5) into uint8: \
///      1000 / 0.5 = 2000 is outside uint8's range 0..=255"
/// );
/// assert!(half.write_all(&array![1.0, -3.0, 2.0]).is_err()); // -6 < 0
/// assert!(half.write_all(f64::NAN).is_err());
/// drop(half);
/// assert_eq!(counts, array![20, 255, 0]); // the refused writes changed nothing
/// ```
#[derive(Debug, Clone)]
pub struct Scaled<D, F = f64> {
    source: D,
    factor: F,
}

impl<D, F> Scaled<D, F> {
    /// Scales `source` by `factor`.
    pub fn new(source: D, factor: F) -> Self {
        Scaled { source, factor }
    }

    /// The scale factor.
    pub fn factor(&self) -> &F {
        &self.factor
    }

    /// The scaled dataset.
    pub fn source(&self) -> &D {
        &self.source
    }

    /// Gives the scaled dataset back.
    pub fn into_source(self) -> D {
        self.source
    }
}

impl<D, F> Dataset for Scaled<D, F>
where
    D: Dataset,
    F: Float + Element,
    D::Elem: AsPrimitive<F>,
{
    type Elem = F;
    type Rank = D::Rank;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, F>) -> Result<()> {
        let factor = self.factor;
        let mut out = out;
        // A source of the factor's own type: read straight into the output
        // and scaled there, in parallel blocks: no temporary of the region's
        // size (a fresh one costs its page faults, about a fifth of a large
        // read).
        if let Ok(raw) = same_type::<F, D::Elem>(out.view_mut()) {
            // Storage with chunks: in blocks cut on its chunk boundaries,
            // each scaled while it is still in cache, not in a second pass
            // over the whole output (three 5M h5py datasets of 4,883-element
            // chunks, stacked and scaled, read whole from Python: 113.6-114.5
            // -> 94.2-100.9 ms with the stack's blocks of 1 MiB).
            if let Some(rows) = chunk_block_rows(&self.source, &region, std::mem::size_of::<F>()) {
                return for_each_chunk_block(&region, out, rows, &|region, mut out| {
                    let raw = same_type::<F, D::Elem>(out.view_mut())
                        .map_err(|_| Error::internal("Scaled: a block of another type"))?;
                    self.source.read_into(region, raw)?;
                    out.map_inplace(|x| *x = *x * factor);
                    Ok(())
                });
            }
            self.source.read_into(&region, raw)?;
            return for_each_block(&region, out, BLOCK_ELEMS, &|_, mut out| {
                out.map_inplace(|x| *x = *x * factor);
                Ok(())
            });
        }
        read_converted(&self.source, &region, out, &|o, x| *o = x.as_() * factor)
    }

    fn hints(&self) -> Hints {
        self.source.hints()
    }

    /// The source's chunk grid: this view reads element for element.
    fn chunk_grid(&self) -> Option<Vec<usize>> {
        self.source.chunk_grid()
    }

    fn in_memory(&self, region: &Region) -> bool {
        self.source.in_memory(region)
    }

    /// The source's name: this view has its shape.
    fn name(&self) -> Option<String> {
        self.source.name()
    }
}

impl<D, F> DatasetMut for Scaled<D, F>
where
    D: DatasetMut,
    F: Float + Element + AsPrimitive<D::Elem>,
    D::Elem: AsPrimitive<F>,
{
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, F>) -> Result<()> {
        // `write_from` ran `check_values`: every value fits the source.
        let raw = self.unscaled(src)?;
        self.source.write_from(&region, raw.view())
    }

    /// Every value divided by the factor must fit the source's element type
    /// (see the type's docs); then the source checks the values it would
    /// get (a [`Decoded`](crate::Decoded) view under this one refuses some).
    /// Flushes the source.
    fn flush(&mut self) -> Result<()> {
        self.source.flush()
    }

    fn writes_to_memory(&self, region: &Region) -> bool {
        self.source.writes_to_memory(region)
    }

    fn check_values(&self, region: CheckedRegion<'_>, src: ArrayViewD<'_, F>) -> Result<()> {
        let dtype = D::Elem::DTYPE;
        let values = distinct(&src);
        let check = |&v: &F| {
            let q = v / self.factor;
            let wide = |x: F| x.to_f64().unwrap_or(f64::NAN);
            match misfit(wide(v), wide(q), dtype) {
                None => Ok(()),
                Some(why) => {
                    let (v, f, q) = (show(v), show(self.factor), show(q));
                    Err(Error::value(format!(
                        "cannot write {v} through Scaled (factor {f}) into {dtype}: {}",
                        why.explain(&v, &f, &q, dtype)
                    )))
                }
            }
        };
        // Through `Zip` (memory order, the innermost axis as a plain loop):
        // ndarray's element iterator over dynamic dimensions costs more
        // than the check.
        Zip::from(&values)
            .fold_while(Ok(()), |_, v| match check(v) {
                Ok(()) => FoldWhile::Continue(Ok(())),
                Err(e) => FoldWhile::Done(Err(e)),
            })
            .into_inner()?;
        let raw = self.unscaled(values)?;
        self.source
            .validate_values(&region, broadcast_back(&raw, src.shape())?)
    }

    fn check_write(&self, region: CheckedRegion<'_>) -> Result<()> {
        if self.factor == F::zero() {
            return Err(Error::value(
                "cannot write through a Scaled view with factor 0: the inverse scaling is undefined",
            ));
        }
        self.source.validate_write(&region)
    }
}

impl<D, F> Scaled<D, F>
where
    D: Dataset,
    F: Float + AsPrimitive<D::Elem>,
{
    /// `src / factor` in the source's element type (truncated toward zero
    /// for integers).
    fn unscaled(&self, src: ArrayViewD<'_, F>) -> Result<ndarray::ArrayD<D::Elem>> {
        let factor = self.factor;
        // `src` may be a broadcast scalar: allocate its full size fallibly.
        let mut raw = zeroed::<D::Elem>(src.shape().to_vec())?;
        Zip::from(&mut raw)
            .and(&src)
            .for_each(|r, &v| *r = (v / factor).as_());
        Ok(raw)
    }
}

/// Why a value divided by the factor cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Misfit {
    /// NaN into an integer type.
    NaN,
    /// Beyond an integer type's range once truncated (infinities included),
    /// with the range's ends.
    OutOfRange(i128, i128),
    /// A finite value whose quotient is infinite in a float type, with the
    /// type's largest value.
    Overflow(&'static str),
}

impl Misfit {
    /// The reason in words, for `v / f = q` into `dtype`.
    fn explain(self, v: &str, f: &str, q: &str, dtype: DType) -> String {
        match self {
            Misfit::NaN if v == "NaN" => format!("NaN has no {dtype} value"),
            Misfit::NaN => format!("{v} / {f} is NaN, which has no {dtype} value"),
            Misfit::OutOfRange(lo, hi) => {
                format!("{v} / {f} = {q} is outside {dtype}'s range {lo}..={hi}")
            }
            Misfit::Overflow(max) => {
                format!("{v} / {f} = {q} overflows {dtype} (its largest value is {max})")
            }
        }
    }
}

/// Whether `q`, the value `v` divided by the factor, cannot be stored as
/// `dtype`, and why. Integers are truncated toward zero first, as the write
/// does.
fn misfit(v: f64, q: f64, dtype: DType) -> Option<Misfit> {
    // The range of each integer type: its lowest value and one past its
    // highest, both powers of two (or 0), so exact as f64.
    let bits = |b: i32| 2f64.powi(b);
    let (lo, hi) = match dtype {
        DType::I8 => (-bits(7), bits(7)),
        DType::I16 => (-bits(15), bits(15)),
        DType::I32 => (-bits(31), bits(31)),
        DType::I64 => (-bits(63), bits(63)),
        DType::U8 => (0.0, bits(8)),
        DType::U16 => (0.0, bits(16)),
        DType::U32 => (0.0, bits(32)),
        DType::U64 => (0.0, bits(64)),
        #[allow(clippy::cast_possible_truncation)]
        DType::F32 => {
            let overflows = v.is_finite() && (q as f32).is_infinite();
            return overflows.then_some(Misfit::Overflow("3.4028235e38"));
        }
        DType::F64 => {
            let overflows = v.is_finite() && q.is_infinite();
            return overflows.then_some(Misfit::Overflow("1.7976931348623157e308"));
        }
        DType::Bool => return None,
    };
    if q.is_nan() {
        return Some(Misfit::NaN);
    }
    let t = q.trunc();
    // `lo` and `hi` are exact, so are their integer values.
    #[allow(clippy::cast_possible_truncation)]
    let range = Misfit::OutOfRange(lo as i128, hi as i128 - 1);
    (!(lo <= t && t < hi)).then_some(range)
}

/// `x` for a message: as its own type prints it (`f32` values without
/// `f64`'s extra digits), with an exponent when very large or small.
fn show<F: Float + Element>(x: F) -> String {
    fn fmt<T: std::fmt::Display + std::fmt::LowerExp>(v: T, magnitude: f64) -> String {
        if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) && magnitude.is_finite() {
            format!("{v:e}")
        } else {
            v.to_string()
        }
    }
    let magnitude = x.to_f64().map_or(f64::NAN, f64::abs);
    match (F::DTYPE, x.to_f32(), x.to_f64()) {
        (DType::F32, Some(v), _) => fmt(v, magnitude),
        (_, _, Some(v)) => fmt(v, magnitude),
        _ => format!("{x:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::Stacked;
    use ndarray::array;

    /// Sources of the factor's own type are read into the output and scaled
    /// there; other types through a converted copy. Both against values
    /// computed element by element, whole and through a reversed, strided
    /// selection of a stack (several parallel blocks).
    #[test]
    fn reads_scale_in_place_and_through_a_copy_alike() {
        use crate::region::AxisSelection;
        let n = 100_000;
        let a = ndarray::Array1::from_shape_fn(n, |i| i as f64 - 7.5);
        let b = ndarray::Array1::from_shape_fn(n, |i| (i % 97) as f64);
        let ai = a.mapv(|x| x as i32);
        let same = Scaled::new(Stacked::new(vec![a.view(), b.view()], -1).unwrap(), 0.25);
        let other = Scaled::new(ai.view(), 0.25f64);
        let whole = same.read_all().unwrap();
        assert_eq!(whole.shape(), [n, 2]);
        for i in (0..n).step_by(997) {
            assert_eq!(whole[[i, 0]], (i as f64 - 7.5) * 0.25);
            assert_eq!(whole[[i, 1]], (i % 97) as f64 * 0.25);
        }
        // Rows n-1, n-4, ... (a negative step), column 1.
        let rows = n.div_ceil(3);
        let axes = vec![
            AxisSelection::range(n - 1, -3, rows),
            AxisSelection::Index(1),
        ];
        let region = Region::new(vec![n, 2], axes).unwrap();
        let mut part = ndarray::Array1::<f64>::zeros(rows).into_dyn();
        same.read_into(&region, part.view_mut()).unwrap();
        let expect: Vec<f64> = (0..n)
            .rev()
            .step_by(3)
            .map(|i| (i % 97) as f64 * 0.25)
            .collect();
        assert_eq!(part.iter().copied().collect::<Vec<_>>(), expect);
        let conv = other.read_all().unwrap().slice_move(ndarray::s![10..20]);
        let expect: Vec<f64> = (10..20)
            .map(|i| (i as f64 - 7.5) as i32 as f64 * 0.25)
            .collect();
        assert_eq!(conv.to_vec(), expect);
    }

    /// A scaled stack of chunked storage (chunks of 1,000 rows) read in
    /// blocks cut on chunk boundaries (each scaled in cache): against values computed element
    /// by element, for a range starting and ending inside chunks, and no
    /// block asks a source for rows of two blocks' chunks.
    #[test]
    fn chunked_storage_is_scaled_in_blocks_on_chunk_boundaries() {
        use crate::region::AxisSelection;
        use crate::testing::Logged;
        let n = 300_000;
        let sources: Vec<Logged<f64>> = (0..3)
            .map(|k| {
                let data = ndarray::Array1::from_shape_fn(n, |i| (i * 3 + k) as f64);
                Logged::new(data.into_dyn(), Some(vec![1000]))
            })
            .collect();
        let scaled = Scaled::new(Stacked::new(sources.iter().collect(), -1).unwrap(), 0.5);
        let (lo, hi) = (1_234, 271_828);
        let region = Region::new(
            vec![n, 3],
            vec![AxisSelection::range(lo, 1, hi - lo), AxisSelection::full(3)],
        )
        .unwrap();
        let mut out = ndarray::Array2::<f64>::zeros((hi - lo, 3)).into_dyn();
        scaled.read_into(&region, out.view_mut()).unwrap();
        for (i, row) in out.outer_iter().enumerate() {
            let expect: Vec<f64> = (0..3).map(|k| ((lo + i) * 3 + k) as f64 * 0.5).collect();
            assert_eq!(
                row.iter().copied().collect::<Vec<_>>(),
                expect,
                "row {}",
                lo + i
            );
        }
        // Blocks of 1 MiB of output rows (24 bytes): 43,690 rows, in whole
        // chunks: 43,000; the first block ends at the first multiple.
        for s in &sources {
            let reads = s.row_spans();
            assert_eq!(reads.first().map(|r| r.0), Some(lo));
            assert_eq!(reads.first().map(|r| r.1), Some(43_000 - 1));
            assert_eq!(reads.last().map(|r| r.1), Some(hi - 1));
            assert!(reads.len() > 5, "{} blocks", reads.len());
            for w in reads.windows(2) {
                assert_eq!(w[1].0, w[0].1 + 1, "blocks meet");
                assert_eq!(w[1].0 % 43_000, 0, "a block starts at a chunk boundary");
            }
        }
    }

    /// Hand-computed: value / factor, truncated toward zero, stored when it
    /// fits the type (NumPy: `np.array([v / f]).astype(t)` for in-range values).
    #[test]
    #[allow(clippy::drop_non_drop)] // the drops end the views' borrows
    fn in_range_values_are_stored_truncated_toward_zero() {
        let mut raw = array![0i8, 0, 0, 0, 0];
        let mut s = Scaled::new(&mut raw, 0.5);
        // -64.4 / 0.5 = -128.8 -> -128, 63.9 / 0.5 = 127.8 -> 127, -0.2 / 0.5 = -0.4 -> 0
        s.write_all(&array![-64.4, 63.9, -0.2, 1.25, -1.25])
            .unwrap();
        drop(s);
        assert_eq!(raw, array![-128, 127, 0, 2, -2]);

        let mut u = array![0u64, 0];
        // 2^64 - 2048 is the largest f64 below 2^64: it fits u64.
        let top = 18_446_744_073_709_549_568.0f64;
        Scaled::new(&mut u, 1.0)
            .write_all(&array![top, 0.99])
            .unwrap();
        assert_eq!(u, array![18_446_744_073_709_549_568u64, 0]);
    }

    #[test]
    #[allow(clippy::drop_non_drop)]
    fn values_that_do_not_fit_are_refused_and_nothing_is_written() {
        let mut raw = array![1u8, 2, 3];
        let mut s = Scaled::new(&mut raw, 0.5);
        let cases: [(f64, &str); 6] = [
            (1000.0, "cannot write 1000 through Scaled (factor 0.5) into uint8: 1000 / 0.5 = 2000 is outside uint8's range 0..=255"),
            (128.0, "cannot write 128 through Scaled (factor 0.5) into uint8: 128 / 0.5 = 256 is outside uint8's range 0..=255"),
            (-3.0, "cannot write -3 through Scaled (factor 0.5) into uint8: -3 / 0.5 = -6 is outside uint8's range 0..=255"),
            (-0.5, "cannot write -0.5 through Scaled (factor 0.5) into uint8: -0.5 / 0.5 = -1 is outside uint8's range 0..=255"),
            (f64::NAN, "cannot write NaN through Scaled (factor 0.5) into uint8: NaN has no uint8 value"),
            (f64::INFINITY, "cannot write inf through Scaled (factor 0.5) into uint8: inf / 0.5 = inf is outside uint8's range 0..=255"),
        ];
        for (v, message) in cases {
            let err = s.write_all(&array![2.0, v, 4.0]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Value);
            assert_eq!(err.to_string(), format!("value error: {message}"));
        }
        drop(s);
        assert_eq!(raw, array![1, 2, 3]);

        // The edges of i64: -2^63 fits, 2^63 does not (i64::MAX is not an f64).
        let mut wide = array![0i64];
        let mut w = Scaled::new(&mut wide, -1.0);
        w.write_all(9_223_372_036_854_775_808.0).unwrap();
        let err = w.write_all(-9_223_372_036_854_775_808.0).unwrap_err();
        assert!(
            err.to_string()
                .contains("-9223372036854775808..=9223372036854775807"),
            "{err}"
        );
        drop(w);
        assert_eq!(wide, array![i64::MIN]);

        // 0 / 0 into an integer: NaN.
        let mut ints = array![5i32];
        let err = Scaled::new(&mut ints, f64::NAN).write_all(0.0).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("0 / NaN is NaN, which has no int32 value"),
            "{err}"
        );
        assert_eq!(ints, array![5]);
    }

    #[test]
    #[allow(clippy::drop_non_drop)]
    fn floats_take_nan_and_infinities_but_not_overflow() {
        let mut f = array![0.0f32, 0.0, 0.0];
        let mut s = Scaled::new(&mut f, 0.5f64);
        s.write_all(&array![f64::NAN, f64::NEG_INFINITY, 1.5])
            .unwrap();
        // 1e38 / 0.5 = 2e38 fits f32 (largest 3.4028235e38); 2e38 / 0.5 does not.
        s.write(
            crate::DynSelection::from(vec![crate::SelectionItem::Index(2)]),
            1e38,
        )
        .unwrap();
        let err = s.write_all(&array![1.0, 2e38, 3.0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "value error: cannot write 2e38 through Scaled (factor 0.5) into float32: \
             2e38 / 0.5 = 4e38 overflows float32 (its largest value is 3.4028235e38)"
        );
        drop(s);
        assert!(f[0].is_nan());
        assert_eq!((f[1], f[2]), (f32::NEG_INFINITY, 2e38));

        // 1e10 / 1e-300 = 1e310 overflows f64 as well.
        let mut d = array![0.0f64];
        let err = Scaled::new(&mut d, 1e-300).write_all(1e10).unwrap_err();
        assert!(err.to_string().ends_with("10000000000 / 1e-300 = inf overflows float64 (its largest value is 1.7976931348623157e308)"), "{err}");
        Scaled::new(&mut d, 1e-300)
            .write_all(f64::INFINITY)
            .unwrap();
        assert_eq!(d[0], f64::INFINITY);
    }

    /// A scalar written to a large region is one value to check, not one per
    /// element (the check must not cost what the region does).
    #[test]
    fn broadcast_values_are_checked_once() {
        let src = ndarray::arr0(1000.0).into_dyn();
        let wide = src.broadcast(vec![1 << 40, 1 << 20]).unwrap();
        assert_eq!(crate::ops::distinct(&wide).len(), 1);
        let row = array![1.0, 2.0, 3.0].into_dyn();
        let rows = row.broadcast(vec![1 << 30, 3]).unwrap();
        assert_eq!(crate::ops::distinct(&rows).shape(), &[1, 3]);
    }

    /// NumPy: `np.stack([a, b])[:, 1] = [100, 1000]` through a scale of 0.5 on
    /// `u8` sources: 200 fits `a`, 2000 does not fit `b`, so neither is written.
    #[test]
    fn a_stack_checks_every_part_before_writing_any() {
        let mut a = array![1u8, 2, 3];
        let mut b = array![4u8, 5, 6];
        let mut stack =
            Stacked::new(vec![Scaled::new(&mut a, 0.5), Scaled::new(&mut b, 0.5)], 0).unwrap();
        let column = crate::DynSelection::from(vec![
            crate::SelectionItem::FULL,
            crate::SelectionItem::Index(1),
        ]);
        let err = stack
            .write_dyn(&column, array![100.0, 1000.0].view().into_dyn())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value);
        assert!(err.to_string().contains("1000 / 0.5 = 2000"), "{err}");
        stack
            .write_dyn(&column, array![100.0, 127.0].view().into_dyn())
            .unwrap();
        drop(stack);
        assert_eq!((a, b), (array![1, 200, 3], array![4, 254, 6]));
    }

    /// `Decoded` and `Cast` views over `Scaled` ones pass the values their
    /// source would get on to its check: a stack of them writes nothing when
    /// one part does not fit.
    #[test]
    fn views_over_scaled_pass_the_check_on() {
        let (mut a, mut b) = (array![0u8, 0], array![0u8, 0]);
        let all = crate::DynSelection::all();
        {
            let part = |x| crate::Decoded::<f64, _>::new(Scaled::new(x, 0.5), crate::Cf::default());
            let mut stack =
                Stacked::new(vec![part(&mut a).unwrap(), part(&mut b).unwrap()], 0).unwrap();
            // 127 / 0.5 = 254 fits u8, 128 / 0.5 = 256 does not.
            let err = stack
                .write_dyn(&all, array![[1.0, 2.0], [127.0, 128.0]].view().into_dyn())
                .unwrap_err();
            assert!(err.to_string().contains("128 / 0.5 = 256"), "{err}");
        }
        assert_eq!((&a, &b), (&array![0, 0], &array![0, 0]));
        {
            let part = |x| crate::Cast::<f32, _>::new(Scaled::new(x, 0.5));
            let mut stack = Stacked::new(vec![part(&mut a), part(&mut b)], 0).unwrap();
            let err = stack
                .write_dyn(&all, array![[1.0f32, 2.0], [-1.0, 3.0]].view().into_dyn())
                .unwrap_err();
            assert!(err.to_string().contains("-1 / 0.5 = -2"), "{err}");
            stack
                .write_dyn(&all, array![[1.0f32, 2.0], [0.5, 3.0]].view().into_dyn())
                .unwrap();
        }
        assert_eq!((a, b), (array![2, 4], array![1, 6]));
    }

    /// A `Decoded` view under a `Scaled` one refuses values of its own: the
    /// stack above both asks it before writing anything.
    #[test]
    fn the_source_is_asked_about_the_values_it_would_get() {
        let cf = crate::Cf {
            scale_factor: Some(0.1),
            ..crate::Cf::default()
        };
        let (mut a, mut b) = (array![0u8, 0], array![0u8, 0]);
        let mut stack = crate::Stacked::new(
            vec![
                Scaled::new(
                    crate::Decoded::<f64, _>::new(&mut a, cf.clone()).unwrap(),
                    2.0,
                ),
                Scaled::new(crate::Decoded::<f64, _>::new(&mut b, cf).unwrap(), 2.0),
            ],
            0,
        )
        .unwrap();
        // 10 / 2 = 5 decodes from 50 (fits u8); 60 / 2 = 30 from 300 (does not).
        let err = stack
            .write_dyn(
                &crate::DynSelection::all(),
                array![[10.0, 10.0], [10.0, 60.0]].view().into_dyn(),
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value);
        stack
            .write_dyn(
                &crate::DynSelection::all(),
                array![[10.0, 10.0], [10.0, 50.0]].view().into_dyn(),
            )
            .unwrap();
        drop(stack);
        assert_eq!((a, b), (array![50, 50], array![50, 250]));
    }
}

crate::backend::dataset_methods!(Scaled<D, F>);
