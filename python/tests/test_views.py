"""The four classes against NumPy and the reference module, on random sources.

For every class, dtype and key, a read must equal NumPy's answer on the
materialised view (``np.stack``, ``* f``, ``np.sum``, ``np.logical_or.reduce``),
and the reference module's answer wherever the reference gives one. Writes are
checked the same way on copies of the sources.
"""

import numpy as np
import pytest

import lazy_datasets as ld
from conftest import DTYPES, random_array

SHAPE = (4, 5)
N = 4  # sources per stack: every stacked shape is a permutation of (4, 4, 5)


def mask_first(shape):
    return np.arange(shape[0]) % 2 == 0


def mask_second(shape):
    return (slice(None), np.arange(shape[1]) % 3 != 1)


def mask_2d(shape):
    return (np.add.outer(np.arange(shape[0]), np.arange(shape[1])) % 3 == 0,)


KEYS = [
    (),
    0,
    -1,
    slice(None),
    slice(1, 3),
    slice(None, None, 2),
    slice(None, None, -1),
    slice(3, 0, -2),
    slice(-2, None),
    slice(10, 20),
    (0, 1),
    (slice(None), 2),
    (slice(None), slice(None, None, -2)),
    (Ellipsis, 0),
    (0, Ellipsis),
    (Ellipsis,),
    [0, 2],
    [3, 0, 0],
    np.array([1, -1]),
    (slice(None), [3, 0, 2]),
    (1, [0, 3]),
    ([0, 1], [1, 2]),
    ([0, 1], slice(None), [1, 2]),
    (slice(None), 1, [0, 2]),
    (np.array([[0, 1], [2, 3]]), 0),
    None,
    (None, 0),
    (slice(None), None, 1),
    (Ellipsis, None),
    (0, None, slice(None, None, -1)),
    np.int64(2),
    (np.int32(1), slice(1, None)),
    (0, 1, 2),
    (-1, -1, -1),
    (Ellipsis, 1, slice(None)),
    (slice(None), slice(None), [2, 0]),
    mask_first,
    mask_second,
    mask_2d,
]


def resolve_key(key, shape):
    return key(shape) if callable(key) else key


def numpy_answer(truth, key):
    """NumPy's answer, or the exception type it raises."""
    try:
        return truth[key], None
    except (IndexError, ValueError) as e:
        return None, type(e)


def assert_same(ours, expected):
    ours = np.asarray(ours)
    expected = np.asarray(expected)
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(ours, expected)


def check_reads(ours, truth, reference=None):
    for key in KEYS:
        key = resolve_key(key, truth.shape)
        expected, error = numpy_answer(truth, key)
        if error is not None:
            with pytest.raises(error):
                ours[key]
            continue
        got = ours[key]
        assert np.isscalar(got) == np.isscalar(expected), key
        assert_same(got, expected)
        if reference is not None and not orthogonal_in_reference(key):
            try:
                ref_answer = reference[key]
            except (IndexError, TypeError, ValueError):
                continue  # the reference refuses this key; NumPy's answer counts
            assert_same(got, ref_answer)


def orthogonal_in_reference(key):
    """Whether the reference stack reads `key` orthogonally where NumPy reads
    it pointwise (arrays on two axes, one of them the stacked axis): NumPy's
    answer wins (see the README)."""
    items = key if isinstance(key, tuple) else (key,)
    return sum(isinstance(k, (list, np.ndarray)) and np.ndim(k) > 0 for k in items) > 1


def sources(rng, dtype, n=N):
    return [random_array(rng, SHAPE, dtype) for _ in range(n)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [-1, 0, 1, -3])
def test_stacked_reads(ref, rng, dtype, axis):
    srcs = sources(rng, dtype)
    ours = ld.LazyStackedDataset(srcs, axis=axis)
    truth = np.stack(srcs, axis=axis)
    assert ours.shape == truth.shape and ours.ndim == truth.ndim
    assert ours.dtype == truth.dtype
    assert ours.axis == axis
    reference = ref.LazyStackedDataset(srcs, axis=axis)
    assert ours.normalized_axis == reference.normalized_axis
    assert ours.shape == reference.shape
    assert all(a is b for a, b in zip(ours.datasets, srcs))
    check_reads(ours, truth, reference)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("factor", [2.0, 0.5, -1.0, 0.0])
def test_scaled_reads(ref, rng, dtype, factor):
    (src,) = sources(rng, dtype, 1)
    ours = ld.LazyScaledDataset(src, factor)
    reference = ref.LazyScaledDataset(src, factor)
    truth = src * factor
    assert ours.scale_factor == factor and ours.dataset is src
    assert ours.shape == SHAPE and ours.ndim == 2
    # The dtype is that of the values read (the reference reports the source's).
    assert ours.dtype == truth.dtype
    check_reads(ours, truth, reference)


def test_scaled_default_factor(ref, rng):
    (src,) = sources(rng, "int16", 1)
    ours = ld.LazyScaledDataset(src)
    assert ours.scale_factor == 1.0
    assert_same(ours[:], ref.LazyScaledDataset(src)[:])


@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_reads(ref, rng, dtype):
    srcs = sources(rng, dtype, 3)
    ours = ld.LazySumDataset(srcs)
    reference = ref.LazySumDataset(srcs)
    truth = np.sum(srcs, axis=0)
    assert ours.shape == SHAPE
    assert ours.dtype == truth.dtype  # np.sum's dtype: small integers widen
    assert all(a is b for a, b in zip(ours.datasets, srcs))
    check_reads(ours, truth, reference)


def test_sum_of_mixed_dtypes(ref, rng):
    srcs = [random_array(rng, SHAPE, "int8"), random_array(rng, SHAPE, "float32")]
    ours = ld.LazySumDataset(srcs)
    assert_same(ours[1:3], ref.LazySumDataset(srcs)[1:3])


@pytest.mark.parametrize("dtype", DTYPES)
def test_boolean_or_reads(ref, rng, dtype):
    srcs = sources(rng, dtype, 3)
    ours = ld.LazyBooleanOrDataset(srcs)
    reference = ref.LazyBooleanOrDataset(srcs)
    truth = np.logical_or.reduce(srcs)
    assert ours.dtype == np.bool_
    check_reads(ours, truth, reference)


def test_boolean_or_of_mixed_dtypes(ref, rng):
    srcs = [random_array(rng, SHAPE, "bool"), random_array(rng, SHAPE, "float64")]
    assert_same(ld.LazyBooleanOrDataset(srcs)[:], ref.LazyBooleanOrDataset(srcs)[:])


def test_views_compose(rng):
    a, b, c = sources(rng, "float64", 3)
    ours = ld.LazyScaledDataset(ld.LazyStackedDataset([a, ld.LazySumDataset([b, c])], axis=0), 3.0)
    truth = np.stack([a, b + c]) * 3.0
    check_reads(ours, truth)


WRITE_KEYS = [
    (),
    0,
    slice(1, 3),
    slice(None, None, -2),
    (slice(None), 2),
    (Ellipsis, 0),
    [3, 0],
    (slice(None), [3, 0, 2]),
    (1, [0, 3]),
    ([0, 1], [1, 2]),
    ([0, 2], slice(None), [1, 2]),
    (None, 0),
    (0, 1, 2),
    mask_first,
    mask_second,
    mask_2d,
]


def write_value(rng, shape, dtype, scalar):
    if scalar:
        return random_array(rng, (), dtype)[()]
    return random_array(rng, shape, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("scalar", [False, True])
def test_stacked_writes(ref, rng, dtype, axis, scalar):
    for key in WRITE_KEYS:
        srcs = sources(rng, dtype)
        truth = np.stack(srcs, axis=axis)
        key = resolve_key(key, truth.shape)
        try:
            truth[key]
        except IndexError:
            continue
        value = write_value(rng, truth[key].shape, dtype, scalar)
        mine = [s.copy() for s in srcs]
        ours = ld.LazyStackedDataset(mine, axis=axis)
        ours[key] = value
        truth[key] = value
        np.testing.assert_array_equal(np.stack(mine, axis=axis), truth)
        # The reference, where it accepts the key, writes the same.
        theirs = [s.copy() for s in srcs]
        try:
            ref.LazyStackedDataset(theirs, axis=axis)[key] = value
        except (IndexError, TypeError, ValueError):
            continue
        if isinstance(key, tuple) and sum(isinstance(k, list) for k in key) > 1:
            continue  # the reference writes lists on two axes pointwise into each source
        np.testing.assert_array_equal(np.stack(theirs, axis=axis), truth)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d != "bool"])
@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_scaled_writes(ref, rng, dtype, factor):
    for key in WRITE_KEYS:
        (src,) = sources(rng, dtype, 1)
        key = resolve_key(key, src.shape)
        try:
            shape = np.shape(src[key])
        except IndexError:
            continue
        value = np.abs(random_array(rng, shape, dtype)).astype(dtype) * factor
        mine, theirs = src.copy(), src.copy()
        ld.LazyScaledDataset(mine, factor)[key] = value
        expected = src.copy()
        expected[key] = value / factor
        np.testing.assert_array_equal(mine, expected)
        ref.LazyScaledDataset(theirs, factor)[key] = value
        np.testing.assert_array_equal(mine, theirs)


def test_scaled_writes_round_trip(rng):
    src = random_array(rng, SHAPE, "float64")
    ours = ld.LazyScaledDataset(src, 4.0)
    ours[1:3, ::-1] = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(ours[1:3, ::-1], np.arange(10.0).reshape(2, 5))


# Errors, as the reference raises them.


@pytest.mark.parametrize("cls", ["LazyStackedDataset", "LazySumDataset", "LazyBooleanOrDataset"])
def test_empty_list_is_a_value_error(ref, cls):
    with pytest.raises(ValueError):
        getattr(ref, cls)([])
    with pytest.raises(ValueError, match="At least one dataset is required"):
        getattr(ld, cls)([])


def test_stack_checks_shapes_dtypes_and_axis(ref):
    a, b = np.zeros((3, 2)), np.zeros((2, 2))
    for module in (ref, ld):
        with pytest.raises(ValueError, match="same shape"):
            module.LazyStackedDataset([a, b])
        with pytest.raises(ValueError, match="same dtype"):
            module.LazyStackedDataset([a, a.astype(np.float32)])
        with pytest.raises(ValueError, match="Axis out of bounds"):
            module.LazyStackedDataset([a, a], axis=3)
        with pytest.raises(ValueError, match="Axis out of bounds"):
            module.LazyStackedDataset([a, a], axis=-4)
    assert ld.LazyStackedDataset([a, a], axis=2).shape == (3, 2, 2)
    assert ld.LazyStackedDataset([a, a], axis=-3).shape == (2, 3, 2)


def test_write_with_scale_zero_is_a_value_error(ref):
    a = np.ones(3)
    for module in (ref, ld):
        with pytest.raises(ValueError, match="scale_factor=0"):
            module.LazyScaledDataset(a, 0.0)[0] = 1.0
    assert a[0] == 1.0


@pytest.mark.parametrize("cls", ["LazySumDataset", "LazyBooleanOrDataset"])
def test_writes_to_sums_and_ors_are_not_implemented(ref, cls):
    a = np.zeros(3)
    for module in (ref, ld):
        with pytest.raises(NotImplementedError):
            getattr(module, cls)([a, a])[0] = 1.0
    # Through a stack too, and nothing is written.
    view = getattr(ld, cls)([a, a])
    b = np.zeros(3, dtype=view.dtype)
    with pytest.raises(NotImplementedError):
        ld.LazyStackedDataset([b, view])[:] = 1
    assert not b.any()


def test_too_many_indices_is_an_index_error(ref):
    a = np.zeros((2, 3))
    with pytest.raises(IndexError):
        ref.LazyStackedDataset([a, a])[0, 0, 0, 0]
    for ours in (ld.LazyStackedDataset([a, a]), ld.LazyScaledDataset(a), ld.LazySumDataset([a])):
        with pytest.raises(IndexError):
            ours[(0,) * (ours.ndim + 1)]
    for ours in (ld.LazyStackedDataset([a, a]), ld.LazyScaledDataset(a)):
        with pytest.raises(IndexError):
            ours[(0,) * (ours.ndim + 1)] = 1.0


def test_bad_keys(rng):
    a = random_array(rng, SHAPE, "float64")
    ours = ld.LazyScaledDataset(a)
    with pytest.raises(IndexError):
        ours[4]
    with pytest.raises(IndexError):
        ours[[0, 9]]
    with pytest.raises(IndexError):
        ours[np.array([True, False])]
    with pytest.raises(IndexError):
        ours["x"]
    with pytest.raises(IndexError):
        ours[..., ...]
    with pytest.raises(ValueError):
        ours[::0]
    with pytest.raises(ValueError, match="broadcast"):
        ours[0:2] = np.zeros(3)


def test_unsupported_dtype_is_a_type_error():
    with pytest.raises(TypeError):
        ld.LazyScaledDataset(np.zeros(3, dtype=np.complex128))
    with pytest.raises(TypeError):
        ld.LazyScaledDataset(object())


# The ecosystem.


def test_dataset_like_protocol(ref, rng):
    a = random_array(rng, SHAPE, "float64")
    for ours in (
        ld.LazyStackedDataset([a, a]),
        ld.LazyScaledDataset(a, 2.0),
        ld.LazySumDataset([a, a]),
        ld.LazyBooleanOrDataset([a, a]),
    ):
        assert isinstance(ours, ref.DatasetLike)
        assert isinstance(ours, ld.LazyDataset)


def test_asarray_len_size(rng):
    a = random_array(rng, SHAPE, "int32")
    ours = ld.LazyStackedDataset([a, a + 1], axis=0)
    np.testing.assert_array_equal(np.asarray(ours), np.stack([a, a + 1]))
    assert np.asarray(ours, dtype=np.float64).dtype == np.float64
    assert np.array(ours).shape == (2, 4, 5)
    assert len(ours) == 2 and ours.size == 40
    with pytest.raises(TypeError):
        len(ld.LazyScaledDataset(np.float64(1.0) * np.ones(())))


def test_scalar_reads_are_numpy_scalars(rng):
    a = random_array(rng, SHAPE, "int16")
    assert ld.LazySumDataset([a])[1, 2] == a[1, 2]
    assert isinstance(ld.LazySumDataset([a])[1, 2], np.int64)


def test_zero_dimensional_results_as_numpy(rng):
    a = random_array(rng, SHAPE, "float64")
    ours = ld.LazyScaledDataset(a, 1.0)
    assert np.isscalar(ours[1, 2])
    assert not np.isscalar(ours[1, 2, ...]) and ours[1, 2, ...].shape == ()
    zero = ld.LazyScaledDataset(np.float64(3.0) * np.ones(()), 2.0)
    assert zero.shape == () and zero[()] == 6.0 and np.isscalar(zero[()])
    assert zero[...].shape == () and not np.isscalar(zero[...])
