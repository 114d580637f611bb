//! [`H5Dataset`]: an HDF5 dataset as a lazy, typed, writable dataset.

use std::fmt;
use std::marker::PhantomData;

use hdf5_metno::{Group, Selection};
use lazy_core::blocks::for_each_block;
use lazy_core::{
    checked_size, zeroed, DType, Dataset, DatasetMut, Dyn, Element, Error, Rank, Region, Result,
};
use ndarray::{ArrayViewD, ArrayViewMutD, CowArray};

use crate::element::{dtype_of, H5Element};
use crate::io;
use crate::plan::{Plan, Strategy};

/// The largest piece of a strided output read through one contiguous buffer:
/// 128 Ki elements (1 MiB of `f64`), so that it stays in cache between the
/// read and the copy.
const STRIDED_PIECE: usize = 1 << 17;

/// An HDF5 dataset with element type `T` and rank `R` (`Dyn` when the rank is
/// known only at run time). Opening checks both against the file; reads and
/// writes take any selection.
///
/// Nothing is read at open: each read turns its [`Region`] into HDF5
/// hyperslab or point selections and transfers only those elements (see the
/// [crate docs](crate) for what is done in memory). Writes go through the
/// same way and need the file open for writing.
///
/// ```
/// use lazy_hdf5::{create_file, H5Dataset};
/// use lazy_core::{DatasetExt, DatasetMutExt, DynSelection, SelElem};
/// use ndarray::array;
/// use typenum::U2;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("demo.h5"))?;
/// file.new_dataset_builder().with_data(&array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).create("x").unwrap();
///
/// let mut x = H5Dataset::<f64, U2>::open(&file, "/x")?;
/// assert_eq!(x.shape(), &[2, 3]);
/// // NumPy: x[:, ::-1]
/// let rev = DynSelection::from(vec![SelElem::FULL, SelElem::slice(None, None, Some(-1))]);
/// assert_eq!(x.read_dyn(&rev)?, array![[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]].into_dyn());
/// // NumPy: x[1, [2, 0]] = 0
/// x.write(DynSelection::from(vec![SelElem::Index(1), SelElem::List(vec![2, 0])]), 0.0)?;
/// assert_eq!(x.read_all()?, array![[1.0, 2.0, 3.0], [0.0, 5.0, 0.0]]);
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub struct H5Dataset<T, R = Dyn> {
    inner: hdf5_metno::Dataset,
    file: String,
    path: String,
    shape: Vec<usize>,
    writable: bool,
    _marker: PhantomData<fn() -> (T, R)>,
}

impl<T: H5Element, R: Rank> H5Dataset<T, R> {
    /// Opens the dataset at `path` (absolute, or relative to `group`; a
    /// [`File`](crate::File) is a group) and checks it against `T` and `R`.
    ///
    /// Errors, each naming the file and the dataset:
    /// - no such dataset (or not a dataset): [`Backend`](lazy_core::ErrorKind::Backend),
    ///   with HDF5's message and its error as the source;
    /// - a rank other than `R`: [`Shape`](lazy_core::ErrorKind::Shape), with both ranks;
    /// - an element type other than `T` (HDF5 types with no lazy-datasets
    ///   element type included): [`Value`](lazy_core::ErrorKind::Value), with both types.
    ///
    /// ```
    /// use lazy_hdf5::{create_file, H5Dataset};
    /// use lazy_core::{Dyn, ErrorKind};
    /// use typenum::{U1, U2};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = create_file(dir.path().join("kinds.h5"))?;
    /// file.new_dataset_builder().with_data(&[1i32, 2, 3]).create("counts").unwrap();
    ///
    /// assert_eq!(H5Dataset::<i32, Dyn>::open(&file, "counts")?.shape(), &[3]);
    /// let err = H5Dataset::<i32, U2>::open(&file, "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Shape);
    /// let err = H5Dataset::<f64, U1>::open(&file, "counts").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Value);
    /// assert!(err.to_string().contains("int32") && err.to_string().contains("float64"));
    /// let err = H5Dataset::<i32, U1>::open(&file, "missing").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Backend);
    /// # Ok::<(), lazy_core::Error>(())
    /// ```
    pub fn open(group: &Group, path: &str) -> Result<Self> {
        let ds = group.dataset(path).map_err(|e| {
            Error::backend(
                format!(
                    "cannot open dataset {path:?} in {:?}: {e}",
                    group.filename()
                ),
                e,
            )
        })?;
        Self::from_h5(ds)
    }

    /// Wraps a dataset opened with hdf5-metno, checking it as
    /// [`open`](Self::open) does.
    pub fn from_h5(inner: hdf5_metno::Dataset) -> Result<Self> {
        let (file, path) = (inner.filename(), inner.name());
        let what = |e: hdf5_metno::Error| {
            Error::backend(
                format!("cannot inspect dataset {path:?} in {file:?}: {e}"),
                e,
            )
        };
        let space = inner.space().map_err(what)?;
        if space.is_null() {
            return Err(Error::value(format!(
                "dataset {path:?} in {file:?} has a null dataspace (no elements, no shape)"
            )));
        }
        let shape = space.shape();
        if let Some(ndim) = R::NDIM {
            if ndim != shape.len() {
                return Err(Error::shape(format!(
                    "dataset {path:?} in {file:?} has rank {} (shape {shape:?}), expected rank {ndim}",
                    shape.len()
                )));
            }
        }
        let (found, described) = element_type(&inner).map_err(what)?;
        match found {
            Some(found) if found == T::DTYPE => {}
            Some(found) => {
                return Err(Error::value(format!(
                    "dataset {path:?} in {file:?} holds {found}, expected {}",
                    T::DTYPE
                )))
            }
            None => {
                return Err(Error::value(format!(
                    "dataset {path:?} in {file:?} holds the HDF5 type {described}, which has no \
                     lazy-datasets element type; expected {}",
                    T::DTYPE
                )))
            }
        }
        let writable = !inner.file().map_err(what)?.is_read_only();
        Ok(H5Dataset {
            inner,
            file,
            path,
            shape,
            writable,
            _marker: PhantomData,
        })
    }
}

impl<T, R> H5Dataset<T, R> {
    /// The HDF5 path of the dataset (`"/group/x"`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The name of the file holding the dataset.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// Whether the file is open for writing.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The hdf5-metno dataset, for what this crate does not wrap (attributes,
    /// chunking, filters).
    pub fn h5(&self) -> &hdf5_metno::Dataset {
        &self.inner
    }

    /// Gives the hdf5-metno dataset back.
    pub fn into_h5(self) -> hdf5_metno::Dataset {
        self.inner
    }
}

impl<T: Element, R: Rank> fmt::Debug for H5Dataset<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("H5Dataset")
            .field("file", &self.file)
            .field("path", &self.path)
            .field("shape", &self.shape)
            .field("dtype", &format_args!("{}", T::DTYPE))
            .field("writable", &self.writable)
            .finish()
    }
}

impl<T: H5Element, R: Rank> H5Dataset<T, R> {
    /// Reads the plan's grid (or cover) from the file selection `file` into
    /// `out`: straight into `out` when it holds the grid in its order,
    /// otherwise through a temporary grid that is gathered from.
    fn read_grid(
        &self,
        plan: &Plan,
        cover: bool,
        file: Selection,
        out: ArrayViewMutD<'_, T>,
    ) -> Result<()> {
        let shape = if cover {
            plan.cover_shape()
        } else {
            plan.grid_shape()
        };
        let n = checked_size(&shape)?;
        if plan.is_identity(cover) && io::can_read_view(&out) {
            return io::read_view(&self.inner, file, out);
        }
        let mut grid = zeroed::<T>(shape)?;
        let buf = grid
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        io::read(&self.inner, file, &[n], Selection::All, buf)?;
        grid.read_into(&plan.inner_region(cover)?, out)
    }

    /// Reads the grid one hyperslab per piece.
    fn read_pieces(&self, plan: &Plan, mut out: ArrayViewMutD<'_, T>) -> Result<()> {
        let shape = plan.grid_shape();
        let read_all = |buf: &mut [T]| {
            plan.pieces()
                .into_iter()
                .try_for_each(|(file, mem)| io::read(&self.inner, file, &shape, mem, buf))
        };
        if plan.is_identity(false) {
            if let Some(buf) = out.as_slice_mut() {
                return read_all(buf);
            }
        }
        let mut grid = zeroed::<T>(shape.clone())?;
        let buf = grid
            .as_slice_mut()
            .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
        read_all(buf)?;
        grid.read_into(&plan.inner_region(false)?, out)
    }
}

impl<T: H5Element, R: Rank> Dataset for H5Dataset<T, R> {
    type Elem = T;
    type Rank = R;

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn read_into(&self, region: &Region, out: ArrayViewMutD<'_, T>) -> Result<()> {
        region.check_shape(&self.shape)?;
        region.check_out(out.shape())?;
        if out.is_empty() {
            return Ok(());
        }
        if !out.is_standard_layout() && out.len() > STRIDED_PIECE {
            // A strided output (a column of a stack, say) is read through a
            // contiguous buffer: in pieces, so the buffer stays small, and in
            // parallel with the `parallel` feature, so copying one piece
            // overlaps reading the next (HDF5 itself takes one call at a time).
            return for_each_block(region, out, STRIDED_PIECE, &|region, out| {
                self.read_into(region, out)
            });
        }
        let plan = Plan::new(region)?;
        match plan.read_strategy() {
            Strategy::Single => self.read_grid(&plan, false, plan.single(), out),
            Strategy::Cover => self.read_grid(&plan, true, plan.cover(), out),
            Strategy::Points => self.read_grid(&plan, false, plan.points()?, out),
            Strategy::Pieces => self.read_pieces(&plan, out),
        }
    }
}

impl<T: H5Element, R: Rank> DatasetMut for H5Dataset<T, R> {
    /// Writes `src` into `region`. Duplicate list entries take the last of
    /// their values, as NumPy's assignment does. The file is flushed before
    /// this returns, so an error writing the data out (a full disk) is this
    /// call's error, not lost when HDF5's chunk cache is flushed at close.
    fn write_from(&mut self, region: &Region, src: ArrayViewD<'_, T>) -> Result<()> {
        self.write_region(region, src)?;
        self.inner
            .file()
            .and_then(|file| file.flush())
            .map_err(|e| {
                Error::backend(
                    format!(
                        "cannot flush {} after writing {}",
                        self.file_name(),
                        self.path()
                    ),
                    e,
                )
            })
    }

    /// Checks the region and that the file is open for writing: a file opened
    /// read-only is a [`Backend`](lazy_core::ErrorKind::Backend) error.
    fn validate_write(&self, region: &Region) -> Result<()> {
        region.check_shape(&self.shape)?;
        if self.writable {
            Ok(())
        } else {
            Err(Error::backend_msg(format!(
                "cannot write to dataset {:?}: file {:?} is open read-only (open it with open_file_rw)",
                self.path, self.file
            )))
        }
    }
}

lazy_core::dataset_methods!(H5Dataset<T, R>);

/// The shape and element type of a dataset, found without choosing a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    /// The shape (empty for a scalar dataset).
    pub shape: Vec<usize>,
    /// The element type, or `None` for an HDF5 type with no lazy-datasets
    /// element type (strings, compounds, …).
    pub dtype: Option<DType>,
}

/// The shape and element type of the dataset at `path`, to pick the `T` and
/// `R` to open it with.
///
/// ```
/// use lazy_hdf5::{create_file, inspect};
/// use lazy_core::DType;
///
/// let dir = tempfile::tempdir().unwrap();
/// let file = create_file(dir.path().join("info.h5"))?;
/// file.new_dataset::<u16>().shape([4, 2]).create("g").unwrap();
/// let info = inspect(&file, "g")?;
/// assert_eq!((info.shape, info.dtype), (vec![4, 2], Some(DType::U16)));
/// # Ok::<(), lazy_core::Error>(())
/// ```
pub fn inspect(group: &Group, path: &str) -> Result<DatasetInfo> {
    let what = |e: hdf5_metno::Error| {
        Error::backend(
            format!(
                "cannot inspect dataset {path:?} in {:?}: {e}",
                group.filename()
            ),
            e,
        )
    };
    let ds = group.dataset(path).map_err(what)?;
    let shape = ds.space().map_err(what)?.shape();
    let (dtype, _) = element_type(&ds).map_err(what)?;
    Ok(DatasetInfo { shape, dtype })
}

/// The element type of a dataset (`None` when it has none) and a description
/// of its HDF5 type; a type hdf5-metno cannot describe (`float16`, …) has no
/// element type.
fn element_type(ds: &hdf5_metno::Dataset) -> hdf5_metno::Result<(Option<DType>, String)> {
    let dtype = ds.dtype()?;
    Ok(match dtype.to_descriptor() {
        Ok(td) => (dtype_of(&td), td.to_string()),
        Err(e) => (
            None,
            format!(
                "of size {} that hdf5-metno cannot describe ({e})",
                dtype.size()
            ),
        ),
    })
}

impl<T: H5Element, R: Rank> H5Dataset<T, R> {
    /// Writes `src` into `region` without flushing. Duplicate list entries take the last of
    /// their values, as NumPy's assignment does.
    fn write_region(&mut self, region: &Region, src: ArrayViewD<'_, T>) -> Result<()> {
        self.validate_write(region)?;
        region.check_out(src.shape())?;
        if src.is_empty() {
            return Ok(());
        }
        let plan = Plan::new(region)?;
        let shape = plan.grid_shape();
        let n = checked_size(&shape)?;
        let strategy = plan.write_strategy();
        let file = match strategy {
            Strategy::Single => Some(plan.single()),
            Strategy::Points => Some(plan.points()?),
            Strategy::Pieces => None,
            Strategy::Cover => {
                return Err(Error::backend_msg(
                    "internal error: a covering hyperslab cannot be written",
                ))
            }
        };
        let identity = plan.is_identity(false);
        if let Some(file) = file {
            if identity && io::can_write_view(&src) {
                return io::write_view(&self.inner, file, src);
            }
            let mut grid = zeroed::<T>(shape)?;
            grid.write_from(&plan.inner_region(false)?, src)?;
            let buf = grid
                .as_slice()
                .ok_or_else(|| Error::backend_msg("a new array is not contiguous"))?;
            return io::write(&self.inner, file, &[n], Selection::All, buf);
        }
        // One hyperslab per piece, from the grid of final values.
        let grid = if identity && src.is_standard_layout() {
            CowArray::from(src)
        } else {
            let mut grid = zeroed::<T>(shape.clone())?;
            grid.write_from(&plan.inner_region(false)?, src)?;
            CowArray::from(grid)
        };
        let buf = grid
            .as_slice()
            .ok_or_else(|| Error::backend_msg("the grid to write is not contiguous"))?;
        plan.pieces()
            .into_iter()
            .try_for_each(|(file, mem)| io::write(&self.inner, file, &shape, mem, buf))
    }
}
