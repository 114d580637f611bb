"""Random NumPy keys (integers, slices with any step, lists, masks, arrays of
two dimensions, None, Ellipsis) against NumPy's own answer, reads and writes."""

import numpy as np
import pytest

import lazy_datasets as ld


def random_item(rng, n):
    kind = rng.integers(0, 7)
    if kind == 0:
        return int(rng.integers(-n, n))
    if kind == 1:
        bounds = [None, *range(-n - 1, n + 2)]
        step = [None, 1, 2, 3, -1, -2, -3][rng.integers(0, 7)]
        return slice(bounds[rng.integers(0, len(bounds))], bounds[rng.integers(0, len(bounds))], step)
    if kind == 2:
        return list(rng.integers(-n, n, size=rng.integers(1, 4)))
    if kind == 3:
        return rng.random(n) < 0.5
    if kind == 4:
        return rng.integers(0, n, size=(2, 2))
    if kind == 5:
        return None
    return slice(None)


def random_key(rng, shape):
    items = [random_item(rng, n) for n in shape[: rng.integers(0, len(shape) + 1)]]
    if rng.random() < 0.3:
        items.insert(int(rng.integers(0, len(items) + 1)), Ellipsis)
    if rng.random() < 0.3:
        items.insert(int(rng.integers(0, len(items) + 1)), None)
    return tuple(items)


@pytest.mark.parametrize("seed", range(4))
def test_random_keys(seed):
    rng = np.random.default_rng(seed)
    srcs = [rng.integers(0, 100, size=(4, 5)).astype(np.int32) for _ in range(4)]
    ours = ld.LazyStackedDataset(srcs, axis=1)
    truth = np.stack(srcs, axis=1)
    check_keys(rng, ours, truth, 1500, lambda: [s.copy() for s in srcs], srcs)


def check_keys(rng, ours, truth, count, fresh, srcs, stack=None):
    """Reads of `count` random keys of `ours` equal `truth`'s; writes through
    a stack of `fresh()` sources (along axis 1) equal NumPy's."""
    checked = 0
    for _ in range(count):
        key = random_key(rng, truth.shape)
        try:
            want = truth[key]
        except IndexError:
            with pytest.raises(IndexError):
                ours[key]
            continue
        got = ours[key]
        assert np.shape(got) == np.shape(want), key
        np.testing.assert_array_equal(got, want, err_msg=repr(key))
        # Writes, where the key names no element twice (NumPy leaves the
        # order of repeated writes unspecified).
        target = np.arange(truth.size).reshape(truth.shape)[key]
        if np.unique(np.asarray(target)).size != np.size(target):
            continue
        value = rng.integers(0, 100, size=np.shape(want)).astype(np.int32)
        mine = fresh()
        ld.LazyStackedDataset(mine, axis=1)[key] = value
        expected = np.stack(srcs, axis=1)
        expected[key] = value
        np.testing.assert_array_equal(np.stack([np.asarray(m[...]) for m in mine], axis=1), expected, err_msg=repr(key))
        fresh()  # the next reads see the sources as they were
        checked += 1
    assert checked > count // 20


@pytest.mark.parametrize("kind", ["h5py", "hdf5", "zarr"])
def test_random_keys_on_files(tmp_path, kind):
    import h5py
    import zarr

    rng = np.random.default_rng(7)
    srcs = [rng.integers(0, 100, size=(4, 5)).astype(np.int32) for _ in range(4)]
    h5 = tmp_path / "k.h5"
    with h5py.File(h5, "w") as f:
        for i, s in enumerate(srcs):
            f.create_dataset(f"s{i}", data=s, chunks=(2, 2))
    store = tmp_path / "k.zarr"
    root = zarr.open_group(str(store), mode="w")
    for i, s in enumerate(srcs):
        root.create_array(f"s{i}", shape=s.shape, chunks=(3, 2), dtype=s.dtype)[...] = s
    if kind == "h5py":
        f = h5py.File(h5, "r+")
        opened = [f[f"s{i}"] for i in range(4)]

        def fresh():
            for i, s in enumerate(srcs):
                opened[i][...] = s
            return opened
    elif kind == "hdf5":
        opened = [ld.open_hdf5(h5, f"s{i}", mode="r+") for i in range(4)]

        def fresh():
            for o, s in zip(opened, srcs):
                o[...] = s
            return opened
    else:
        opened = [ld.open_zarr(store, f"s{i}", mode="r+") for i in range(4)]

        def fresh():
            for o, s in zip(opened, srcs):
                o[...] = s
            return opened
    ours = ld.LazyStackedDataset(opened, axis=1)
    check_keys(rng, ours, np.stack(srcs, axis=1), 200, fresh, srcs)
