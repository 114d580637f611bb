"""Lazy, NumPy-style datasets backed by Rust.

The reference module's classes (:class:`LazyStackedDataset`,
:class:`LazyScaledDataset`, :class:`LazySumDataset`,
:class:`LazyBooleanOrDataset`), the library's other views
(:class:`LazyConcatenatedDataset`, :class:`LazyTransposedDataset`,
:class:`LazyCastDataset`, :class:`LazyDecodedDataset`,
:class:`LazyMappedDataset`; the views of one dataset derive from
:class:`LazyDerivedDataset`, those of several from
:class:`LazyCombinedDataset`) and native HDF5 and Zarr sources
(:func:`open_hdf5`, :func:`open_zarr`; :func:`hdf5_datasets` lists what an
HDF5 file holds, and :class:`HDF5File` reads its groups, attributes and
dimension scales without h5py, locally or by URL). The classes live in the extension
module ``lazy_datasets._lib``; this package re-exports them and holds the
xarray backend (``xr.open_dataset(path, engine="lazy_datasets")``, see
:mod:`lazy_datasets.xarray_backend`).
"""

from ._lib import (
    HDF5File,
    LazyBooleanOrDataset,
    LazyCastDataset,
    LazyCombinedDataset,
    LazyConcatenatedDataset,
    LazyDataset,
    LazyDecodedDataset,
    LazyDerivedDataset,
    LazyMappedDataset,
    LazyScaledDataset,
    LazyStackedDataset,
    LazySumDataset,
    LazyTransposedDataset,
    __version__,
    hdf5_datasets,
    open_hdf5,
    open_zarr,
)

__all__ = [
    "HDF5File",
    "LazyBooleanOrDataset",
    "LazyCastDataset",
    "LazyCombinedDataset",
    "LazyConcatenatedDataset",
    "LazyDataset",
    "LazyDecodedDataset",
    "LazyDerivedDataset",
    "LazyMappedDataset",
    "LazyScaledDataset",
    "LazyStackedDataset",
    "LazySumDataset",
    "LazyTransposedDataset",
    "__version__",
    "hdf5_datasets",
    "open_hdf5",
    "open_zarr",
]
