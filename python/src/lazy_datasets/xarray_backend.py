"""xarray backend: ``xr.open_dataset(path, engine="lazy_datasets")``.

Opens netCDF-4/HDF5 files and Zarr stores lazily: every variable's data is
a native dataset of this package (:func:`lazy_datasets.open_hdf5`,
:func:`lazy_datasets.open_zarr`), read in Rust without the GIL when xarray
indexes it; nothing is read at open but metadata. The metadata (variable
names, dimension names, attributes) is read with h5py or zarr-python
(HDF5 files by URL, ``s3://``, ``gs://``, ``az://``, ``http(s)://``, and
local ones where h5py is not installed: with :class:`lazy_datasets.HDF5File`,
lazy-hdf5's own reader, no h5py), and
xarray's own CF decoding (``mask_and_scale``, ``decode_times``, ...) is
applied to the attributes as its netCDF4, h5netcdf and zarr engines do.

Dimension names:

- HDF5 / netCDF-4: the dimension scales attached to each axis
  (``DIMENSION_LIST``, as netCDF-4 and h5netcdf write them); a dimension
  scale is its own dimension, and a scale that netCDF-4 marks as "a netCDF
  dimension but not a netCDF variable" is no variable. Axes with no scale
  are named ``phony_dim_<n>``, one name per distinct length in the group
  (h5netcdf's ``phony_dims="sort"``).
- Zarr: ``dimension_names`` (Zarr v3) or the ``_ARRAY_DIMENSIONS``
  attribute (xarray's convention for Zarr v2); arrays with neither get
  ``phony_dim_<n>`` names as above.

Variables whose element type the native readers do not hold (strings,
compound types) are read through h5py or zarr-python instead; an HDF5 file
with such a variable stays open in h5py until the dataset is closed, and
the dataset then does not pickle (h5py objects do not), while one of native
datasets only pickles (dask's process scheduler).

The entry point is registered in the package's metadata
(``[project.entry-points."xarray.backends"]``), so installing the package
is all xarray needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from xarray.backends.common import AbstractDataStore, BackendArray, BackendEntrypoint
from xarray.backends.store import StoreBackendEntrypoint
from xarray.core import indexing
from xarray.core.utils import FrozenDict
from xarray.core.variable import Variable

from ._lib import HDF5File, open_hdf5, open_zarr

__all__ = ["LazyDatasetsBackendEntrypoint", "LazyBackendArray"]

#: HDF5 attributes that carry netCDF-4 or dimension scale bookkeeping,
#: hidden from the variables' attributes (as netCDF4-python hides them).
_HIDDEN_HDF5_ATTRS = frozenset(
    {
        "CLASS",
        "NAME",
        "DIMENSION_LIST",
        "REFERENCE_LIST",
        "_Netcdf4Dimid",
        "_Netcdf4Coordinates",
        "_nc3_strict",
        "_NCProperties",
    }
)
_NOT_A_VARIABLE = b"This is a netCDF dimension but not a netCDF variable"
_HDF5_SUFFIXES = (".nc", ".nc4", ".h5", ".hdf5", ".he5", ".hdf")
_ZARR_MARKERS = ("zarr.json", ".zgroup", ".zarray", ".zmetadata")


class LazyBackendArray(BackendArray):
    """A variable's data for xarray: a dataset of this package (or an h5py
    dataset or zarr array for element types the native readers do not
    hold), indexed as xarray's outer indexing asks (integers, slices and
    one integer array per axis, each axis on its own).

    Parameters
    ----------
    array
        Anything with NumPy's basic indexing and one integer array.
    shape, dtype
        The variable's shape and dtype.
    """

    def __init__(self, array: Any, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.array = array
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._outer
        )

    def _outer(self, key: tuple) -> np.ndarray:
        """Orthogonal indexing: each array selects along its own axis. The
        source reads integers and slices directly, one array as it is, and
        further arrays as their bounding slices, picked out in NumPy."""
        arrays = [j for j, k in enumerate(key) if isinstance(k, np.ndarray)]
        ints = [j for j, k in enumerate(key) if isinstance(k, (int, np.integer))]
        if len(arrays) <= 1 and not (arrays and ints):
            return np.asarray(self.array[key])
        read: list[Any] = []
        pick: list[Any] = []
        for axis, k in enumerate(key):
            if isinstance(k, (int, np.integer)):
                # Kept as an axis of length 1 until every array is applied.
                k = int(k) % self.shape[axis]
                read.append(slice(k, k + 1))
                pick.append(0)
            elif isinstance(k, np.ndarray):
                k = np.where(k < 0, k + self.shape[axis], k).astype(np.intp)
                lo = int(k.min()) if k.size else 0
                hi = int(k.max()) + 1 if k.size else 0
                read.append(slice(lo, hi))
                pick.append(k - lo)
            else:
                read.append(k)
                pick.append(slice(None))
        block = np.asarray(self.array[tuple(read)])
        for axis, p in enumerate(pick):
            if isinstance(p, np.ndarray):
                block = np.take(block, p, axis=axis)
        return block[tuple(0 if isinstance(p, int) else slice(None) for p in pick)]


def _native_or(open_native: Any, stored: Any) -> LazyBackendArray:
    """The data of `stored` (an h5py dataset or zarr array) as the native
    dataset `open_native()` opens, or through `stored` itself when the
    native readers do not hold its element type."""
    try:
        native = open_native()
        if native.dtype == stored.dtype:
            return LazyBackendArray(native, stored.shape, stored.dtype)
    except (TypeError, OSError, ValueError):
        pass
    return LazyBackendArray(stored, stored.shape, stored.dtype)


def _attr_value(name: str, value: Any) -> Any:
    """An HDF5 attribute as netCDF4-python gives it: one-element arrays as
    their element, bytes as text (not `_FillValue`/`missing_value`)."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size == 1:
        value = value[0]
    if name not in ("_FillValue", "missing_value"):
        if isinstance(value, (bytes, np.bytes_)):
            try:
                value = bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                pass
        elif isinstance(value, np.ndarray) and value.dtype.kind in "OS":
            value = [v.decode("utf-8") if isinstance(v, bytes) else v for v in value]
    return value


class _PhonyDims:
    """``phony_dim_<n>`` names, one per distinct axis length in a group."""

    def __init__(self) -> None:
        self.by_length: dict[int, str] = {}

    def name(self, length: int) -> str:
        return self.by_length.setdefault(length, f"phony_dim_{len(self.by_length)}")


class _HDF5Store(AbstractDataStore):
    """The variables of one group of a netCDF-4/HDF5 file: metadata from
    h5py, data from :func:`lazy_datasets.open_hdf5`."""

    def __init__(self, path: str, group: str | None) -> None:
        import h5py

        self.path = os.path.abspath(path)
        self._file: Any = h5py.File(self.path, "r")
        self._group: Any = self._file[group] if group else self._file
        self._fallback = False

    def _dims(self, ds: Any, phony: _PhonyDims) -> tuple[str, ...]:
        if ds.attrs.get("CLASS") == b"DIMENSION_SCALE" and ds.ndim == 1:
            return (ds.name.rsplit("/", 1)[-1],)
        dims = []
        for axis, length in enumerate(ds.shape):
            scales = ds.dims[axis].values() if ds.ndim else []
            if scales:
                dims.append(scales[0].name.rsplit("/", 1)[-1])
            else:
                dims.append(phony.name(length))
        return tuple(dims)

    def _data(self, ds: Any) -> LazyBackendArray:
        import h5py

        text = h5py.check_string_dtype(ds.dtype)
        if text is not None and text.length is None:
            # Variable-length strings as str, as xarray's netCDF engines
            # give them (h5py gives bytes).
            from xarray.coding.strings import create_vlen_dtype

            self._fallback = True
            return LazyBackendArray(ds.asstr(), ds.shape, create_vlen_dtype(str))
        data = _native_or(lambda: open_hdf5(self.path, ds.name), ds)
        self._fallback |= data.array is ds
        return data

    def get_variables(self) -> FrozenDict:
        import h5py

        phony = _PhonyDims()
        variables = {}
        for name in sorted(self._group):
            ds = self._group.get(name)
            if not isinstance(ds, h5py.Dataset):
                continue
            kind = ds.attrs.get("NAME")
            if isinstance(kind, bytes) and kind.startswith(_NOT_A_VARIABLE):
                continue
            attrs = {
                k: _attr_value(k, v)
                for k, v in ds.attrs.items()
                if k not in _HIDDEN_HDF5_ATTRS
            }
            encoding = {"dtype": ds.dtype, "chunksizes": ds.chunks, "source": self.path}
            data = indexing.LazilyIndexedArray(self._data(ds))
            variables[name] = Variable(self._dims(ds, phony), data, attrs, encoding)
        return FrozenDict(variables)

    def get_attrs(self) -> FrozenDict:
        return FrozenDict(
            (k, _attr_value(k, v))
            for k, v in self._group.attrs.items()
            if k not in _HIDDEN_HDF5_ATTRS
        )

    def get_encoding(self) -> dict:
        import h5py

        unlimited = {
            name
            for name, ds in self._group.items()
            if isinstance(ds, h5py.Dataset)
            and ds.attrs.get("CLASS") == b"DIMENSION_SCALE"
            and ds.maxshape[:1] == (None,)
        }
        return {"unlimited_dims": unlimited, "source": self.path}

    def done_loading(self) -> None:
        """Closes the file when no variable reads through h5py: the dataset
        then holds native datasets only, and pickles (for dask's process
        scheduler)."""
        if not self._fallback:
            self.close()
            self._file = self._group = None

    def close(self) -> None:
        if self._file is not None and self._file.id.valid:
            self._file.close()


class _PureHDF5Store(AbstractDataStore):
    """The variables of one group of a netCDF-4/HDF5 file read by
    lazy-hdf5's own reader (:class:`lazy_datasets.HDF5File`): metadata and
    data without h5py, for files by URL. Variables whose element type the
    native readers do not hold (strings, compound types) cannot be read
    here: opening is a ``TypeError`` naming them (pass them in
    ``drop_variables``)."""

    def __init__(self, path: str, group: str | None, drop: set[str]) -> None:
        self.path = path
        self._file = HDF5File(path)
        self._group = "/" + (group or "").strip("/")
        self._drop = drop
        # The group's datasets and their attributes, read once for the
        # variables and the encoding.
        self._names: list[str] = sorted(self._file.members(self._group)[1])
        self._attrs: dict[str, dict] = {}

    def _full(self, name: str) -> str:
        return self._group.rstrip("/") + "/" + name

    def _attributes(self, name: str) -> dict:
        if name not in self._attrs:
            self._attrs[name] = self._file.attributes(self._full(name))
        return self._attrs[name]

    def get_variables(self) -> FrozenDict:
        phony = _PhonyDims()
        variables = {}
        for name in self._names:
            if name in self._drop:
                continue
            full = self._full(name)
            raw = self._attributes(name)
            kind = raw.get("NAME")
            if isinstance(kind, bytes) and kind.startswith(_NOT_A_VARIABLE):
                continue
            try:
                native = self._file.open(full)
            except TypeError as e:
                raise TypeError(
                    f"variable {name!r} of {self.path}: {e}; HDF5 files by URL are read by "
                    f"lazy-datasets' own reader, which holds numbers and bools only "
                    f"(pass drop_variables=[{name!r}] to open the others)"
                ) from e
            if raw.get("CLASS") == b"DIMENSION_SCALE" and native.ndim == 1:
                dims: tuple[str, ...] = (name,)
            else:
                scales = self._file.dimension_scales(full)
                dims = tuple(
                    s.rsplit("/", 1)[-1] if s else phony.name(n)
                    for s, n in zip(scales, native.shape)
                )
            attrs = {k: _attr_value(k, v) for k, v in raw.items() if k not in _HIDDEN_HDF5_ATTRS}
            encoding = {
                "dtype": native.dtype,
                "chunksizes": self._file.chunks(full),
                "source": self.path,
            }
            data = indexing.LazilyIndexedArray(LazyBackendArray(native, native.shape, native.dtype))
            variables[name] = Variable(dims, data, attrs, encoding)
        return FrozenDict(variables)

    def get_attrs(self) -> FrozenDict:
        return FrozenDict(
            (k, _attr_value(k, v))
            for k, v in self._file.attributes(self._group).items()
            if k not in _HIDDEN_HDF5_ATTRS
        )

    def get_encoding(self) -> dict:
        unlimited = set()
        for name in self._names:
            if self._attributes(name).get("CLASS") == b"DIMENSION_SCALE":
                if self._file.maxshape(self._full(name))[:1] == [None]:
                    unlimited.add(name)
        return {"unlimited_dims": unlimited, "source": self.path}

    def done_loading(self) -> None:
        """The variables hold native datasets only: the file is let go."""
        self._file = None
        self._attrs = {}

    def close(self) -> None:
        pass


class _ZarrStore(AbstractDataStore):
    """The arrays of one group of a Zarr store: metadata from zarr-python,
    data from :func:`lazy_datasets.open_zarr`."""

    def __init__(self, store: str, group: str | None) -> None:
        import zarr

        self.store = store if "://" in store else os.path.abspath(store)
        self._group = zarr.open_group(self.store, mode="r", path=group or "")

    def _data(self, array: Any) -> LazyBackendArray:
        return _native_or(lambda: open_zarr(self.store, array.path), array)

    def get_variables(self) -> FrozenDict:
        phony = _PhonyDims()
        variables = {}
        for name, array in sorted(self._group.arrays()):
            attrs = dict(array.attrs)
            dims = attrs.pop("_ARRAY_DIMENSIONS", None)
            v3 = array.metadata.zarr_format == 3
            if v3:
                dims = array.metadata.dimension_names
                if "_FillValue" in attrs:
                    from xarray.backends.zarr import FillValueCoder

                    attrs["_FillValue"] = FillValueCoder.decode(attrs["_FillValue"], array.dtype)
            elif array.fill_value is not None:
                # Zarr v2's fill value means "no data", as xarray reads it.
                attrs["_FillValue"] = array.fill_value
            if not dims or len(dims) != array.ndim:
                dims = [phony.name(n) for n in array.shape]
            encoding = {"chunks": array.chunks, "dtype": array.dtype}
            data = indexing.LazilyIndexedArray(self._data(array))
            variables[name] = Variable(tuple(dims), data, attrs, encoding)
        return FrozenDict(variables)

    def get_attrs(self) -> FrozenDict:
        return FrozenDict(
            (k, v) for k, v in self._group.attrs.items() if k != "_ARRAY_DIMENSIONS"
        )

    def get_encoding(self) -> dict:
        return {}

    def done_loading(self) -> None:
        """Nothing to close: zarr-python holds no file open."""

    def close(self) -> None:
        pass


def _path_of(filename_or_obj: Any) -> str | None:
    if isinstance(filename_or_obj, (str, os.PathLike)):
        return os.fspath(filename_or_obj)
    return None


def _has_h5py() -> bool:
    try:
        import h5py  # noqa: F401
    except ImportError:
        return False
    return True


def _is_zarr(path: str) -> bool:
    if path.rstrip("/").endswith(".zarr"):
        return True
    return os.path.isdir(path) and any(
        os.path.exists(os.path.join(path, m)) for m in _ZARR_MARKERS
    )


class LazyDatasetsBackendEntrypoint(BackendEntrypoint):
    """``engine="lazy_datasets"``: netCDF-4/HDF5 files and Zarr stores
    opened lazily over this package's native readers.

    >>> ds = xr.open_dataset("obs.nc", engine="lazy_datasets")
    >>> ds["t"].isel(time=slice(0, 10)).values  # reads 10 steps, in Rust

    Parameters of ``open_dataset`` are xarray's own decoding switches
    (``mask_and_scale``, ``decode_times``, ...) and ``group``, the path of
    a group in the file or store.
    """

    description = "Open netCDF-4/HDF5 files and Zarr stores lazily with lazy-datasets"
    url = "https://github.com/lazy-datasets/lazy-datasets"
    open_dataset_parameters = (
        "filename_or_obj",
        "drop_variables",
        "mask_and_scale",
        "decode_times",
        "concat_characters",
        "decode_coords",
        "use_cftime",
        "decode_timedelta",
        "group",
    )

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        """Paths ending in .nc, .nc4, .h5, .hdf5, .he5, .hdf or .zarr, and
        directories holding Zarr metadata."""
        path = _path_of(filename_or_obj)
        if path is None:
            return False
        return path.lower().endswith(_HDF5_SUFFIXES) or _is_zarr(path)

    def open_dataset(  # type: ignore[override]
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        mask_and_scale: bool = True,
        decode_times: bool = True,
        concat_characters: bool = True,
        decode_coords: bool = True,
        use_cftime: bool | None = None,
        decode_timedelta: bool | None = None,
        group: str | None = None,
    ) -> Any:
        """Opens the file or store lazily (only metadata is read)."""
        path = _path_of(filename_or_obj)
        if path is None:
            raise TypeError(
                "engine='lazy_datasets' opens paths and URLs, "
                f"not {type(filename_or_obj).__name__}"
            )
        store: _HDF5Store | _PureHDF5Store | _ZarrStore
        if _is_zarr(path):
            store = _ZarrStore(path, group)
        elif "://" in path or not _has_h5py():
            drop = {drop_variables} if isinstance(drop_variables, str) else set(drop_variables or ())
            store = _PureHDF5Store(path, group, drop)
        else:
            store = _HDF5Store(path, group)
        try:
            ds = StoreBackendEntrypoint().open_dataset(
                store,
                mask_and_scale=mask_and_scale,
                decode_times=decode_times,
                concat_characters=concat_characters,
                decode_coords=decode_coords,
                drop_variables=drop_variables,
                use_cftime=use_cftime,
                decode_timedelta=decode_timedelta,
            )
        except BaseException:
            store.close()
            raise
        store.done_loading()
        return ds

