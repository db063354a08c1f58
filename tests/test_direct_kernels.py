"""Kernel tests: every SIMD level this CPU supports, forced in turn, on odd
sizes (every tile and masked tail, primes, unaligned starts), against the
NumPy reference and against the scalar level, for every dtype with SIMD row
kernels (float32, float64, complex64, complex128).  A SIMD bug fails here
with the ISA, dtype and width in its name."""
import json
import textwrap

import numpy as np
import pytest

import convcore
from convcore import _direct, _dispatch
from _reference import (assert_conv_equal, convolve_ref, correlate_ref, random_array, seed_for,
                        tolerance)

ISAS = list(_dispatch.supported_isas())
# Every dtype with SIMD row kernels.
SIMD_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
COMPLEX = [np.complex64, np.complex128]

# Output widths: 1..70 covers every tile of 4/8/16 lanes x 1..8 vectors and
# every masked tail for 4- and 8-lane vectors; around 128 and 256 covers the
# 8-vector tile of 16 lanes (AVX-512 f32) and its tails.  Complex tiles are
# 4 vectors of 2, 4 or 8 values (8, 16, 32 outputs): 1..70 holds each whole
# tile followed by every tail.
WIDTHS = list(range(1, 71)) + [95, 96, 97, 127, 128, 129, 130, 191, 255, 256, 257, 263]
KERNEL_LENGTHS = [1, 2, 3, 5, 8, 16, 17]


def _name(dtype):
    return np.dtype(dtype).name


def _scalar(fn, *args):
    with _dispatch.forced_isa("scalar"):
        return getattr(convcore, fn)(*args, method="direct")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
@pytest.mark.parametrize("k", KERNEL_LENGTHS)
@pytest.mark.parametrize("start", [0, 1, 3], ids=lambda s: f"start{s}")
def test_row_kernel_1d_valid(isa, dtype, k, start):
    """'valid': every output column goes through the row micro-kernel."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), k, start))
    for width in WIDTHS:
        base = random_array(rng, (start + width + k - 1,), dtype)
        x = base[start:]  # unaligned start for start > 0
        w = random_array(rng, (k,), dtype)
        for fn, ref_fn in (("correlate", correlate_ref), ("convolve", convolve_ref)):
            with _dispatch.forced_isa(isa):
                got = getattr(convcore, fn)(x, w, "valid", method="direct")
            msg = f"{fn} isa={isa} width={width} k={k} start={start}"
            assert got.shape == (width,), msg
            assert_conv_equal(got, ref_fn(x, w, "valid"), x, w, c=4, err_msg=msg)
            assert_conv_equal(got, _scalar(fn, x, w, "valid"), x, w, c=4, err_msg=msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
@pytest.mark.parametrize("mode", ["full", "same"])
def test_row_kernel_1d_with_edges(isa, dtype, mode):
    """'full'/'same': padded edge columns around a SIMD interior of every
    length, including none."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), mode))
    for n in list(range(1, 80)) + [129, 257]:
        for k in (1, 4, 7, 33):
            x = random_array(rng, (n,), dtype)
            w = random_array(rng, (k,), dtype)
            with _dispatch.forced_isa(isa):
                got = convcore.convolve(x, w, mode, method="direct")
            msg = f"isa={isa} n={n} k={k}"
            assert_conv_equal(got, convolve_ref(x, w, mode), x, w, c=4, err_msg=msg)
            assert_conv_equal(got, _scalar("convolve", x, w, mode), x, w, c=4, err_msg=msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
def test_long_edges(isa, dtype):
    """Edges wider than the stretch the driver pads at a time (512 columns),
    kernels as long as the input, 1-D and 2-D."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), "long edges"))
    for shape1, shape2 in (((1500,), (700,)), ((1100,), (1100,)), ((600,), (513,)),
                           ((2000,), (1030,)), ((4, 1200), (3, 600)), ((3, 700), (3, 5))):
        x = random_array(rng, shape1, dtype)
        w = random_array(rng, shape2, dtype)
        for mode in ("full", "same", "valid"):
            for fn, ref_fn in (("correlate", correlate_ref), ("convolve", convolve_ref)):
                with _dispatch.forced_isa(isa):
                    got = getattr(convcore, fn)(x, w, mode, method="direct")
                assert_conv_equal(got, ref_fn(x, w, mode), x, w, c=4,
                                  err_msg=f"{fn} isa={isa} {shape1} {shape2} {mode}")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
def test_nonfinite_kernel_at_edges(isa, dtype):
    """An inf or NaN tap reaches only the outputs where it meets the input:
    edge outputs where it hangs off the input stay finite (a tap is never
    multiplied by a zero that is not in the input)."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), "nonfinite kernel"))
    for n, k in ((40, 9), (700, 600)):
        x = random_array(rng, (n,), dtype)
        finite_w = random_array(rng, (k,), dtype)
        for bad in (np.inf, np.nan):
            w = finite_w.copy()
            w[0] = bad
            for mode in ("full", "same"):
                with _dispatch.forced_isa(isa):
                    got = convcore.correlate(x, w, mode, method="direct")
                msg = f"isa={isa} n={n} k={k} w[0]={bad} mode={mode}"
                ref = correlate_ref(x, w, mode)
                assert np.isfinite(ref).any() and not np.isfinite(ref).all(), msg
                _assert_parts_equal(got, ref, x, finite_w, msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
@pytest.mark.parametrize("rows", [(1, 1), (3, 2), (5, 5), (4, 7)], ids=str)
def test_row_kernel_several_rows(isa, dtype, rows):
    """2-D: each output row sums several input rows (the kernel's nrows),
    rows at unaligned offsets and non-contiguous row strides."""
    n_rows, k_rows = rows
    rng = np.random.default_rng(seed_for(isa, _name(dtype), rows))
    for width in list(range(1, 70, 3)) + [64, 65, 128, 131]:
        for k in (1, 3, 8):
            big = random_array(rng, (2 * n_rows, width + k + 1), dtype)
            x = big[::2, 1:width + k]  # row stride 2 rows, start 1 element in
            w = random_array(rng, (k_rows, k), dtype)
            # (more kernel rows than input rows: 'valid' has no output)
            for mode in ("valid", "full") if k_rows <= n_rows else ("full", "same"):
                with _dispatch.forced_isa(isa):
                    got = convcore.correlate(x, w, mode, method="direct")
                msg = f"isa={isa} rows={rows} width={width} k={k} mode={mode}"
                assert_conv_equal(got, correlate_ref(x, w, mode), x, w, c=4, err_msg=msg)
                assert_conv_equal(got, _scalar("correlate", x, w, mode), x, w, c=4,
                                  err_msg=msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", SIMD_DTYPES, ids=_name)
def test_row_kernel_3d(isa, dtype):
    rng = np.random.default_rng(seed_for(isa, _name(dtype), 3))
    for shape1, shape2 in (((3, 4, 37), (2, 3, 5)), ((2, 5, 70), (2, 2, 9)),
                           ((4, 3, 17), (4, 3, 17)), ((1, 2, 130), (1, 2, 2))):
        x = random_array(rng, shape1, dtype)
        w = random_array(rng, shape2, dtype)
        for mode in ("valid", "same", "full"):
            with _dispatch.forced_isa(isa):
                got = convcore.convolve(x, w, mode, method="direct")
            assert_conv_equal(got, convolve_ref(x, w, mode), x, w, c=4,
                              err_msg=f"isa={isa} {shape1} {shape2} {mode}")


# Real dtypes run blocks of consecutive output rows through one block
# kernel (up to 2 rows on AVX2, 4 on AVX-512) when an output takes at least
# 16 multiply-adds; complex dtypes, and smaller kernels, row by row.
BLOCK_DTYPES = [np.float32, np.float64]
# Widths around the block kernel's tiles (4 vectors of 4, 8 or 16 lanes),
# its first partial vector (unaligned rows) and its masked tail.
BLOCK_WIDTHS = list(range(1, 40)) + [63, 64, 65, 66, 79, 127, 128, 129, 130, 131, 257, 300]


def _block_inputs(rng, height, width, k_rows, k, dtype, layout):
    """x of (height, width) laid out as ``layout``: contiguous, unaligned
    (one element in), strided rows, or rows reversed (negative stride)."""
    if layout == "contiguous":
        return random_array(rng, (height, width), dtype)
    if layout == "unaligned":
        return random_array(rng, (height, width + 1), dtype)[:, 1:]
    if layout == "strided":
        return random_array(rng, (2 * height, width), dtype)[::2]
    return random_array(rng, (height, width), dtype)[::-1]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", BLOCK_DTYPES, ids=_name)
@pytest.mark.parametrize("layout", ["contiguous", "unaligned", "strided", "reversed"])
def test_block_rows_bit_identical_to_single_rows(isa, dtype, layout):
    """An output row computed in a block equals, bit for bit, the same row
    computed alone (a one-row problem runs the row kernel): 'valid', and
    the interior rows of 'same', whose padded edge columns run in blocks
    too."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), layout, "block"))
    for width in BLOCK_WIDTHS:
        for k_rows, k in ((1, 3), (3, 3), (4, 4), (5, 5), (4, 7), (2, 9)):
            if k > width:
                continue
            height = k_rows + 9  # blocks of every size, and leftovers
            x = _block_inputs(rng, height, width, k_rows, k, dtype, layout)
            w = random_array(rng, (k_rows, k), dtype)
            msg = f"isa={isa} width={width} kernel={(k_rows, k)}"
            with _dispatch.forced_isa(isa):
                valid = convcore.correlate(x, w, "valid", method="direct")
                rows = [convcore.correlate(x[r:r + k_rows], w, "valid", method="direct")
                        for r in range(height - k_rows + 1)]
                np.testing.assert_array_equal(valid, np.concatenate(rows), err_msg=msg)
                same = convcore.correlate(x, w, "same", method="direct")
                top = k_rows // 2  # correlate's 'same' start
                for r in range(height - k_rows + 1):
                    one = convcore.correlate(x[r:r + k_rows], w, "same", method="direct")
                    np.testing.assert_array_equal(same[r + top], one[top], err_msg=msg)
            assert_conv_equal(same, correlate_ref(x, w, "same"), x, w, c=4, err_msg=msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", BLOCK_DTYPES, ids=_name)
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_block_rows_tall_images(isa, dtype, mode):
    """Images taller than a work item, every height around the block size,
    odd widths: against the reference and the scalar level."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), mode, "tall"))
    for height in list(range(1, 12)) + [37, 130]:
        for width in (1, 7, 17, 33, 66, 129):
            for kshape in ((3, 3), (5, 5), (2, 4), (7, 1)):
                x = random_array(rng, (height, width), dtype)
                w = random_array(rng, kshape, dtype)
                if mode == "valid" and (kshape[0] > height or kshape[1] > width):
                    continue
                with _dispatch.forced_isa(isa):
                    got = convcore.convolve(x, w, mode, method="direct")
                msg = f"isa={isa} {(height, width)} {kshape} {mode}"
                assert_conv_equal(got, convolve_ref(x, w, mode), x, w, c=4, err_msg=msg)
                assert_conv_equal(got, _scalar("convolve", x, w, mode), x, w, c=4,
                                  err_msg=msg)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", BLOCK_DTYPES, ids=_name)
def test_block_rows_3d_runs(isa, dtype):
    """3-D: an output row's input rows form one run per plane; the block
    kernel walks each run with the rows after it."""
    rng = np.random.default_rng(seed_for(isa, _name(dtype), "runs"))
    for shape1, shape2 in (((4, 9, 40), (2, 3, 3)), ((3, 11, 67), (3, 5, 5)),
                           ((5, 6, 130), (2, 2, 7))):
        x = random_array(rng, shape1, dtype)
        w = random_array(rng, shape2, dtype)
        for mode in ("valid", "same", "full"):
            with _dispatch.forced_isa(isa):
                got = convcore.convolve(x, w, mode, method="direct")
            msg = f"isa={isa} {shape1} {shape2} {mode}"
            assert_conv_equal(got, convolve_ref(x, w, mode), x, w, c=4, err_msg=msg)
            assert_conv_equal(got, _scalar("convolve", x, w, mode), x, w, c=4, err_msg=msg)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=_name)
def test_nan_and_inf_propagate(isa, dtype):
    """No fast-math: NaN and inf reach exactly the outputs whose taps touch
    them (inf - inf gives NaN), as in the reference."""
    rng = np.random.default_rng(9)
    for width in (7, 33, 64, 100):
        x = random_array(rng, (width + 4,), dtype)
        x[width // 3] = np.nan
        x[width // 2] = np.inf
        x[width // 2 + 2] = -np.inf
        w = random_array(rng, (5,), dtype)
        for mode in ("valid", "full"):
            with _dispatch.forced_isa(isa):
                got = convcore.correlate(x, w, mode, method="direct")
            ref = correlate_ref(x, w, mode)
            assert np.isnan(got).any()
            assert_conv_equal(got, ref, np.nan_to_num(x, posinf=0, neginf=0, nan=0), w, c=4,
                              err_msg=f"isa={isa} width={width} mode={mode}")


def _assert_parts_equal(got, ref, in1, in2, err_msg):
    """Complex results part by part: NaN and inf in the same real and
    imaginary parts, the finite parts within the complex tolerance.  (A
    whole-value comparison cannot tell which part is infinite.)"""
    g = np.stack([got.real, got.imag]).astype(np.longdouble)
    r = np.stack([ref.real, ref.imag]).astype(np.longdouble)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(r), err_msg=f"NaNs. {err_msg}")
    inf = np.isinf(r)
    np.testing.assert_array_equal(g[inf], r[inf], err_msg=f"infinities. {err_msg}")
    finite = np.isfinite(r)
    atol = tolerance(in1, in2, ref.dtype, c=4)
    err = np.abs(g[finite] - r[finite])
    assert (err <= atol).all(), f"max error {float(err.max()):.3e} > {atol:.3e}. {err_msg}"


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", COMPLEX, ids=_name)
def test_nan_and_inf_propagate_complex(isa, dtype):
    """Complex: the SIMD kernel sums re*re and im*im products apart and
    subtracts once at the end; NaN and inf must still reach exactly the
    parts they reach in the reference's per-tap complex products."""
    rng = np.random.default_rng(11)
    for width in (7, 33, 64, 100):
        x = random_array(rng, (width + 4,), dtype)
        x[width // 3] = complex(np.nan, 0.5)
        x[width // 2] = complex(np.inf, -0.25)
        x[width // 2 + 2] = complex(0.75, -np.inf)
        x[width // 2 + 3] = complex(-np.inf, np.inf)
        w = random_array(rng, (5,), dtype)
        finite_x = np.where(np.isfinite(x), x, 0)
        for mode in ("valid", "full"):
            with _dispatch.forced_isa(isa):
                got = convcore.correlate(x, w, mode, method="direct")
            msg = f"isa={isa} width={width} mode={mode}"
            assert np.isnan(got.real).any() and np.isinf(got.imag).any(), msg
            _assert_parts_equal(got, correlate_ref(x, w, mode), finite_x, w, msg)
            _assert_parts_equal(got, _scalar("correlate", x, w, mode), finite_x, w, msg)

# -- reads stay inside the input -------------------------------------------------

_GUARD_SCRIPT = textwrap.dedent("""
    import ctypes, json, mmap, sys
    import numpy as np
    import convcore
    from convcore import _dispatch

    page = mmap.PAGESIZE
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]

    def guarded(nbytes):
        # [guard page][data pages][guard page]: any read before or after the
        # data pages faults.
        npages = -(-nbytes // page)
        mm = mmap.mmap(-1, (npages + 2) * page)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(mm))
        for off in (0, (npages + 1) * page):
            assert libc.mprotect(addr + off, page, 0) == 0, ctypes.get_errno()
        return mm, page, (npages + 1) * page

    checked = 0
    for isa in _dispatch.supported_isas():
        for dtype in (np.float32, np.float64, np.complex64, np.complex128):
            item = np.dtype(dtype).itemsize
            for n in list(range(1, 80)) + [127, 128, 129, 255, 256, 257, 1030]:
                for k in (1, 2, 5, 17, 600):
                    if k > n:
                        continue
                    mm, lo, hi = guarded(n * item)
                    # x ends exactly at the upper guard page ...
                    x_end = np.frombuffer(mm, dtype, n, hi - n * item)
                    x_end[:] = np.arange(1, n + 1)
                    # ... and starts exactly at the lower one's end.
                    x_start = np.frombuffer(mm, dtype, n, lo)
                    w = np.linspace(-1, 1, k).astype(dtype)
                    with _dispatch.forced_isa(isa):
                        for x in (x_end, x_start):
                            for mode in ("valid", "same", "full"):
                                convcore.correlate(x, w, mode, method="direct")
                                convcore.convolve(x, w, mode, method="direct")
                                checked += 1
                    del x_end, x_start, x
                    mm.close()
    print(json.dumps({"checked": checked}))
""")


def test_reads_stay_inside_the_input(python_subprocess):
    """Inputs placed against PROT_NONE guard pages, at every width: a SIMD
    load past either end (an unmasked tail) kills the process."""
    proc = python_subprocess(_GUARD_SCRIPT)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert json.loads(proc.stdout.strip().splitlines()[-1])["checked"] > 0


# -- dispatch ----------------------------------------------------------------------

def test_supported_isas():
    assert ISAS[0] == "scalar"
    assert tuple(ISAS) == _dispatch.ISA_NAMES[:_dispatch.CPU_ISA + 1]
    assert _dispatch.ISA_NAMES[_dispatch.isa_level] in ISAS


def test_forced_isa_sets_and_restores():
    before = _dispatch.isa_level
    for isa in ISAS:
        with _dispatch.forced_isa(isa):
            assert _dispatch.isa_level == _dispatch.ISA_NAMES.index(isa)
        assert _dispatch.isa_level == before
    with pytest.raises(KeyError):
        with _dispatch.forced_isa("scalar"):
            raise KeyError("boom")
    assert _dispatch.isa_level == before


def test_forced_isa_refuses_unsupported_names():
    for name in ["bogus", *_dispatch.ISA_NAMES[_dispatch.CPU_ISA + 1:]]:
        with pytest.raises(ValueError):
            with _dispatch.forced_isa(name):
                pass


def test_row_kernel_isa_never_above_request_or_cpu():
    for code in range(len(_direct.DTYPE_CODES)):
        for level in range(len(_dispatch.ISA_NAMES)):
            chosen = _direct.row_kernel_isa(code, level)
            assert 0 <= chosen <= level
            assert chosen <= _dispatch.CPU_ISA


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("code", ["f32", "f64", "c64", "c128"])
def test_forcing_an_isa_runs_that_isa(isa, code):
    """f32, f64, c64 and c128 have a row kernel at every level: forcing a
    level runs that level's kernel, so the tests above really cover each
    one."""
    level = _dispatch.ISA_NAMES.index(isa)
    assert _direct.row_kernel_isa(_direct.DTYPE_CODES.index(code), level) == level


def test_row_kernel_isa_rejects_bad_dtype_code():
    with pytest.raises(ValueError):
        _direct.row_kernel_isa(len(_direct.DTYPE_CODES), 0)
    with pytest.raises(ValueError):
        _direct.row_kernel_isa(-1, 0)


_ISA_REPORT = textwrap.dedent("""
    import json, warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from convcore import _dispatch
    print(json.dumps({"level": _dispatch.isa_level, "cpu": _dispatch.CPU_ISA,
                      "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}))
""")


def _isa_report(run_python, value):
    proc = run_python(_ISA_REPORT, env={"CONVCORE_ISA": value})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_env_scalar_caps_the_level(python_subprocess):
    info = _isa_report(python_subprocess, "scalar")
    assert info["level"] == 0
    assert info["warnings"] == []


@pytest.mark.parametrize("isa", ISAS)
def test_env_each_supported_level(python_subprocess, isa):
    info = _isa_report(python_subprocess, isa)
    assert info["level"] == _dispatch.ISA_NAMES.index(isa)
    assert info["warnings"] == []


def test_env_unset_is_the_cpu_level(python_subprocess):
    info = _isa_report(python_subprocess, None)
    assert info["level"] == info["cpu"] == _dispatch.CPU_ISA


@pytest.mark.parametrize("value", ["bogus", "sse9", "neon512"])
def test_env_unknown_name_warns_and_is_ignored(python_subprocess, value):
    info = _isa_report(python_subprocess, value)
    assert info["level"] == _dispatch.CPU_ISA
    assert any(w.startswith("RuntimeWarning") and value in w for w in info["warnings"]), info


def test_env_level_above_the_cpu_warns_and_is_ignored(python_subprocess):
    """Checked for every level above this CPU's (none on an AVX-512 CPU)."""
    for name in _dispatch.ISA_NAMES[_dispatch.CPU_ISA + 1:]:
        info = _isa_report(python_subprocess, name)
        assert info["level"] == _dispatch.CPU_ISA
        assert any(w.startswith("RuntimeWarning") and name in w for w in info["warnings"])
