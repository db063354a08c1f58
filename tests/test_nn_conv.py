"""convcore.nn.conv1d/2d/3d and choose_conv_method against the plain NumPy
reference (_conv_ref, always) and torch (torch.nn.functional.convNd, and
torch.nn.ConvNd for the padding modes, when importable), for every
registered method and 'auto'.

The geometry matrix (rank x stride x padding x padding_mode x dilation x
groups x dtype) is a fixed pairwise list plus a fixed random sample, run for
every method; odd shapes, unbatched inputs, mixed dtypes, memory layouts,
SIMD levels (child processes with CONVCORE_ISA), thread counts, concurrent
calls, NaN/inf and the worked examples of the course run besides; hypothesis
draws the rest.
"""
import concurrent.futures
import json
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convcore
import convcore.nn as nn
from convcore import _dispatch
from convcore.nn import _conv_methods
from _conv_ref import (GEOMETRY_CASES, PADDING_MODES, SHAPE_CASES, TOL, assert_conv_close,
                       conv_bound, conv_ref, covered_pairs, explicit_pads, geometry_id,
                       geometry_problem, method_covers, random_case, seed_for, snapshot,
                       with_layout)

try:
    import torch
except ImportError:  # the NumPy reference still runs
    torch = None

# Every registered method (collected at import: methods merged later are
# covered as they are registered) and 'auto'.  A method that covers only
# some geometries ('winograd') runs the problems it covers
# (_conv_ref.method_covers); test_refused_where_not_covered checks the
# others raise.
FIXED_METHODS = list(_conv_methods.METHODS)
METHODS = ["auto", *FIXED_METHODS]


def methods_for(w_shape, kw=None):
    """The methods of METHODS that cover this geometry."""
    return [m for m in METHODS if method_covers(m, w_shape, kw or {})]
# Methods whose NaN reaches exactly the outputs whose window holds it; the
# others (transforms) may spread it further.
EXACT_NAN_METHODS = ("direct", "im2col")
DTYPES = [np.float32, np.float64]
CONV = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}


def _kwargs(kw):
    full = dict(stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros")
    full.update(kw)
    return full


def torch_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """torch.nn.functional.convNd, or torch.nn.ConvNd for a padding mode
    other than 'zeros' (x and w of one dtype)."""
    rank = np.asarray(w).ndim - 2
    tx = torch.from_numpy(np.array(x, dtype=np.asarray(x).dtype.newbyteorder("=")))
    tw = torch.from_numpy(np.array(w, dtype=np.asarray(w).dtype.newbyteorder("=")))
    tb = None if b is None else torch.from_numpy(np.array(b, dtype=tw.numpy().dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on 'same' with even kernels
        if padding_mode == "zeros":
            f = getattr(torch.nn.functional, f"conv{rank}d")
            return f(tx, tw, tb, stride, padding, dilation, groups).numpy()
        layer = getattr(torch.nn, f"Conv{rank}d")(
            tw.shape[1] * groups, tw.shape[0], tuple(tw.shape[2:]), stride, padding, dilation,
            groups, bias=tb is not None, padding_mode=padding_mode, dtype=tw.dtype)
        with torch.no_grad():
            layer.weight.copy_(tw)
            if tb is not None:
                layer.bias.copy_(tb)
            return layer(tx).numpy()


def check_against_references(got, x, w, b, kw, dtype, what, with_torch=True):
    """``got`` within the tolerance of the NumPy reference, and of torch."""
    ref = conv_ref(x, w, b, **kw)
    bound = conv_bound(x, w, b, **kw)
    assert got.dtype == ref.dtype == np.dtype(dtype), what
    assert_conv_close(got, ref, bound, dtype, what + " vs NumPy reference")
    if with_torch and torch is not None:
        assert_conv_close(got, torch_conv(x, w, b, **kw), bound, dtype, what + " vs torch")
    return ref


# -- the geometry matrix ---------------------------------------------------------

def _geometry(case):
    _, w_shape, kw, _ = geometry_problem(case)
    return w_shape, kw


@pytest.mark.parametrize("method,case", covered_pairs(METHODS, GEOMETRY_CASES, _geometry),
                         ids=lambda v: v if isinstance(v, str) else geometry_id(v))
def test_geometry_matrix(method, case):
    x_shape, w_shape, kw, dtype = geometry_problem(case)
    rank = len(w_shape) - 2
    rng = np.random.default_rng(seed_for(geometry_id(case)))
    x, w, b = random_case(rng, x_shape, w_shape, dtype, bias=rng.random() < 0.7)
    out = CONV[rank](x, w, b, **kw, method=method)
    check_against_references(out, x, w, b, kw, dtype, f"{method} {geometry_id(case)}")


def test_the_matrix_covers_every_value():
    """Every value of every axis occurs (the pairwise list is not cut)."""
    seen = {}
    for case in GEOMETRY_CASES:
        for axis, value in case.items():
            seen.setdefault(axis, set()).add(value)
    assert seen["rank"] == {1, 2, 3}
    assert seen["padding"] == {"0", "1", "tuple", "valid", "same"}
    assert seen["padding_mode"] == set(PADDING_MODES)
    assert seen["groups"] == {"g1", "g2", "depthwise", "depthwise_x2"}
    assert seen["dtype"] == {"float32", "float64"}
    assert {(c["padding"], c["dilation"]) for c in GEOMETRY_CASES
            if c["padding"] == "same"} >= {("same", "1"), ("same", "2")}


# -- odd shapes ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method,case", covered_pairs(METHODS, SHAPE_CASES, lambda c: c[2:]),
                         ids=lambda v: v if isinstance(v, str) else v[0])
def test_odd_shapes(method, case, dtype):
    name, x_shape, w_shape, kw = case
    kw = _kwargs(kw)
    rng = np.random.default_rng(seed_for(name))
    x, w, b = random_case(rng, x_shape, w_shape, dtype)
    out = CONV[len(w_shape) - 2](x, w, b, **kw, method=method)
    check_against_references(out, x, w, b, kw, dtype, f"{method} {name}")


@pytest.mark.parametrize("method", methods_for((3, 2, 7, 8)))
def test_a_kernel_equal_to_the_padded_input_gives_one_output(method):
    rng = np.random.default_rng(1)
    x, w, b = random_case(rng, (1, 2, 5, 6), (3, 2, 7, 8), np.float64)
    out = nn.conv2d(x, w, b, padding=1, method=method)
    assert out.shape == (1, 3, 1, 1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.einsum("nchw,ochw->no", xp, w) + b
    np.testing.assert_allclose(out[:, :, 0, 0], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", methods_for((2, 2, 3), dict(stride=3)))
def test_a_stride_that_does_not_tile_leaves_the_remainder_unused(method, rank):
    """Size 8, kernel 3, stride 3: windows start at 0 and 3; inputs 6 and 7
    are read by none (torch's floor).  Changing them changes nothing (up to
    rounding for the methods that transform the whole input)."""
    rng = np.random.default_rng(rank)
    x, w, b = random_case(rng, (1, 2) + (8,) * rank, (2, 2) + (3,) * rank, np.float64)
    kw = _kwargs(dict(stride=3))
    out = CONV[rank](x, w, b, **kw, method=method)
    assert out.shape == (1, 2) + (2,) * rank
    check_against_references(out, x, w, b, kw, np.float64, method)
    y = x.copy()
    y[(slice(None), slice(None)) + (slice(6, None),) * rank] = 10.0
    changed = CONV[rank](y, w, b, **kw, method=method)
    if method in EXACT_NAN_METHODS:
        np.testing.assert_array_equal(changed, out)
    check_against_references(changed, x, w, b, kw, np.float64, method)


MISSING_WINDOWS = [  # (x_shape, w_shape, kwargs): every tap of every window misses x
    ((2, 2, 3), (2, 2, 2), dict(padding=3, dilation=7)),            # taps (-3, 4), (-2, 5)
    ((1, 1, 4), (1, 1, 2), dict(padding=4, dilation=8, stride=9)),  # taps (-4, 4)
    ((1, 3, 2, 2), (2, 3, 2, 1), dict(padding=(1, 0), dilation=(3, 1))),  # rows -1 and 2
    ((1, 2, 2, 3, 2), (2, 1, 1, 2, 1), dict(padding=(0, 1, 0), dilation=(1, 4, 1), groups=2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method,case", covered_pairs(METHODS, range(len(MISSING_WINDOWS)),
                                                      lambda i: MISSING_WINDOWS[i][1:]))
def test_windows_that_miss_the_input_give_exactly_the_bias(method, case, dtype):
    """Every output's window lies in the zero padding and the gaps between
    dilated taps: the bound is 0, so is the tolerance.  torch gives 0 (the
    bias) exactly."""
    xs, ws, kw = MISSING_WINDOWS[case]
    rng = np.random.default_rng(seed_for("missing", case))
    x, w, b = random_case(rng, xs, ws, dtype)
    f = CONV[len(ws) - 2]
    kw = _kwargs(kw)
    assert not np.any(conv_bound(x, w, None, **kw))
    out = f(x, w, **kw, method=method)
    np.testing.assert_array_equal(out, np.zeros_like(out))
    out = f(x, w, b, **kw, method=method)
    np.testing.assert_array_equal(out, np.broadcast_to(b.reshape((-1,) + (1,) * (len(ws) - 2)),
                                                       out.shape))


# -- unbatched inputs, mixed dtypes ---------------------------------------------

@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("method", methods_for((6, 2, 3), dict(stride=2)))
def test_unbatched_input(method, rank, padding_mode):
    rng = np.random.default_rng(seed_for(rank, padding_mode))
    x, w, b = random_case(rng, (4,) + (6,) * rank, (6, 2) + (3,) * rank, np.float64)
    kw = _kwargs(dict(padding=1, groups=2, padding_mode=padding_mode, stride=2))
    out = CONV[rank](x, w, b, **kw, method=method)
    assert out.shape == (6,) + (3,) * rank
    batched = CONV[rank](x[None], w, b, **kw, method=method)
    np.testing.assert_array_equal(out, batched[0])
    check_against_references(out, x, w, b, kw, np.float64, method)


MIXED = [  # (x, weight, bias) dtypes -> result
    (np.float32, np.float64, None, np.float64),
    (np.float64, np.float32, None, np.float64),
    (np.float32, np.float64, np.float32, np.float64),
    (np.float32, np.float64, np.float64, np.float64),
    (np.float64, np.float32, np.float32, np.float64),
    (np.float32, np.float32, np.float64, np.float32),
    (np.float64, np.float64, np.float32, np.float64),
]


@pytest.mark.parametrize("xt,wt,bt,expected", MIXED,
                         ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("method", METHODS)
def test_mixed_dtypes_compute_in_the_wider_one(method, xt, wt, bt, expected):
    """float32 x with a float64 weight computes and returns float64 (the
    float32 values are exact in float64); the bias follows the result."""
    rng = np.random.default_rng(3)
    x, w, b = random_case(rng, (2, 2, 9, 8), (3, 2, 3, 3), np.float64)
    x, w = x.astype(xt), w.astype(wt)
    b = None if bt is None else b.astype(bt)
    out = nn.conv2d(x, w, b, padding=1, method=method)
    assert out.dtype == expected
    b_exp = None if b is None else b.astype(expected)
    ref = conv_ref(x.astype(expected), w.astype(expected), b_exp, padding=1)
    bound = conv_bound(x, w, b_exp, padding=1)
    assert_conv_close(out, ref, bound, expected, method)
    same = nn.conv2d(x.astype(expected), w.astype(expected), b_exp, padding=1, method=method)
    np.testing.assert_array_equal(out, same)


# -- memory layouts; inputs never modified ---------------------------------------

LAYOUTS = ["C", "F", "transposed", "negative", "strided", "readonly", "bigendian"]
# Each layout of x with a C weight and the reverse, the same layout for
# both, and a fixed sample of the other pairs.
LAYOUT_PAIRS = sorted({("C", lay) for lay in LAYOUTS} | {(lay, "C") for lay in LAYOUTS}
                      | {(lay, lay) for lay in LAYOUTS}
                      | {(a, b) for i, a in enumerate(LAYOUTS)
                         for j, b in enumerate(LAYOUTS) if (i + 2 * j) % 5 == 0})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_layout,w_layout", LAYOUT_PAIRS, ids="-".join)
@pytest.mark.parametrize("method", methods_for((4, 2, 3, 2), dict(stride=(2, 1))))
def test_layouts(method, x_layout, w_layout, dtype):
    rng = np.random.default_rng(seed_for(x_layout, w_layout))
    x, w, b = random_case(rng, (2, 4, 7, 6), (4, 2, 3, 2), dtype)
    kw = _kwargs(dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2))
    expected = nn.conv2d(x, w, b, **kw, method=method)
    xl, wl = with_layout(x, x_layout), with_layout(w, w_layout)
    bl = with_layout(b, w_layout)
    before = [snapshot(a) for a in (xl, wl, bl)]
    out = nn.conv2d(xl, wl, bl, **kw, method=method)
    assert [snapshot(a) for a in (xl, wl, bl)] == before, "an input was modified"
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, expected)
    check_against_references(out, x, w, b, kw, dtype, method, with_torch=False)


@pytest.mark.parametrize("method", methods_for((4, 2, 3, 2)))
def test_nested_lists_are_float64_arrays(method):
    rng = np.random.default_rng(6)
    x, w, b = random_case(rng, (2, 4, 7, 6), (4, 2, 3, 2), np.float64)
    out = nn.conv2d(x.tolist(), w.tolist(), b.tolist(), padding=1, groups=2, method=method)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, nn.conv2d(x, w, b, padding=1, groups=2, method=method))


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("method", methods_for((3, 1, 2), dict(dilation=2)))
def test_inputs_are_never_modified(method, padding_mode):
    rng = np.random.default_rng(5)
    for rank in (1, 2, 3):
        x, w, b = random_case(rng, (2, 3) + (5,) * rank, (3, 1) + (2,) * rank, np.float32)
        copies = [a.copy() for a in (x, w, b)]
        CONV[rank](x, w, b, padding="same", groups=3, dilation=2, padding_mode=padding_mode,
                   method=method)
        for a, c in zip((x, w, b), copies):
            np.testing.assert_array_equal(a, c)
            assert a.flags.writeable and a.flags.c_contiguous


# -- every SIMD level the CPU has, in child processes -----------------------------

_ISA_CHILD = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, TESTS_DIR)
    import numpy as np
    import convcore.nn as nn
    from convcore import _dispatch
    from convcore.nn import _conv_methods
    from _conv_ref import (GEOMETRY_CASES, SHAPE_CASES, conv_bound, conv_ref, geometry_id,
                           geometry_problem, max_error_ratio, method_covers, random_case,
                           seed_for)
    CONV = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}
    problems = [geometry_problem(c) for c in GEOMETRY_CASES[::4]]
    problems += [(xs, ws, kw, np.dtype(dt)) for _, xs, ws, kw in SHAPE_CASES[::3]
                 for dt in ("float32", "float64") if xs[0] > 0]
    # 3x3 and 3-tap layers, which every method covers.
    problems += [((2, 6, 11, 13), (8, 3, 3, 3), dict(padding=1, groups=2), np.dtype(dt))
                 for dt in ("float32", "float64")]
    problems += [((1, 5, 40), (7, 5, 3), dict(padding="same"), np.dtype("float32"))]
    worst = {}
    for method in ["auto", *_conv_methods.METHODS]:
        for i, (xs, ws, kw, dtype) in enumerate(problems):
            if not method_covers(method, ws, kw):
                continue
            rng = np.random.default_rng(seed_for(i))
            x, w, b = random_case(rng, xs, ws, dtype)
            out = CONV[len(ws) - 2](x, w, b, **kw, method=method)
            ratio = max_error_ratio(out, conv_ref(x, w, b, **kw), conv_bound(x, w, b, **kw),
                                    dtype)
            assert out.dtype == dtype and out.shape == conv_ref(x, w, b, **kw).shape
            worst[f"{method} {i}"] = ratio
    print(json.dumps({"level": _dispatch.isa_level, "worst": worst}))
""")


@pytest.mark.parametrize("isa", _dispatch.supported_isas())
def test_every_simd_level(python_subprocess, isa):
    code = _ISA_CHILD.replace("TESTS_DIR", repr(str(Path(__file__).resolve().parent)))
    proc = python_subprocess(code, env={"CONVCORE_ISA": isa}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["level"] == _dispatch.ISA_NAMES.index(isa)
    bad = {k: v for k, v in report["worst"].items() if not v <= 1.0}
    assert not bad, bad


# -- threads ---------------------------------------------------------------------

THREAD_CASES = [  # (x_shape, w_shape, kwargs, dtype)
    ((4, 8, 40, 36), (16, 8, 3, 3), dict(padding=1), np.float32),
    ((4, 8, 40, 36), (16, 8, 3, 3), dict(padding=1), np.float64),
    ((2, 6, 12, 14, 10), (6, 2, 3, 2, 3), dict(groups=3, stride=(1, 2, 1)), np.float32),
    ((8, 16, 500), (32, 16, 9), dict(dilation=2, padding="same"), np.float64),
    ((3, 12, 30, 30), (24, 1, 5, 5), dict(groups=12, padding=2, padding_mode="reflect"),
     np.float32),
]


def _thread_case(i):
    xs, ws, kw, dtype = THREAD_CASES[i]
    x, w, b = random_case(np.random.default_rng(seed_for("threads", i)), xs, ws, dtype)
    return x, w, b, kw


@pytest.mark.parametrize("method,case",
                         covered_pairs(FIXED_METHODS, range(len(THREAD_CASES)),
                                       lambda i: THREAD_CASES[i][1:3]))
def test_one_and_two_threads_are_bit_identical(method, case):
    x, w, b, kw = _thread_case(case)
    f = CONV[w.ndim - 2]
    results = []
    for n in (1, 2, 1):
        with convcore.threads(n):
            results.append(f(x, w, b, **kw, method=method))
    assert results[0].tobytes() == results[1].tobytes() == results[2].tobytes()
    check_against_references(results[1], x, w, b, _kwargs(kw), x.dtype, method,
                             with_torch=False)


@pytest.mark.parametrize("method", METHODS)
def test_eight_python_threads_at_once_equal_serial_calls(method):
    covered = [i for i, (_, ws, kw, _) in enumerate(THREAD_CASES)
               if method_covers(method, ws, kw)]
    jobs = [(i, rep) for rep in range(3) for i in covered]
    cases = {i: _thread_case(i) for i in covered}

    def call(i):
        x, w, b, kw = cases[i]
        return CONV[w.ndim - 2](x, w, b, **kw, method=method)

    serial = {i: call(i) for i in covered}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda job: call(job[0]), jobs))
    for (i, _), out in zip(jobs, results):
        assert out.tobytes() == serial[i].tobytes(), f"case {i}"


# -- NaN and inf -----------------------------------------------------------------

NAN_CASES = [  # (x_shape, w_shape, kwargs, where the special value goes)
    ((1, 2, 9, 10), (3, 2, 3, 3), dict(padding=1), (0, 1, 4, 5)),
    ((2, 2, 9, 10), (3, 2, 3, 2), dict(stride=2), (1, 0, 7, 9)),       # read by no window
    ((1, 2, 11, 11), (2, 2, 3, 3), dict(dilation=2, padding=2), (0, 1, 5, 3)),
    ((1, 4, 8, 8), (4, 2, 3, 3), dict(groups=2, padding=1), (0, 3, 0, 0)),
    ((1, 2, 8, 8), (2, 2, 3, 3), dict(padding=2, padding_mode="circular"), (0, 0, 7, 1)),
    ((1, 1, 30), (2, 1, 5), dict(stride=3, dilation=2), (0, 0, 16)),
    ((1, 2, 5, 6, 7), (2, 2, 2, 3, 2), dict(padding=1), (0, 1, 2, 3, 4)),
]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("method,case", covered_pairs(METHODS, range(len(NAN_CASES)),
                                                      lambda i: NAN_CASES[i][1:3]))
def test_special_values(method, case, value):
    """'direct' and 'im2col': a NaN (inf) in x reaches exactly the outputs
    whose window holds it, as torch (and the reference); other methods:
    every output torch makes NaN (non-finite) is NaN (non-finite)."""
    xs, ws, kw, where = NAN_CASES[case]
    kw = _kwargs(kw)
    rng = np.random.default_rng(seed_for("nan", case))
    x, w, b = random_case(rng, xs, ws, np.float64)
    x[where] = value
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = CONV[len(ws) - 2](x, w, b, **kw, method=method)
        ref = conv_ref(x, w, b, **kw)
    expected = [ref] + ([torch_conv(x, w, b, **kw)] if torch is not None else [])
    if torch is not None:  # the reference's masks are torch's
        np.testing.assert_array_equal(np.isnan(expected[1]), np.isnan(ref))
        np.testing.assert_array_equal(np.isinf(expected[1]), np.isinf(ref))
    for exp in expected:
        if method in EXACT_NAN_METHODS:
            np.testing.assert_array_equal(np.isnan(out), np.isnan(exp))
            np.testing.assert_array_equal(np.isinf(out), np.isinf(exp))
            finite = np.isfinite(exp)
            np.testing.assert_allclose(out[finite], exp[finite], rtol=1e-10, atol=1e-10)
            np.testing.assert_array_equal(out[np.isinf(exp)], exp[np.isinf(exp)])
        else:
            assert np.all(np.isnan(out)[np.isnan(exp)]), "a NaN of torch's is not NaN"
            assert np.all(~np.isfinite(out)[~np.isfinite(exp)])
    assert np.isfinite(ref).sum() < ref.size or case == 1  # the value reaches some output


# -- methods that cover some geometries --------------------------------------------

REFUSED = [(m, w_shape, kw) for m in FIXED_METHODS
           for w_shape, kw in [_geometry(c) for c in GEOMETRY_CASES[::3]]
           + [c[2:] for c in SHAPE_CASES] + [t[1:3] for t in THREAD_CASES]
           if not method_covers(m, w_shape, kw)]


@pytest.mark.parametrize("method,w_shape,kw", REFUSED,
                         ids=[f"{m}-{w}-{k}" for m, w, k in REFUSED])
def test_refused_where_not_covered(method, w_shape, kw):
    """A method asked for a geometry it does not cover raises a ValueError
    naming it and the reason, never runs another algorithm; 'auto' runs."""
    rank = len(w_shape) - 2
    dilation = kw.get("dilation", 1)
    dilation = (dilation,) * rank if isinstance(dilation, int) else dilation
    size = tuple((k - 1) * d + 9 for k, d in zip(w_shape[2:], dilation))
    x = np.ones((1, w_shape[1] * kw.get("groups", 1)) + size)
    w = np.ones(w_shape)
    f = CONV[rank]
    with pytest.raises(ValueError, match=f"method='{method}' cannot run this problem"):
        f(x, w, **kw, method=method)
    assert nn.choose_conv_method(x, w, **kw) != method
    f(x, w, **kw)


# -- choose_conv_method ----------------------------------------------------------

CHOOSE_CASES = [
    ((2, 3, 16, 16), (4, 3, 3, 3), dict(padding=1)),
    ((1, 2, 40), (2, 2, 7), dict(stride=2)),
    ((1, 4, 6, 7, 8), (4, 1, 2, 2, 2), dict(groups=4, padding="same")),
    ((3, 8, 9), (8, 4, 3), dict(groups=2, padding=1, padding_mode="replicate")),
    ((2, 16, 6), (16, 16, 3), {}),
]


@pytest.mark.parametrize("case", range(len(CHOOSE_CASES)))
def test_choose_conv_method(case):
    xs, ws, kw = CHOOSE_CASES[case]
    x, w, b = random_case(np.random.default_rng(case), xs, ws, np.float32)
    name = nn.choose_conv_method(x, w, b, **kw)
    assert isinstance(name, str) and name in FIXED_METHODS
    # 'auto' runs exactly that method.
    f = CONV[w.ndim - 2]
    assert f(x, w, b, **kw).tobytes() == f(x, w, b, **kw, method=name).tobytes()

    explained = nn.choose_conv_method(x, w, b, **kw, explain=True)
    assert isinstance(explained, tuple) and len(explained) == 2
    chosen, costs = explained
    assert chosen == name
    covering = {m for m in FIXED_METHODS if method_covers(m, ws, kw)}
    assert isinstance(costs, dict) and set(costs) <= covering
    assert all(isinstance(t, float) and t >= 0 for t in costs.values())

    measured = nn.choose_conv_method(x, w, b, **kw, measure=True)
    assert isinstance(measured, tuple) and len(measured) == 2
    best, times = measured
    assert set(times) == covering
    assert all(isinstance(t, float) and t > 0 for t in times.values())
    assert best in FIXED_METHODS and times[best] == min(times.values())


def test_choose_conv_method_takes_the_rank_from_the_weight():
    x = np.ones((1, 2, 10), np.float64)
    assert nn.choose_conv_method(x, np.ones((3, 2, 3))) in FIXED_METHODS
    assert nn.choose_conv_method(x[0], np.ones((3, 2, 3)), padding="same") in FIXED_METHODS
    assert nn.choose_conv_method(np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)),
                                 padding=1, padding_mode="circular") in FIXED_METHODS


# -- the course's worked examples --------------------------------------------------

@pytest.mark.parametrize("method", methods_for((12, 3, 40, 40), dict(stride=2)))
def test_course_200x200x3_twelve_40x40_filters_stride_2(method):
    rng = np.random.default_rng(200)
    x, w, b = random_case(rng, (1, 3, 200, 200), (12, 3, 40, 40), np.float32)
    out = nn.conv2d(x, w, b, stride=2, padding=0, method=method)
    assert out.shape == (1, 12, 81, 81)  # 81x81x12: (200 - 40) / 2 + 1 = 81
    if torch is not None:
        kw = _kwargs(dict(stride=2))
        assert_conv_close(out, torch_conv(x, w, b, **kw), conv_bound(x, w, b, **kw),
                          np.float32, method)


@pytest.mark.parametrize("method", methods_for((10, 3, 5, 5)))
def test_course_32x32x3_ten_5x5_filters_pad_2(method):
    rng = np.random.default_rng(32)
    x, w, b = random_case(rng, (1, 3, 32, 32), (10, 3, 5, 5), np.float32)
    out = nn.conv2d(x, w, b, stride=1, padding=2, method=method)
    assert out.shape == (1, 10, 32, 32)   # 32x32x10
    assert w.size + b.size == 760         # 10 * 5 * 5 * 3 weights + 10 biases
    check_against_references(out, x, w, b, _kwargs(dict(padding=2)), np.float32, method)


COURSE_IMAGE = [[1, 1, -2, 0, 1], [1, 0, 0, 2, 1], [0, 1, 0, 5, -1], [-2, 1, 0, -1, 1],
                [0, 1, 0, 5, -1]]
COURSE_KERNEL = [[0, 1, 1], [1, 0, 0], [0, 1, 0]]


def _course_by_hand(image, kernel, s):
    """(I * K)_ij = sum_mn K_mn I_{s(i-1)+m, s(j-1)+n}, indices from 1."""
    image, kernel = np.array(image), np.array(kernel)
    k = kernel.shape[0]
    n_out = (image.shape[0] - k) // s + 1
    out = np.zeros((n_out, n_out))
    for i in range(1, n_out + 1):
        for j in range(1, n_out + 1):
            out[i - 1, j - 1] = sum(kernel[m - 1, n - 1] *
                                    image[s * (i - 1) + m - 1, s * (j - 1) + n - 1]
                                    for m in range(1, k + 1) for n in range(1, k + 1))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", methods_for((1, 1, 3, 3), dict(stride=2)))
def test_course_5x5_image_3x3_kernel_stride_2(method, dtype):
    expected = _course_by_hand(COURSE_IMAGE, COURSE_KERNEL, 2)
    np.testing.assert_array_equal(expected, [[1, 6], [0, 9]])
    x = np.array(COURSE_IMAGE, dtype)[None, None]
    k = np.array(COURSE_KERNEL, dtype)[None, None]
    out = nn.conv2d(x, k, stride=2, method=method)
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_allclose(out[0, 0], expected, rtol=0, atol=TOL[np.dtype(dtype)] * 16)
    out = nn.conv2d(x[0], k, stride=2, method=method)  # unbatched (C, H, W)
    np.testing.assert_allclose(out[0], expected, rtol=0, atol=TOL[np.dtype(dtype)] * 16)


def test_course_5x5_example_as_unfold_and_matmul():
    if not hasattr(nn, "unfold"):
        pytest.skip("convcore.nn.unfold is not in this build")
    x = np.array(COURSE_IMAGE, np.float64)[None, None]
    k = np.array(COURSE_KERNEL, np.float64)
    cols = nn.unfold(x, 3, stride=2)           # (1, 9, 4)
    out = (k.reshape(1, 9) @ cols[0]).reshape(2, 2)
    np.testing.assert_allclose(out, _course_by_hand(COURSE_IMAGE, COURSE_KERNEL, 2),
                               rtol=0, atol=1e-12)


# -- hypothesis ------------------------------------------------------------------

@st.composite
def conv_problems(draw):
    rank = draw(st.integers(1, 3))
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, 2))
    c_out = groups * draw(st.integers(1, 2))
    n = draw(st.integers(1, 2))
    max_size = {1: 16, 2: 8, 3: 5}[rank]
    spatial = tuple(draw(st.integers(1, max_size)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    padding_mode = draw(st.sampled_from(PADDING_MODES))
    if all(s == 1 for s in stride) and draw(st.booleans()):
        padding = draw(st.sampled_from(["same", "valid"]))
    else:
        padding = tuple(draw(st.integers(0, 3)) for _ in range(rank))
    pads = explicit_pads(padding, kernel, dilation)
    for size, k, d, (left, right) in zip(spatial, kernel, dilation, pads):
        limit = size - 1 if padding_mode == "reflect" else size
        assume(padding_mode in ("zeros", "replicate") or max(left, right) <= limit)
        assume(size + left + right >= d * (k - 1) + 1)
    w_shape = (c_out, c_in // groups) + kernel
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups,
              padding_mode=padding_mode)
    method = draw(st.sampled_from(methods_for(w_shape, kw)))
    dtype = draw(st.sampled_from(DTYPES))
    unbatched = draw(st.booleans())
    return dict(rank=rank, x_shape=((c_in,) if unbatched else (n, c_in)) + spatial,
                w_shape=w_shape, kw=kw, method=method, dtype=dtype)


@settings(max_examples=min(60, settings().max_examples), deadline=None)
@given(problem=conv_problems(), seed=st.integers(0, 2**32 - 1),
       bias=st.booleans())
def test_hypothesis_against_reference(problem, seed, bias):
    rng = np.random.default_rng(seed)
    x, w, b = random_case(rng, problem["x_shape"], problem["w_shape"], problem["dtype"], bias)
    out = CONV[problem["rank"]](x, w, b, **problem["kw"], method=problem["method"])
    ref = conv_ref(x, w, b, **problem["kw"])
    assert out.dtype == np.dtype(problem["dtype"])
    assert_conv_close(out, ref, conv_bound(x, w, b, **problem["kw"]), problem["dtype"],
                      str(problem))
