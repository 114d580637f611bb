//! Typed selections: what `sel!` builds, with the rank arithmetic in the type.
//!
//! A [`TypedSelection<C, Dr, A>`](TypedSelection) is a list of [`SelectionItem`]s whose type records how
//! many axes of a dataset it consumes (`C`: integers, ranges and lists), how
//! many of those it drops (`Dr`: integers) and how many it adds (`A`:
//! newaxis), as typenum numbers. Applied to a dataset of rank `R` it produces
//! rank `R - Dr + A`, and it applies only when `C <= R`, so indexing more axes
//! than a dataset has is a compile error ([`FitsRank`]). On a [`Dyn`] dataset
//! every check moves to run time and the output is `Dyn`.
//!
//! The effect of each element comes from its type through [`IntoSelectionItem`], as
//! ndarray's `SliceNextDim` does: an integer consumes an axis and drops it, a
//! range or a list consumes one and keeps it, [`NewAxis`] adds one. The
//! `sel!` macro of the facade crate writes the [`TypedSelection::push`] chain for you:
//! `sel![-1, NewAxis, ..;-1]` is the selection below.
//!
//! ```
//! use lazy_core::{NewAxis, TypedSelection, Slice};
//! use lazy_core::DatasetExt;
//! use ndarray::{array, Array2};
//!
//! let a = array![[1, 2, 3], [4, 5, 6]];
//! // NumPy: a[-1, np.newaxis, ::-1]
//! let key = TypedSelection::new().push(-1).push(NewAxis).push(Slice::new(None, None, -1));
//! let last_reversed: Array2<i32> = a.read(key).unwrap();
//! assert_eq!(last_reversed, array![[6, 5, 4]]);
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Add, Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive, Sub};

use typenum::{Diff, Sum, Unsigned, U0, U1};

use crate::rank::{Dyn, Rank};
use crate::selection::{DynSelection, Selection, SelectionItem};

/// A selection whose type says how many axes it consumes (`C`), drops (`Dr`)
/// and adds (`A`); made by `sel!` or by chaining [`push`](TypedSelection::push).
///
/// It implements [`Selection<R>`] for every rank `R` with at least `C` axes
/// (and for [`Dyn`]), with output rank `R - Dr + A`.
///
/// ```
/// use lazy_core::TypedSelection;
/// use lazy_core::{DatasetExt, SelectionItem};
/// use ndarray::{array, Array1};
///
/// let a = array![[1, 2], [3, 4], [5, 6]];
/// // NumPy: a[1:, 0]
/// let key = TypedSelection::new().push(1..).push(0);
/// assert_eq!(key.elems(), &[SelectionItem::slice(Some(1), None, None), SelectionItem::Index(0)]);
/// let col: Array1<i32> = a.read(&key).unwrap();
/// assert_eq!(col, array![3, 5]);
/// ```
pub struct TypedSelection<C = U0, Dr = U0, A = U0> {
    elems: Vec<SelectionItem>,
    counts: PhantomData<Counts<C, Dr, A>>,
}

/// The counts as a phantom type; a function type, so that `TypedSelection` is `Send`
/// and `Sync` whatever the counts are.
type Counts<C, Dr, A> = fn() -> (C, Dr, A);

/// What [`TypedSelection::push`] gives for an element of type `T`: each count plus the
/// element's [`IntoSelectionItem`] count.
pub type Pushed<C, Dr, A, T> = TypedSelection<
    Sum<C, <T as IntoSelectionItem>::Consumes>,
    Sum<Dr, <T as IntoSelectionItem>::Drops>,
    Sum<A, <T as IntoSelectionItem>::Adds>,
>;

impl TypedSelection {
    /// The empty selection (`[...]`): everything, consuming no axis.
    pub fn new() -> Self {
        TypedSelection {
            elems: Vec::new(),
            counts: PhantomData,
        }
    }
}

impl Default for TypedSelection {
    fn default() -> Self {
        TypedSelection::new()
    }
}

impl<C, Dr, A> TypedSelection<C, Dr, A> {
    /// Appends one element; the counts of the result add the element's
    /// [`IntoSelectionItem`] counts.
    ///
    /// ```
    /// use lazy_core::{Ellipsis, NewAxis, TypedSelection};
    /// use lazy_core::{DatasetExt, Dyn};
    /// use ndarray::{Array3, ArrayD};
    ///
    /// let a = Array3::<u8>::zeros((2, 3, 4));
    /// // NumPy: a[..., [3, 0], np.newaxis]
    /// let key = TypedSelection::new().push(Ellipsis).push(vec![3, 0]).push(NewAxis);
    /// assert_eq!(a.read(&key).unwrap().shape(), &[2, 3, 2, 1]);
    /// // On a dataset whose rank is known only at run time the output is `Dyn`.
    /// let d: ArrayD<u8> = a.into_dyn();
    /// let _: ArrayD<u8> = d.read(key).unwrap();
    /// # let _ = Dyn;
    /// ```
    pub fn push<T>(mut self, arg: T) -> Pushed<C, Dr, A, T>
    where
        T: IntoSelectionItem,
        C: Add<T::Consumes>,
        Dr: Add<T::Drops>,
        A: Add<T::Adds>,
    {
        self.elems.push(arg.into_elem());
        TypedSelection {
            elems: self.elems,
            counts: PhantomData,
        }
    }

    /// The elements of the selection, in order.
    pub fn elems(&self) -> &[SelectionItem] {
        &self.elems
    }

    /// The same elements as a runtime selection (rank `Dyn` output).
    pub fn into_dyn(self) -> DynSelection {
        DynSelection::from(self.elems)
    }
}

impl<C, Dr, A> Clone for TypedSelection<C, Dr, A> {
    fn clone(&self) -> Self {
        TypedSelection {
            elems: self.elems.clone(),
            counts: PhantomData,
        }
    }
}

impl<C, Dr, A> PartialEq for TypedSelection<C, Dr, A> {
    fn eq(&self, other: &Self) -> bool {
        self.elems == other.elems
    }
}

impl<C, Dr, A> Eq for TypedSelection<C, Dr, A> {}

impl<C: Unsigned, Dr: Unsigned, A: Unsigned> fmt::Debug for TypedSelection<C, Dr, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedSelection")
            .field("consumes", &C::USIZE)
            .field("drops", &Dr::USIZE)
            .field("adds", &A::USIZE)
            .field("elems", &self.elems)
            .finish()
    }
}

impl<C, Dr, A> From<TypedSelection<C, Dr, A>> for DynSelection {
    fn from(sel: TypedSelection<C, Dr, A>) -> Self {
        sel.into_dyn()
    }
}

/// The output rank of a [`TypedSelection<C, Dr, A>`](TypedSelection) applied to rank `R`: the axes
/// the selection does not reach, plus the ones it keeps, plus the new ones.
type OutRank<R, C, Dr, A> = Sum<Sum<Rest<R, C>, Diff<C, Dr>>, A>;

/// The axes of rank `R` a selection consuming `C` axes does not reach.
type Rest<R, C> = <<C as AxisCount>::Axes as FitsRank<<R as AxisCount>::Axes>>::Rest;

macro_rules! selection_impls {
    ($($sel:ty => $take:expr),*) => {$(
        impl<R, C, Dr, A> Selection<R> for $sel
        where
            R: Rank + AxisCount,
            C: AxisCount + Sub<Dr>,
            C::Axes: FitsRank<R::Axes>,
            Rest<R, C>: Add<Diff<C, Dr>>,
            Sum<Rest<R, C>, Diff<C, Dr>>: Add<A>,
            OutRank<R, C, Dr, A>: Rank,
        {
            type Out = OutRank<R, C, Dr, A>;
            fn elems(&self) -> &[SelectionItem] {
                &self.elems
            }
            fn take_elems(&mut self) -> Option<Vec<SelectionItem>> {
                #[allow(clippy::redundant_closure_call)]
                ($take)(self)
            }
        }
    )*};
}

selection_impls!(
    TypedSelection<C, Dr, A> => |s: &mut TypedSelection<C, Dr, A>| Some(std::mem::take(&mut s.elems)),
    &TypedSelection<C, Dr, A> => |_: &mut &TypedSelection<C, Dr, A>| None
);

/// A number of axes, as a type that reads well in compile errors: a
/// selection consuming two axes and a rank-1 dataset meet as `Axes<2>` and
/// `Axes<1>` in [`FitsRank`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Axes<const N: usize>;

/// Maps a typenum number of axes to [`Axes<N>`](Axes), and [`Dyn`] to itself.
///
/// ```
/// use lazy_core::{AxisCount, Axes};
/// let _: <typenum::U3 as AxisCount>::Axes = Axes::<3>;
/// ```
#[diagnostic::on_unimplemented(
    message = "`sel!` can index at most 16 axes",
    label = "this selection has more than 16 integers, ranges and lists",
    note = "ranks go up to 16; for more axes use a `DynSelection`"
)]
pub trait AxisCount {
    /// `Axes<N>` for `N` axes, `Dyn` for [`Dyn`].
    type Axes;
}

impl AxisCount for Dyn {
    type Axes = Dyn;
}

/// "A selection consuming `Self` axes fits a dataset with `R` axes":
/// implemented for `Axes<C>: FitsRank<Axes<R>>` for every `C <= R` up to
/// rank 16, and for every `Axes<C>: FitsRank<Dyn>` (checked at run time).
///
/// There is deliberately no impl at all when the selection is too long, so
/// the compiler reports this trait's message rather than a typenum mismatch.
/// The impls for concrete ranks are `do_not_recommend`: the error then
/// mentions only the `Dyn` impl, which says how to defer the check.
///
/// ```
/// use lazy_core::{Axes, FitsRank};
/// use lazy_core::Dyn;
///
/// fn fits<C: FitsRank<R>, R>() {}
/// fits::<Axes<2>, Axes<3>>();
/// fits::<Axes<3>, Axes<3>>();
/// fits::<Axes<3>, Dyn>();
/// // fits::<Axes<2>, Axes<1>>(); // error: this selection indexes more axes than the dataset has
/// ```
#[diagnostic::on_unimplemented(
    message = "this selection indexes more axes than the dataset has",
    label = "the selection indexes `{Self}`, the dataset has `{R}`",
    note = "each integer, range and list in `sel!` consumes one axis of the dataset; `...` and `NewAxis` consume none",
    note = "a dataset of rank `Dyn` takes any selection and checks it at run time"
)]
pub trait FitsRank<R> {
    /// The number of axes of the dataset the selection does not reach
    /// (a typenum number; `Dyn` for a `Dyn` rank). They are taken whole.
    type Rest;
}

impl<const C: usize> FitsRank<Dyn> for Axes<C> {
    type Rest = Dyn;
}

// One impl per (consumed, rank) pair with consumed <= rank: concrete impls,
// so a selection that is too long has no impl and gets the message above.
macro_rules! fits_rank {
    ([$($smaller:ident = $c:literal)*] $rank:ident = $r:literal $($larger:ident = $l:literal)*) => {
        impl AxisCount for typenum::$rank {
            type Axes = Axes<$r>;
        }
        $(
            #[diagnostic::do_not_recommend]
            impl FitsRank<Axes<$r>> for Axes<$c> {
                type Rest = Diff<typenum::$rank, typenum::$smaller>;
            }
        )*
        #[diagnostic::do_not_recommend]
        impl FitsRank<Axes<$r>> for Axes<$r> {
            type Rest = U0;
        }
        fits_rank!([$($smaller = $c)* $rank = $r] $($larger = $l)*);
    };
    ([$($smaller:ident = $c:literal)*]) => {};
}

fits_rank!([] U0 = 0 U1 = 1 U2 = 2 U3 = 3 U4 = 4 U5 = 5 U6 = 6 U7 = 7 U8 = 8
    U9 = 9 U10 = 10 U11 = 11 U12 = 12 U13 = 13 U14 = 14 U15 = 15 U16 = 16);

/// One element of a typed selection, classified by its type: how many axes
/// of the dataset it consumes, drops and adds.
///
/// | type | NumPy | consumes | drops | adds |
/// |---|---|---|---|---|
/// | integers (`isize`, `i32`, `usize`, …) | `a[i]` | 1 | 1 | 0 |
/// | ranges (`a..b`, `a..`, `..b`, `a..=b`, `..=b`, `..`), [`Slice`] | `a[i:j:k]` | 1 | 0 | 0 |
/// | lists (`Vec<T>`, `&[T]`, `[T; N]`, `&Vec<T>`, `&[T; N]`, integer `T`) | `a[[i, j]]` | 1 | 0 | 0 |
/// | [`NewAxis`] | `a[np.newaxis]` | 0 | 0 | 1 |
/// | [`Ellipsis`] | `a[...]` | 0 | 0 | 0 |
///
/// Ranges here have NumPy's meaning: negative bounds count from the end.
///
/// ```
/// use lazy_core::IntoSelectionItem;
/// use lazy_core::SelectionItem;
///
/// assert_eq!(IntoSelectionItem::into_elem(-1i32), SelectionItem::Index(-1));
/// assert_eq!(IntoSelectionItem::into_elem(2usize..), SelectionItem::slice(Some(2), None, None));
/// assert_eq!(IntoSelectionItem::into_elem(&[3u8, 0][..]), SelectionItem::List(vec![3, 0]));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot select along an axis",
    label = "expected an integer, a range, a list of integers, a boolean mask, `...` or `NewAxis`",
    note = "`sel!` takes integers (`3`, `-1`, `i`), ranges with an optional step (`1..10;2`, `..;-1`), lists (`[4, 0, 2]`, `&[isize]`, `Vec<usize>`), boolean masks (`&[bool]`, `Vec<bool>`, `Array1<bool>`), `...` and `NewAxis`, as NumPy indexing does"
)]
pub trait IntoSelectionItem {
    /// Axes of the dataset this element consumes (0 or 1).
    type Consumes: Unsigned;
    /// Consumed axes that do not appear in the output (1 for an integer).
    type Drops: Unsigned;
    /// Axes inserted into the output (1 for [`NewAxis`]).
    type Adds: Unsigned;

    /// The element in runtime form.
    fn into_elem(self) -> SelectionItem;
}

/// An integer type usable as an index, a range bound, a step or a list entry
/// in `sel!`. Values beyond `isize` saturate, which keeps their meaning:
/// such an index is out of bounds, such a bound is clamped.
///
/// ```
/// use lazy_core::SelectionInt;
/// assert_eq!(SelectionInt::to_isize(7u8), 7);
/// assert_eq!(SelectionInt::to_isize(u128::MAX), isize::MAX);
/// assert_eq!(SelectionInt::to_isize(i128::MIN), isize::MIN);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an integer type, so it cannot index an axis",
    label = "expected an integer (`isize`, `i32`, `usize`, …)",
    note = "indices, range bounds, steps and list entries in `sel!` are integers, as in NumPy; convert floats explicitly, e.g. `x.round() as isize`"
)]
pub trait SelectionInt: Copy {
    /// The value as an `isize`, saturating.
    fn to_isize(self) -> isize;
}

macro_rules! sel_ints {
    ($($t:ty),*) => {$(
        impl SelectionInt for $t {
            #[inline]
            fn to_isize(self) -> isize {
                // Saturate: past isize, an index is out of bounds and a bound clamps.
                isize::try_from(self).unwrap_or(if self > 0 { isize::MAX } else { isize::MIN })
            }
        }

        impl IntoSelectionItem for $t {
            type Consumes = U1;
            type Drops = U1;
            type Adds = U0;
            fn into_elem(self) -> SelectionItem {
                SelectionItem::Index(self.to_isize())
            }
        }
    )*};
}

sel_ints!(isize, i8, i16, i32, i64, i128, usize, u8, u16, u32, u64, u128);

/// A slice `start:stop:step` with NumPy's meaning, as written `a..b;step` in
/// `sel!`: negative bounds count from the end, bounds clamp to the axis, and
/// a negative step walks backwards from `start` (the last position when
/// `start` is `None`) towards `stop`, which is excluded.
///
/// This differs from ndarray's `Slice`, whose negative step reverses the
/// range `start..stop` (ndarray issue #312): here `Slice::new(Some(5), Some(1), -2)`
/// is NumPy's `[5:1:-2]`, positions 5 and 3.
///
/// ```
/// use lazy_core::{TypedSelection, Slice};
/// use lazy_core::DatasetExt;
/// use ndarray::{array, Array1};
///
/// let a = Array1::from_iter(0..8);
/// let key = |s: Slice| TypedSelection::new().push(s);
/// assert_eq!(a.read(key(Slice::new(Some(5), Some(1), -2))).unwrap(), array![5, 3]);     // a[5:1:-2]
/// assert_eq!(a.read(key(Slice::new(None, None, -3))).unwrap(), array![7, 4, 1]);        // a[::-3]
/// assert_eq!(a.read(key(Slice::new(Some(-3), None, 1))).unwrap(), array![5, 6, 7]);     // a[-3:]
/// assert_eq!(a.read(key(Slice::inclusive(Some(2), 0, -1))).unwrap(), array![2, 1, 0]);  // a[2::-1]
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slice {
    /// First position (`None`: the start in the direction of `step`).
    pub start: Option<isize>,
    /// Position to stop before (`None`: past the end in the direction of `step`).
    pub stop: Option<isize>,
    /// Step, non-zero; a zero step is an index error when the selection is applied.
    pub step: isize,
}

impl Slice {
    /// The slice `start:stop:step`.
    pub fn new(start: Option<isize>, stop: Option<isize>, step: isize) -> Self {
        Slice { start, stop, step }
    }

    /// The slice from `start` through `end` inclusive, walking in the
    /// direction of `step` (`a..=b;step` in `sel!`).
    ///
    /// The exclusive stop is the position one step past `end`: `end + 1`, or
    /// `end - 1` for a negative step. When that position would wrap around to
    /// the other end (`..=-1` forwards, `..=0` backwards) the stop is `None`,
    /// so `..=-1` reaches the last element as one expects.
    ///
    /// ```
    /// use lazy_core::Slice;
    /// assert_eq!(Slice::inclusive(Some(1), 3, 1), Slice::new(Some(1), Some(4), 1));
    /// assert_eq!(Slice::inclusive(None, -1, 1), Slice::new(None, None, 1));
    /// assert_eq!(Slice::inclusive(Some(-1), -3, -1), Slice::new(Some(-1), Some(-4), -1));
    /// assert_eq!(Slice::inclusive(Some(3), 0, -1), Slice::new(Some(3), None, -1));
    /// ```
    pub fn inclusive(start: Option<isize>, end: isize, step: isize) -> Self {
        let stop = if step < 0 {
            // end = isize::MIN already lies before every axis; saturating keeps it there.
            (end != 0).then(|| end.saturating_sub(1))
        } else {
            // end = isize::MAX lies past every axis: no stop is the same slice.
            (end != -1).then(|| end.checked_add(1)).flatten()
        };
        Slice { start, stop, step }
    }
}

impl IntoSelectionItem for Slice {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::slice(self.start, self.stop, (self.step != 1).then_some(self.step))
    }
}

impl IntoSelectionItem for RangeFull {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::FULL
    }
}

macro_rules! sel_ranges {
    ($($range:ident => |$r:ident| $slice:expr;)*) => {$(
        impl<T: SelectionInt> IntoSelectionItem for $range<T> {
            type Consumes = U1;
            type Drops = U0;
            type Adds = U0;
            fn into_elem(self) -> SelectionItem {
                let $r = self;
                $slice.into_elem()
            }
        }
    )*};
}

sel_ranges! {
    Range => |r| Slice::new(Some(r.start.to_isize()), Some(r.end.to_isize()), 1);
    RangeFrom => |r| Slice::new(Some(r.start.to_isize()), None, 1);
    RangeTo => |r| Slice::new(None, Some(r.end.to_isize()), 1);
    RangeInclusive => |r| Slice::inclusive(Some(r.start().to_isize()), r.end().to_isize(), 1);
    RangeToInclusive => |r| Slice::inclusive(None, r.end.to_isize(), 1);
}

fn list<T: SelectionInt>(positions: &[T]) -> SelectionItem {
    let mut list = crate::alloc::large_vec(positions.len());
    list.extend(positions.iter().map(|p| p.to_isize()));
    SelectionItem::List(list)
}

impl<T: SelectionInt> IntoSelectionItem for Vec<T> {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        list(&self)
    }
}

impl<T: SelectionInt> IntoSelectionItem for &Vec<T> {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        list(self)
    }
}

impl<T: SelectionInt> IntoSelectionItem for &[T] {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        list(self)
    }
}

impl<T: SelectionInt, const N: usize> IntoSelectionItem for [T; N] {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        list(&self)
    }
}

impl<T: SelectionInt, const N: usize> IntoSelectionItem for &[T; N] {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        list(self)
    }
}

/// Boolean masks select along one axis, as NumPy's `x[mask]`: the
/// positions where the mask is `true`, keeping the axis; a mask whose
/// length is not the axis's is an [`Index`](crate::ErrorKind::Index) error.
///
/// ```
/// use lazy_core::{DatasetExt, TypedSelection};
/// use ndarray::{array, Array1};
/// let a = array![10, 20, 30, 40];
/// let mask = a.mapv(|v| v > 15);
/// let big: Array1<i32> = a.read(TypedSelection::new().push(&mask)).unwrap();
/// assert_eq!(big, array![20, 30, 40]);
/// assert!(a.read(TypedSelection::new().push(vec![true, false])).is_err());
/// ```
macro_rules! masks {
    ($($t:ty => |$m:ident| $e:expr),* $(,)?) => {$(
        impl IntoSelectionItem for $t {
            type Consumes = U1;
            type Drops = U0;
            type Adds = U0;
            fn into_elem(self) -> SelectionItem {
                let $m = self;
                SelectionItem::Mask($e)
            }
        }
    )*};
}

masks!(
    Vec<bool> => |m| m,
    &Vec<bool> => |m| m.clone(),
    &[bool] => |m| m.to_vec(),
    ndarray::Array1<bool> => |m| m.to_vec(),
    &ndarray::Array1<bool> => |m| m.to_vec(),
);

impl<const N: usize> IntoSelectionItem for [bool; N] {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::Mask(self.to_vec())
    }
}

impl<const N: usize> IntoSelectionItem for &[bool; N] {
    type Consumes = U1;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::Mask(self.to_vec())
    }
}

/// NumPy's `np.newaxis`: inserts an axis of length 1 into the output
/// (`NewAxis` in `sel!`).
///
/// ```
/// use lazy_core::{NewAxis, TypedSelection};
/// use lazy_core::DatasetExt;
/// use ndarray::{array, Array2};
/// let col: Array2<i32> = array![1, 2].read(TypedSelection::new().push(..).push(NewAxis)).unwrap();
/// assert_eq!(col, array![[1], [2]]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NewAxis;

impl IntoSelectionItem for NewAxis {
    type Consumes = U0;
    type Drops = U0;
    type Adds = U1;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::NewAxis
    }
}

/// NumPy's `...`: as many full slices as needed to index every axis
/// (`...` in `sel!`, which allows at most one).
///
/// ```
/// use lazy_core::{Ellipsis, TypedSelection};
/// use lazy_core::DatasetExt;
/// use ndarray::{array, Array1};
/// let last_col: Array1<i32> = array![[1, 2], [3, 4]].read(TypedSelection::new().push(Ellipsis).push(-1)).unwrap();
/// assert_eq!(last_col, array![2, 4]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Ellipsis;

impl IntoSelectionItem for Ellipsis {
    type Consumes = U0;
    type Drops = U0;
    type Adds = U0;
    fn into_elem(self) -> SelectionItem {
        SelectionItem::Ellipsis
    }
}
