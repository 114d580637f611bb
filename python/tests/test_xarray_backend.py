"""The xarray backend ``engine="lazy_datasets"`` against xarray's own
engines (netcdf4, h5netcdf, zarr) on files written here: CF packing, an
unlimited dimension, times, a group, Zarr v2 and v3 stores."""

import pickle

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
netCDF4 = pytest.importorskip("netCDF4")

from lazy_datasets.xarray_backend import LazyBackendArray, LazyDatasetsBackendEntrypoint  # noqa: E402

ENGINE = "lazy_datasets"


@pytest.fixture
def ncfile(tmp_path, rng):
    """A netCDF-4 file: an unlimited time axis with CF times, packed int16
    temperatures with a fill value and a valid range, a float field, flags,
    a dimension with no variable, and a group."""
    path = tmp_path / "obs.nc"
    with netCDF4.Dataset(path, "w") as nc:
        nc.title = "test observations"
        nc.history = np.array([1, 2, 3], "int32")
        nc.createDimension("time", None)
        nc.createDimension("y", 4)
        nc.createDimension("x", 5)
        nc.createDimension("nv", 2)
        time = nc.createVariable("time", "f8", ("time",))
        time.units = "days since 2000-01-01"
        time.calendar = "standard"
        time[:] = np.arange(6) * 0.5
        y = nc.createVariable("y", "f4", ("y",))
        y[:] = np.linspace(-1, 1, 4)
        t = nc.createVariable("t", "i2", ("time", "y", "x"), fill_value=-32767, zlib=True, chunksizes=(2, 2, 5))
        t.set_auto_maskandscale(False)
        t.scale_factor = np.float32(0.01)
        t.add_offset = np.float32(273.15)
        t.valid_range = np.array([-3000, 3000], "i2")
        t.units = "K"
        t.long_name = "temperature"
        raw = rng.integers(-3500, 3500, size=(6, 4, 5)).astype("i2")
        raw[0, 0, 0] = -32767
        t[:] = raw
        p = nc.createVariable("p", "f8", ("y", "x"))
        p[:] = rng.standard_normal((4, 5))
        flags = nc.createVariable("flags", "u1", ("time", "x"))
        flags[:] = rng.integers(0, 4, size=(6, 5))
        bounds = nc.createVariable("y_bounds", "f4", ("y", "nv"))
        bounds[:] = rng.standard_normal((4, 2))
        g = nc.createGroup("inner")
        g.createDimension("z", 3)
        gz = g.createVariable("depth", "i4", ("z", "x"))
        gz.units = "m"
        gz[:] = np.arange(15).reshape(3, 5)
    return path


def assert_same(ours, theirs):
    """Values, dims, coordinates and attributes as xarray's own engine."""
    xr.testing.assert_identical(ours, theirs)
    for name in theirs.variables:
        assert ours[name].dtype == theirs[name].dtype, name


@pytest.mark.parametrize("mask_and_scale", [True, False])
@pytest.mark.parametrize("decode_times", [True, False])
def test_netcdf4_equals_netcdf4_engine(ncfile, mask_and_scale, decode_times):
    kw = dict(mask_and_scale=mask_and_scale, decode_times=decode_times)
    with xr.open_dataset(ncfile, engine="netcdf4", **kw) as theirs, xr.open_dataset(ncfile, engine=ENGINE, **kw) as ours:
        assert_same(ours, theirs)
        assert ours.encoding["unlimited_dims"] == {"time"}


def test_netcdf4_group_equals_netcdf4_engine(ncfile):
    with xr.open_dataset(ncfile, engine="netcdf4", group="inner") as theirs, xr.open_dataset(
        ncfile, engine=ENGINE, group="inner"
    ) as ours:
        assert_same(ours, theirs)


def test_equals_h5netcdf_engine(ncfile):
    pytest.importorskip("h5netcdf")
    with xr.open_dataset(ncfile, engine="h5netcdf") as theirs, xr.open_dataset(ncfile, engine=ENGINE) as ours:
        assert_same(ours, theirs)


def test_h5netcdf_written_file(tmp_path, rng):
    pytest.importorskip("h5netcdf")
    path = tmp_path / "h5n.nc"
    ds = xr.Dataset(
        {"v": (("a", "b"), rng.standard_normal((3, 4)).astype("f4"), {"units": "m"})},
        coords={"a": [10, 20, 30]},
        attrs={"source": "h5netcdf"},
    )
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as theirs, xr.open_dataset(path, engine=ENGINE) as ours:
        assert_same(ours, theirs)


def test_opens_lazily_and_reads_windows(ncfile):
    with xr.open_dataset(ncfile, engine="netcdf4") as theirs, xr.open_dataset(ncfile, engine=ENGINE) as ours:
        t = ours["t"]
        assert not t.variable._in_memory
        backend = t.variable._data
        while not isinstance(backend, LazyBackendArray):
            backend = backend.array
        assert backend.array.native  # a native dataset of this package
        for sel in [
            dict(time=slice(1, 4)),
            dict(time=-1, x=slice(None, None, -2)),
            dict(y=[3, 0, 3], x=[4, 1]),
            dict(time=2, y=[1, 2], x=0),
        ]:
            xr.testing.assert_identical(t.isel(sel), theirs["t"].isel(sel))
        pick = dict(time=xr.DataArray([0, 5], dims="k"), x=xr.DataArray([1, 3], dims="k"))
        xr.testing.assert_identical(t.isel(pick), theirs["t"].isel(pick))


def test_dask_chunks_and_pickle(ncfile):
    pytest.importorskip("dask")
    with xr.open_dataset(ncfile, engine="netcdf4") as theirs, xr.open_dataset(
        ncfile, engine=ENGINE, chunks={"time": 2}
    ) as ours:
        assert ours["t"].chunks == ((2, 2, 2), (4,), (5,))
        xr.testing.assert_identical(ours.compute(), theirs.load())
        again = pickle.loads(pickle.dumps(ours))
        xr.testing.assert_identical(again.compute(), theirs)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_equals_zarr_engine(tmp_path, rng, zarr_format):
    pytest.importorskip("zarr")
    path = tmp_path / f"store{zarr_format}.zarr"
    values = rng.integers(-100, 100, size=(5, 3)) * 0.5 + 3.0
    values[1, 1] = np.nan
    ds = xr.Dataset(
        {
            "t": (("time", "x"), values, {"units": "K"}),
            "w": (("x",), rng.standard_normal(3)),
        },
        coords={"time": np.arange(5) * np.timedelta64(1, "D") + np.datetime64("2020-01-01"), "x": [1.0, 2.0, 3.0]},
        attrs={"title": "zarr test"},
    )
    ds["t"].encoding.update(dtype="int16", scale_factor=0.5, add_offset=3.0, _FillValue=-999)
    ds.to_zarr(path, zarr_format=zarr_format, consolidated=False)
    with xr.open_dataset(path, engine="zarr", consolidated=False) as theirs, xr.open_dataset(path, engine=ENGINE) as ours:
        assert_same(ours, theirs)
        assert np.isnan(ours["t"].values[1, 1])
        xr.testing.assert_identical(ours["t"].isel(time=slice(1, 3)), theirs["t"].isel(time=slice(1, 3)))


def test_zarr_group(tmp_path, rng):
    path = tmp_path / "g.zarr"
    ds = xr.Dataset({"v": (("a",), rng.standard_normal(4))})
    ds.to_zarr(path, group="sub/inner", zarr_format=3, consolidated=False)
    with xr.open_dataset(path, engine="zarr", group="sub/inner", consolidated=False) as theirs, xr.open_dataset(
        path, engine=ENGINE, group="sub/inner"
    ) as ours:
        assert_same(ours, theirs)


def test_plain_hdf5_gets_phony_dims(tmp_path, rng):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "plain.h5"
    a, b = rng.standard_normal((3, 4)), rng.integers(0, 9, size=(4,))
    with h5py.File(path, "w") as f:
        f["a"], f["b"] = a, b
        f["a"].attrs["units"] = "m"
    with xr.open_dataset(path, engine=ENGINE) as ours:
        assert ours["a"].dims == ("phony_dim_0", "phony_dim_1")
        assert ours["b"].dims == ("phony_dim_1",)
        assert ours["a"].attrs == {"units": "m"}
        np.testing.assert_array_equal(ours["a"].values, a)
        np.testing.assert_array_equal(ours["b"].values, b)


def test_entry_point_is_registered_and_guesses(ncfile, tmp_path):
    assert ENGINE in xr.backends.list_engines()
    entry = LazyDatasetsBackendEntrypoint()
    assert entry.guess_can_open(str(ncfile))
    assert entry.guess_can_open(tmp_path / "x.zarr")
    assert entry.guess_can_open("a.hdf5") and not entry.guess_can_open("a.csv")
    assert "group" in entry.open_dataset_parameters
    with pytest.raises(TypeError):
        xr.open_dataset(object(), engine=ENGINE)


def test_string_variables_through_h5py(tmp_path):
    """Strings (variable-length and char arrays), which the native readers
    do not hold, are read through h5py as the netCDF engines give them."""
    path = tmp_path / "s.nc"
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("n", 3)
        nc.createDimension("len", 2)
        names = nc.createVariable("names", str, ("n",))
        names[:] = np.array(["a", "bb", "ccc"], object)
        chars = nc.createVariable("chars", "S1", ("n", "len"))
        chars[:] = np.array([[b"x", b"y"], [b"z", b""], [b"w", b"v"]])
        nc.createVariable("w", "i8", ("n",))[:] = [1, 2, 3]
    with xr.open_dataset(path, engine="netcdf4") as theirs, xr.open_dataset(path, engine=ENGINE) as ours:
        # Equal values; the strings are str objects (h5netcdf's way) where
        # the netcdf4 engine gives a fixed-width '<U3'.
        xr.testing.assert_identical(ours, theirs)
        assert isinstance(ours["names"].values[1], str)
        xr.testing.assert_identical(ours["names"].isel(n=[2, 0]), theirs["names"].isel(n=[2, 0]))


@pytest.mark.parametrize("group", [None, "inner"])
def test_netcdf4_by_url_equals_netcdf4_engine(ncfile, group):
    """By URL (HTTP with ranges here; s3:// and the others alike), metadata
    and data are read by lazy-datasets' own reader, without h5py."""
    from conftest import serve_dir

    with serve_dir(ncfile.parent) as base:
        url = f"{base}/{ncfile.name}"
        assert LazyDatasetsBackendEntrypoint().guess_can_open(url)
        with xr.open_dataset(ncfile, engine="netcdf4", group=group) as theirs, xr.open_dataset(
            url, engine=ENGINE, group=group
        ) as ours:
            assert_same(ours, theirs)
            assert ours.encoding["source"] == url
            assert ours.encoding["unlimited_dims"] == ({"time"} if group is None else set())
            # Chunk shapes as netCDF4 reports them (None where contiguous).
            for name in theirs.variables:
                want = theirs[name].encoding.get("chunksizes")
                got = ours[name].encoding["chunksizes"]
                assert (tuple(got) if got else None) == (tuple(want) if want else None), name
            window = ours["t"].isel(time=slice(2, 4)).values if group is None else ours["depth"][1:].values
            want = theirs["t"].isel(time=slice(2, 4)).values if group is None else theirs["depth"][1:].values
            np.testing.assert_array_equal(window, want)
            back = pickle.loads(pickle.dumps(ours))
            xr.testing.assert_identical(back.load(), theirs.load())


def test_by_url_string_variables_are_named(tmp_path):
    from conftest import serve_dir

    path = tmp_path / "s.nc"
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("n", 2)
        v = nc.createVariable("label", str, ("n",))
        v[0], v[1] = "a", "bc"
        nc.createVariable("x", "f8", ("n",))[:] = [1.0, 2.0]
    with serve_dir(tmp_path) as base:
        with pytest.raises(TypeError, match="'label'.*drop_variables"):
            xr.open_dataset(f"{base}/s.nc", engine=ENGINE)
        with xr.open_dataset(f"{base}/s.nc", engine=ENGINE, drop_variables="label") as ours:
            assert list(ours.data_vars) == ["x"]
            np.testing.assert_array_equal(ours["x"].values, [1.0, 2.0])


def test_local_file_without_h5py_reads_the_same(ncfile, monkeypatch):
    """Where h5py is not installed, local files are read as URLs are."""
    import lazy_datasets.xarray_backend as backend

    monkeypatch.setattr(backend, "_has_h5py", lambda: False)
    with xr.open_dataset(ncfile, engine="netcdf4") as theirs, xr.open_dataset(ncfile, engine=ENGINE) as ours:
        assert_same(ours, theirs)
        assert ours.encoding["unlimited_dims"] == {"time"}
