"""Property-based tests: random ranks, shapes (the kernel may be the larger
input), modes, dtypes and functions against scipy.signal (method='direct').

Example counts come from the hypothesis profile loaded in conftest.py
(fewer under the sanitizer run)."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

import convcore
from _reference import assert_conv_equal

DTYPES = {
    # int16: exact, and full-range values make every sum wrap around.
    "int16": st.integers(-2**15, 2**15 - 1),
    "float64": st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=64),
}


@st.composite
def problems(draw, ranks=(1, 2, 3)):
    rank = draw(st.sampled_from(ranks))
    dtype = draw(st.sampled_from(sorted(DTYPES)))
    side = st.integers(1, 12)
    shape1 = tuple(draw(st.lists(side, min_size=rank, max_size=rank)))
    shape2 = tuple(draw(st.lists(side, min_size=rank, max_size=rank)))
    a = draw(hnp.arrays(dtype, shape1, elements=DTYPES[dtype]))
    b = draw(hnp.arrays(dtype, shape2, elements=DTYPES[dtype]))
    mode = draw(st.sampled_from(["full", "same", "valid"]))
    return a, b, mode


def _valid_exists(a, b):
    return (all(x >= y for x, y in zip(a.shape, b.shape))
            or all(x <= y for x, y in zip(a.shape, b.shape)))


def _check(fn, ref_fn, a, b, mode, fill=0, boundary="fill"):
    if mode == "valid" and not _valid_exists(a, b):
        for f in (ref_fn, fn):
            try:
                f(a, b, mode)
            except ValueError:
                continue
            raise AssertionError(f"{f} accepted shapes {a.shape} {b.shape} in 'valid' mode")
        return
    ref = ref_fn(a, b, mode)
    a_before, b_before = a.copy(), b.copy()
    got = fn(a, b, mode)
    assert_conv_equal(got, ref, a, b, fill=fill, boundary=boundary,
                      err_msg=f"shapes {a.shape} {b.shape} mode={mode}")
    np.testing.assert_array_equal(a, a_before)
    np.testing.assert_array_equal(b, b_before)


@given(problems(), st.sampled_from(["convolve", "correlate"]),
       st.sampled_from(["auto", "direct"]))
def test_nd_matches_scipy(problem, fn, method):
    a, b, mode = problem
    _check(lambda x, y, m: getattr(convcore, fn)(x, y, m, method),
           lambda x, y, m: getattr(signal, fn)(x, y, m, method="direct"), a, b, mode)


@given(problems(ranks=(2,)), st.sampled_from(["convolve2d", "correlate2d"]),
       st.sampled_from(["fill", "wrap", "symm"]), st.integers(-3, 3))
def test_2d_matches_scipy(problem, fn, boundary, fillvalue):
    a, b, mode = problem

    def ref(x, y, m):
        return getattr(signal, fn)(x, y, m, boundary, fillvalue)

    def got(x, y, m):
        return getattr(convcore, fn)(x, y, m, boundary, fillvalue)

    _check(got, ref, a, b, mode, fill=fillvalue, boundary=boundary)
