"""The library's other views (concatenate, transpose, cast, CF decoding,
map), pointwise reads and boolean masks, against NumPy on in-memory
arrays, h5py datasets and native HDF5 and Zarr sources."""

import pickle

import h5py
import numpy as np
import pytest
import zarr

import lazy_datasets as ld
from conftest import DTYPES, random_array

KEYS = [
    (),
    3,
    -1,
    slice(2, 9, 2),
    slice(None, None, -3),
    (slice(1, 4), 2),
    (Ellipsis, 0),
    [4, 0, 4, 1],
    (slice(None), [2, 0]),
    ([1, 3], [0, 2]),
    (None, slice(1, 3)),
    (0, 1, 2),
]


def expect(ours, truth, key):
    """`ours[key]` equals NumPy's `truth[key]`, or raises what NumPy raises."""
    try:
        want = truth[key]
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        with pytest.raises(type(e)):
            ours[key]
        return
    got = ours[key]
    assert np.shape(got) == np.shape(want), key
    assert np.asarray(got).dtype == np.asarray(want).dtype, key
    np.testing.assert_array_equal(got, want)


@pytest.fixture
def sources(tmp_path, rng):
    """Three ways to hold the same arrays: NumPy, h5py datasets, and the
    native opens of an HDF5 file and a Zarr store (read-write)."""
    arrays = {
        "a": random_array(rng, (6, 4, 3), "int16"),
        "b": random_array(rng, (2, 4, 3), "int16"),
        "c": random_array(rng, (5, 4, 3), "float32"),
    }
    # One file for h5py, one for the native opens: HDF5 locks a file opened
    # for writing.
    h5, h5_native = tmp_path / "v.h5", tmp_path / "native.h5"
    for path in (h5, h5_native):
        with h5py.File(path, "w") as f:
            for k, a in arrays.items():
                f.create_dataset(k, data=a, chunks=(2, 2, 3))
    zpath = tmp_path / "v.zarr"
    root = zarr.open_group(str(zpath), mode="w")
    for k, a in arrays.items():
        z = root.create_array(k, shape=a.shape, chunks=(2, 2, 2), dtype=a.dtype)
        z[...] = a
    f = h5py.File(h5, "r+")
    yield {
        "numpy": {k: a.copy() for k, a in arrays.items()},
        "h5py": {k: f[k] for k in arrays},
        "native_hdf5": {k: ld.open_hdf5(h5_native, k, mode="r+") for k in arrays},
        "native_zarr": {k: ld.open_zarr(zpath, k, mode="r+") for k in arrays},
    }, arrays
    f.close()


KINDS = ["numpy", "h5py", "native_hdf5", "native_zarr"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axis", [0, -3])
def test_concatenate_reads_as_numpy(sources, kind, axis):
    held, arrays = sources
    ds = [held[kind][k] for k in "abc"]
    lazy = ld.LazyConcatenatedDataset(ds, axis=axis)
    truth = np.concatenate([arrays[k] for k in "abc"], axis=axis)
    assert lazy.shape == truth.shape and lazy.dtype == truth.dtype
    assert lazy.native == kind.startswith("native")
    for key in KEYS:
        expect(lazy, truth, key)
    np.testing.assert_array_equal(np.asarray(lazy), truth)


@pytest.mark.parametrize("kind", KINDS)
def test_concatenate_writes_reach_the_sources(sources, kind):
    held, arrays = sources
    lazy = ld.LazyConcatenatedDataset([held[kind]["a"], held[kind]["b"]], axis=0)
    lazy[5:7, 1] = [[100, 101, 102], [103, 104, 105]]
    np.testing.assert_array_equal(held[kind]["a"][5, 1], [100, 101, 102])
    np.testing.assert_array_equal(held[kind]["b"][0, 1], [103, 104, 105])
    np.testing.assert_array_equal(lazy[5:7, 1], [[100, 101, 102], [103, 104, 105]])


def test_concatenate_errors_as_numpy():
    a, b = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError):
        np.concatenate([a, b], axis=0)
    with pytest.raises(ValueError):
        ld.LazyConcatenatedDataset([a, b], axis=0)
    assert ld.LazyConcatenatedDataset([a, b], axis=1).shape == (2, 7)
    with pytest.raises(np.exceptions.AxisError):
        ld.LazyConcatenatedDataset([a, a], axis=2)
    with pytest.raises(ValueError, match="At least one dataset"):
        ld.LazyConcatenatedDataset([])
    with pytest.raises(ValueError, match="zero-dimensional"):
        ld.LazyConcatenatedDataset([np.float64(1.0)])


def test_concatenate_promotes_dtypes_as_numpy(rng):
    parts = [random_array(rng, (3, 2), d) for d in ("bool", "uint8", "int16")]
    lazy = ld.LazyConcatenatedDataset(parts)
    truth = np.concatenate(parts)
    assert lazy.dtype == truth.dtype
    np.testing.assert_array_equal(lazy[:], truth)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axes", [None, (1, 2, 0), (-1, 0, 1)])
def test_transpose_reads_and_writes_as_numpy(sources, kind, axes):
    held, arrays = sources
    lazy = ld.LazyTransposedDataset(held[kind]["a"], axes=axes)
    truth = np.transpose(arrays["a"], axes)
    assert lazy.shape == truth.shape
    for key in KEYS:
        expect(lazy, truth, key)
    lazy[0, 1] = -7
    view = np.transpose(arrays["a"].copy(), axes)
    view[0, 1] = -7
    np.testing.assert_array_equal(lazy[...], view)
    np.testing.assert_array_equal(np.transpose(np.asarray(held[kind]["a"][...]), axes), view)


def test_transpose_property_and_errors(rng):
    a = random_array(rng, (3, 4), "float64")
    np.testing.assert_array_equal(ld.LazyScaledDataset(a, 2.0).T[:], (a * 2.0).T)
    assert isinstance(ld.LazyScaledDataset(a).T, ld.LazyTransposedDataset)
    for axes, err in [((0,), ValueError), ((0, 0), ValueError), ((0, 2), np.exceptions.AxisError)]:
        with pytest.raises(err):
            np.transpose(a, axes)
        with pytest.raises(err):
            ld.LazyTransposedDataset(a, axes)


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("to", DTYPES)
def test_cast_reads_as_astype(rng, src, to):
    a = random_array(rng, (5, 3), src)
    if np.dtype(src).kind == "f" and np.dtype(to).kind == "u":
        a = np.abs(a)  # NumPy leaves negative floats to unsigned undefined
    lazy = ld.LazyCastDataset(a, to)
    truth = a.astype(to)
    assert lazy.dtype == np.dtype(to)
    np.testing.assert_array_equal(lazy[:], truth)
    np.testing.assert_array_equal(lazy[[4, 0], ::-1], truth[[4, 0], ::-1])


@pytest.mark.parametrize("kind", KINDS)
def test_cast_writes_convert_back(sources, kind):
    held, arrays = sources
    lazy = ld.LazyCastDataset(held[kind]["a"], np.float64)
    lazy[1, 2, 0] = 3.9
    assert held[kind]["a"][1, 2, 0] == 3  # truncated toward zero, as astype
    assert lazy[1, 2, 0] == 3.0
    with pytest.raises(NotImplementedError):
        ld.LazyCastDataset(held[kind]["a"], bool)[0] = True


def cf_packed(rng):
    raw = rng.integers(-200, 200, size=(8, 5)).astype("int16")
    raw[0, 0] = -32767  # fill value
    raw[1, 1] = -999  # missing value
    raw[2, 2] = 250  # above valid_max
    attrs = {
        "scale_factor": np.float32(0.5),
        "add_offset": 10.0,
        "_FillValue": np.int16(-32767),
        "missing_value": np.int16(-999),
        "valid_range": np.array([-300, 200], "int16"),
    }
    return raw, attrs


def cf_truth(raw, attrs, dtype="float64"):
    """What xarray's mask_and_scale gives, by hand."""
    raw_f = raw.astype("float64")
    lo, hi = attrs["valid_range"]
    bad = (raw == attrs["_FillValue"]) | (raw == attrs["missing_value"]) | (raw_f < lo) | (raw_f > hi)
    out = raw.astype(dtype) * np.asarray(attrs["scale_factor"], dtype) + np.asarray(attrs["add_offset"], dtype)
    return np.where(bad, np.nan, out).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_decoded_reads_as_cf(rng, dtype):
    raw, attrs = cf_packed(rng)
    lazy = ld.LazyDecodedDataset.from_attrs(raw, attrs, dtype=dtype)
    truth = cf_truth(raw, attrs, dtype)
    assert lazy.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(lazy[:], truth)
    np.testing.assert_array_equal(lazy[::-2, [4, 1]], truth[::-2, [4, 1]])
    assert set(lazy.attrs) == set(attrs)
    by_keywords = ld.LazyDecodedDataset(
        raw, scale_factor=0.5, add_offset=10.0, fill_value=-32767, missing_value=-999,
        valid_range=[-300, 200], dtype=dtype,
    )
    np.testing.assert_array_equal(by_keywords[:], truth)


def test_decoded_equals_xarray_decoding(rng):
    xr = pytest.importorskip("xarray")
    raw, attrs = cf_packed(rng)
    del attrs["valid_range"]  # xarray's decoding ignores valid ranges
    decoded = xr.decode_cf(xr.Dataset({"t": (("y", "x"), raw, attrs)}))["t"].values
    lazy = ld.LazyDecodedDataset.from_attrs(raw, attrs, dtype=decoded.dtype)
    np.testing.assert_array_equal(lazy[:], decoded)


def test_decoded_from_h5py_attrs_and_writes(tmp_path, rng):
    raw, attrs = cf_packed(rng)
    path = tmp_path / "cf.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("t", data=raw)
        d.attrs.update(attrs)
    with h5py.File(path, "r") as f:
        h5attrs = dict(f["t"].attrs)
    native = ld.open_hdf5(path, "t", mode="r+")
    lazy = ld.LazyDecodedDataset.from_attrs(native, h5attrs)
    assert lazy.native
    np.testing.assert_array_equal(lazy[:], cf_truth(raw, attrs))
    lazy[3, :2] = [np.nan, 20.0]
    assert list(native[3, :2]) == [-32767, 20]
    with pytest.raises(ValueError):
        lazy[3, 3] = 1e9  # does not fit int16
    assert native[3, 3] == raw[3, 3]


def test_decoded_errors():
    with pytest.raises(ValueError, match="bool"):
        ld.LazyDecodedDataset(np.zeros(3, bool), scale_factor=2.0)
    with pytest.raises(ValueError):
        ld.LazyDecodedDataset(np.zeros(3, "int16"), scale_factor=0.0)
    with pytest.raises(ValueError, match="valid_range"):
        ld.LazyDecodedDataset(np.zeros(3, "int16"), valid_range=[1.0])
    with pytest.raises(ValueError, match="float32 or float64"):
        ld.LazyDecodedDataset(np.zeros(3, "int16"), dtype="int32")
    with pytest.raises(ValueError, match="decoded already"):
        ld.LazyDecodedDataset(ld.LazyDecodedDataset(np.zeros(3, "int16")))


@pytest.mark.parametrize("kind", KINDS)
def test_mapped_applies_the_function_to_reads(sources, kind):
    held, arrays = sources
    lazy = ld.LazyMappedDataset(held[kind]["c"], np.abs)
    truth = np.abs(arrays["c"])
    assert lazy.dtype == truth.dtype and not lazy.native
    for key in KEYS:
        expect(lazy, truth, key)
    as_int = ld.LazyMappedDataset(held[kind]["a"], lambda x: x * 2 + 1, dtype="int64")
    assert as_int.dtype == np.int64
    np.testing.assert_array_equal(as_int[2:4], arrays["a"][2:4].astype("int64") * 2 + 1)
    with pytest.raises(NotImplementedError):
        lazy[0] = 1.0


def test_mapped_errors(rng):
    a = random_array(rng, (4, 3), "float64")
    with pytest.raises(TypeError, match="callable"):
        ld.LazyMappedDataset(a, 3)
    with pytest.raises(ValueError, match="keep the shape"):
        ld.LazyMappedDataset(a, lambda x: np.ones(7), dtype="float64")[:]

    def boom(x):
        raise KeyError("from the function")

    with pytest.raises(KeyError, match="from the function"):
        ld.LazyMappedDataset(a, boom, dtype="float64")[:]
    # A scalar broadcasts, as in NumPy's assignment.
    np.testing.assert_array_equal(ld.LazyMappedDataset(a, lambda x: 5.0)[1], np.full(3, 5.0))


@pytest.mark.parametrize("kind", KINDS)
def test_points_and_masks_read_as_numpy(sources, kind, rng):
    held, arrays = sources
    ds, truth = held[kind]["a"], arrays["a"]
    lazy = ld.LazyScaledDataset(ds, 1) if kind in ("numpy", "h5py") else ds
    coords = (np.array([5, 0, 5, 2]), np.array([3, 0, 3, 1]), np.array([[2], [0]]))
    np.testing.assert_array_equal(lazy.points(coords), truth[coords])
    np.testing.assert_array_equal(lazy[coords], truth[coords])
    np.testing.assert_array_equal(lazy.points(([-1], [-1], [-1])), truth[-1:, -1, -1])
    mask = truth > 5
    np.testing.assert_array_equal(lazy[mask], truth[mask])
    np.testing.assert_array_equal(lazy.points(np.nonzero(mask)), truth[mask])
    sparse = np.zeros(truth.shape, bool)
    sparse[4, 2, 1] = sparse[0, 3, 0] = True
    np.testing.assert_array_equal(lazy[sparse], truth[sparse])
    np.testing.assert_array_equal(lazy[:, mask[0]], truth[:, mask[0]])
    np.testing.assert_array_equal(lazy[truth[:, 0, 0] > 0], truth[truth[:, 0, 0] > 0])
    out_of_bounds = (np.array([6]), np.array([0]), np.array([0]))
    with pytest.raises(IndexError):
        truth[out_of_bounds]
    with pytest.raises(IndexError):
        lazy.points(out_of_bounds)
    with pytest.raises(IndexError, match="one coordinate array per axis"):
        lazy.points(([0], [0]))
    with pytest.raises(IndexError):
        truth[np.ones((2, 4), bool)]
    with pytest.raises(IndexError):
        lazy[np.ones((2, 4), bool)]


def test_masked_writes_as_numpy(rng):
    a = random_array(rng, (6, 4), "int32")
    mask = a > 0
    lazy = ld.LazyScaledDataset(a.copy(), 1)
    truth = a.copy()
    lazy[mask] = 0
    truth[mask] = 0
    np.testing.assert_array_equal(lazy[:], truth)


@pytest.mark.parametrize("kind", KINDS)
def test_mask_box_reads_and_writes_as_numpy(sources, kind):
    """A dense mask over every axis reads the box around its true elements;
    values written through it land where NumPy puts them."""
    held, arrays = sources
    ds, truth = held[kind]["a"], arrays["a"].copy()
    lazy = ld.LazyScaledDataset(ds, 1) if kind in ("numpy", "h5py") else ds
    mask = np.zeros(truth.shape, bool)
    mask[1:4, 1:3, :2] = True
    mask[2, 1, 0] = False
    np.testing.assert_array_equal(lazy[mask], truth[mask])
    values = np.arange(mask.sum()) * 3
    lazy[mask] = values
    truth[mask] = values
    np.testing.assert_array_equal(lazy[...], truth)
    lazy[truth > 0] = -1
    truth[truth > 0] = -1
    np.testing.assert_array_equal(lazy[...], truth)


VIEWS = [
    lambda x, y: ld.LazyConcatenatedDataset([x, y], axis=1),
    lambda x, y: ld.LazyTransposedDataset(x, (1, 0)),
    lambda x, y: ld.LazyCastDataset(x, "int64"),
    lambda x, y: ld.LazyDecodedDataset(x, scale_factor=2.0, add_offset=1.0),
    lambda x, y: ld.LazyMappedDataset(x, np.negative),
]


@pytest.mark.parametrize("make", VIEWS)
def test_views_pickle(tmp_path, rng, make):
    a, b = random_array(rng, (5, 3), "int16"), random_array(rng, (5, 3), "int16")
    path = tmp_path / "p.h5"
    with h5py.File(path, "w") as f:
        f["a"], f["b"] = a, b
    for x, y in [(a, b), (ld.open_hdf5(path, "a"), ld.open_hdf5(path, "b"))]:
        view = make(x, y)
        again = pickle.loads(pickle.dumps(view))
        assert type(again) is type(view) and again.dtype == view.dtype
        np.testing.assert_array_equal(again[:], view[:])


def test_views_compose(tmp_path, rng):
    """Stack of concatenations of transposes of casts over native files,
    read in Rust, equal to NumPy's composition."""
    a = random_array(rng, (3, 4), "int16")
    b = random_array(rng, (3, 2), "uint8")
    path = tmp_path / "c.h5"
    with h5py.File(path, "w") as f:
        f["a"], f["b"] = a, b
    na, nb = ld.open_hdf5(path, "a"), ld.open_hdf5(path, "b")
    joined = ld.LazyConcatenatedDataset([na, ld.LazyCastDataset(nb, "int16")], axis=1)
    stacked = ld.LazyStackedDataset([joined, joined.T.T], axis=0)
    assert stacked.native
    one = np.concatenate([a, b.astype("int16")], axis=1)
    got = stacked[:, ::-1, [5, 0]]
    want = np.stack([one, one], axis=0)[:, ::-1, [5, 0]]
    np.testing.assert_array_equal(got, want)
    decoded = ld.LazyDecodedDataset(ld.LazyTransposedDataset(joined), scale_factor=0.5)
    np.testing.assert_array_equal(decoded[:], one.T * 0.5)
