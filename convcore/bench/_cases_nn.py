"""Section ``nn``: the layer convolutions ``convcore.nn.conv1d/2d/3d``
against ``torch.nn.functional.conv1d/2d/3d``, float32 channels-first,
standard normal inputs, weights and bias (fixed seeds), torch set to
convcore's thread count.  torch is optional: without it the torch rows read
``not installed``.

Rows of a case: ``convcore auto`` (the subject: ``method='auto'``), then
one row ``convcore <method>`` per method registered in
``convcore.nn._conv_methods.METHODS`` (read when the case runs, so a method
added there appears here with nothing to edit), then torch.  The method rows
carry no target: their ratio (method time / auto time) says whether 'auto'
picked well.  After the section's cases, :func:`section_report` prints the
methods x cases table (every method's time and GFLOPS on every case, the
fastest marked) and checks the %peak targets.

Targets ('auto' against torch; ratio = torch time / convcore time): none
below 0.7x, the depthwise case >= 3x, the 1x1 case >= 1.5x, the 3x3 and
3-tap stride-1 layers Winograd's method covers >= 1.2x on an AVX-512
machine and >= 1.5x on an AVX2 one (``winograd_target``), and >= 1.3x in
geometric mean over the eleven forward cases (``GEOMEAN_TARGETS``, peer
label ``torch conv``); 'auto' on 3x3 64->64 56x56 N=8 at >= 75% of the
measured float32 matmul peak (``PEAK_TARGETS``; the direct algorithm's
flops, so Winograd's method may pass 100%).

The backward cases (``BACKWARD_SPECS``: a transposed convolution, input
and weight gradients, peers ``torch bwd ...`` = ``conv_transposeNd`` and
``torch.nn.grad``) have their own geometric mean (>= 1.0x, peer label
``torch bwd``) and none below 0.7x; the weight gradients >= 1.0x on an
AVX-512 machine and >= 1.2x on an AVX2 one (``weight_target``); the 3x3
input gradients as the forward layers Winograd's method covers.  Each is
described by the forward convolution whose gradient it is (``Conv``): the
transposed convolution maps that convolution's output shape to its input
shape with its weight.

``flops`` = 2 x multiply-adds, multiply-adds = N * C_out * prod(out) *
C_in / groups * prod(kernel) (padding included, as a layer counts them).
``bytes`` = input, weight, bias and output once each.

A method is skipped on a case (its row reads ``skipped: ...``) when one
call would take more than ``MAX_CALL_S`` seconds: by the registry's cost
model (``choose_conv_method(..., explain=True)``) when it has constants for
the method, else by a timed call after a first, planning call.  'auto' and
torch are never skipped.
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from ._runner import Case, Missing, failure_status, optional_import, verdict
from ._timing import format_time

SUITE = "nn"
ORDER = 30
GEOMEAN_TARGETS = {"torch conv": 1.3, "torch bwd": 1.0}

SUBJECT = "convcore auto"
METHOD_LABEL = "convcore {}"
TORCH_LABEL = "torch conv{}d"
MAX_CALL_S = 1.0                # a method slower than this per call is skipped
F32 = 4


@dataclass(frozen=True)
class Conv:
    """One layer convolution's geometry (per-axis values are the same on
    every spatial axis)."""
    n: int
    c_in: int
    c_out: int
    spatial: tuple
    kernel: int
    stride: int = 1
    padding: int = 0
    groups: int = 1

    @property
    def rank(self):
        return len(self.spatial)

    @property
    def x_shape(self):
        return (self.n, self.c_in) + tuple(self.spatial)

    @property
    def w_shape(self):
        return (self.c_out, self.c_in // self.groups) + (self.kernel,) * self.rank

    @property
    def out_spatial(self):
        return tuple((s + 2 * self.padding - self.kernel) // self.stride + 1
                     for s in self.spatial)

    @property
    def out_shape(self):
        return (self.n, self.c_out) + self.out_spatial

    @property
    def macs(self):
        """Multiply-adds: N * C_out * prod(out) * C_in / groups * prod(kernel)."""
        return (self.n * self.c_out * math.prod(self.out_spatial)
                * (self.c_in // self.groups) * self.kernel ** self.rank)

    @property
    def flops(self):
        return 2 * self.macs

    @property
    def nbytes(self):
        """Input, weight, bias and output, float32, once each."""
        return F32 * (math.prod(self.x_shape) + math.prod(self.w_shape) + self.c_out
                      + math.prod(self.out_shape))

    def args(self):
        """(stride, padding, dilation, groups) as the convNd functions take them."""
        return self.stride, self.padding, 1, self.groups


def registered_methods(kind="forward"):
    """The methods of ``kind`` ('forward', 'transpose' and 'input' run the
    forward convolution's; 'weight' the weight gradient's), from the
    registry, when asked."""
    from convcore.nn import _conv_dweight, _conv_methods
    return list(_conv_dweight.METHODS if kind == "weight" else _conv_methods.METHODS)


def standard_normal(seed, *shapes):
    """float32 standard normal arrays of ``shapes``, drawn in order from one
    generator seeded ``seed``."""
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(shape, dtype=np.float32) for shape in shapes)


def inputs(conv, seed=0):
    """(x, weight, bias): float32 standard normal, fixed seeds."""
    return standard_normal(seed, conv.x_shape, conv.w_shape, conv.c_out)


def skip_reason(fn, estimate, limit=MAX_CALL_S, clock=time.perf_counter):
    """Why a method is skipped (``None``: it runs): its modelled seconds per
    call ``estimate`` when known, else a call timed after a first one (which
    makes the plan; the second is timed only when the first exceeds
    ``limit``); a call that raises gives its :func:`failure_status`."""
    if estimate is not None:
        return f"skipped: model {format_time(estimate)}/call > {limit:g} s" \
            if estimate > limit else None
    for _ in range(2):
        t0 = clock()
        try:
            fn()
        except Exception as exc:    # refused geometry: n/a; any other: error
            return failure_status(exc)
        took = clock() - t0
        if took <= limit:
            return None
    return f"skipped: {format_time(took)}/call > {limit:g} s"


def competitors(conv, x, w, b, nn, methods, torch, *, estimates=None,
                limit=MAX_CALL_S, clock=time.perf_counter):
    """``{label: callable or Missing}``: 'auto', every one of ``methods``
    (skipped by :func:`skip_reason`), torch (a module or a Missing; ``None``:
    no torch row)."""
    fn = getattr(nn, f"conv{conv.rank}d")
    args = conv.args()
    out = {SUBJECT: lambda: fn(x, w, b, *args)}
    for m in methods:
        call = (lambda m: lambda: fn(x, w, b, *args, method=m))(m)
        why = skip_reason(call, (estimates or {}).get(m), limit, clock)
        out[METHOD_LABEL.format(m)] = Missing(why) if why else call
    label = TORCH_LABEL.format(conv.rank)
    if torch is None:
        return out
    if isinstance(torch, Missing):
        out[label] = torch
    else:
        tf = getattr(torch.nn.functional, f"conv{conv.rank}d")
        xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))

        def run_torch():
            with torch.no_grad():
                return tf(xt, wt, bt, *args)
        out[label] = run_torch
    return out


AUTO_PICKS = {}     # {case name: the method 'auto' ran}, filled when a case runs


def _torch():
    torch = optional_import("torch")
    if not isinstance(torch, Missing):
        import convcore
        torch.set_num_threads(convcore.get_num_threads())
    return torch


def _case(name, title, conv, torch_target):
    def setup():
        import convcore.nn as nn
        x, w, b = inputs(conv)
        pick, estimates = nn.choose_conv_method(x, w, b, *conv.args(), explain=True)
        AUTO_PICKS[name] = pick
        return competitors(conv, x, w, b, nn, registered_methods(), _torch(),
                           estimates=estimates)

    return Case(name=name, section="nn", title=title, setup=setup, flops=conv.flops,
                bytes=conv.nbytes, dtype="float32",
                input_nbytes=F32 * math.prod(conv.x_shape), subject=SUBJECT,
                targets={TORCH_LABEL.format(conv.rank): torch_target})


def _avx512():
    try:
        from convcore import _dispatch
    except ImportError:
        return True
    return "avx512" in _dispatch.supported_isas()


def winograd_target():
    """The target of the 3x3 stride-1 layers against torch, which runs them
    at 84-100% of the sgemm peak on AVX-512 machines: Winograd's method does
    2.25x to 4x fewer multiplications."""
    return 1.2 if _avx512() else 1.5


def weight_target():
    """The weight gradients' target against torch: torch runs them at 72-78%
    of the sgemm peak on AVX-512 machines, 40-55% on AVX2 ones."""
    return 1.0 if _avx512() else 1.2


# (name, title, geometry, target vs torch)
SPECS = [
    ("conv2d_3x3_64to64_56_n1", "conv2d 3x3 pad 1, 64->64, 56x56, N=1",
     Conv(1, 64, 64, (56, 56), 3, padding=1), winograd_target()),
    ("conv2d_3x3_64to64_56_n8", "conv2d 3x3 pad 1, 64->64, 56x56, N=8",
     Conv(8, 64, 64, (56, 56), 3, padding=1), winograd_target()),
    ("conv2d_1x1_256to64_56_n8", "conv2d 1x1, 256->64, 56x56, N=8",
     Conv(8, 256, 64, (56, 56), 1), 1.5),
    ("conv2d_7x7s2_3to64_224_n8", "conv2d 7x7 stride 2 pad 3, 3->64, 224x224, N=8",
     Conv(8, 3, 64, (224, 224), 7, stride=2, padding=3), 0.7),
    ("conv2d_3x3_256to256_14_n8", "conv2d 3x3 pad 1, 256->256, 14x14, N=8",
     Conv(8, 256, 256, (14, 14), 3, padding=1), winograd_target()),
    ("conv2d_dw3x3_128_56_n8", "conv2d depthwise 3x3 pad 1, 128 channels, 56x56, N=8",
     Conv(8, 128, 128, (56, 56), 3, padding=1, groups=128), 3.0),
    ("conv2d_3x3s2_128to256_28_n8", "conv2d 3x3 stride 2 pad 1, 128->256, 28x28, N=8",
     Conv(8, 128, 256, (28, 28), 3, stride=2, padding=1), 0.7),
    ("conv1d_k9_64to64_4096_n8", "conv1d k=9 pad 4, 64->64, L=4096, N=8",
     Conv(8, 64, 64, (4096,), 9, padding=4), 0.7),
    ("conv1d_k3_256to256_4096_n8", "conv1d k=3 pad 1, 256->256, L=4096, N=8",
     Conv(8, 256, 256, (4096,), 3, padding=1), winograd_target()),
    ("conv3d_3x3x3_16to32_32_n2", "conv3d 3x3x3 pad 1, 16->32, 32^3, N=2",
     Conv(2, 16, 32, (32, 32, 32), 3, padding=1), 0.7),
    ("conv2d_31x31_16to16_128_n4", "conv2d 31x31 pad 15 (large kernel), 16->16, 128x128, N=4",
     Conv(4, 16, 16, (128, 128), 31, padding=15), 0.7),
]
GEOMETRY = {name: conv for name, _, conv, _ in SPECS}

# {case name: minimum fraction of the float32 matmul peak for 'auto'}
PEAK_TARGETS = {"conv2d_3x3_64to64_56_n8": 0.75}

CASES = [_case(name, title, conv, target) for name, title, conv, target in SPECS]


# --------------------------------------------------------------------------
# Backward cases: the transposed convolution and the gradients

BWD_LABEL = "torch bwd {}"


def backward_inputs(conv, seed=0):
    """(x, weight, grad_output): float32 standard normal, fixed seeds."""
    return standard_normal(seed, conv.x_shape, conv.w_shape, conv.out_shape)


def backward_calls(kind, conv, x, w, g, nn):
    """(convcore's call for a method, torch op name, torch's call
    ``(torch.nn, x, w, g)`` on tensors): the op of ``kind`` on the arrays of
    ``conv``."""
    r, (stride, padding, dilation, groups) = conv.rank, conv.args()
    if kind == "transpose":
        fn = getattr(nn, f"conv_transpose{r}d")
        return ((lambda m: fn(g, w, None, stride, padding, 0, groups, dilation, method=m)),
                f"conv_transpose{r}d",
                lambda tnn, tx, tw, tg: getattr(tnn.functional, f"conv_transpose{r}d")(
                    tg, tw, None, stride, padding, 0, groups, dilation))
    if kind == "input":
        fn = getattr(nn.grad, f"conv{r}d_input")
        return ((lambda m: fn(conv.x_shape, w, g, *conv.args(), method=m)), f"conv{r}d_input",
                lambda tnn, tx, tw, tg: getattr(tnn.grad, f"conv{r}d_input")(
                    conv.x_shape, tw, tg, *conv.args()))
    fn = getattr(nn.grad, f"conv{r}d_weight")
    return ((lambda m: fn(x, conv.w_shape, g, *conv.args(), method=m)), f"conv{r}d_weight",
            lambda tnn, tx, tw, tg: getattr(tnn.grad, f"conv{r}d_weight")(
                tx, conv.w_shape, tg, *conv.args()))


def backward_competitors(kind, conv, x, w, g, nn, methods, torch):
    """``{label: callable or Missing}``: 'auto', each of ``methods``
    (skipped by :func:`skip_reason`), torch's op (or a Missing)."""
    call, op, torch_call = backward_calls(kind, conv, x, w, g, nn)
    out = {SUBJECT: lambda: call("auto")}
    for m in methods:
        fn = (lambda m: lambda: call(m))(m)
        why = skip_reason(fn, None)
        out[METHOD_LABEL.format(m)] = Missing(why) if why else fn
    label = BWD_LABEL.format(op)
    if isinstance(torch, Missing):
        out[label] = torch
    else:
        tx, tw, tg = (torch.from_numpy(a) for a in (x, w, g))

        def run_torch():
            with torch.no_grad():
                return torch_call(torch.nn, tx, tw, tg)
        out[label] = run_torch
    return out


def _backward_pick(kind, conv):
    """The method(s) 'auto' runs for the backward op ``kind``."""
    from convcore.nn import _conv, _conv_dweight, _transpose
    r = conv.rank
    spec = _conv.conv_spec(r, "benchmark", conv.x_shape, conv.w_shape, conv.groups,
                           (conv.stride,) * r, ((conv.padding, conv.padding),) * r, (1,) * r,
                           np.float32)
    if kind == "weight":
        return _conv_dweight.choose(spec)
    return "+".join(_transpose.choose(spec))


def _backward_case(name, title, conv, kind, target):
    def setup():
        import convcore.nn as nn
        x, w, g = backward_inputs(conv)
        AUTO_PICKS[name] = _backward_pick(kind, conv)
        return backward_competitors(kind, conv, x, w, g, nn, registered_methods(kind),
                                    _torch())

    op = {"transpose": "conv_transpose{}d", "input": "conv{}d_input",
          "weight": "conv{}d_weight"}[kind].format(conv.rank)
    nbytes = F32 * (math.prod(conv.x_shape) + math.prod(conv.w_shape)
                    + math.prod(conv.out_shape))
    return Case(name=name, section="nn", title=title, setup=setup, flops=conv.flops,
                bytes=nbytes, dtype="float32",
                input_nbytes=F32 * math.prod(conv.out_shape if kind != "weight"
                                             else conv.x_shape),
                subject=SUBJECT, targets={BWD_LABEL.format(op): target}, quick=False)


# (name, title, the forward convolution, kind, target vs torch)
BACKWARD_SPECS = [
    ("conv_transpose2d_k4s2_64to32_28_n8",
     "conv_transpose2d 4x4 stride 2 pad 1, 64->32, 28x28 -> 56x56, N=8",
     Conv(8, 32, 64, (56, 56), 4, stride=2, padding=1), "transpose", 0.7),
    ("conv2d_input_3x3_64to64_56_n8", "conv2d input gradient 3x3 pad 1, 64->64, 56x56, N=8",
     Conv(8, 64, 64, (56, 56), 3, padding=1), "input", winograd_target()),
    ("conv2d_weight_3x3_64to64_56_n8", "conv2d weight gradient 3x3 pad 1, 64->64, 56x56, N=8",
     Conv(8, 64, 64, (56, 56), 3, padding=1), "weight", weight_target()),
    ("conv2d_input_3x3_256to256_14_n8",
     "conv2d input gradient 3x3 pad 1, 256->256, 14x14, N=8",
     Conv(8, 256, 256, (14, 14), 3, padding=1), "input", winograd_target()),
    ("conv2d_weight_3x3_256to256_14_n8",
     "conv2d weight gradient 3x3 pad 1, 256->256, 14x14, N=8",
     Conv(8, 256, 256, (14, 14), 3, padding=1), "weight", weight_target()),
    ("conv1d_weight_k9_64to64_4096_n8", "conv1d weight gradient k=9 pad 4, 64->64, L=4096, N=8",
     Conv(8, 64, 64, (4096,), 9, padding=4), "weight", weight_target()),
]
GEOMETRY.update({name: conv for name, _, conv, _, _ in BACKWARD_SPECS})
CASES += [_backward_case(*spec) for spec in BACKWARD_SPECS]


# --------------------------------------------------------------------------
# The methods x cases table and the %peak targets, after the section's cases


def _columns(results):
    """Table columns in order: auto, the methods (in registry order, as the
    rows came), torch."""
    cols = ["auto"]
    for res in results:
        for r in res.rows:
            if r.label.startswith("convcore ") and r.label != SUBJECT:
                m = r.label[len("convcore "):]
                if m not in cols:
                    cols.append(m)
    return cols + ["torch"]


def _column_row(res, col):
    for r in res.rows:
        if (col == "auto" and r.label == SUBJECT) or r.label == METHOD_LABEL.format(col) \
                or (col == "torch" and r.label.startswith("torch")):
            return r
    return None


def _cell(r, fastest):
    if r is None:
        return "- "
    if r.timing is None:
        return ("skipped" if r.status.startswith("skipped") else "n/a") + " "
    return f"{format_time(r.timing.median):>10} {r.gflops:>7.1f}" + ("*" if fastest else " ")


def methods_table(results, picks=None):
    """The methods x cases text: per case, each column's time per call and
    GFLOPS, ``*`` on the fastest; the method 'auto' ran."""
    picks = AUTO_PICKS if picks is None else picks
    cols = _columns(results)
    width = 19
    name_w = max([len("case")] + [len(res.case.name) for res in results])
    head = (f"  {'case':<{name_w}} {'auto runs':<9} "
            + " ".join(f"{c + ' ':>{width}}" for c in cols))
    lines = ["[nn] methods x cases: time per call and GFLOPS (* fastest; skipped: "
             f"> {MAX_CALL_S:g} s per call; n/a: not installed or failed)", head]
    for res in results:
        cells = [_column_row(res, c) for c in cols]
        timed = [r.timing.median for r in cells if r is not None and r.timing is not None]
        best = min(timed) if timed else None
        text = [_cell(r, r is not None and r.timing is not None and r.timing.median == best)
                for r in cells]
        lines.append(f"  {res.case.name:<{name_w}} {picks.get(res.case.name, '?'):<9} "
                     + " ".join(f"{t:>{width}}" for t in text))
    return "\n".join(line.rstrip() for line in lines)


def peak_verdicts(results, targets=None):
    """``[(case name, what, verdict)]`` and the text lines of the %peak
    targets of 'auto' (``PEAK_TARGETS``) among ``results``."""
    targets = PEAK_TARGETS if targets is None else targets
    verdicts, lines = [], []
    for res in results:
        target = targets.get(res.case.name)
        if target is None:
            continue
        pct = next((r.pct_peak for r in res.rows if r.label == SUBJECT), None)
        v = verdict(pct, target)
        what = f"{SUBJECT} %peak"
        verdicts.append((res.case.name, what, v))
        shown = "-" if pct is None else f"{100 * pct:.0f}%"
        lines.append(f"  {res.case.name}: {SUBJECT} at {shown} of the float32 matmul peak, "
                     f"target >={100 * target:.0f}%: {v or 'not measured'}")
    return verdicts, lines


def section_report(results, machine=None):
    """``(text, verdicts)`` printed after the section's cases (``_cli``):
    the methods x cases table and the %peak targets."""
    results = [r for r in results if r.case.section == "nn"]
    if not results:
        return "", []
    verdicts, lines = peak_verdicts(results)
    return "\n".join([methods_table(results)] + lines), verdicts
