//! The typed read and write API, for every dataset: [`DatasetExt`] and
//! [`DatasetMutExt`].
//!
//! ```
//! use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
//! use ndarray::{array, Array2};
//!
//! let mut a: Array2<f64> = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! assert_eq!(a.dtype().to_string(), "float64");
//! // NumPy: a[:, [2, 0]] = 0
//! let key = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::List(vec![2, 0])]);
//! a.write_dyn(&key, ndarray::arr0(0.0).into_dyn().view()).unwrap();
//! assert_eq!(a.read_dyn(&key).unwrap(), array![[0.0, 0.0], [0.0, 0.0]].into_dyn());
//! assert_eq!(a.read_all().unwrap(), array![[0.0, 2.0, 0.0], [0.0, 5.0, 0.0]]);
//! ```

use ndarray::{Array, ArrayD, ArrayViewD, ArrayViewMutD, Axis};

use crate::alloc::zeroed;
use crate::dataset::{CheckedRegion, Dataset, DatasetMut};
use crate::element::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::{Scaled, Sliced};
use crate::out_of_core::Chunks;
use crate::rank::Rank;
use crate::region::{OutAxis, Region};
use crate::resolve::{resolve, resolve_owned};
use crate::selection::{DynSelection, Selection, SelectionItem};
use crate::value::{with_broadcast, IntoValue};

/// Reading, slicing and describing any [`Dataset`]; implemented for all of them.
///
/// Method names avoid ndarray's (`view`, `len`), so that arrays keep their own
/// methods when this trait is in scope; the views of this crate add inherent
/// `view(sel)` and `len()` methods (see [`dataset_methods!`](crate::backend::dataset_methods)).
pub trait DatasetExt: Dataset {
    /// The number of axes.
    fn ndim(&self) -> usize {
        self.shape().len()
    }

    /// The element type at run time.
    fn dtype(&self) -> DType {
        <Self::Elem as Element>::DTYPE
    }

    /// Whether the dataset holds no elements.
    fn is_empty(&self) -> bool {
        self.shape().contains(&0)
    }

    /// Reads `region` into `out`, which has the region's output shape: the
    /// checked entry point of every read. It checks that the region was
    /// resolved against this dataset's shape and that `out` fits it
    /// ([`Shape`](crate::ErrorKind::Shape) errors otherwise), returns at once
    /// when nothing is selected, and hands the dataset's
    /// [`read_region`](Dataset::read_region) the region in canonical form:
    /// transposed output axes become a permuted view of `out`, a new axis is
    /// read once and repeated.
    ///
    /// ```
    /// use lazy_core::{resolve, DatasetExt, SelectionItem as S};
    /// use ndarray::{array, Array2};
    ///
    /// let a = array![10, 20, 30];
    /// // NumPy: a[::-1, np.newaxis]
    /// let region = resolve(a.shape(), &[S::slice(None, None, Some(-1)), S::NewAxis])?;
    /// let mut out = Array2::<i32>::zeros((3, 1));
    /// a.read_into(&region, out.view_mut().into_dyn())?;
    /// assert_eq!(out, array![[30], [20], [10]]);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    fn read_into(&self, region: &Region, out: ArrayViewMutD<'_, Self::Elem>) -> Result<()> {
        region.check_shape(self.shape())?;
        region.check_out(out.shape())?;
        if out.is_empty() {
            // Nothing to read, however long the lists on other axes.
            return Ok(());
        }
        if region.is_canonical() {
            return read_canonical(self, region, out);
        }
        let canonical = region.canonical();
        let (mut out, new) = to_source_order(region, out)?;
        // Read where every new axis is at position 0, then repeat.
        let mut first = out.view_mut();
        for _ in &new {
            let last = Axis(first.ndim() - 1);
            first = first.index_axis_move(last, 0);
        }
        read_canonical(self, &canonical, first)?;
        let kept = out.ndim() - new.len();
        for k in 0..new.len() {
            // Positions 0 of new axes k.. hold the data; repeat along axis k.
            let mut part = out.view_mut();
            for _ in k + 1..new.len() {
                let last = Axis(part.ndim() - 1);
                part = part.index_axis_move(last, 0);
            }
            let (head, mut rest) = part.split_at(Axis(kept + k), 1);
            rest.assign(&head);
        }
        Ok(())
    }

    /// Reads a selection. The output rank is computed by the compiler for
    /// typed selections (`sel!`), and is `Dyn` for a [`DynSelection`].
    ///
    /// The rank of the result is the dataset's rank, minus one for each
    /// integer in the selection (it drops its axis, as in NumPy), plus one
    /// for each `NewAxis`: `x.read(sel![3, ..])` of a rank-2 `x` is an
    /// `Array1`. Assigning it to an array of another rank does not compile,
    /// and rustc says so in ndarray's terms: `expected an array with a size
    /// of 2, found one with a size of 1` means the read has rank 1 where
    /// rank 2 was written (`Dim<[usize; 1]>` is `Ix1`, the rank of an
    /// `Array1`). Keep the axis with a slice (`sel![3..4, ..]`) or take the
    /// rank the read has.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelectionItem};
    /// use ndarray::array;
    ///
    /// let a = array![[1, 2], [3, 4]];
    /// let col = a.read(DynSelection::from(vec![SelectionItem::FULL, SelectionItem::Index(1)])).unwrap();
    /// assert_eq!(col, array![2, 4].into_dyn());
    /// ```
    ///
    /// ```compile_fail
    /// use lazy_core::{DatasetExt, TypedSelection};
    /// use ndarray::{array, Array2};
    ///
    /// let a = array![[1, 2], [3, 4]];
    /// // NumPy: a[1] — an integer drops the axis: the read has rank 1.
    /// let row: Array2<i32> = a.read(TypedSelection::new().push(1)).unwrap();
    /// ```
    fn read<S: Selection<Self::Rank>>(
        &self,
        sel: S,
    ) -> Result<Array<Self::Elem, <S::Out as Rank>::Dim>> {
        let mut sel = sel;
        let out = match sel.take_elems() {
            Some(items) => read_region_of(self, resolve_owned(self.shape(), items)?)?,
            None => read_elems(self, sel.elems())?,
        };
        into_rank::<_, S::Out>(out)
    }

    /// Reads the whole dataset into an array of its rank.
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::{array, Array1};
    /// let a: Array1<u8> = array![1, 2].read_all().unwrap();
    /// assert_eq!(a, array![1, 2]);
    /// ```
    fn read_all(&self) -> Result<Array<Self::Elem, <Self::Rank as Rank>::Dim>> {
        into_rank::<_, Self::Rank>(read_elems(self, &[])?)
    }

    /// Reads a runtime selection into an `ArrayD`.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelectionItem};
    /// use ndarray::array;
    /// let a = array![10, 20, 30];
    /// let key = DynSelection::from(vec![SelectionItem::List(vec![2, -3, 2])]);
    /// assert_eq!(a.read_dyn(&key).unwrap(), array![30, 10, 30].into_dyn());
    /// ```
    fn read_dyn(&self, sel: &DynSelection) -> Result<ArrayD<Self::Elem>> {
        read_elems(self, sel.elems())
    }

    /// Reads single elements at `points` (each a slice of one coordinate per
    /// axis, negative from the end), in order: NumPy's pointwise
    /// `x[tuple(zip(*points))]`, zarr-python's `vindex`. A point with the
    /// wrong number of coordinates or out of bounds is an
    /// [`Index`](crate::ErrorKind::Index) error naming it, before anything is
    /// read. Points are read in row-major order, each distinct point once,
    /// so the points of one chunk follow each other and a chunked dataset
    /// decodes each chunk once (it is kept in the cache while its points are
    /// read); storage is read on several threads, each taking a run of the
    /// sorted points.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, ErrorKind};
    /// use ndarray::array;
    ///
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// assert_eq!(a.read_points(&[[1, 2], [0, -1], [1, 0]]).unwrap(), array![6, 3, 4]);
    /// let err = a.read_points(&[[0, 0], [2, 0]]).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Index);
    /// assert_eq!(err.to_string(), "index error: point 1 [2, 0] is out of bounds for shape [2, 3]");
    /// ```
    fn read_points<P: AsRef<[isize]>>(&self, points: &[P]) -> Result<ndarray::Array1<Self::Elem>> {
        read_points(self, points)
    }

    /// A lazy view of a selection: nothing is read until the view is. The view
    /// is itself a dataset, writable when `self` is (pass `&mut ds` to keep
    /// the source). The views of this crate also have it as an inherent
    /// `view` method; on ndarray arrays `view()` stays ndarray's, so this one
    /// is named `sliced`.
    ///
    /// ```
    /// use lazy_core::{DatasetExt, DynSelection, SelectionItem};
    /// use ndarray::array;
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// let v = (&a).sliced(DynSelection::from(vec![SelectionItem::FULL, SelectionItem::slice(None, None, Some(-1))])).unwrap();
    /// assert_eq!(v.read_all().unwrap(), array![[3, 2, 1], [6, 5, 4]].into_dyn());
    /// assert_eq!(a.view().len(), 6); // ndarray's own methods are untouched
    /// ```
    fn sliced<S: Selection<Self::Rank>>(self, sel: S) -> Result<Sliced<Self, S::Out>>
    where
        Self: Sized,
    {
        Sliced::new(self, sel.elems())
    }

    /// Iterates the dataset in chunks of `len` positions along `axis`, each
    /// item the region read and its data (see [`Chunks`]).
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::Array2;
    /// let a = Array2::<f32>::ones((5, 3));
    /// let rows: Vec<usize> = a.chunks(0, 2).unwrap().map(|c| c.unwrap().1.shape()[0]).collect();
    /// assert_eq!(rows, vec![2, 2, 1]);
    /// ```
    fn chunks(&self, axis: usize, len: usize) -> Result<Chunks<'_, Self>> {
        Chunks::new(self, axis, len)
    }

    /// A view that reads `self * factor` (see [`Scaled`]).
    ///
    /// ```
    /// use lazy_core::DatasetExt;
    /// use ndarray::array;
    /// let counts = array![1i16, 2, 3];
    /// assert_eq!(counts.scaled(0.5).read_all().unwrap(), array![0.5, 1.0, 1.5]);
    /// ```
    fn scaled<F>(self, factor: F) -> Scaled<Self, F>
    where
        Self: Sized,
    {
        Scaled::new(self, factor)
    }
}

impl<D: Dataset + ?Sized> DatasetExt for D {}

/// Writing to any [`DatasetMut`].
///
/// Implemented for every dataset, each method asking that the dataset be a
/// `DatasetMut`: a write to a read-only dataset then fails to compile on
/// the deepest reason, with its own message (a file opened with `open`:
/// [`Writable`](crate::Writable); a view without an inverse:
/// [`DatasetMut`]), rather than on this trait.
pub trait DatasetMutExt: Dataset {
    /// Checks, without writing, that a write to `region` would be accepted:
    /// the region fits this dataset's shape and the dataset's
    /// [`check_write`](DatasetMut::check_write) accepts it. Views that write
    /// to several sources call it on every target before writing to any.
    fn validate_write(&self, region: &Region) -> Result<()>
    where
        Self: DatasetMut,
    {
        region.check_shape(self.shape())?;
        if region.is_canonical() {
            self.check_write(CheckedRegion::new(region))
        } else {
            self.check_write(CheckedRegion::new(&region.canonical()))
        }
    }

    /// Writes `src`, which has the region's output shape, into `region`: the
    /// checked entry point of every write. It checks shapes as
    /// [`read_into`](DatasetExt::read_into) does, then
    /// [`validate_write`](DatasetMutExt::validate_write), so a write that is
    /// refused changes nothing, and hands the dataset's
    /// [`write_region`](DatasetMut::write_region) the region in canonical
    /// form. Along a repeated new axis the last value is written, as NumPy's
    /// assignment leaves it.
    ///
    /// ```
    /// use lazy_core::{resolve, DatasetMutExt, SelectionItem as S};
    /// use ndarray::array;
    ///
    /// let mut a = array![[1, 2], [3, 4]];
    /// // NumPy: a[:, 0] = [7, 8]
    /// let region = resolve(a.shape(), &[S::FULL, S::Index(0)])?;
    /// a.write_from(&region, array![7, 8].view().into_dyn())?;
    /// assert_eq!(a, array![[7, 2], [8, 4]]);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, Self::Elem>) -> Result<()>
    where
        Self: DatasetMut,
    {
        region.check_out(src.shape())?;
        self.validate_write(region)?;
        if src.is_empty() {
            return Ok(());
        }
        in_canonical_form(region, src, |region, src| {
            self.check_values(region, src.view())?;
            self.write_region(region, src)
        })
    }

    /// Checks, without writing, that the values `src` (the region's output
    /// shape) can be stored in `region` ([`check_values`](DatasetMut::check_values)).
    /// Views that write to several sources call it on every part before
    /// writing to any, so a value one source refuses leaves all unchanged.
    fn validate_values(&self, region: &Region, src: ArrayViewD<'_, Self::Elem>) -> Result<()>
    where
        Self: DatasetMut,
    {
        region.check_out(src.shape())?;
        if src.is_empty() {
            return Ok(());
        }
        in_canonical_form(region, src, |region, src| self.check_values(region, src))
    }

    /// Writes `value` (an array, view or scalar, broadcast as NumPy does) to a
    /// selection. Nothing is written if the selection, the value's shape or the
    /// target is rejected.
    ///
    /// ```
    /// use lazy_core::{DatasetMutExt, DynSelection, SelectionItem};
    /// use ndarray::array;
    /// let mut a = array![0, 0, 0, 0];
    /// a.write(DynSelection::from(vec![SelectionItem::slice(None, None, Some(2))]), &array![7, 8]).unwrap();
    /// assert_eq!(a, array![7, 0, 8, 0]);
    /// ```
    fn write<'v, S, V>(&mut self, sel: S, value: V) -> Result<()>
    where
        Self: DatasetMut,
        S: Selection<Self::Rank>,
        V: IntoValue<'v, Self::Elem>,
    {
        write_elems(self, sel.elems(), value.into_value().view())
    }

    /// Writes `value` to the whole dataset.
    ///
    /// ```
    /// use lazy_core::DatasetMutExt;
    /// use ndarray::array;
    /// let mut a = array![[1, 2], [3, 4]];
    /// a.write_all(&array![9, 8]).unwrap();
    /// assert_eq!(a, array![[9, 8], [9, 8]]);
    /// ```
    fn write_all<'v, V: IntoValue<'v, Self::Elem>>(&mut self, value: V) -> Result<()>
    where
        Self: DatasetMut,
    {
        write_elems(self, &[], value.into_value().view())
    }

    /// Writes `value` to a runtime selection.
    ///
    /// ```
    /// use lazy_core::{DatasetMutExt, DynSelection, SelectionItem};
    /// use ndarray::array;
    /// let mut a = array![1.0, 2.0, 3.0];
    /// a.write_dyn(&DynSelection::from(vec![SelectionItem::Index(-1)]), array![0.0].into_dyn().view()).unwrap();
    /// assert_eq!(a, array![1.0, 2.0, 0.0]);
    /// ```
    fn write_dyn(&mut self, sel: &DynSelection, value: ArrayViewD<'_, Self::Elem>) -> Result<()>
    where
        Self: DatasetMut,
    {
        write_elems(self, sel.elems(), value)
    }

    /// This dataset with its writes held in memory, block by block of its
    /// chunk grid, up to `bytes`, and stored once per chunk on
    /// [`flush`](DatasetMut::flush) or when dropped (see [`Buffered`](crate::Buffered)).
    /// Many small writes into the same chunks (windows written in order)
    /// then cost one write of each chunk.
    ///
    /// ```
    /// use lazy_core::{DatasetMut, DatasetMutExt, Scaled, Stacked, TypedSelection as Sel};
    /// use ndarray::{Array1, Array2};
    ///
    /// let (mut a, mut b) = (Array1::<f64>::zeros(3000), Array1::<f64>::zeros(3000));
    /// {
    ///     let stack = Stacked::new(vec![(&mut a).buffered(64 << 20), (&mut b).buffered(64 << 20)], -1)?;
    ///     let mut x = Scaled::new(stack, 0.5);
    ///     for w in 0..3 {
    ///         x.write(Sel::new().push(w * 1000..(w + 1) * 1000).push(..), Array2::from_elem((1000, 2), 1.0))?;
    ///     }
    ///     x.flush()?; // each handle stores its chunks once
    /// }
    /// assert!(a.iter().chain(b.iter()).all(|&v| v == 2.0));
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    fn buffered(self, bytes: usize) -> crate::Buffered<Self>
    where
        Self: DatasetMut + Sized,
    {
        crate::Buffered::new(self, bytes)
    }
}

impl<D: Dataset + ?Sized> DatasetMutExt for D {}

/// [`DatasetExt::read_points`].
fn read_points<D, P>(ds: &D, points: &[P]) -> Result<ndarray::Array1<D::Elem>>
where
    D: Dataset + ?Sized,
    P: AsRef<[isize]>,
{
    let shape = ds.shape();
    let mut coords: Vec<(Vec<usize>, usize)> = Vec::with_capacity(points.len());
    for (k, point) in points.iter().enumerate() {
        let p = point.as_ref();
        if p.len() != shape.len() {
            return Err(Error::index(format!(
                "point {k} {p:?} has {} coordinates for a dataset of {} axes",
                p.len(),
                shape.len()
            )));
        }
        let at = p
            .iter()
            .zip(shape)
            .map(|(&i, &n)| {
                let j = if i < 0 {
                    i.checked_add_unsigned(n)
                } else {
                    Some(i)
                };
                j.and_then(|j| usize::try_from(j).ok()).filter(|&j| j < n)
            })
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| {
                Error::index(format!(
                    "point {k} {p:?} is out of bounds for shape {shape:?}"
                ))
            })?;
        coords.push((at, k));
    }
    coords.sort_unstable();
    // Each distinct point once, in row-major order.
    let mut distinct: Vec<&[usize]> = Vec::new();
    let mut slot = vec![0usize; points.len()];
    for (at, k) in &coords {
        if distinct.last() != Some(&at.as_slice()) {
            distinct.push(at);
        }
        if let Some(s) = slot.get_mut(*k) {
            *s = distinct.len() - 1;
        }
    }
    let mut values = zeroed::<D::Elem>(vec![distinct.len()])?;
    let read_run = |(at, out): (&[&[usize]], ArrayViewMutD<'_, D::Elem>)| -> Result<()> {
        for (p, v) in at.iter().zip(out) {
            let region = Region::new(
                shape.to_vec(),
                p.iter()
                    .map(|&i| crate::region::AxisSelection::Index(i))
                    .collect(),
            )?;
            let cell =
                ndarray::ArrayViewMut::from_shape(ndarray::IxDyn(&[]), std::slice::from_mut(v))
                    .map_err(|e| Error::internal(format!("a 0-d view: {e}")))?;
            ds.read_into(&region, cell)?;
        }
        Ok(())
    };
    if ds.hints().block > crate::blocks::BLOCK_ELEMS && distinct.len() > 1 {
        // Storage: a run of the sorted points per thread.
        let runs = crate::blocks::threads().max(1);
        let per = distinct.len().div_ceil(runs);
        let jobs: Vec<_> = distinct
            .chunks(per)
            .zip(values.axis_chunks_iter_mut(Axis(0), per))
            .collect();
        crate::blocks::for_each_parallel(jobs, &read_run)?;
    } else {
        read_run((&distinct, values.view_mut()))?;
    }
    let values = values.into_raw_vec_and_offset().0;
    Ok(slot
        .iter()
        .map(|&s| values.get(s).copied().unwrap_or_default())
        .collect())
}

/// Reads a canonical, checked `region` of `ds` into `out`. Lists that select
/// most of the span they cover, from storage that does not hold the span in
/// memory, are read as that span (the box [`Region::dense_cover`] gives,
/// whole chunks straight into one buffer of at most twice the output) and
/// gathered from it in memory: a 97% mask of a compressed dataset then costs
/// about a read of the span and a copy, not a run per kept stretch cut at
/// every chunk boundary. Everything else goes to the dataset's
/// [`read_region`](Dataset::read_region) as it is.
fn read_canonical<D: Dataset + ?Sized>(
    ds: &D,
    region: &Region,
    out: ArrayViewMutD<'_, D::Elem>,
) -> Result<()> {
    // In-memory data (hints `block: 0`) gathers lists itself.
    if ds.hints().block == 0 {
        return ds.read_region(CheckedRegion::new(region), out);
    }
    if let Some(cover) = region.dense_cover() {
        if !ds.in_memory(&cover) {
            return read_dense(ds, region, &cover, out);
        }
    }
    ds.read_region(CheckedRegion::new(region), out)
}

/// The most bytes of the span one piece of a dense list read holds
/// ([`read_dense`]).
const COVER_PIECE_BYTES: usize = 8 << 20;

/// Reads `region`, whose lists are dense in `cover` (its
/// [`Region::dense_cover`]), by reading the cover and gathering the lists
/// from it. A large cover with a sorted list is cut along that list's axis
/// into pieces of about [`COVER_PIECE_BYTES`], on the dataset's chunk grid
/// where it has one (no chunk is decoded for two pieces), read in parallel,
/// each into the thread's reused scratch and gathered straight into its
/// rows of `out`: no buffer of the whole span, and no fresh pages but the
/// output's.
fn read_dense<D: Dataset + ?Sized>(
    ds: &D,
    region: &Region,
    cover: &Region,
    out: ArrayViewMutD<'_, D::Elem>,
) -> Result<()> {
    let Some((axis, out_axis, pieces)) = cover_pieces::<D::Elem>(ds, region, cover) else {
        let mut span = zeroed::<D::Elem>(cover.out_shape())?;
        ds.read_region(CheckedRegion::new(cover), span.view_mut())?;
        crate::memory::gather_from_cover(span.view(), region, cover, None, out);
        return Ok(());
    };
    let lens: Vec<usize> = pieces.iter().map(|(ks, _)| ks.len()).collect();
    let outs = crate::blocks::split_lengths(out, out_axis, &lens);
    let jobs: Vec<_> = pieces.into_iter().zip(outs).collect();
    crate::blocks::for_each_parallel(jobs, &|((ks, piece), out): ((_, Region), _)| {
        let shape = piece.out_shape();
        crate::alloc::with_scratch(piece.out_size()?, |buf| {
            let mut span = ndarray::ArrayViewMutD::from_shape(ndarray::IxDyn(&shape), buf)
                .map_err(|e| Error::internal(format!("a piece of a dense read: {e}")))?;
            ds.read_region(CheckedRegion::new(&piece), span.view_mut())?;
            let piece_of = Some((axis, ks));
            crate::memory::gather_from_cover(span.view(), region, &piece, piece_of, out);
            Ok(())
        })
    })
}

/// The pieces [`read_dense`] cuts `cover` into: the source axis of the
/// region's first list, that axis' place in the output, and per piece the
/// positions of the list it holds with its box. `None` (read the cover
/// whole) when the cover is one piece's worth or the list is not sorted.
#[allow(clippy::type_complexity)]
fn cover_pieces<T>(
    ds: &(impl Dataset + ?Sized),
    region: &Region,
    cover: &Region,
) -> Option<(usize, usize, Vec<(std::ops::Range<usize>, Region)>)> {
    let (axis, list) = region
        .axes()
        .iter()
        .enumerate()
        .find_map(|(a, sel)| match sel {
            crate::region::AxisSelection::List(l) => Some((a, l)),
            _ => None,
        })?;
    let out_axis = region.out_axis(axis)?;
    let (first, last) = (*list.first()?, *list.last()?);
    let span = last.checked_sub(first)?.checked_add(1)?;
    let bytes = cover
        .out_size()
        .ok()?
        .checked_mul(std::mem::size_of::<T>())?;
    if bytes <= COVER_PIECE_BYTES || !list.is_sorted() {
        return None;
    }
    let row_bytes = (bytes / span).max(1);
    let target = (COVER_PIECE_BYTES / row_bytes).max(1);
    let chunk = ds.chunk_grid().and_then(|g| g.get(axis).copied());
    let rows = crate::plan::grid_multiple(target, chunk.unwrap_or(1));
    let mut pieces = Vec::new();
    let mut k = 0;
    while k < list.len() {
        let lo = *list.get(k)?;
        let end = (lo / rows).checked_add(1)?.checked_mul(rows)?;
        let k_end = k + list.get(k..)?.partition_point(|&p| p < end);
        let hi = *list.get(k_end.checked_sub(1)?)?;
        let mut axes = cover.axes().to_vec();
        *axes.get_mut(axis)? = crate::region::AxisSelection::range(lo, 1, hi - lo + 1);
        let piece = Region::new(cover.shape().to_vec(), axes).ok()?;
        pieces.push((k..k_end, piece));
        k = k_end;
    }
    (pieces.len() > 1).then_some((axis, out_axis, pieces))
}

fn read_elems<D: Dataset + ?Sized>(ds: &D, key: &[SelectionItem]) -> Result<ArrayD<D::Elem>> {
    read_region_of(ds, resolve(ds.shape(), key)?)
}

fn read_region_of<D: Dataset + ?Sized>(ds: &D, region: Region) -> Result<ArrayD<D::Elem>> {
    let mut out = zeroed(region.out_shape())?;
    ds.read_into(&region, out.view_mut())?;
    Ok(out)
}

fn write_elems<D: DatasetMut + ?Sized>(
    ds: &mut D,
    key: &[SelectionItem],
    value: ArrayViewD<'_, D::Elem>,
) -> Result<()> {
    let region = resolve(ds.shape(), key)?;
    ds.validate_write(&region)?;
    with_broadcast(value, &region.out_shape(), |v| ds.write_from(&region, v))
}

fn into_rank<T, R: Rank>(a: ArrayD<T>) -> Result<Array<T, R::Dim>> {
    let ndim = a.ndim();
    a.into_dimensionality().map_err(|_| {
        Error::shape(format!(
            "the selection produced {ndim} axes where the type says {:?}",
            R::NDIM
        ))
    })
}

/// `a` (laid out as `region`'s output) with its axes in source order: the
/// kept source axes first, in order, then the new axes, whose lengths are
/// returned.
/// Calls `f` with `region` in canonical form and `src` (its output) with
/// its axes in that form's order: new axes dropped, transposed axes back.
fn in_canonical_form<'a, T, R>(
    region: &Region,
    src: ArrayViewD<'a, T>,
    f: impl FnOnce(CheckedRegion<'_>, ArrayViewD<'a, T>) -> Result<R>,
) -> Result<R> {
    if region.is_canonical() {
        return f(CheckedRegion::new(region), src);
    }
    let canonical = region.canonical();
    let (mut src, new) = to_source_order(region, src)?;
    for &n in new.iter().rev() {
        let last = Axis(src.ndim() - 1);
        src = src.index_axis_move(last, n.saturating_sub(1));
    }
    f(CheckedRegion::new(&canonical), src)
}

fn to_source_order<S: ndarray::RawData>(
    region: &Region,
    a: ndarray::ArrayBase<S, ndarray::IxDyn>,
) -> Result<(ndarray::ArrayBase<S, ndarray::IxDyn>, Vec<usize>)> {
    let outs = region.out_axes();
    let mut sources: Vec<(usize, usize)> = Vec::with_capacity(outs.len());
    let mut new = Vec::new();
    let mut new_lens = Vec::new();
    for (pos, o) in outs.iter().enumerate() {
        match *o {
            OutAxis::Source(k) => sources.push((k, pos)),
            OutAxis::New(n) => {
                new.push(pos);
                new_lens.push(n);
            }
        }
    }
    sources.sort_unstable();
    let order: Vec<usize> = sources.iter().map(|&(_, pos)| pos).chain(new).collect();
    if order.len() != a.ndim() {
        return Err(Error::shape(format!(
            "an array of {} axes cannot hold a region of {} output axes",
            a.ndim(),
            order.len()
        )));
    }
    Ok((a.permuted_axes(order), new_lens))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::AxisSelection;
    use crate::testing::Logged;
    use crate::typed_selection::TypedSelection;
    use ndarray::Array2;

    fn logged(rows: usize, cols: usize) -> Logged<i64> {
        let data = Array2::from_shape_fn((rows, cols), |(r, c)| (r * 1000 + c) as i64);
        Logged::new(data.into_dyn(), None)
    }

    /// The naive answer: element by element, positions listed by hand.
    fn naive(data: &ArrayD<i64>, rows: &[usize], cols: &[usize]) -> Vec<i64> {
        rows.iter()
            .flat_map(|&r| cols.iter().map(move |&c| data[[r, c]]))
            .collect()
    }

    #[test]
    fn a_dense_mask_of_storage_is_read_as_its_span_and_gathered() {
        let ds = logged(1000, 3);
        // 97% of rows 100..900 (every 33rd left out), all columns.
        let mask: Vec<bool> = (0..1000)
            .map(|r| (100..900).contains(&r) && r % 33 != 0)
            .collect();
        let rows: Vec<usize> = (0..1000).filter(|&r| mask[r]).collect();
        let got = ds
            .read_dyn(&DynSelection::from(vec![SelectionItem::Mask(mask)]))
            .unwrap();
        assert_eq!(got.shape(), &[rows.len(), 3]);
        assert_eq!(
            got.as_slice().unwrap(),
            naive(&ds.data, &rows, &[0, 1, 2]).as_slice()
        );
        // One read, of the rows' span, not of a list of 776 rows.
        let reads = ds.reads.lock().unwrap().clone();
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].axes()[0], AxisSelection::range(100, 1, 800));
    }

    #[test]
    fn a_dense_mask_of_a_large_span_is_read_in_pieces_on_the_chunk_grid() {
        // 1M x 3 i64 (24 MB) in chunks of 100,000 rows: pieces of about
        // 8 MiB are 300,000 rows, cut where chunks end.
        let mut ds = logged(1_000_000, 3);
        ds.chunk = Some(vec![100_000, 3]);
        let mask: Vec<bool> = (0..1_000_000)
            .map(|r| (50..990_000).contains(&r) && r % 33 != 0)
            .collect();
        let rows: Vec<usize> = (0..1_000_000).filter(|&r| mask[r]).collect();
        let key = DynSelection::from(vec![
            SelectionItem::Mask(mask),
            SelectionItem::List(vec![2, 0, 1]),
        ]);
        let got = ds.read_dyn(&key).unwrap();
        assert_eq!(got.shape(), &[rows.len(), 3]);
        assert_eq!(
            got.as_slice().unwrap(),
            naive(&ds.data, &rows, &[2, 0, 1]).as_slice()
        );
        let spans = ds.row_spans();
        // Four pieces, each inside one 300,000-row stretch of whole chunks,
        // together the rows' span.
        assert_eq!(
            spans,
            vec![
                (50, 299_999),
                (300_000, 599_999),
                (600_000, 899_999),
                (900_000, 989_999)
            ]
        );
        // An unsorted dense list is read as its span whole.
        let ds = logged(1_000_000, 3);
        let mut list: Vec<isize> = (0..900_000).collect();
        list.swap(0, 899_999);
        let got = ds
            .read_dyn(&DynSelection::from(vec![SelectionItem::List(list)]))
            .unwrap();
        assert_eq!(got[[0, 1]], 899_999_001);
        assert_eq!(got[[899_999, 2]], 2);
        assert_eq!(ds.reads.lock().unwrap().len(), 1);
    }

    #[test]
    fn stacks_and_element_wise_views_give_the_grid_their_sources_share() {
        let chunked = |rows, chunk: [usize; 2]| {
            let mut ds = logged(rows, 3);
            ds.chunk = Some(chunk.to_vec());
            ds
        };
        let (a, b) = (chunked(10, [4, 3]), chunked(10, [6, 3]));
        // lcm(4, 6) = 12, capped at the axis' 10; one position along the new axis.
        let stack = crate::Stacked::new(vec![&a, &b], -1).unwrap();
        assert_eq!(stack.chunk_grid(), Some(vec![10, 3, 1]));
        let stack = crate::Stacked::new(vec![&a, &a], 0).unwrap();
        assert_eq!(stack.chunk_grid(), Some(vec![1, 4, 3]));
        assert_eq!(Scaled::new(&a, 2.0).chunk_grid(), Some(vec![4, 3]));
        assert_eq!(
            crate::Sum::new(vec![&a, &b]).unwrap().chunk_grid(),
            Some(vec![10, 3])
        );
        // A source without chunks: no grid.
        let plain = logged(10, 3);
        assert_eq!(
            crate::Stacked::new(vec![&a, &plain], 0)
                .unwrap()
                .chunk_grid(),
            None
        );
    }

    #[test]
    fn sparse_lists_are_read_as_lists_and_dense_ones_of_every_kind_give_the_naive_values() {
        // Sparse: 3 rows of 1000 spanning 900 stay a list.
        let ds = logged(1000, 4);
        let sparse = DynSelection::from(vec![SelectionItem::List(vec![5, 500, 904])]);
        ds.read_dyn(&sparse).unwrap();
        assert!(matches!(
            ds.reads.lock().unwrap()[0].axes()[0],
            AxisSelection::List(_)
        ));
        // Dense lists on both axes, unsorted, repeated, negative, with an
        // integer on neither: through the borrowed and the owned read.
        let rows: Vec<isize> = vec![7, 3, 3, -993, 9, 8, 4, 5, 6];
        let cols: Vec<isize> = vec![3, -1, 1, 2];
        let rows_u: Vec<usize> = rows.iter().map(|&r| r.rem_euclid(1000) as usize).collect();
        let cols_u: Vec<usize> = cols.iter().map(|&c| c.rem_euclid(4) as usize).collect();
        let expected = naive(&ds.data, &rows_u, &cols_u);
        let key = DynSelection::from(vec![
            SelectionItem::List(rows.clone()),
            SelectionItem::List(cols.clone()),
        ]);
        let borrowed = ds.read_dyn(&key).unwrap();
        assert_eq!(borrowed.as_slice().unwrap(), expected.as_slice());
        let owned = ds.read(key).unwrap();
        assert_eq!(owned.as_slice().unwrap(), expected.as_slice());
        let last = ds.reads.lock().unwrap().last().cloned().unwrap();
        assert_eq!(
            last.axes(),
            &[AxisSelection::range(3, 1, 7), AxisSelection::range(1, 1, 3)]
        );
        // An integer row and a dense list of columns, typed.
        let one: ArrayD<i64> = ds
            .read(
                TypedSelection::new()
                    .push(-1)
                    .push(vec![3usize, 1, 2])
                    .into_dyn(),
            )
            .unwrap();
        assert_eq!(
            one.as_slice().unwrap(),
            naive(&ds.data, &[999], &[3, 1, 2]).as_slice()
        );
        // An out-of-bounds entry is an index error on either path.
        let bad = DynSelection::from(vec![SelectionItem::List(vec![1, 1000])]);
        assert_eq!(
            ds.read_dyn(&bad).unwrap_err().kind(),
            crate::ErrorKind::Index
        );
        assert_eq!(ds.read(bad).unwrap_err().kind(), crate::ErrorKind::Index);
    }

    #[test]
    fn a_long_stack_of_storage_is_read_in_blocks_on_the_chunk_grid() {
        // Three 1-D sources of 1M rows in chunks of 65,536: a stack along the
        // last axis is read in blocks of whole chunks (one each: 1.5 MiB of
        // temporaries) and interleaved.
        let n = 1_000_000;
        let sources: Vec<Logged<i64>> = (0..3)
            .map(|k| {
                let data = ndarray::Array1::from_shape_fn(n, |i| (i * 10 + k) as i64);
                Logged::new(data.into_dyn(), Some(vec![1 << 16]))
            })
            .collect();
        let stack = crate::Stacked::new(sources.iter().collect(), -1).unwrap();
        let got = stack
            .read_dyn(&DynSelection::from(vec![SelectionItem::slice(
                Some(1000),
                None,
                None,
            )]))
            .unwrap();
        assert_eq!(got.shape(), &[n - 1000, 3]);
        for (r, row) in got.outer_iter().enumerate() {
            let i = r + 1000;
            let want = [(i * 10) as i64, (i * 10 + 1) as i64, (i * 10 + 2) as i64];
            assert_eq!(row.as_slice().unwrap(), &want, "row {i}");
        }
        for s in &sources {
            let starts = s.row_spans();
            assert!(starts.len() > 2, "{} reads", starts.len());
            // Blocks cover 1000.. once, cut on the chunk grid.
            assert_eq!(starts[0].0, 1000);
            assert_eq!(starts.last().unwrap().1, n - 1);
            for w in starts.windows(2) {
                assert_eq!(w[1].0, w[0].1 + 1);
                assert_eq!(w[1].0 % (1 << 16), 0);
            }
        }
        // The same under a dense mask (every 7th row left out).
        let mask: Vec<bool> = (0..n).map(|i| i % 7 != 0).collect();
        let got = stack
            .read_dyn(&DynSelection::from(vec![SelectionItem::Mask(mask)]))
            .unwrap();
        let kept: Vec<usize> = (0..n).filter(|i| i % 7 != 0).collect();
        assert_eq!(got.shape(), &[kept.len(), 3]);
        for (row, &i) in got.outer_iter().zip(&kept) {
            assert_eq!(row[0], (i * 10) as i64);
            assert_eq!(row[2], (i * 10 + 2) as i64);
        }
    }
}
