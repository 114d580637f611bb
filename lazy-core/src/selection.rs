//! Selections: what the caller wrote, before it meets a shape.
//!
//! A selection is a list of [`SelectionItem`]s in NumPy's vocabulary: integers,
//! slices, lists (orthogonal indexing), one ellipsis and newaxis. It is resolved
//! against a concrete shape into a [`Region`](crate::Region) by
//! [`resolve`](crate::resolve), which applies NumPy's rules.
//!
//! [`DynSelection`] is the runtime form, for keys built while the program runs.
//! The `sel!` macro builds typed selections whose type carries the rank they
//! need and produce; both implement [`Selection`].
//!
//! ```
//! use lazy_core::{DatasetExt, DynSelection, SelectionItem};
//! use ndarray::{array, Array2};
//!
//! let a: Array2<i32> = array![[0, 1, 2], [3, 4, 5]];
//! // NumPy: a[-1, ::-1]
//! let key = DynSelection::from(vec![SelectionItem::Index(-1), SelectionItem::slice(None, None, Some(-1))]);
//! assert_eq!(a.read_dyn(&key).unwrap(), array![5, 4, 3].into_dyn());
//! ```

use crate::rank::{Dyn, Rank};

/// One element of an index expression, as NumPy understands it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SelectionItem {
    /// An integer index: selects one position and drops the axis. Negative
    /// values count from the end (`-1` is the last).
    Index(isize),
    /// A slice `start:stop:step` with NumPy's meaning: bounds are clamped to the
    /// axis, a negative step walks backwards from `start` (default: the end), and
    /// `None` takes the default for the direction of `step`. A step of zero is an
    /// index error.
    Slice {
        /// First position (`None`: 0, or the last position when stepping backwards).
        start: Option<isize>,
        /// Position to stop before (`None`: past the end in the direction of `step`).
        stop: Option<isize>,
        /// Step, non-zero (`None`: 1).
        step: Option<isize>,
    },
    /// A list of positions along one axis, in any order, duplicates and negative
    /// entries allowed. Lists on several axes index orthogonally (like h5py and
    /// `np.ix_`), not pointwise as NumPy's advanced indexing does.
    List(Vec<isize>),
    /// A boolean mask along one axis, NumPy's `x[mask]` for a 1-d `mask`:
    /// the positions where it is `true`, in order; it must be as long as
    /// the axis (else an index error). Like a list, it keeps the axis.
    Mask(Vec<bool>),
    /// `...`: as many full slices as needed to index every axis. At most one.
    Ellipsis,
    /// `np.newaxis`: inserts an axis of length 1 into the output.
    NewAxis,
}

impl SelectionItem {
    /// The full slice `:`.
    pub const FULL: SelectionItem = SelectionItem::Slice {
        start: None,
        stop: None,
        step: None,
    };

    /// A slice `start:stop:step`.
    ///
    /// ```
    /// use lazy_core::SelectionItem;
    /// // NumPy's `::-1`
    /// let rev = SelectionItem::slice(None, None, Some(-1));
    /// # let _ = rev;
    /// ```
    pub fn slice(start: Option<isize>, stop: Option<isize>, step: Option<isize>) -> Self {
        SelectionItem::Slice { start, stop, step }
    }

    /// Whether this element consumes an axis of the dataset (integers, slices,
    /// lists and masks do; ellipsis and newaxis do not).
    pub fn consumes_axis(&self) -> bool {
        matches!(
            self,
            SelectionItem::Index(_)
                | SelectionItem::Slice { .. }
                | SelectionItem::List(_)
                | SelectionItem::Mask(_)
        )
    }
}

impl From<isize> for SelectionItem {
    fn from(i: isize) -> Self {
        SelectionItem::Index(i)
    }
}

impl From<std::ops::Range<isize>> for SelectionItem {
    fn from(r: std::ops::Range<isize>) -> Self {
        SelectionItem::slice(Some(r.start), Some(r.end), None)
    }
}

impl From<std::ops::RangeFull> for SelectionItem {
    fn from(_: std::ops::RangeFull) -> Self {
        SelectionItem::FULL
    }
}

impl From<Vec<isize>> for SelectionItem {
    fn from(v: Vec<isize>) -> Self {
        SelectionItem::List(v)
    }
}

impl From<Vec<bool>> for SelectionItem {
    fn from(v: Vec<bool>) -> Self {
        SelectionItem::Mask(v)
    }
}

/// A selection built at run time: a list of [`SelectionItem`]s.
///
/// It fits datasets of any rank and reads into `ArrayD`; mistakes (too many
/// indices, two ellipses, a zero step, out-of-range positions) are
/// [`ErrorKind::Index`](crate::ErrorKind::Index) errors when it is applied.
///
/// ```
/// use lazy_core::{DatasetExt, DynSelection, SelectionItem};
/// use ndarray::Array;
///
/// let a = Array::from_iter(0..24).into_shape_with_order((2, 3, 4)).unwrap();
/// let key = DynSelection::from(vec![SelectionItem::Ellipsis, SelectionItem::List(vec![3, 0])]);
/// assert_eq!(a.read_dyn(&key).unwrap().shape(), &[2, 3, 2]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DynSelection {
    elems: Vec<SelectionItem>,
}

impl DynSelection {
    /// The selection of everything (`[...]`).
    pub fn all() -> Self {
        DynSelection { elems: Vec::new() }
    }

    /// The elements of this selection.
    pub fn elems(&self) -> &[SelectionItem] {
        &self.elems
    }
}

impl From<Vec<SelectionItem>> for DynSelection {
    fn from(elems: Vec<SelectionItem>) -> Self {
        DynSelection { elems }
    }
}

impl FromIterator<SelectionItem> for DynSelection {
    fn from_iter<I: IntoIterator<Item = SelectionItem>>(iter: I) -> Self {
        DynSelection {
            elems: iter.into_iter().collect(),
        }
    }
}

/// A selection that can be applied to a dataset of rank `R`, producing rank
/// [`Out`](Selection::Out).
///
/// [`DynSelection`] fits every rank and produces [`Dyn`]; the typed selections
/// of `sel!` fit only ranks with enough axes, so indexing too many axes is a
/// compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a selection for a dataset of rank `{R}`",
    label = "expected a selection",
    note = "build selections with `sel![...]` (checked at compile time) or `DynSelection` (checked at run time)"
)]
pub trait Selection<R: Rank> {
    /// The rank of what this selection produces.
    type Out: Rank;

    /// The elements of the selection, in order.
    fn elems(&self) -> &[SelectionItem];

    /// The elements, taken out of a selection the read owns (`None` for a
    /// borrowed one): a read then resolves lists of millions of positions
    /// in their own allocations instead of copying them.
    #[doc(hidden)]
    fn take_elems(&mut self) -> Option<Vec<SelectionItem>> {
        None
    }
}

impl<R: Rank> Selection<R> for DynSelection {
    type Out = Dyn;
    fn elems(&self) -> &[SelectionItem] {
        &self.elems
    }
    fn take_elems(&mut self) -> Option<Vec<SelectionItem>> {
        Some(std::mem::take(&mut self.elems))
    }
}

impl<R: Rank> Selection<R> for &DynSelection {
    type Out = Dyn;
    fn elems(&self) -> &[SelectionItem] {
        &self.elems
    }
}
