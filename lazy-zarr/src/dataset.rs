//! [`ZarrDataset`]: a Zarr array as a lazy, typed dataset, writable when
//! opened for writing, and its transfers.

use std::fmt;
use std::marker::PhantomData;

use lazy_core::backend::{bytes_mut, read_via, write_via, zeroed, Grouping, Marker, Piece, Plan};
use lazy_core::{
    CheckedRegion, Dataset, DatasetMut, Dyn, Error, Mode, Rank, ReadOnly, ReadWrite, Region, Result,
};
use ndarray::{ArrayViewD, ArrayViewMutD, SliceInfoElem};
use unsafe_cell_slice::UnsafeCellSlice;
use zarrs::array::{Array, ArrayBytesDecodeIntoTarget, ArrayBytesFixedDisjointView, ArraySubset};
use zarrs::storage::ReadableWritableStorageTraits;

use crate::element::ZarrElement;

/// The most pieces (one zarrs call each) a transfer is split into.
const MAX_PIECES: usize = 1024;

/// The storage a [`ZarrDataset`] reads and writes: any zarrs store that can
/// be read and written (a filesystem store when opened by path).
pub type Storage = dyn ReadableWritableStorageTraits;

/// A Zarr array with element type `T`, rank `R` (`Dyn` when the rank is
/// known only at run time) and mode `M`: [`ReadOnly`] when opened with
/// [`open`](Self::open), [`ReadWrite`] with [`open_rw`](Self::open_rw) or
/// [`create`](Self::create). Opening checks the element type and rank
/// against the array's metadata; reads (and writes) take any selection.
/// Only a `ReadWrite` array implements `DatasetMut`: writing to a read-only
/// one does not compile.
///
/// Nothing is read at open: each read turns its [`Region`](lazy_core::Region) into a few
/// contiguous array subsets, which zarrs reads decoding their chunks in
/// parallel, and gathers the region from them in memory (see the
/// [crate docs](crate)).
///
/// ```
/// use lazy_zarr::{ZarrCreate, ZarrDataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelectionItem};
/// use ndarray::array;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// let mut x = ZarrDataset::<f64, U2>::create(dir.path(), "/x", &[2, 3], &ZarrCreate::default())?;
/// x.write_all(array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])?;
///
/// let x = ZarrDataset::<f64, U2>::open(dir.path(), "/x")?; // read-only
/// assert_eq!(x.shape(), &[2, 3]);
/// // NumPy: x[:, ::-1]
/// let rev = DynSelection::from(vec![SelectionItem::FULL, SelectionItem::slice(None, None, Some(-1))]);
/// assert_eq!(x.read_dyn(&rev)?, array![[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]].into_dyn());
///
/// let mut x = ZarrDataset::<f64, U2>::open_rw(dir.path(), "/x")?;
/// // NumPy: x[1, [2, 0]] = 0
/// x.write(DynSelection::from(vec![SelectionItem::Index(1), SelectionItem::List(vec![2, 0])]), 0.0)?;
/// assert_eq!(x.read_all()?, array![[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct ZarrDataset<T, R = Dyn, M = ReadOnly> {
    pub(crate) array: Array<Storage>,
    pub(crate) store: String,
    pub(crate) path: String,
    pub(crate) shape: Vec<usize>,
    /// The chunk (or, in shards, subchunk) length along each axis.
    pub(crate) grain: Vec<usize>,
    pub(crate) _marker: Marker<T, R, M>,
}

impl<T, R, M> ZarrDataset<T, R, M> {
    /// The path of the array in its store (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the store is (its directory, for a filesystem store).
    pub fn store(&self) -> &str {
        &self.store
    }

    /// The chunk shape reads are planned with: the chunk shape, or for a
    /// sharded array the shape of the chunks inside a shard.
    pub fn chunk_shape(&self) -> &[usize] {
        &self.grain
    }

    /// The zarrs array, for what this crate does not wrap (attributes,
    /// codecs, dimension names).
    pub fn inner(&self) -> &Array<Storage> {
        &self.array
    }

    /// Gives the zarrs array back.
    pub fn into_inner(self) -> Array<Storage> {
        self.array
    }

    fn err(&self, action: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::backend(
            format!(
                "cannot {action} Zarr array {:?} in {}: {e}",
                self.path, self.store
            ),
            e,
        )
    }
}

impl<T, R> ZarrDataset<T, R, ReadWrite> {
    /// The same array, read-only.
    pub fn into_read_only(self) -> ZarrDataset<T, R, ReadOnly> {
        ZarrDataset {
            array: self.array,
            store: self.store,
            path: self.path,
            shape: self.shape,
            grain: self.grain,
            _marker: PhantomData,
        }
    }
}

impl<T: ZarrElement, R, M> ZarrDataset<T, R, M> {
    /// The value of elements never written.
    pub fn fill_value(&self) -> T {
        let stored = self.array.fill_value().as_ne_bytes();
        let mut value = [T::default()];
        match bytes_mut(&mut value) {
            Some(dst) if dst.len() == stored.len() => dst.copy_from_slice(stored),
            _ => {
                if let Some(&b) = stored.first() {
                    value[0] = T::from_bool(b != 0);
                }
            }
        }
        value[0]
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> fmt::Debug for ZarrDataset<T, R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZarrDataset")
            .field("store", &self.store)
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("dtype", &format_args!("{}", T::DTYPE))
            .field("chunks", &self.grain)
            .field("writable", &M::WRITABLE)
            .finish()
    }
}

/// A zarrs subset from starts and lengths.
fn subset(start: &[usize], shape: &[usize]) -> Result<ArraySubset> {
    let wide = |v: &[usize]| v.iter().map(|&n| n as u64).collect::<Vec<u64>>();
    ArraySubset::new_with_start_shape(wide(start), wide(shape))
        .map_err(|e| Error::backend(format!("invalid array subset: {e}"), e))
}

/// The block of `piece` in the buffer, as ndarray slice arguments.
fn block(piece: &Piece) -> Vec<SliceInfoElem> {
    piece
        .runs
        .iter()
        .map(|r| SliceInfoElem::Slice {
            start: r.offset as isize,
            end: Some((r.offset + r.count) as isize),
            step: 1,
        })
        .collect()
}

impl<T: ZarrElement, R: Rank, M: Mode> ZarrDataset<T, R, M> {
    /// The plan of a region: contiguous spans split at gaps longer than a
    /// chunk, so no chunk without a selected element is decoded, in at most
    /// [`MAX_PIECES`] pieces.
    fn plan(&self, region: &Region) -> Result<Plan> {
        let mut plan = Plan::new(region, |axis| Grouping::Spans {
            gap: self.grain.get(axis).copied().unwrap_or(1),
        })?;
        plan.limit_pieces(MAX_PIECES);
        Ok(plan)
    }

    /// Fills `buf`, a row-major buffer of the plan's shape, from the store.
    fn fetch(&self, plan: &Plan, buf: &mut [T]) -> Result<()> {
        if let Some(bytes) = bytes_mut(buf) {
            return self.decode(plan, bytes);
        }
        // `bool`: decode the stored bytes, then map them.
        let mut bytes = zeroed::<u8>(vec![buf.len()])?.into_raw_vec_and_offset().0;
        self.decode(plan, &mut bytes)?;
        for (d, &b) in buf.iter_mut().zip(&bytes) {
            *d = T::from_bool(b != 0);
        }
        Ok(())
    }

    /// Decodes each piece into its block of `buf`, the bytes of a row-major
    /// buffer of the plan's shape.
    fn decode(&self, plan: &Plan, buf: &mut [u8]) -> Result<()> {
        let elem = T::DTYPE.size();
        let shape: Vec<u64> = plan.shape().iter().map(|&n| n as u64).collect();
        for piece in plan.pieces() {
            let file = subset(&piece.start(), &piece.shape())?;
            let block = subset(&piece.offset(), &piece.shape())?;
            let cells = UnsafeCellSlice::new(&mut *buf);
            // SAFETY: this view is the only one on `buf` while it lives (the
            // pieces are decoded one after another), so it overlaps no other.
            let mut view = unsafe { ArrayBytesFixedDisjointView::new(cells, elem, &shape, block) }
                .map_err(|e| self.err("read from", e))?;
            self.array
                .retrieve_array_subset_into(&file, ArrayBytesDecodeIntoTarget::Fixed(&mut view))
                .map_err(|e| self.err("read from", e))?;
        }
        Ok(())
    }
}

impl<T: ZarrElement, R: Rank, M: Mode> Dataset for ZarrDataset<T, R, M> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_region(&self, region: CheckedRegion<'_>, out: ArrayViewMutD<'_, T>) -> Result<()> {
        read_via(&region, out, usize::MAX, &|r| self.plan(r), &|plan, buf| {
            self.fetch(plan, buf)
        })
    }

    /// Every read of a Zarr array has a cost per call (metadata, chunk
    /// lookups, a thread pool): views ask for whole regions.
    fn block_hint(&self) -> usize {
        usize::MAX
    }
}

impl<T: ZarrElement, R: Rank> DatasetMut for ZarrDataset<T, R, ReadWrite> {
    /// Writes `src` into `region`: the chunks it touches are read (unless
    /// every element of them is written), changed and stored whole. For a
    /// list that repeats a position the last value wins, as in NumPy.
    fn write_region(&mut self, region: CheckedRegion<'_>, src: ArrayViewD<'_, T>) -> Result<()> {
        let plan = self.plan(&region)?;
        write_via(
            &plan,
            src,
            |plan, buf| self.fetch(plan, buf),
            |plan, data| self.encode(plan, data),
        )
    }
}

impl<T: ZarrElement, R: Rank> ZarrDataset<T, R, ReadWrite> {
    /// Stores `data`, a buffer of the plan's shape in any memory layout.
    fn encode(&self, plan: &Plan, data: ArrayViewD<'_, T>) -> Result<()> {
        for piece in plan.pieces() {
            let file = subset(&piece.start(), &piece.shape())?;
            let part = data.slice(block(&piece).as_slice());
            let part = part.as_standard_layout();
            let values = part
                .as_slice()
                .ok_or_else(|| Error::backend_msg("a standard-layout array is not contiguous"))?;
            self.array
                .store_array_subset(&file, values)
                .map_err(|e| self.err("write to", e))?;
        }
        Ok(())
    }
}

lazy_core::backend::dataset_methods!(ZarrDataset<T, R, M>);
