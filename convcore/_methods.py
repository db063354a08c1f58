"""The method registry of the signal API: every name runs exactly its own
algorithm, and ``'auto'`` chooses only among the names registered here."""
import math
import timeit

import numpy as np

from . import _cost_table, _dispatch, _validate, _wisdom
from ._directconv import check_output, direct_plan, window
from ._fftconv import (fft_lengths, fft_path, fft_workers, line_layout, method_fft, method_oa,
                       method_setup, plan_oa, transform_points, work_dtype)
from ._im2colconv import method_im2col
from ._threads import get_num_threads


def _per_call(method):
    """The plan maker of a method whose work is all done per call."""
    def make(p, q, mode):
        return lambda p, q: method(p, q, mode)
    return make


# name -> make(p, q, mode) -> run(p, q): ``run`` computes the `mode` window of
# the full convolution p * q for operands of p's and q's shapes and dtypes.
METHODS = {
    "direct": direct_plan,
    "fft": _per_call(method_fft),
    "oa": _per_call(method_oa),
    "im2col": _per_call(method_im2col),
}

# Methods whose integer and bool results go through floating transforms.
ROUNDING = ("fft", "oa")

# Each method as scipy names its algorithm: sums over the kernel ('direct')
# or a product of spectra ('fft'), the two names scipy's convolve accepts.
SCIPY_NAMES = {"direct": "direct", "im2col": "direct", "fft": "fft", "oa": "fft"}


# --------------------------------------------------------------------------
# The cost model of 'auto'.
#
# Each method's time is a dot product of its constants (seconds per unit,
# _cost_table.py, fitted by benchmarks/calibrate.py on the machine named
# there) with problem features:
#   direct: 1, outputs, outputs * kernel rows, multiply-adds in the row
#           kernel (whole vectors; edges included where they are padded),
#           multiply-adds in the scalar edge loop
#   im2col: 1, outputs, outputs * kernel size (patch elements filled and
#           reduced)
#   fft, oa: 1, calls into pocketfft, 1-D lines transformed, workspace
#           elements, n*log2(n) work of passes pocketfft runs on several
#           threads (several lines, large enough: _fftconv.fft_workers),
#           n*log2(n) work of the others: a tally of the 1-D passes each
#           method makes
# Constants are per dtype class (the kernels' element type; for FFTs the
# transform dtype) and were fitted at the calibration's thread count.


def dtype_class(dtype):
    """'f4', 'f8', 'c8', 'c16', or 'scalar' for the types the direct kernels
    run without SIMD (integers, bool, long double)."""
    if dtype.kind == "f" and dtype.itemsize <= 8:
        return "f4" if dtype.itemsize <= 4 else "f8"
    if dtype.kind == "c" and dtype.itemsize <= 16:
        return "c8" if dtype.itemsize == 8 else "c16"
    return "scalar"


def _taps_before(t, a, b):
    """Multiply-adds of the full 1-D convolution of lengths a <= b in its
    outputs [0, t): output u takes min(u + 1, a, a + b - 1 - u) products."""
    t = min(max(t, 0), a + b - 1)
    rise = min(t, a)
    flat = min(max(t - a, 0), b - a)
    fall = max(t - b, 0)
    return rise * (rise + 1) // 2 + flat * a + fall * (a - 1) - fall * (fall - 1) // 2


def _direct_macs(s1, s2, mode):
    """Multiply-adds the direct kernel performs on the ``mode`` window
    (taps outside the input are skipped): a product over axes."""
    out_shape, start = window(mode, s1, s2)
    macs = 1
    for n1, n2, t0, m in zip(s1, s2, start, out_shape):
        a, b = min(n1, n2), max(n1, n2)
        macs *= _taps_before(t0 + m, a, b) - _taps_before(t0, a, b)
    return macs


# Elements per AVX2 vector of each class (the SIMD row kernels' width).
_LANES = {"f4": 8, "f8": 4, "c8": 4, "c16": 2, "scalar": 1}


def _direct_features(p, q, mode):
    out_shape, start = window(mode, p.shape, q.shape)
    macs = _direct_macs(p.shape, q.shape, mode)
    row_macs = _direct_macs(p.shape[-1:], q.shape[-1:], mode)  # along the last axis
    if q.shape[-1] > p.shape[-1]:
        p, q = q, p  # the signal is the operand longer along the last axis
    # The row micro-kernel runs the columns every tap of a kernel row
    # reaches.  The other (edge) columns run it too, on zero-padded copies,
    # where a SIMD kernel exists (direct_op.c); otherwise they go through a
    # scalar loop over the taps that exist.
    n, k, m = p.shape[-1], q.shape[-1], out_shape[-1]
    s = start[-1] - (k - 1)
    lo = min(max(-s, 0), m)
    hi = min(max(n - k + 1 - s, lo), m)
    lead = macs // row_macs if row_macs else 0  # multiply-adds per last-axis one
    cls = dtype_class(np.result_type(p, q))
    lanes = _LANES[cls]

    def vector_macs(cols):  # the kernel's vectors run whole
        return -(-cols // lanes) * lanes * k * lead

    n_out = math.prod(out_shape)
    rows = math.prod(q.shape[:-1])
    if cls == "scalar":
        simd, edge = vector_macs(hi - lo), macs - (hi - lo) * k * lead
    else:
        simd, edge = vector_macs(lo) + vector_macs(hi - lo) + vector_macs(m - hi), 0
    return cls, (1.0, n_out, n_out * rows, simd, edge)


def _im2col_features(p, q, mode):
    out_shape, _ = window(mode, p.shape, q.shape)
    n_out = math.prod(out_shape)
    return dtype_class(np.result_type(p, q)), (1.0, n_out, n_out * min(p.size, q.size))


def _fft_setup(p, q, mode):
    """(work dtype, real?, p, q, axes, window, batch) as the FFT methods
    see them (_fftconv.method_setup); batch: the elements of one transform
    position across the broadcast axes."""
    dtype = work_dtype(p, q)
    p, q, axes, win = method_setup(p, q, mode)
    batch = transform_points(p.shape, q.shape, axes, [])
    return dtype, dtype.kind != "c", p, q, axes, win, batch


class _Passes:
    """Tally of 1-D transform passes: calls into pocketfft, lines
    transformed, and n*log2(n) work, the latter split by whether the pass
    runs on several threads (pocketfft's threads split lines, when
    ``threaded``: _fftconv.fft_workers) or on one."""

    def __init__(self, threaded):
        self.threaded = threaded
        self.calls = self.lines = self.parallel = self.serial = 0

    def add(self, extents, axis, n, calls=1):
        lines = math.prod(extents) // max(extents[axis], 1)
        work = lines * n * math.log2(max(n, 2))
        self.calls += calls
        self.lines += lines
        if lines > 1 and self.threaded:
            self.parallel += work
        else:
            self.serial += work

    def features(self, elements):
        return (1.0, self.calls, self.lines, elements, self.parallel, self.serial)


def _fft_features(p, q, mode):
    dtype, real, p, q, axes, win, batch = _fft_setup(p, q, mode)
    lengths = fft_lengths(p.shape, q.shape, axes, win, real)
    path = fft_path(p.shape, q.shape, axes, lengths, dtype)
    split = path == "split"  # one thread: _fftconv._split_line
    passes = _Passes(not split and fft_workers(math.prod(lengths) * batch) > 1)
    if not axes:  # a broadcast product: costed as one call's overhead
        passes.add([1], 0, 1)
    elif split:
        phases, m = line_layout(p.shape, q.shape, axes[0], win, dtype)
        lengths = [phases * m]
        # both inputs' lines in one call, then the inverse ones
        passes.add([2 * phases, m], 1, m)
        passes.add([phases, m], 1, m)
    elif path == "line":
        n = lengths[0]
        for _ in range(3):
            passes.add([n], 0, n)
    else:
        pruned = path == "pruned"
        for x in (p, q):  # forward: last axis first
            ext = list(x.shape)
            if not pruned:
                for a, length in zip(axes, lengths):
                    ext[a] = length
            for i, (a, length) in enumerate(reversed(list(zip(axes, lengths)))):
                passes.add(ext, a, length, calls=pruned or i == 0)
                ext[a] = length
        ext = [max(a, b) for a, b in zip(p.shape, q.shape)]
        for a, length in zip(axes, lengths):
            ext[a] = length
        for i, (a, length) in enumerate(zip(axes, lengths)):  # inverse
            passes.add(ext, a, length, calls=pruned or i == 0)
            if pruned:
                ext[a] = win[a][1]
    return dtype_class(dtype), passes.features(3 * math.prod(lengths) * batch)


def _oa_features(p, q, mode):
    dtype, real, p, q, axes, _, batch = _fft_setup(p, q, mode)
    plan, _ = plan_oa([(p.shape[a], q.shape[a]) for a in axes], real)
    if all(steps == 1 for _, steps in plan):
        return dtype_class(dtype), None  # one block per axis: 'oa' runs fft_window
    block = [n for n, _ in plan]
    nblocks = math.prod(s for _, s in plan)
    passes = _Passes(fft_workers(nblocks * math.prod(block) * batch) > 1)
    for count in (nblocks, 1, nblocks):  # long input's blocks, short input, output
        for i, n in enumerate(block):
            passes.add([count * batch] + block, i + 1, n)
    return dtype_class(dtype), passes.features((2 * nblocks + 1) * math.prod(block) * batch)


FEATURES = {"direct": _direct_features, "im2col": _im2col_features,
            "fft": _fft_features, "oa": _oa_features}


def estimate(method, p, q, mode):
    """Model seconds of ``method`` on the ``mode`` window of ``p * q``, or
    None when the table has no constants for it."""
    cls, feats = FEATURES[method](p, q, mode)
    if feats is None:  # an 'oa' plan of one block per axis is the 'fft' method
        method = "fft"
        cls, feats = FEATURES[method](p, q, mode)
    consts = _cost_table.COSTS.get((method, cls))
    if consts is None:
        return None
    return sum(c * f for c, f in zip(consts, feats))


def _exact_in_float(p, q, result):
    """scipy's rule for integer results through floating FFTs: the largest
    possible sum of products must stay below 2**52.  convcore also keeps it
    inside the result dtype, so 'auto' never trades the direct method's
    wrap-around for a float-to-int cast."""
    def peak(a):
        if a.dtype.kind == "b":
            return int(a.any())
        return max(abs(int(a.max())), abs(int(a.min())))
    bound = peak(p) * peak(q) * min(p.size, q.size)
    return bound <= 2 ** np.finfo(np.float64).nmant - 1 and bound <= np.iinfo(result).max


def _exact_methods(p, q):
    """The methods whose result is the direct method's: no rounding method
    for bool results, nor for integer results that floats could get wrong."""
    if p.ndim == 0 or p.size == 0 or q.size == 0 or object_arrays(p, q):
        return ["direct"]  # object arrays: scipy's own direct method
    if p.dtype.kind in "fc" or q.dtype.kind in "fc":
        return list(METHODS)  # a floating result
    result = np.result_type(p, q)
    if result.kind == "b" or result.kind not in "iufc":
        return [m for m in METHODS if m not in ROUNDING]
    if result.kind in "iu" and not _exact_in_float(p, q, result):
        return [m for m in METHODS if m not in ROUNDING]
    return list(METHODS)


def object_arrays(p, q):
    """True when either input is an object array: 'auto' and 'direct' hand
    those to scipy (exact Python arithmetic), the FFT methods convert them
    to float64 as scipy.fft does."""
    return p.dtype.kind == "O" or q.dtype.kind == "O"


def estimate_costs(p, q, mode, methods):
    """{method: model seconds} of each of ``methods`` the cost table covers,
    on the ``mode`` window of ``p * q`` (none for object arrays, which run
    scipy's code)."""
    if object_arrays(p, q):
        return {}
    costs = {}
    for m in methods:
        try:
            t = estimate(m, p, q, mode)
        except MemoryError:  # its transforms could not exist: no candidate
            continue
        if t is not None:
            costs[m] = t
    return costs


# Model choices by problem signature: the model looks at shapes and dtypes
# only, and small problems would otherwise pay for it on every call.
_choices = {}
_MAX_CHOICES = 4096


def choose_method(p, q, mode):
    """The method ``'auto'`` runs for the ``mode`` window of ``p * q``: the
    one measured fastest for this problem when the opt-in cache
    (``_wisdom``) has it, else the cheapest by the cost model, among those
    that give the direct method's answer."""
    methods = _exact_methods(p, q)
    if len(methods) == 1:
        return methods[0]
    measured = _wisdom.lookup(p, q, mode)
    if measured in methods:
        return measured
    key = (mode, p.shape, q.shape, p.dtype, q.dtype, tuple(methods), get_num_threads(),
           _dispatch.isa_level)
    choice = _choices.get(key)
    if choice is None:
        choice = _model_choice(p, q, mode, methods)
        if len(_choices) >= _MAX_CHOICES:
            _choices.clear()
        _choices[key] = choice
    return choice


# Another method must be modelled FFT_MARGIN times the FFT's cost or less
# to be chosen over it.  The model errs by 10-30% on single problems, and
# the 'fft' method runs scipy's transforms with less work around them, so it
# is rarely slower than scipy, while an other method chosen on a near tie
# can be: replaying three 200-problem sweeps (benchmarks/sweep.py auto) with
# margins 1.0-0.8, 0.9 left 1 problem slower than scipy instead of 4, and
# the largest regret at 1.6-2.1x instead of 1.9-2.1x.
FFT_MARGIN = 0.9


def _model_choice(p, q, mode, methods):
    t_direct = estimate("direct", p, q, mode)
    if t_direct <= _cost_table.MIN_FIXED_S:
        # Nothing else can be faster: skip modelling the others.
        return "direct"
    costs = estimate_costs(p, q, mode, methods)
    if "fft" in costs:
        costs["fft"] *= FFT_MARGIN
    return min(costs, key=costs.get)


def _seconds(fn, repeat=3):
    """Seconds per call of ``fn``: the best of ``repeat`` timings of enough
    calls to last about 5 ms (scipy's _timeit_fast)."""
    timer = timeit.Timer(fn)
    number = 1
    for p in range(10):
        number = 10 ** p
        elapsed = timer.timeit(number)
        if elapsed >= 5e-4:
            break
    if elapsed > 1:
        return elapsed / number
    number *= 10
    return min(timer.repeat(repeat, number)) / number


def choose_conv_method(in1, in2, mode="full", measure=False, explain=False):
    """Find the fastest convolution/correlation method, as
    ``scipy.signal.choose_conv_method``.

    Parameters
    ----------
    in1, in2 : array_like
        The arguments of :func:`convolve` or :func:`correlate`.
    mode : {'full', 'valid', 'same'}
        Output size, as :func:`convolve`.
    measure : bool
        If True, time every method ``'auto'`` may choose on these inputs and
        return the fastest with the timings (stored in the opt-in cache when
        ``CONVCORE_WISDOM`` names a file); if False, predict it.
    explain : bool
        If True (and ``measure`` False), also return the cost model's
        estimate of each method, to see why ``'auto'`` chose as it did.

    Returns
    -------
    method : str
        The method ``convolve(in1, in2, mode, method='auto')`` runs (with
        ``measure=True``: the fastest one measured).  Never a rounding
        method ('fft', 'oa') for bool results, or for integer results a
        float transform could get wrong (scipy's 2**52 rule).
    times : dict
        With ``measure=True``: seconds per call of each method timed (a
        method that raised MemoryError is left out); with
        ``explain=True``: the model's estimated seconds of each method
        ``'auto'`` may choose.  Returned only with one of the two.

    Raises
    ------
    MemoryError
        When the output could not be an array at all (its byte size past
        ``sys.maxsize``, as :func:`convolve` raises), or with
        ``measure=True`` when no method could run.

    Notes
    -----
    Object arrays: always ``'direct'``, as scipy (``'auto'`` runs scipy's
    own direct method on them, in exact Python arithmetic).

    The model's constants are measured per machine class by
    ``benchmarks/calibrate.py`` and shipped in ``convcore/_cost_table.py``.
    Set ``CONVCORE_WISDOM`` to a file path to make ``'auto'`` reuse the
    choices of earlier ``measure=True`` calls on problems of the same
    shapes, dtypes and mode (see ``convcore._wisdom``).
    """
    in1, in2 = _checked(in1, in2, mode)
    if measure:
        times = _time_methods(in1, in2, mode, _exact_methods(in1, in2))
        best = min(times, key=times.get)
        _wisdom.record(in1, in2, mode, best, times)
        return best, times
    if explain:
        return (choose_method(in1, in2, mode),
                estimate_costs(in1, in2, mode, _exact_methods(in1, in2)))
    return choose_method(in1, in2, mode)


def _time_methods(in1, in2, mode, methods):
    """``{method: seconds per call}`` of ``convolve(in1, in2, mode, method)``
    for each of ``methods`` that can run: one whose workspace cannot be had
    here (an FFT of a cross-shaped pair, far larger than the output) is no
    candidate, the others still are; MemoryError when none can run."""
    from ._signal import convolve  # _signal imports this module
    times, refused = {}, None
    for m in methods:
        try:
            times[m] = _seconds(lambda m=m: convolve(in1, in2, mode, m))
        except MemoryError as exc:
            refused = refused or exc
    if not times:
        raise refused
    return times


def _checked(in1, in2, mode):
    """The arguments of the choose_conv_method functions, as arrays, checked
    as convolve checks them."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    if not (in1.ndim == 0 and in2.ndim == 0):
        _validate.check_same_rank(in1, in2)
    _validate.check_mode(mode)
    if not object_arrays(in1, in2):
        _validate.result_dtype(in1, in2)
    _validate.inputs_swap_needed(mode, in1.shape, in2.shape)
    if in1.ndim:
        check_output(in1, in2, mode)  # as convolve would, before any model or timing
    return in1, in2


def choose_conv_method_as_scipy(in1, in2, mode="full", measure=False):
    """:func:`choose_conv_method` in scipy's method names: what
    :func:`convcore.patch_scipy` puts in ``scipy.signal``.

    scipy's ``convolve`` and ``correlate`` accept ``'direct'`` and ``'fft'``
    only, and so do a ``convolve`` bound before patching and any code that
    checks the name.  Without ``measure``, convcore's choice is named by its
    algorithm (:data:`SCIPY_NAMES`: ``'im2col'`` sums as ``'direct'`` does,
    ``'oa'`` is an FFT method).  With ``measure=True``, the names are timed
    as ``convolve(in1, in2, mode, method=name)`` runs them here, for the
    names of the methods ``'auto'`` may choose (no ``'fft'`` where a float
    transform could get an integer or bool result wrong), and the fastest
    is returned with the ``{name: seconds}`` timings.  Parameters, checks
    and results otherwise as scipy's ``choose_conv_method``.
    """
    in1, in2 = _checked(in1, in2, mode)
    if not measure:
        return SCIPY_NAMES[choose_method(in1, in2, mode)]
    names = dict.fromkeys(SCIPY_NAMES[m] for m in _exact_methods(in1, in2))
    times = _time_methods(in1, in2, mode, names)
    return min(times, key=times.get), times
