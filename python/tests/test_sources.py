"""Sources: h5py datasets and zarr arrays through their own ``__getitem__``,
and the native opens ``open_hdf5`` / ``open_zarr``, against h5py, zarr and
the reference module."""

import pickle

import h5py
import numpy as np
import pytest
import zarr

import lazy_datasets as ld
from conftest import DTYPES, random_array, serve_dir

SHAPE = (40, 7)

KEYS = [
    (),
    3,
    slice(5, 30, 3),
    slice(None, None, -4),
    (slice(2, 9), 4),
    (Ellipsis, -1),
    [30, 2, 2, 17],
    (slice(None), [6, 0]),
    ([1, 5], [2, 3]),
    (None, slice(3, 5)),
    (0, 1, 2),
]


@pytest.fixture
def h5file(tmp_path, rng):
    """An HDF5 file with x, y, z (chunked, gzip + shuffle) of each dtype."""
    path = tmp_path / "data.h5"
    arrays = {}
    with h5py.File(path, "w") as f:
        for dtype in DTYPES:
            for name in "xyz":
                a = random_array(rng, SHAPE, dtype)
                arrays[f"{dtype}/{name}"] = a
                f.create_dataset(f"{dtype}/{name}", data=a, chunks=(8, 7), compression="gzip", shuffle=True)
    return path, arrays


@pytest.fixture
def zstore(tmp_path, rng):
    """A Zarr store with x, y, z of each dtype."""
    path = tmp_path / "data.zarr"
    root = zarr.open_group(str(path), mode="w")
    arrays = {}
    for dtype in DTYPES:
        for name in "xyz":
            a = random_array(rng, SHAPE, dtype)
            arrays[f"{dtype}/{name}"] = a
            z = root.create_array(f"{dtype}/{name}", shape=SHAPE, chunks=(8, 4), dtype=dtype)
            z[...] = a
    return path, arrays


def expect(ours, truth, key):
    try:
        want = truth[key]
    except IndexError:
        with pytest.raises(IndexError):
            ours[key]
        return
    got = ours[key]
    assert np.shape(got) == np.shape(want), key
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_h5py_sources(ref, h5file, dtype):
    path, arrays = h5file
    truth = np.stack([arrays[f"{dtype}/{n}"] for n in "xyz"], axis=-1)
    with h5py.File(path, "r") as f:
        dsets = [f[f"{dtype}/{n}"] for n in "xyz"]
        ours = ld.LazyStackedDataset(dsets)
        reference = ref.LazyStackedDataset(dsets)
        assert not ours.native
        for key in KEYS:
            expect(ours, truth, key)
            try:
                theirs = reference[key]
            except (IndexError, TypeError, ValueError):
                continue
            np.testing.assert_array_equal(ours[key], theirs)
        if dtype != "bool":
            scaled = ld.LazyScaledDataset(dsets[0], 2.0)
            x = arrays[f"{dtype}/x"]
            # h5py refuses negative steps: the reference cannot read this key.
            np.testing.assert_array_equal(scaled[::-3, [5, 1]], (x * 2.0)[::-3, [5, 1]])
            np.testing.assert_array_equal(scaled[3:9, [1, 5]], ref.LazyScaledDataset(dsets[0], 2.0)[3:9, [1, 5]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_native_hdf5_reads(h5file, dtype):
    path, arrays = h5file
    x, y, z = (ld.open_hdf5(path, f"{dtype}/{n}") for n in "xyz")
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype) and x.native
    truth = np.stack([arrays[f"{dtype}/{n}"] for n in "xyz"], axis=-1)
    stack = ld.LazyStackedDataset([x, y, z])
    assert stack.native
    for key in KEYS:
        expect(stack, truth, key)
        expect(x, arrays[f"{dtype}/x"], key)
    np.testing.assert_array_equal(np.asarray(x), arrays[f"{dtype}/x"])


def test_native_hdf5_writes(h5file, rng):
    path, arrays = h5file
    x = ld.open_hdf5(path, "float64/x", mode="r+")
    y = ld.open_hdf5(path, "float64/y", mode="r+")
    xy = ld.LazyScaledDataset(ld.LazyStackedDataset([x, y]), 0.5)
    value = rng.standard_normal((10, 7, 2))
    xy[5:15] = value
    xy[0, [6, 1]] = 7.0
    del x, y, xy
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["float64/x"][5:15], value[..., 0] * 2)
        np.testing.assert_array_equal(f["float64/y"][5:15], value[..., 1] * 2)
        assert f["float64/x"][0, 6] == 14.0 and f["float64/y"][0, 1] == 14.0
        np.testing.assert_array_equal(f["float64/x"][20:], arrays["float64/x"][20:])


def test_a_native_source_stacked_twice_keeps_the_last_values(h5file, zstore, rng):
    """Stacks write their native sources side by side, except the same
    dataset twice (one handle, or two opens of it): written in order, so
    the last source's values win, as in the reference module."""
    path, _ = h5file
    zpath, _ = zstore
    for open_ in (
        lambda: ld.open_hdf5(path, "float64/x", mode="r+"),
        lambda: ld.open_zarr(zpath, "float64/x", mode="r+"),
    ):
        x = open_()
        for pair in ([x, x], [x, open_()]):
            value = rng.standard_normal((40, 7, 2))
            ld.LazyStackedDataset(pair)[...] = value
            np.testing.assert_array_equal(np.asarray(x), value[..., 1])


def test_read_only_opens_refuse_writes(h5file, zstore, tmp_path):
    path, arrays = h5file
    x = ld.open_hdf5(path, "int32/x")
    with pytest.raises(PermissionError, match="r\\+"):
        x[0] = 1
    # Through a view: nothing of the stack is written. (libhdf5 does not open
    # one file both read-only and for writing in one process: another file.)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["y"] = arrays["int32/y"]
    w = ld.open_hdf5(other, "y", mode="r+")
    with pytest.raises(PermissionError):
        ld.LazyStackedDataset([w, x])[0] = 1
    np.testing.assert_array_equal(w[0], arrays["int32/y"][0])
    zpath, _ = zstore
    with pytest.raises(PermissionError):
        ld.open_zarr(zpath, "int16/x")[0] = 1


def test_open_errors(tmp_path, h5file):
    path, _ = h5file
    with pytest.raises(OSError):
        ld.open_hdf5(tmp_path / "missing.h5", "x")
    with pytest.raises(OSError):
        ld.open_hdf5(path, "no/such")
    with pytest.raises(ValueError, match="mode"):
        ld.open_hdf5(path, "int8/x", mode="w")
    with pytest.raises(OSError):
        ld.open_zarr(tmp_path / "missing.zarr", "x")


def test_a_file_cut_short_under_an_open_dataset_raises(tmp_path):
    # Files open read-only are read through a memory mapping: a file cut
    # short under it must raise OSError, not kill the interpreter with
    # SIGBUS (pytest's faulthandler holds SIGBUS before the module's handler).
    path = tmp_path / "cut.h5"
    x = np.cumsum(np.random.default_rng(3).standard_normal(300_000))
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=x, chunks=(4000,), compression="gzip", shuffle=True)
    whole = tmp_path / "whole.h5"
    whole.write_bytes(path.read_bytes())
    np.testing.assert_array_equal(ld.open_hdf5(str(path), "x")[:], x)
    ds = ld.open_hdf5(str(path), "x")
    other = ld.open_hdf5(str(whole), "x")
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
    with pytest.raises(OSError, match="cut short"):
        ds[:]
    # The interpreter goes on, and another file still reads.
    np.testing.assert_array_equal(other[:], x)


@pytest.mark.parametrize("dtype", DTYPES)
def test_native_zarr(zstore, dtype):
    path, arrays = zstore
    x, y, z = (ld.open_zarr(path, f"{dtype}/{n}") for n in "xyz")
    assert x.native and x.dtype == np.dtype(dtype)
    truth = np.stack([arrays[f"{dtype}/{n}"] for n in "xyz"], axis=0)
    stack = ld.LazyStackedDataset([x, y, z], axis=0)
    for key in KEYS:
        expect(stack, truth, key)
    total = ld.LazySumDataset([x, y, z])
    np.testing.assert_array_equal(total[3:9], np.sum([a[3:9] for a in (arrays[f"{dtype}/{n}"] for n in "xyz")], axis=0))


def test_native_zarr_writes(zstore, rng):
    path, arrays = zstore
    x = ld.open_zarr(path, "int16/x", mode="r+")
    x[::-2, 3] = np.arange(20)
    want = arrays["int16/x"].copy()
    want[::-2, 3] = np.arange(20)
    np.testing.assert_array_equal(zarr.open_array(str(path / "int16" / "x"))[:], want)


@pytest.mark.parametrize("dtype", ["float64", "uint32"])
def test_zarr_python_sources(zstore, dtype):
    path, arrays = zstore
    zs = [zarr.open_array(str(path / dtype / n)) for n in "xyz"]
    truth = np.stack([arrays[f"{dtype}/{n}"] for n in "xyz"], axis=1)
    stack = ld.LazyStackedDataset(zs, axis=1)
    for key in KEYS:
        expect(stack, truth, key)


def test_h5py_writes_through_views(h5file, rng):
    path, arrays = h5file
    with h5py.File(path, "r+") as f:
        dsets = [f[f"int64/{n}"] for n in "xyz"]
        ours = ld.LazyStackedDataset(dsets, axis=0)
        ours[:, [9, 3, 3], ::-1] = 5
        ours[1, [0, 2], [1, 6]] = -1
        for n, a in zip("xyz", (arrays[f"int64/{n}"] for n in "xyz")):
            want = a.copy()
            want[[9, 3], ::-1] = 5
            if n == "y":
                want[[0, 2], [1, 6]] = -1
            np.testing.assert_array_equal(f[f"int64/{n}"][...], want)


def test_mixed_native_and_python_sources(h5file):
    path, arrays = h5file
    x = ld.open_hdf5(path, "float32/x")
    stack = ld.LazyStackedDataset([x, arrays["float32/y"]])
    assert not stack.native
    np.testing.assert_array_equal(stack[::7], np.stack([arrays["float32/x"], arrays["float32/y"]], -1)[::7])


def test_threads_read_native_and_python_sources(h5file):
    """Reads from several Python threads at once (the GIL is released around
    Rust reads; Python sources take it back for their __getitem__)."""
    from concurrent.futures import ThreadPoolExecutor

    path, arrays = h5file
    native = ld.LazyStackedDataset([ld.open_hdf5(path, f"float64/{n}") for n in "xyz"])
    python = ld.LazyStackedDataset([arrays[f"float64/{n}"] for n in "xyz"])
    truth = np.stack([arrays[f"float64/{n}"] for n in "xyz"], -1)

    def read(i):
        s = slice(i % 30, i % 30 + 10)
        return np.array_equal(native[s], truth[s]) and np.array_equal(python[s, ::-1], truth[s, ::-1])

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(read, range(200)))


class Failing:
    shape = (3, 2)
    dtype = np.dtype("int32")

    def __getitem__(self, key):
        raise KeyError("no data here")

    def __setitem__(self, key, value):
        raise RuntimeError("read-only source")


def test_exceptions_of_python_sources_come_back_as_themselves():
    stack = ld.LazyStackedDataset([Failing(), np.zeros((3, 2), np.int32)])
    with pytest.raises(KeyError, match="no data here"):
        stack[0]
    with pytest.raises(RuntimeError, match="read-only source"):
        stack[..., 0] = 1
    # Shape and dtype come from the object.
    assert stack.shape == (3, 2, 2) and stack.dtype == np.int32


class Rows:
    """A source that answers any key with a NumPy array: a stand-in for
    objects that are neither h5py nor NumPy."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.calls = a, a.shape, a.dtype, 0

    def __getitem__(self, key):
        self.calls += 1
        return self.a[key]


def test_one_getitem_call_per_source_per_read(rng):
    a = Rows(random_array(rng, (50, 4), "uint16"))
    b = Rows(random_array(rng, (50, 4), "uint16"))
    s = ld.LazySumDataset([a, b])
    np.testing.assert_array_equal(s[10:40:3, [3, 0]], (a.a.astype(np.uint64) + b.a)[10:40:3, [3, 0]])
    assert (a.calls, b.calls) == (1, 1)


def test_native_zarr_by_url(zstore):
    path, arrays = zstore
    url = path.resolve().as_uri()  # file:///...
    x = ld.open_zarr(url, "int16/x")
    assert x.dtype == np.int16 and x.native
    np.testing.assert_array_equal(x[::-5, [0, 6]], arrays["int16/x"][::-5, [0, 6]])
    f = ld.open_zarr(url, "float64/y")
    np.testing.assert_array_equal(f[...], arrays["float64/y"])
    w = ld.open_zarr(url, "uint32/z", mode="r+")
    w[0] = 9
    assert (ld.open_zarr(path, "uint32/z")[0] == 9).all()


@pytest.fixture
def h5url(h5file):
    """The HDF5 file of `h5file` served by HTTP with ranges on 127.0.0.1."""
    path, arrays = h5file
    with serve_dir(path.parent) as base:
        yield f"{base}/{path.name}", arrays


def test_native_hdf5_by_url(h5url):
    import pickle

    url, arrays = h5url
    x = ld.open_hdf5(url, "int16/x")
    assert x.dtype == np.int16 and x.native
    np.testing.assert_array_equal(x[::-5, [0, 6]], arrays["int16/x"][::-5, [0, 6]])
    stack = ld.LazyStackedDataset([ld.open_hdf5(url, f"float64/{n}") for n in "xyz"])
    np.testing.assert_array_equal(stack[...], np.stack([arrays[f"float64/{n}"] for n in "xyz"], -1))
    # Read-only: opening for writing is refused, and so is a write.
    with pytest.raises(ValueError, match="read-only"):
        ld.open_hdf5(url, "int16/x", mode="r+")
    with pytest.raises(PermissionError):
        x[0] = 1
    # Pickled as its URL, opened anew.
    back = pickle.loads(pickle.dumps(x))
    np.testing.assert_array_equal(back[...], arrays["int16/x"])
    with pytest.raises(OSError, match="no-such.h5"):
        ld.open_hdf5(url.replace("data.h5", "no-such.h5"), "int16/x")


def test_hdf5_datasets_lists_what_h5py_lists(h5file, h5url):
    path, arrays = h5file
    url, _ = h5url
    seen = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: seen.append("/" + name) if isinstance(obj, h5py.Dataset) else None)
    assert len(seen) == len(arrays)
    assert ld.hdf5_datasets(path) == sorted(seen)
    assert ld.hdf5_datasets(str(path)) == sorted(seen)
    assert ld.hdf5_datasets(url) == sorted(seen)
    with pytest.raises(OSError, match="no-such.h5"):
        ld.hdf5_datasets(path.parent / "no-such.h5")


@pytest.mark.parametrize("libver", ["earliest", "latest"])
def test_hdf5file_reads_attributes_and_scales_as_h5py(tmp_path, libver):
    path = tmp_path / "attrs.h5"
    with h5py.File(path, "w", libver=libver) as f:
        f.attrs["title"] = "run 1"
        f.attrs["fixed"] = np.bytes_(b"abc")
        f.attrs["fixed_list"] = np.array([b"a", b"bcd"])
        f.attrs["names"] = np.array(["x", "yz"], dtype=h5py.string_dtype())
        f.attrs["flags"] = np.array([True, False, True])
        t = f.create_dataset("g/t", data=np.arange(6.0).reshape(2, 3), chunks=(1, 3), compression="gzip")
        t.attrs["scale_factor"] = np.float32(0.5)
        t.attrs["valid_range"] = np.array([-3, 300], dtype="<i2")
        t.attrs["big"] = np.array([1, 2**40], dtype=">u8")
        t.attrs["units"] = "kelvin"
        t.attrs["matrix"] = np.arange(6, dtype="<i1").reshape(2, 3)
        for i in range(20):  # stored densely in a file of libver latest
            f["g"].attrs[f"a{i:02d}"] = np.int64(i)
        time = f.create_dataset("g/time", data=np.arange(2.0))
        time.make_scale("time")
        t.dims[0].attach_scale(time)
    files = [ld.HDF5File(path), ld.HDF5File(str(path))]
    with serve_dir(tmp_path) as base, h5py.File(path, "r") as f:
        files.append(ld.HDF5File(f"{base}/attrs.h5"))
        for file in files:
            assert file.dataset_paths() == ["/g/t", "/g/time"]
            assert file.members() == (["g"], [])
            assert file.members("g") == ([], ["t", "time"])
            for name in ["/", "/g", "/g/t", "/g/time"]:
                ours = file.attributes(name)
                theirs = dict(f[name].attrs)
                # h5py's reference and compound bookkeeping of scales is left out.
                skipped = {"DIMENSION_LIST", "REFERENCE_LIST"}
                assert sorted(ours) == sorted(set(theirs) - skipped), name
                for key, value in ours.items():
                    want = theirs[key]
                    assert type(value) is type(want), (name, key)
                    np.testing.assert_array_equal(np.asarray(value), np.asarray(want))
                    if isinstance(want, (np.ndarray, np.generic)):
                        # The same dtype, in native byte order.
                        assert value.dtype == want.dtype.newbyteorder("="), (name, key)
            assert file.dimension_scales("/g/t") == ["/g/time", None]
            assert file.maxshape("/g/t") == list(f["g/t"].maxshape)
            assert file.dimension_scales("g/time") == [None]
            t = file.open("/g/t")
            assert t.native and t.dtype == np.float64
            np.testing.assert_array_equal(t[::-1], f["g/t"][()][::-1])
            back = pickle.loads(pickle.dumps(t))
            np.testing.assert_array_equal(back[1], f["g/t"][1])
            with pytest.raises(PermissionError):
                t[0] = 1
            with pytest.raises(OSError, match="nope"):
                file.attributes("/nope")
            with pytest.raises(OSError, match="/g"):
                file.dimension_scales("/g")
        again = pickle.loads(pickle.dumps(files[-1]))
        assert again.location == files[-1].location and again.dataset_paths() == ["/g/t", "/g/time"]
    with pytest.raises(OSError, match="no-such.h5"):
        ld.HDF5File(tmp_path / "no-such.h5")


def test_dask_threaded(h5file):
    da = pytest.importorskip("dask.array")
    path, arrays = h5file
    stack = ld.LazyScaledDataset(ld.LazyStackedDataset([ld.open_hdf5(path, f"int16/{n}") for n in "xyz"]), 0.5)
    lazy = da.from_array(stack, chunks=(7, 3, 2))
    truth = np.stack([arrays[f"int16/{n}"] for n in "xyz"], -1) * 0.5
    np.testing.assert_array_equal(lazy.sum(axis=0).compute(scheduler="threads"), truth.sum(axis=0))
    np.testing.assert_array_equal(lazy[::-3, 2].compute(scheduler="threads"), truth[::-3, 2])


def test_pickle_native_datasets_and_views(h5file, zstore):
    import pickle

    path, arrays = h5file
    zpath, zarrays = zstore
    x = ld.open_hdf5(path, "float64/x")
    z = ld.open_zarr(zpath, "float64/z")
    view = ld.LazyScaledDataset(ld.LazyStackedDataset([x, z, arrays["float64/y"]], axis=0), 3.0)
    back = pickle.loads(pickle.dumps(view))
    assert type(back) is ld.LazyScaledDataset and back.scale_factor == 3.0
    np.testing.assert_array_equal(back[:, 5:9], view[:, 5:9])
    assert back.dataset.axis == 0 and back.dataset.datasets[0].native
    sums = pickle.loads(pickle.dumps(ld.LazySumDataset([x, z])))
    np.testing.assert_array_equal(sums[...], arrays["float64/x"] + zarrays["float64/z"])
    ors = pickle.loads(pickle.dumps(ld.LazyBooleanOrDataset([x, z])))
    np.testing.assert_array_equal(ors[...], (arrays["float64/x"] != 0) | (zarrays["float64/z"] != 0))
    # The mode travels: a read-only open stays read-only.
    with pytest.raises(PermissionError):
        pickle.loads(pickle.dumps(x))[0] = 1.0


def test_dask_processes(h5file):
    da = pytest.importorskip("dask.array")
    path, arrays = h5file
    stack = ld.LazyStackedDataset([ld.open_hdf5(path, f"uint8/{n}") for n in "xyz"], axis=0)
    lazy = da.from_array(stack, chunks=(1, 10, 7))
    got = lazy.astype(np.int64).sum(axis=(1, 2)).compute(scheduler="processes", num_workers=2)
    want = np.stack([arrays[f"uint8/{n}"] for n in "xyz"]).astype(np.int64).sum(axis=(1, 2))
    np.testing.assert_array_equal(got, want)
