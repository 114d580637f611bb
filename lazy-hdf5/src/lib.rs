//! HDF5 backend of lazy-datasets (work in progress).
