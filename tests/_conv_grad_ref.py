"""Plain NumPy reference of the transposed convolutions
(``convcore.nn.conv_transposeNd``) and of the convolution gradients
(``convcore.nn.grad.convNd_input``, ``convNd_weight``, ``conv_bias``), in
torch's semantics; their bounds for the tolerance rule of _conv_ref; the
shared test matrices; and the torch calls they are compared with.

Written to be obviously correct, independently of convcore's geometry code,
one kernel tap at a time and in float64:

- the transposed convolution scatters: input ``x[n, c, i]`` times tap
  ``w[c, o, t]`` is added at position ``i*s + t*d - p`` of the output; the
  positions are built in a zero array that starts at ``-p`` and reaches the
  last tap plus the output padding, then cropped to the output;
- dL/dx of a convolution is the same scatter of ``grad_output[n, o, j] *
  w[o, c, t]`` to input position ``j*s + t*d - p`` (padding cropped away);
- dL/dw takes, per tap ``t``, the slice ``j*s + t*d`` of the explicitly
  zero-padded input and contracts it with ``grad_output`` over the batch
  and the output positions;
- dL/db sums ``grad_output`` over every axis but the channel axis.
"""
import numpy as np

from _conv_ref import _per_axis, pairwise, result_dtype

__all__ = [
    "transpose_out_size", "conv_out_size", "output_padding_for", "conv_transpose_ref",
    "conv_transpose_bound", "conv_input_ref", "conv_input_bound", "conv_weight_ref",
    "conv_weight_bound", "conv_bias_ref", "conv_bias_bound", "TRANSPOSE_AXES",
    "TRANSPOSE_CASES", "transpose_problem", "GRAD_AXES", "GRAD_CASES", "grad_problem",
    "case_id", "TRANSPOSE_SHAPE_CASES", "GRAD_SHAPE_CASES", "torch_conv_transpose",
    "torch_conv_input", "torch_conv_weight", "torch_conv_bias", "conv_geometries", "user_data",
    "fd_grad", "FD_TOL",
]


def _axes(rank, stride, padding, dilation, output_padding=0):
    return (_per_axis(stride, rank), _per_axis(padding, rank), _per_axis(dilation, rank),
            _per_axis(output_padding, rank))


def transpose_out_size(in_size, kernel, stride=1, padding=0, output_padding=0, dilation=1):
    """torch's conv_transpose output size per axis."""
    s, p, d, op = _axes(len(kernel), stride, padding, dilation, output_padding)
    return tuple((i - 1) * s_ - 2 * p_ + d_ * (k - 1) + op_ + 1
                 for i, k, s_, p_, d_, op_ in zip(in_size, kernel, s, p, d, op))


def conv_out_size(in_size, kernel, stride=1, padding=0, dilation=1):
    """torch's convolution output size per axis (floor)."""
    s, p, d, _ = _axes(len(kernel), stride, padding, dilation)
    return tuple((i + 2 * p_ - d_ * (k - 1) - 1) // s_ + 1
                 for i, k, s_, p_, d_ in zip(in_size, kernel, s, p, d))


def output_padding_for(in_size, kernel, stride=1, padding=0, dilation=1):
    """The output padding that makes conv_transpose of the convolution's
    output (of ``in_size``) come back to ``in_size``: the stride's
    remainder, in [0, stride)."""
    out = conv_out_size(in_size, kernel, stride, padding, dilation)
    back = transpose_out_size(out, kernel, stride, padding, 0, dilation)
    return tuple(i - b for i, b in zip(in_size, back))


def _tap_slices(t, d, s, count):
    """Positions t*d + j*s of j in [0, count) as slices."""
    return tuple(slice(t_ * d_, t_ * d_ + (c - 1) * s_ + 1, s_)
                 for t_, d_, s_, c in zip(t, d, s, count))


def _scatter(src, w, groups, stride, dilation, extent):
    """Sum over taps t of src[n, c, j] * w[c, o, t] placed at j*s + t*d of
    a zero array of spatial ``extent`` (float64): w is (C_src, C_dst /
    groups, *k), group g maps source channels [g*C_src/g, (g+1)*C_src/g)
    to destination ones [g*C_dst/g, (g+1)*C_dst/g).  (A transposed
    convolution's weight is (C_in, C_out / groups, *k); a convolution's,
    (C_out, C_in / groups, *k), maps grad_output's channels to x's.)"""
    kernel = w.shape[2:]
    n, c_src = src.shape[:2]
    c_src_g, c_dst_g = c_src // groups, w.shape[1]
    acc = np.zeros((n, c_dst_g * groups) + tuple(extent))
    count = src.shape[2:]
    pos = "xyz"[:len(kernel)]
    for g in range(groups):
        sg = src[:, g * c_src_g:(g + 1) * c_src_g]
        wg = w[g * c_src_g:(g + 1) * c_src_g]
        for t in np.ndindex(*kernel):
            tap = wg[(slice(None), slice(None)) + t]          # (C_src_g, C_dst_g)
            contrib = np.einsum(f"nc{pos},co->no{pos}", sg, tap)
            acc[(slice(None), slice(g * c_dst_g, (g + 1) * c_dst_g))
                + _tap_slices(t, dilation, stride, count)] += contrib
    return acc


def _batched(a, rank):
    a = np.asarray(a)
    return (a[None], True) if a.ndim == rank + 1 else (a, False)


def conv_transpose_ref(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                       dilation=1):
    """torch.nn.functional.conv_transposeNd in NumPy: ``x`` (N, C_in,
    *spatial) or unbatched (C_in, *spatial), ``w`` (C_in, C_out / groups,
    *k).  Computed in float64, returned in the wider of x's and w's dtype."""
    x, w = np.asarray(x), np.asarray(w)
    rank = w.ndim - 2
    dtype = result_dtype(x, w)
    x64, unbatched = _batched(x.astype(np.float64), rank)
    s, p, d, op = _axes(rank, stride, padding, dilation, output_padding)
    kernel = w.shape[2:]
    # From position -p (index 0) to the last tap plus the output padding.
    extent = tuple((i - 1) * s_ + d_ * (k - 1) + 1 + op_
                   for i, k, s_, d_, op_ in zip(x64.shape[2:], kernel, s, d, op))
    acc = _scatter(x64, w.astype(np.float64), groups, s, d, extent)
    out_size = transpose_out_size(x64.shape[2:], kernel, s, p, op, d)
    assert all(o > 0 for o in out_size), out_size
    out = acc[(slice(None), slice(None))
              + tuple(slice(p_, p_ + o) for p_, o in zip(p, out_size))]
    assert out.shape[2:] == out_size
    if b is not None:
        out = out + np.asarray(b, np.float64).reshape((-1,) + (1,) * rank)
    out = out.astype(dtype)
    return out[0] if unbatched else out


def conv_transpose_bound(x, w, b=None, **kw):
    """Per output, sum of |x| |w| over the products reaching it, plus |b|."""
    return conv_transpose_ref(np.abs(np.asarray(x, np.float64)),
                              np.abs(np.asarray(w, np.float64)),
                              None if b is None else np.abs(np.asarray(b, np.float64)), **kw)


def conv_input_ref(input_size, w, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.grad.convNd_input: dL/dx of conv(x, w) for x of shape
    ``input_size`` given dL/d(output) ``grad_output``; w (C_out, C_in /
    groups, *k).  In the wider of w's and grad_output's dtype."""
    w, go = np.asarray(w), np.asarray(grad_output)
    rank = w.ndim - 2
    dtype = result_dtype(w, go)
    go64, unbatched = _batched(go.astype(np.float64), rank)
    input_size = tuple(input_size)
    assert len(input_size) == rank + 2 - unbatched, input_size
    in_sp = input_size[-rank:]
    s, p, d, _ = _axes(rank, stride, padding, dilation)
    kernel = w.shape[2:]
    assert conv_out_size(in_sp, kernel, s, p, d) == go64.shape[2:], (in_sp, go64.shape)
    # The padded input, index 0 at position -p; every tap lands inside it.
    extent = tuple(i + 2 * p_ for i, p_ in zip(in_sp, p))
    # w (C_out, C_in / g, *k) maps grad_output channels (C_out) to input ones.
    acc = _scatter(go64, w.astype(np.float64), groups, s, d, extent)
    out = acc[(slice(None), slice(None)) + tuple(slice(p_, p_ + i) for p_, i in zip(p, in_sp))]
    out = out.astype(dtype)
    out = out[0] if unbatched else out
    assert out.shape == input_size
    return out


def conv_input_bound(input_size, w, grad_output, **kw):
    return conv_input_ref(input_size, np.abs(np.asarray(w, np.float64)),
                          np.abs(np.asarray(grad_output, np.float64)), **kw)


def conv_weight_ref(x, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.grad.convNd_weight: dL/dw of conv(x, w) for w of shape
    ``weight_size`` (C_out, C_in / groups, *k) given ``grad_output``.  In
    the wider of x's and grad_output's dtype."""
    x, go = np.asarray(x), np.asarray(grad_output)
    weight_size = tuple(weight_size)
    rank = len(weight_size) - 2
    dtype = result_dtype(x, go)
    x64, unbatched = _batched(x.astype(np.float64), rank)
    go64, _ = _batched(go.astype(np.float64), rank)
    s, p, d, _ = _axes(rank, stride, padding, dilation)
    kernel = weight_size[2:]
    out_sp = go64.shape[2:]
    assert conv_out_size(x64.shape[2:], kernel, s, p, d) == out_sp
    xp = np.pad(x64, ((0, 0), (0, 0)) + tuple((p_, p_) for p_ in p))
    c_out, c_in_g = weight_size[:2]
    c_out_g = c_out // groups
    grad = np.zeros(weight_size)
    pos = "xyz"[:rank]
    for g in range(groups):
        xg = xp[:, g * c_in_g:(g + 1) * c_in_g]
        gg = go64[:, g * c_out_g:(g + 1) * c_out_g]
        for t in np.ndindex(*kernel):
            window = xg[(slice(None), slice(None)) + _tap_slices(t, d, s, out_sp)]
            grad[(slice(g * c_out_g, (g + 1) * c_out_g), slice(None)) + t] = \
                np.einsum(f"nc{pos},no{pos}->oc", window, gg)
    return grad.astype(dtype)


def conv_weight_bound(x, weight_size, grad_output, **kw):
    return conv_weight_ref(np.abs(np.asarray(x, np.float64)), weight_size,
                           np.abs(np.asarray(grad_output, np.float64)), **kw)


def conv_bias_ref(grad_output):
    """dL/db: grad_output summed over every axis but axis 1, in its dtype."""
    go = np.asarray(grad_output)
    axes = (0,) + tuple(range(2, go.ndim))
    return go.astype(np.float64).sum(axis=axes).astype(go.dtype.newbyteorder("="))


def conv_bias_bound(grad_output):
    return conv_bias_ref(np.abs(np.asarray(grad_output, np.float64)))


# -- the matrices ----------------------------------------------------------------
# (C_in, C_out, groups) of the convolution: plain, grouped, depthwise,
# depthwise with a multiplier of 2.  The transposed convolution maps C_in
# channels to C_out too (its weight (C_in, C_out / groups, *k)).
GROUPS = {"g1": (3, 4, 1), "g2": (4, 6, 2), "depthwise": (3, 3, 3),
          "depthwise_x2": (3, 6, 3)}
KERNEL = {1: (4,), 2: (3, 2), 3: (2, 3, 2)}
TRANSPOSE_SPATIAL = {1: (11,), 2: (7, 5), 3: (5, 4, 3)}
GRAD_SPATIAL = {1: (13,), 2: (7, 9), 3: (5, 6, 7)}

TRANSPOSE_AXES = {
    "rank": (1, 2, 3),
    "stride": ("1", "2", "3", "tuple"),
    # 'big': d * (k - 1) + 1 per axis, more than the dilated kernel reaches,
    # so that the output is smaller than the input at stride 1.
    "padding": ("0", "1", "tuple", "big"),
    # '1' where 1 < max(stride, dilation) on every axis; 'max' is
    # max(stride, dilation) - 1 per axis (below the dilation at stride 1).
    "output_padding": ("0", "1", "max"),
    "dilation": ("1", "2", "tuple"),
    "groups": tuple(GROUPS),
    "dtype": ("float32", "float64"),
}

GRAD_AXES = {
    "rank": (1, 2, 3),
    "stride": ("1", "2", "3", "tuple"),
    "padding": ("0", "1", "tuple", "big"),
    "dilation": ("1", "2", "tuple"),
    "groups": tuple(GROUPS),
    # The input's size past the last window: none, or stride - 1 (the
    # extent input_size decides, read by no window).
    "remainder": ("none", "max"),
    "dtype": ("float32", "float64"),
}


def _value(kind, rank, tuple_values):
    if kind == "tuple":
        return tuple(tuple_values[-rank:])
    return (int(kind),) * rank


def _geometry(case):
    rank = case["rank"]
    kernel = KERNEL[rank]
    stride = _value(case["stride"], rank, (2, 1, 3))
    dilation = _value(case["dilation"], rank, (1, 3, 2))
    if case["padding"] == "big":
        padding = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    else:
        padding = _value(case["padding"], rank, (2, 0, 1))
    return rank, kernel, stride, padding, dilation


def _spelled(kind, values):
    """An int for a kind that names one (the same on every axis), else the
    per-axis tuple."""
    return values[0] if kind.isdigit() else tuple(values)


def transpose_problem(case):
    """(x_shape, w_shape, kwargs, dtype) of a row of TRANSPOSE_CASES, or
    None when torch refuses it (output padding not below the stride or the
    dilation, no output)."""
    rank, kernel, stride, padding, dilation = _geometry(case)
    limit = tuple(max(s, d) for s, d in zip(stride, dilation))
    op = {"0": (0,) * rank, "1": (1,) * rank,
          "max": tuple(m - 1 for m in limit)}[case["output_padding"]]
    if any(o >= m for o, m in zip(op, limit)):
        return None
    c_in, c_out, groups = GROUPS[case["groups"]]
    spatial = TRANSPOSE_SPATIAL[rank]
    if any(o <= 0 for o in transpose_out_size(spatial, kernel, stride, padding, op, dilation)):
        return None
    kwargs = dict(stride=_spelled(case["stride"], stride),
                  padding=_spelled(case["padding"], padding),
                  output_padding=_spelled(case["output_padding"], op), groups=groups,
                  dilation=_spelled(case["dilation"], dilation))
    return ((2, c_in) + spatial, (c_in, c_out // groups) + kernel, kwargs,
            np.dtype(case["dtype"]))


def grad_problem(case):
    """(input_size, w_shape, kwargs, dtype) of a row of GRAD_CASES (kwargs
    stride, padding, dilation, groups), or None when there is no output."""
    rank, kernel, stride, padding, dilation = _geometry(case)
    c_in, c_out, groups = GROUPS[case["groups"]]
    spatial = []
    for n, k, s, p, d in zip(GRAD_SPATIAL[rank], kernel, stride, padding, dilation):
        reach = d * (k - 1) + 1
        if n + 2 * p < reach:
            return None
        n -= (n + 2 * p - reach) % s                 # no remainder
        if case["remainder"] == "max":
            n += s - 1
        spatial.append(n)
    kwargs = dict(stride=_spelled(case["stride"], stride),
                  padding=_spelled(case["padding"], padding),
                  dilation=_spelled(case["dilation"], dilation), groups=groups)
    return ((2, c_in) + tuple(spatial), (c_out, c_in // groups) + kernel, kwargs,
            np.dtype(case["dtype"]))


def _cases(axes, problem, seed, extra):
    rows = pairwise(axes, lambda row: problem(row) is not None)
    rng = np.random.default_rng(seed)
    while extra:
        row = {a: v[rng.integers(len(v))] for a, v in axes.items()}
        if problem(row) is not None and row not in rows:
            rows.append(row)
            extra -= 1
    return rows


TRANSPOSE_CASES = _cases(TRANSPOSE_AXES, transpose_problem, 20240701, 20)
GRAD_CASES = _cases(GRAD_AXES, grad_problem, 20240702, 20)


def case_id(case):
    return "-".join(f"{v}" for v in case.values())


# -- odd shapes ------------------------------------------------------------------
# (name, x_shape, w_shape (C_in, C_out / groups, *k), kwargs)
TRANSPOSE_SHAPE_CASES = [
    ("1x1-spatial", (2, 3, 1, 1), (3, 4, 1, 1), {}),
    ("1x1-spatial-strided", (2, 3, 1, 1), (3, 2, 3, 3), dict(stride=2, output_padding=1)),
    ("N1-primes", (1, 3, 7, 5), (3, 2, 3, 3), dict(stride=(2, 3), output_padding=(1, 2))),
    ("C1-kernel-as-large-as-input", (3, 1, 13), (1, 1, 13), {}),
    ("kernel-larger-than-input", (1, 2, 3, 2), (2, 3, 5, 7), dict(padding=(1, 2))),
    ("kernel-equals-input-3d", (1, 2, 3, 4, 5), (2, 2, 3, 4, 5), {}),
    ("padding-past-kernel", (2, 2, 11), (2, 3, 3), dict(padding=3)),
    ("padding-past-dilated-kernel", (1, 2, 9, 8), (2, 2, 3, 2),
     dict(padding=(5, 2), dilation=(2, 1))),
    ("output-one-wide", (1, 2, 5), (2, 2, 3), dict(padding=3)),
    ("61-tap-1d", (2, 2, 40), (2, 3, 61), dict(stride=3, dilation=2, padding=7)),
    ("output-padding-below-dilation", (1, 2, 6, 5), (2, 2, 3, 3),
     dict(dilation=3, output_padding=2)),
    ("stride-past-kernel", (1, 2, 4, 5), (2, 1, 2, 2), dict(stride=5, output_padding=4)),
    ("long-thin-3d", (1, 2, 1, 1, 17), (2, 3, 1, 1, 5),
     dict(stride=(1, 1, 2), padding=(0, 0, 2))),
    ("many-channels", (1, 32, 4, 4), (32, 16, 3, 3), dict(stride=2, padding=1,
                                                          output_padding=1)),
    ("depthwise-wide", (2, 16, 5, 5), (16, 1, 3, 3), dict(groups=16, stride=2)),
    ("depthwise-x3-primes", (1, 5, 7, 11), (5, 3, 3, 5), dict(groups=5, stride=(3, 2),
                                                              padding=(1, 2))),
    ("empty-batch", (0, 4, 5, 6), (4, 3, 3, 2), dict(groups=2)),
]

# (name, input_size, w_shape (C_out, C_in / groups, *k), kwargs)
GRAD_SHAPE_CASES = [
    ("1x1-spatial", (2, 3, 1, 1), (4, 3, 1, 1), {}),
    ("1x1-spatial-padded", (2, 3, 1, 1), (4, 3, 3, 3), dict(padding=1)),
    ("kernel-equals-input", (2, 2, 5, 6), (3, 2, 5, 6), {}),
    ("kernel-equals-padded-dilated", (1, 2, 9), (2, 2, 4), dict(padding=1, dilation=3)),
    ("kernel-equals-input-3d", (1, 2, 3, 4, 5), (2, 2, 3, 4, 5), {}),
    ("stride-remainder", (1, 2, 12, 11), (2, 2, 3, 3), dict(stride=4)),
    ("stride-larger-than-input", (1, 2, 5, 5), (2, 2, 2, 2), dict(stride=7)),
    ("padding-past-kernel", (2, 2, 7), (3, 2, 3), dict(padding=4)),
    ("61-tap-1d-strided", (2, 1, 130), (2, 1, 61), dict(stride=4, padding=3, dilation=2)),
    ("long-thin-3d", (1, 2, 1, 1, 40), (3, 2, 1, 1, 5), dict(padding=(0, 0, 2))),
    ("many-channels", (1, 32, 4, 4), (16, 32, 3, 3), dict(padding=1)),
    ("depthwise-wide", (2, 16, 6, 6), (16, 1, 3, 3), dict(groups=16, padding=1)),
    ("depthwise-x3-primes", (1, 5, 7, 11), (15, 1, 3, 5), dict(groups=5, stride=(2, 3))),
    ("windows-miss-the-input", (1, 1, 4), (1, 1, 2), dict(padding=4, dilation=8, stride=9)),
    ("empty-batch", (0, 4, 7, 8), (6, 2, 3, 2), dict(groups=2)),
]


# -- torch (callers check that it is importable) ----------------------------------

def _tensor(a, dtype):
    import torch
    return torch.from_numpy(np.array(a, dtype=np.dtype(dtype).newbyteorder("=")))


def torch_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                         dilation=1):
    """torch.nn.functional.conv_transposeNd, in the result dtype."""
    import torch
    rank = np.asarray(w).ndim - 2
    dtype = result_dtype(x, w)
    f = getattr(torch.nn.functional, f"conv_transpose{rank}d")
    tb = None if b is None else _tensor(b, dtype)
    return f(_tensor(x, dtype), _tensor(w, dtype), tb, stride, padding, output_padding,
             groups, dilation).numpy()


def torch_conv_input(input_size, w, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.grad.convNd_input (an unbatched problem given a batch of 1)."""
    import torch
    rank = np.asarray(w).ndim - 2
    dtype = result_dtype(w, grad_output)
    go = np.asarray(grad_output)
    unbatched = go.ndim == rank + 1
    size = (1,) + tuple(input_size) if unbatched else tuple(input_size)
    f = getattr(torch.nn.grad, f"conv{rank}d_input")
    out = f(size, _tensor(w, dtype), _tensor(go[None] if unbatched else go, dtype), stride,
            padding, dilation, groups).numpy()
    return out[0] if unbatched else out


def torch_conv_weight(x, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.grad.convNd_weight (an unbatched problem given a batch of 1)."""
    import torch
    rank = len(weight_size) - 2
    dtype = result_dtype(x, grad_output)
    x, go = np.asarray(x), np.asarray(grad_output)
    if x.ndim == rank + 1:
        x, go = x[None], go[None]
    f = getattr(torch.nn.grad, f"conv{rank}d_weight")
    return f(_tensor(x, dtype), tuple(weight_size), _tensor(go, dtype), stride, padding,
             dilation, groups).numpy()


def torch_conv_bias(x, w, grad_output, **kw):
    """The gradient of convNd(x, w, b)'s bias by torch's autograd."""
    import torch
    rank = np.asarray(w).ndim - 2
    go = np.asarray(grad_output)
    tb = torch.zeros(np.shape(w)[0], dtype=_tensor(go, go.dtype).dtype, requires_grad=True)
    f = getattr(torch.nn.functional, f"conv{rank}d")
    out = f(_tensor(x, go.dtype), _tensor(w, go.dtype), tb, **kw)
    out.backward(_tensor(go, go.dtype))
    return tb.grad.numpy()


# -- random geometries (hypothesis) -------------------------------------------------

def conv_geometries(st):
    """A hypothesis strategy (``st`` is hypothesis.strategies) of forward
    convolution geometries that have an output: dict(rank, x_shape,
    w_shape, kw (stride, padding, dilation, groups), unbatched), paddings
    up to past the dilated kernel, strides past it."""
    @st.composite
    def draw_geometry(draw):
        rank = draw(st.integers(1, 3))
        groups = draw(st.integers(1, 3))
        c_in = groups * draw(st.integers(1, 2))
        c_out = groups * draw(st.integers(1, 2))
        n = draw(st.integers(1, 2))
        max_size = {1: 16, 2: 8, 3: 5}[rank]
        spatial = tuple(draw(st.integers(1, max_size)) for _ in range(rank))
        kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        stride = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank))
        padding = tuple(draw(st.integers(0, d * (k - 1) + 2))
                        for k, d in zip(kernel, dilation))
        # An output needs the padded input to reach the dilated kernel's end.
        spatial = tuple(max(size, d * (k - 1) + 1 - 2 * p)
                        for size, k, d, p in zip(spatial, kernel, dilation, padding))
        return dict(rank=rank, x_shape=(n, c_in) + spatial,
                    w_shape=(c_out, c_in // groups) + kernel,
                    kw=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
                    unbatched=draw(st.booleans()))
    return draw_geometry()


def user_data(rng, shape, dtype, kind):
    """Data users have: a linear trend, a large DC offset, or values spread
    over twelve orders of magnitude (signs random)."""
    if kind == "trend":
        a = np.linspace(-50.0, 150.0, int(np.prod(shape))).reshape(shape)
        a = a + rng.standard_normal(shape)
    elif kind == "dc":
        a = 1e4 + rng.standard_normal(shape)
    else:
        a = rng.choice([-1.0, 1.0], shape) * 10.0 ** rng.uniform(-6, 6, shape)
    return a.astype(dtype)


# Error of a central difference of a linear float64 loss, relative to the
# largest bound of the gradient: the loss's rounding over 2h.
FD_TOL = 1e-8


def fd_grad(loss, a, h=1e-2):
    """Central differences of the scalar ``loss`` at every element of ``a``
    (exact up to rounding: the losses here are linear in ``a``)."""
    g = np.empty_like(a)
    for i in np.ndindex(*a.shape):
        ap, am = a.copy(), a.copy()
        ap[i] += h
        am[i] -= h
        g[i] = (loss(ap) - loss(am)) / (2 * h)
    return g
