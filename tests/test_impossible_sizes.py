"""Requested sizes that cannot be met are refused at once, before anything
proportional to them is allocated: MemoryError for a valid request too
large to hold (a byte size past NumPy's limit, sys.maxsize, or one the
system refuses), ValueError for a value torch refuses (RuntimeError there)
or one past int64, naming the argument.  Sizes that are huge but valid are
computed without overflowing.

Each case runs in a child process under an address-space cap, so that an
attempted huge allocation fails that case (MemoryError where a refusal was
expected to come first, or a crash) instead of the whole run or the
machine.  The sanitizer run (tools/sanitize.sh) cannot cap the address
space (ASan reserves terabytes of shadow): there the child runs uncapped,
with ASan's allocator returning NULL for what it cannot map.  So every
allocation these cases leave to the system to refuse is far beyond this
machine's memory (terabytes, which neither ASan nor the kernel's overcommit
heuristic hands out), and nothing before it in the same call is written.
"""
import os

import numpy as np
import pytest

from convcore.nn._window import adaptive_windows, pool_geometry

SANITIZER_RUN = os.environ.get("CONVCORE_SANITIZER_RUN") == "1"

# Address space of a child: room for Python, NumPy and SciPy, none for
# the arrays these cases must never allocate.
CAP = 4 << 30
# Seconds: a refusal is immediate; this is for a case that hangs.
TIMEOUT = 60

_PRELUDE = '''
import os, resource, time
if os.environ.get("CONVCORE_SANITIZER_RUN") != "1":
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))
import numpy as np
import convcore
from convcore import nn

B = 2 ** 40
M = 2 ** 63 - 1           # the largest int64
x1 = np.ones((1, 1, 3), np.float32)
x2 = np.ones((1, 1, 3, 3), np.float32)
x3 = np.ones((1, 1, 3, 3, 3), np.float32)
g1 = np.ones((1, 1, 1), np.float32)
g2 = np.ones((1, 1, 1, 1), np.float32)
idx2 = np.zeros((1, 1, 3, 3), np.int64)
METHODS = ("direct", "im2col", "fft", "oa", "auto")
from convcore.nn import _conv_methods
CONV_METHODS = ["auto", *_conv_methods.METHODS]
w1 = np.ones((1, 1, 2), np.float32)
w2 = np.ones((1, 1, 2, 2), np.float32)
w3 = np.ones((1, 1, 2, 2, 2), np.float32)
g2x2 = np.ones((1, 1, 2, 2), np.float32)
g3x2 = np.ones((1, 1, 2, 2, 2), np.float32)
P = 2 ** 24
SIZE = (MemoryError, ValueError)


def huge():
    """A float64 array of 2**60 - 1 elements (NumPy's limit for views too)
    that holds one: a broadcast view."""
    return np.broadcast_to(np.ones(1), (2**60 - 1,))


def expect(exc, label, call, *words):
    """call() must raise exc, quickly, with each of words in its message."""
    t = time.perf_counter()
    try:
        call()
    except exc as e:
        took = time.perf_counter() - t
        bad = [w for w in words if w not in str(e)]
        status = "FAIL" if bad or took > 10 else "ok"
        print(f"{status} {label}: {type(e).__name__} after {took:.2f} s: {e}"
              + (f" -- missing {bad}" if bad else ""), flush=True)
    except BaseException as e:
        print(f"FAIL {label}: {type(e).__name__}: {e}", flush=True)
    else:
        print(f"FAIL {label}: returned", flush=True)


def check(label, ok):
    print(("ok " if ok else "FAIL ") + label, flush=True)
'''

CASES = {
    # -- convcore.nn: adaptive pools, whose output size is the request itself
    "adaptive_pools_past_the_limit": '''
for f in (nn.adaptive_avg_pool2d, nn.adaptive_max_pool2d):
    expect(MemoryError, f.__name__, lambda: f(x2, (2**31, 2**31)), f.__name__, "output")
    expect(MemoryError, f.__name__ + " 2**40", lambda: f(x2, (B, B)), "output")
expect(MemoryError, "indices", lambda: nn.adaptive_max_pool2d(x2, (2**31, 2**31), True))
expect(MemoryError, "avg 1d", lambda: nn.adaptive_avg_pool1d(x1, 2**62), "output")
expect(MemoryError, "max 1d", lambda: nn.adaptive_max_pool1d(x1, 2**61), "output")
expect(MemoryError, "max 1d indices", lambda: nn.adaptive_max_pool1d(x1, 2**61 - 1, True))
expect(MemoryError, "empty batch", lambda: nn.adaptive_avg_pool2d(
    np.ones((0, 1, 3, 3), np.float32), (B, B)), "output")
expect(ValueError, "beyond int64", lambda: nn.adaptive_avg_pool2d(x2, (2**70, 1)),
       "output_size")
expect(ValueError, "below int64", lambda: nn.adaptive_max_pool1d(x1, -2**70), "output_size")
''',
    # Below the limit, but no system here holds it: the output is allocated
    # (and refused) before the window tables that grow with it.
    "adaptive_pools_past_memory": '''
expect(MemoryError, "avg 1d", lambda: nn.adaptive_avg_pool1d(x1, 2**31))
expect(MemoryError, "max 2d", lambda: nn.adaptive_max_pool2d(x2, (2**31, 1)))
expect(MemoryError, "avg 2d", lambda: nn.adaptive_avg_pool2d(x2, (2**20, 2**20)))
''',
    # -- convcore.nn: pools with huge kernel sizes, strides, paddings, dilations
    "pools_huge_arguments": '''
for name, x in (("max_pool1d", x1), ("max_pool2d", x2), ("max_pool3d", x3)):
    f = getattr(nn, name)
    expect(ValueError, name + " kernel", lambda: f(x, 2**70), "kernel_size")
    expect(ValueError, name + " stride", lambda: f(x, 3, 2**70), "stride")
    expect(ValueError, name + " padding", lambda: f(x, 3, 1, 2**70), "padding")
    expect(ValueError, name + " dilation", lambda: f(x, 3, 1, 1, 2**70), "dilation")
    expect(ValueError, name + " all 2**40", lambda: f(x, B, B, B, B, ceil_mode=True))
    expect(ValueError, name + " output", lambda: f(x, B, 1, 0, return_indices=True),
           "kernel_size")
    expect(ValueError, name + " dilated", lambda: f(x, 3, 1, 1, B), "output size")
for name, x in (("avg_pool1d", x1), ("avg_pool2d", x2), ("avg_pool3d", x3)):
    f = getattr(nn, name)
    expect(ValueError, name + " kernel", lambda: f(x, 2**70), "kernel_size")
    expect(ValueError, name + " stride", lambda: f(x, 3, 2**70), "stride")
    expect(ValueError, name + " padding", lambda: f(x, 3, 1, 2**70), "padding")
    expect(ValueError, name + " padding 2**40", lambda: f(x, 3, 1, B), "padding")
# Windows of more taps than int64 counts (the C driver multiplies them).
expect(ValueError, "max_pool2d taps", lambda: nn.max_pool2d(x2, B, 1, B // 2), "kernel_size")
expect(ValueError, "avg_pool2d taps", lambda: nn.avg_pool2d(x2, B, 1, B // 2), "kernel_size")
expect(ValueError, "avg_pool3d taps", lambda: nn.avg_pool3d(x3, 2**21, 1, 2**20), "taps")
expect(ValueError, "divisor", lambda: nn.avg_pool2d(x2, 3, divisor_override=2**70),
       "divisor_override")
expect(ValueError, "lp kernel", lambda: nn.lp_pool1d(x1, 2, 2**70), "kernel_size")
expect(ValueError, "lp stride", lambda: nn.lp_pool2d(x2, 2, 3, 2**70), "stride")
expect(ValueError, "lp taps", lambda: nn.lp_pool2d(x2, 2, (B, B)))
''',
    "pool_gradients_huge_arguments": '''
G = nn.grad
expect(ValueError, "max kernel", lambda: G.max_pool2d(g2, x2, 2**70), "kernel_size")
expect(ValueError, "max stride", lambda: G.max_pool1d(g1, x1, 3, 2**70), "stride")
expect(ValueError, "max dilation", lambda: G.max_pool3d(g1, x3, 3, 1, 1, 2**70), "dilation")
expect(ValueError, "max taps", lambda: G.max_pool2d(g2, x2, B, 1, B // 2), "kernel_size")
expect(ValueError, "avg kernel", lambda: G.avg_pool1d(g1, x1, 2**70), "kernel_size")
expect(ValueError, "avg padding", lambda: G.avg_pool3d(g1, x3, 3, 1, 2**70), "padding")
expect(ValueError, "avg taps", lambda: G.avg_pool2d(g2, x2, B, 1, B // 2), "kernel_size")
expect(ValueError, "avg divisor", lambda: G.avg_pool2d(g2, x2, 3, divisor_override=2**70),
       "divisor_override")
''',
    # Valid, if odd: windows far larger than the input, strides and
    # dilations near 2**63.  Their tables must not wrap around in int64.
    "pools_huge_but_valid": '''
x = np.array([[[1., 5., 2.]]], np.float32)
out, i = nn.max_pool1d(x, M, 1, 2**62 - 1, return_indices=True)
check("max, kernel 2**63 - 1", out.tolist() == [[[5, 5, 5]]] and i.tolist() == [[[1, 1, 1]]])
out = nn.avg_pool1d(x, M, 1, 2**62 - 1, count_include_pad=False)
check("avg, kernel 2**63 - 1", np.allclose(out, 8 / 3))
out = nn.avg_pool1d(x, M, 1, 2**62 - 1)
check("avg, kernel 2**63 - 1, padding counted", np.allclose(out, 8 / M, rtol=1e-6, atol=0))
# ceil_mode: a second window starts at 1, where start + kernel_size passes 2**63.
out = nn.avg_pool1d(x.astype(np.float64), M, 2**62, 2**62 - 1, ceil_mode=True)
check("avg, window end past 2**63",
      np.allclose(out, [8 / M, 7 / (2**62 + 1)], rtol=1e-12, atol=0))
out = nn.max_pool1d(x, 2, M, 1, ceil_mode=True)
check("max, stride 2**63 - 1", out.tolist() == [[[1]]])
check("max, dilation 2**63 - 1", nn.max_pool1d(x, 1, 1, 0, M).tolist() == x.tolist())
out = nn.avg_pool2d(np.arange(9.).reshape(1, 1, 3, 3), 2**31, 1, 2**30)
check("avg 2d, kernel 2**31", out.shape == (1, 1, 4, 4) and np.allclose(out, 36 / 2**62))
check("grad max", nn.grad.max_pool1d(np.ones((1, 1, 3), np.float32), x, M, 1,
                                     2**62 - 1).tolist() == [[[0, 3, 0]]])
check("grad avg", np.allclose(nn.grad.avg_pool1d(np.ones((1, 1, 3), np.float32), x, M, 1,
                                                 2**62 - 1, count_include_pad=False), 1))
''',
    "max_unpool2d": '''
f = nn.max_unpool2d
expect(MemoryError, "kernel 2**40", lambda: f(x2, idx2, B), "max_unpool2d", "output")
expect(MemoryError, "stride 2**62", lambda: f(x2, idx2, 2, 2**62), "output")
expect(MemoryError, "output_size", lambda: f(x2, idx2, B, output_size=(3 * B, 3 * B)),
       "output")
expect(ValueError, "output_size beyond int64", lambda: f(x2, idx2, 2,
                                                          output_size=(2**70, 2**70)),
       "output_size")
expect(ValueError, "kernel beyond int64", lambda: f(x2, idx2, 2**70), "kernel_size")
expect(ValueError, "padding beyond int64", lambda: f(x2, idx2, 2, 2, 2**70), "padding")
''',
    # -- convcore: 1-D outputs whose length overflows
    "convolve_overflowing_output": '''
a = b = huge()
for m in METHODS:
    expect(MemoryError, "convolve " + m, lambda: convcore.convolve(a, b, method=m), "output")
    expect(MemoryError, "correlate " + m, lambda: convcore.correlate(a, b, method=m), "output")
    # Outputs of 8 EiB, inside the limit: refused by the system.
    expect(MemoryError, "same " + m, lambda: convcore.convolve(a, b, "same", m))
    expect(MemoryError, "valid " + m, lambda: convcore.convolve(a, np.ones(3), "valid", m))
''',
    "fftconvolve_overflowing_output": '''
a = b = huge()
for f in (convcore.fftconvolve, convcore.oaconvolve):
    expect(MemoryError, f.__name__, lambda: f(a, b), "output")
    expect(MemoryError, f.__name__ + " same", lambda: f(a, b, "same", axes=0))
    # No axis convolved: a broadcast product of 2**80 elements
    p = np.broadcast_to(np.ones((1, 1)), (B, 1))
    q = np.broadcast_to(np.ones((1, 1)), (1, B))
    expect(MemoryError, f.__name__ + " product", lambda: f(p, q))
''',
    "choose_conv_method_overflowing_output": '''
a = b = huge()
f = convcore.choose_conv_method
expect(MemoryError, "model", lambda: f(a, b), "output")
expect(MemoryError, "explain", lambda: f(a, b, explain=True), "output")
expect(MemoryError, "measure", lambda: f(a, b, measure=True), "output")
''',
    # -- convcore: inputs of 10**6 elements whose full output is 10**12
    # (8 TB: below the limit, refused by the system).
    "signal_cross_shaped_inputs": '''
p, q = np.ones((10**6, 1)), np.ones((1, 10**6))
for m in METHODS:
    expect(MemoryError, "convolve " + m, lambda: convcore.convolve(p, q, method=m))
expect(MemoryError, "correlate", lambda: convcore.correlate(p, q))
expect(MemoryError, "fftconvolve", lambda: convcore.fftconvolve(p, q))
expect(MemoryError, "oaconvolve", lambda: convcore.oaconvolve(p, q))
for boundary in ("fill", "wrap", "symm"):
    expect(MemoryError, "convolve2d " + boundary,
           lambda: convcore.convolve2d(p, q, boundary=boundary))
    expect(MemoryError, "correlate2d " + boundary,
           lambda: convcore.correlate2d(p, q, boundary=boundary, fillvalue=1))
expect(MemoryError, "measure", lambda: convcore.choose_conv_method(p, q, measure=True))
''',
    # A small output whose FFT workspace is the whole full convolution
    # (10**10 elements): the FFT methods are refused, 'auto' picks another.
    "fft_workspace_far_larger_than_the_output": '''
p, q = np.ones((10**5, 2)), np.ones((2, 10**5))
for m in ("fft", "oa"):
    expect(MemoryError, m, lambda: convcore.convolve(p, q, "same", m))
expect(MemoryError, "fftconvolve", lambda: convcore.fftconvolve(p, q, "same"))
expect(MemoryError, "oaconvolve", lambda: convcore.oaconvolve(p, q, "same"))
t = time.perf_counter()
out = convcore.convolve(p, q, "same")
check("auto", out.shape == (10**5, 2) and time.perf_counter() - t < 10)
check("auto's choice", convcore.choose_conv_method(p, q, "same") not in ("fft", "oa"))
# measure=True leaves the refused methods out.  (im2col is left out of the
# candidates here: it multiplies the zero padding too, 4e10 terms.)
from convcore import _signal, _signal_methods
_signal_methods.exact_methods = lambda p, q: ["direct", "fft", "oa"]
best, times = convcore.choose_conv_method(p, q, "same", measure=True)
check(f"measure: {best} of {sorted(times)}", best == "direct" and list(times) == ["direct"])
# ... and so does the one patch_scipy puts in scipy.signal, in scipy's names.
best, times = _signal.choose_conv_method_as_scipy(p, q, "same", measure=True)
check(f"patched measure: {best} of {sorted(times)}", best == "direct" and list(times) == ["direct"])
''',

    "conv_huge_zero_padding": '''
for m in CONV_METHODS:
    expect(SIZE, "conv2d " + m, lambda: nn.conv2d(x2, w2, padding=P, method=m))
    expect(SIZE, "conv3d " + m, lambda: nn.conv3d(x3, w3, padding=P, method=m))
    expect(SIZE, "conv1d 2**40 " + m, lambda: nn.conv1d(x1, w1, padding=2**40, method=m))
    expect(SIZE, "conv2d one axis " + m, lambda: nn.conv2d(
        np.ones((1, 1, 3, 2**14), np.float32), w2, padding=(2**30, 0), method=m))
# Winograd's method where it applies (3x3 and 3-tap kernels, stride 1).
w33 = np.ones((1, 1, 3, 3), np.float32)
expect(SIZE, "conv2d 3x3 winograd", lambda: nn.conv2d(x2, w33, padding=P, method="winograd"))
expect(SIZE, "conv1d 3 winograd", lambda: nn.conv1d(x1, w33[0], padding=2**40,
                                                    method="winograd"))
# measure=True runs the methods: refused as the op is.  A prediction alone
# allocates nothing; it refuses what no array could hold (past sys.maxsize
# bytes), as conv3d itself and the signal API's choose_conv_method do.
expect(SIZE, "measure", lambda: nn.choose_conv_method(x2, w2, padding=P, measure=True))
expect(MemoryError, "measure past any array",
       lambda: nn.choose_conv_method(x3, w3, padding=P, measure=True), "output")
expect(MemoryError, "conv3d past any array", lambda: nn.conv3d(x3, w3, padding=P), "output")
expect(MemoryError, "choose past any array", lambda: nn.choose_conv_method(x3, w3, padding=P),
       "output")
expect(MemoryError, "explain past any array",
       lambda: nn.choose_conv_method(x3, w3, padding=P, explain=True), "output")
''',
    "conv_broadcast_input": '''
big = np.broadcast_to(np.ones((1, 1, 1, 1), np.float32), (1, 1, 2**24, 2**24))
for m in CONV_METHODS:
    expect(SIZE, "conv2d " + m, lambda: nn.conv2d(big, w2, method=m))
    expect(SIZE, "conv2d unbatched " + m, lambda: nn.conv2d(big[0], w2, method=m))
    expect(SIZE, "conv2d stride " + m, lambda: nn.conv2d(big, w2, stride=2**12, method=m))
big3 = np.broadcast_to(np.ones((1,) * 5, np.float64), (1, 1, 2**16, 2**16, 2**16))
expect(SIZE, "conv3d", lambda: nn.conv3d(big3, w3.astype(np.float64)))
expect(SIZE, "choose", lambda: nn.choose_conv_method(big, w2))
bigw = np.broadcast_to(np.ones((1, 1, 1, 1), np.float32), (1, 1, 2**24, 2**24))
expect(SIZE, "kernel", lambda: nn.conv2d(x2, bigw, padding=2**23))
''',
    "conv_huge_mode_padding": '''
for m in CONV_METHODS:
    expect(SIZE, "replicate 2d " + m,
           lambda: nn.conv2d(x2, w2, padding=P, padding_mode="replicate", method=m))
    expect(SIZE, "replicate 3d " + m,
           lambda: nn.conv3d(x3, w3, padding=P, padding_mode="replicate", method=m))
    expect(SIZE, "replicate 1d 2**40 " + m,
           lambda: nn.conv1d(x1, w1, padding=2**40, padding_mode="replicate", method=m))
    expect(ValueError, "reflect " + m,
           lambda: nn.conv2d(x2, w2, padding=P, padding_mode="reflect", method=m), "padding")
    expect(ValueError, "circular " + m,
           lambda: nn.conv2d(x2, w2, padding=P, padding_mode="circular", method=m), "padding")
expect(SIZE, "replicate 2**62", lambda: nn.conv2d(x2, w2, padding=2**62,
                                                  padding_mode="replicate"))
expect(ValueError, "beyond int64", lambda: nn.conv2d(x2, w2, padding=2**70), "padding")
expect(ValueError, "stride beyond int64", lambda: nn.conv2d(x2, w2, stride=2**70), "stride")
expect(ValueError, "dilation beyond int64", lambda: nn.conv2d(x2, w2, dilation=2**70),
       "dilation")
''',
    # Refused before anything of that size is built (the size rule, the
    # allocator, or a geometry ValueError), never a crash.
    "unfold_fold_huge": '''
expect(SIZE, "unfold 2d", lambda: nn.unfold(np.zeros((1, 1, 3, 3), np.float32), 1, padding=P))
expect(SIZE, "unfold 3d", lambda: nn.unfold(np.zeros((1, 1, 3, 3, 3), np.float32), 1,
                                            padding=P))
expect(SIZE, "unfold 1d", lambda: nn.unfold(np.zeros((2, 3, 3)), (3,), padding=2 ** 60))
expect(SIZE, "fold", lambda: nn.fold(np.zeros((1, 1, 1), np.float32), 2 ** 40, 2 ** 40))
expect(SIZE, "fold 2**31", lambda: nn.fold(np.zeros((1, 4, 1)), (2 ** 31, 2 ** 31),
                                           2 ** 31 - 1, stride=2 ** 31))
''',
    # -- conv_transpose: outputs (in - 1) * stride + ... past int64 or any memory
    "conv_transpose_huge_output": '''
xt = np.ones((1, 1, 2**12 + 1, 2**12 + 1), np.float32)   # 64 MiB; output 2**84 elements
for m in CONV_METHODS:
    f2 = nn.conv_transpose2d
    expect(SIZE, "2d stride 2**30 " + m, lambda: f2(xt, w2, stride=2**30, method=m))
    expect(SIZE, "2d unbatched " + m, lambda: f2(xt[0], w2, stride=2**30, method=m))
    # 2**41 elements: inside int64, past any memory
    expect(SIZE, "1d stride 2**40 " + m, lambda: nn.conv_transpose1d(x1, w1, stride=2**40,
                                                                     method=m))
    expect(SIZE, "3d stride 2**21 " + m, lambda: nn.conv_transpose3d(x3, w3, stride=2**21,
                                                                     method=m))
    expect(SIZE, "3d dilation 2**30 " + m,
           lambda: nn.conv_transpose3d(x3, w3, dilation=2**30, method=m))
big = np.broadcast_to(np.ones((1, 1, 1, 1), np.float32), (1, 1, 2**24, 2**24))
expect(SIZE, "broadcast input", lambda: nn.conv_transpose2d(big, w2))
# One axis of 2**63 + 2: past int64 on its own.
expect(SIZE, "dilation and output_padding past int64",
       lambda: nn.conv_transpose1d(x1, w1, dilation=2**62, output_padding=2**62 - 1))
expect(ValueError, "stride beyond int64", lambda: nn.conv_transpose2d(x2, w2, stride=2**70),
       "stride")
expect(ValueError, "output_padding beyond int64",
       lambda: nn.conv_transpose2d(x2, w2, output_padding=2**70), "output_padding")
expect(ValueError, "padding beyond int64", lambda: nn.conv_transpose2d(x2, w2, padding=2**70),
       "padding")
''',
    # -- conv gradients: input_size / weight_size of 2**40 elements and more
    "conv_grad_huge_sizes": '''
G = nn.grad
try:
    from convcore.nn import _conv_dweight
    WEIGHT_METHODS = ["auto", *_conv_dweight.METHODS]
except ImportError:
    WEIGHT_METHODS = ["auto", "direct", "im2col"]
for m in CONV_METHODS:
    # 2**20 x 2**20 at stride 2**19 gives the 2 x 2 grad_output: 2**40 elements
    expect(SIZE, "conv2d_input 2**40 " + m,
           lambda: G.conv2d_input((1, 1, 2**20, 2**20), w2, g2x2, stride=2**19, method=m))
    expect(SIZE, "conv2d_input unbatched 2**40 " + m,
           lambda: G.conv2d_input((1, 2**20, 2**20), w2, g2x2[0], stride=2**19, method=m))
    expect(SIZE, "conv3d_input 2**42 " + m,
           lambda: G.conv3d_input((1, 1, 2**14, 2**14, 2**14), w3, g3x2, stride=2**13,
                                  method=m))
    # 2**80 elements: past int64
    expect(SIZE, "conv2d_input 2**80 " + m,
           lambda: G.conv2d_input((1, 1, 2**40, 2**40), w2, g2x2, stride=2**39, method=m))
expect(ValueError, "input_size beyond int64",
       lambda: G.conv2d_input((1, 1, 2**70, 4), w2, g2x2), "input_size")
bigx = np.broadcast_to(np.ones((1, 1, 1, 1), np.float32), (1, 1, 2**24, 2**24))
for m in WEIGHT_METHODS:
    # a 2**20 x 2**20 kernel over a 2**24 x 2**24 (broadcast) input at stride 2**23
    expect(SIZE, "conv2d_weight 2**40 " + m,
           lambda: G.conv2d_weight(bigx, (1, 1, 2**20, 2**20), g2x2, stride=2**23, method=m))
    expect(SIZE, "conv2d_weight broadcast input " + m,
           lambda: G.conv2d_weight(bigx, (1, 1, 2, 2), np.ones((1, 1, 2, 2), np.float32),
                                   stride=2**23, method=m))
expect(ValueError, "weight_size beyond int64",
       lambda: G.conv2d_weight(x2, (1, 1, 2**70, 2), g2x2), "kernel")
''',
    # -- convolution_matrix: nonzeros past the size rule, past memory, or a
    # matrix with more rows or columns than int64 counts
    "convolution_matrix_huge": '''
cm = convcore.convolution_matrix
k3 = np.ones(3)
for mode in ("full", "same", "valid"):
    expect(SIZE, "1d 2**46 " + mode, lambda: cm(k3, (2**46,), mode))
    expect(SIZE, "2d 2**46 " + mode, lambda: cm(np.ones((3, 3), np.int8), (2**23, 2**23), mode))
expect(MemoryError, "past the limit", lambda: cm(np.ones((2, 2)), (2**31, 2**31)),
       "convolution_matrix")
kb = np.broadcast_to(np.ones(1), (2**30,))
expect(MemoryError, "broadcast kernel", lambda: cm(kb, 2**30), "convolution_matrix")
expect(MemoryError, "broadcast kernel same", lambda: cm(kb, 2**31, "same"), "convolution_matrix")
expect(ValueError, "columns past int64", lambda: cm(np.ones((1, 1)), (2**40, 2**40)),
       "input_shape")
expect(ValueError, "rows past int64", lambda: cm(np.ones((2**20, 1)), (2**44, 2**20), "full"),
       "input_shape")
expect(ValueError, "size past int64", lambda: cm(k3, 2**70), "input_shape")
check("small still works", cm(k3, 4).nnz == 12)
''',
}

# The im2col method fills its patch matrix a block at a time: a product
# whose whole matrix (2e4 x 2e4 float64, 3.2 GB) exceeds this child's cap
# runs, and 'auto' never picks im2col for 1e6 x 1e6 (1e12 multiply-adds).
_IM2COL = '''
n = 2 * 10**4
out = convcore.convolve(np.ones(n), np.ones(n), method="im2col")
check("im2col result", out.shape == (2 * n - 1,) and out.max() == n and out.sum() == n * n)
check("auto", convcore.choose_conv_method(np.ones(10**6), np.ones(10**6)) != "im2col")
'''


def _child_env():
    if not SANITIZER_RUN:
        return None
    # ASan aborts by default on an allocation it cannot make; NumPy turns
    # the NULL it returns instead into a MemoryError.
    options = os.environ.get("ASAN_OPTIONS", "")
    return {"ASAN_OPTIONS": f"{options}:allocator_may_return_null=1".lstrip(":")}


def _run(python_subprocess, body, cap=CAP):
    code = _PRELUDE.replace("CAP_BYTES", str(cap)) + body + '\nprint("DONE", flush=True)\n'
    proc = python_subprocess(code, env=_child_env(), timeout=TIMEOUT)
    report = f"exit status {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, report
    lines = proc.stdout.splitlines()
    assert lines and lines[-1] == "DONE", report
    assert len(lines) > 1 and not any(line.startswith("FAIL") for line in lines), report


@pytest.mark.parametrize("case", sorted(CASES))
def test_impossible_size(python_subprocess, case):
    _run(python_subprocess, CASES[case])


def test_im2col_never_builds_the_whole_patch_matrix(python_subprocess):
    _run(python_subprocess, _IM2COL, cap=2 << 30)


# In this process: the tables below hold a few entries each.
_M = 2**63 - 1


def _reference_axis(size, out, k, s, p, d, count_include_pad):
    """The window table of one pooling axis in exact Python ints."""
    rows = ([], [], [])
    for o in range(out):
        start = o * s - p
        j0 = (-start + d - 1) // d if start < 0 else 0
        j1 = min(k - 1, (size - 1 - start) // d)
        end_padded = min(start + k, size + p)
        fac = end_padded - start if count_include_pad else min(end_padded, size) - max(start, 0)
        rows[0].append(start + j0 * d)
        rows[1].append(max(j1 - j0 + 1, 0))
        rows[2].append(fac)
    return [list(r) for r in rows]


def test_window_tables_are_exact_at_int64_extremes():
    checked = 0
    for size in (1, 3, 7):
        for k in (1, 2, 3, 2**40, 2**62 + 1, _M - 1, _M):
            for p in sorted({0, 1, k // 2 - 1, k // 2}):
                for d in (1, 2, 2**62, _M):
                    for s in (1, 2, p + 1, 2**62, _M):
                        for ceil_mode in (False, True):
                            for cip in (False, True):
                                if not (0 <= p and 1 <= s <= _M):
                                    continue
                                try:
                                    out, axes = pool_geometry((size,), (k,), (s,), (p,), (d,),
                                                              ceil_mode, cip)
                                except ValueError:
                                    continue
                                table = axes[-1][7].tolist()
                                assert table == _reference_axis(size, out[0], k, s, p, d, cip), \
                                    (size, k, s, p, d, ceil_mode, cip)
                                checked += 1
    assert checked > 1000


def test_adaptive_windows_are_exact_past_int64_products():
    for size, out in [(2**21, 2**43), (3 * 2**40 + 1, 2**30 + 7), (5, 7), (2**62, 3)]:
        o = np.arange(max(out - 4, 0), out, dtype=np.int64)
        start, count = adaptive_windows(o, size, out)
        for i, j in enumerate(o.tolist()):
            first, end = j * size // out, -(-(j + 1) * size // out)
            assert (start[i], count[i]) == (first, end - first), (size, out, j)
