"""Locally connected (unshared) and tiled convolutions, and their gradients.

One implementation: a tiled convolution keeps ``prod(t)`` weight sets and
output position ``p = (i, j)`` uses set ``(i % t_h, j % t_w)``; the locally
connected one is the tiled one with ``t`` the output grid (a set per
position).  With ``cols`` the column matrix of the input (the rows of the
im2col unfold, gathered position-major by ``_im2col.local_columns``: one
(N, K) block per position, K = C_in * taps; the forward gathers each
block inside its product, into a cache-resident workspace: 5.0-5.5 ms ->
4.5-5.0 ms on the benchmark), every position is one small product:

- forward: ``out[:, :, p] (N x C_out) = cols[p] (N x K) @ W[s(p)].T``;
- input gradient: ``gcols[p] = dy[:, :, p] @ W[s(p)]``, folded back
  (col2im, ``_im2col.local_fold``) into the input;
- weight gradient: ``dW[s] = sum over the positions p of s, in order, of
  dy[:, :, p].T @ cols[p]``.

The products are memory-bound on the weight (each weight byte is used N
times): the compiled loop (``convcore._im2col.local_matmul``) streams it
once, positions (or sets) spread over convcore's pool with one BLAS thread
each, every output computed by one item in one order: results do not
depend on the thread count.
"""
import functools
import math

import numpy as np

from .. import _dispatch, _im2col, _validate
from .._threads import blas_threads, get_num_threads
from ._args import float_array
from ._conv import conv_spec, paddings, strides
from ._conv_grad import grad_output_array, shape_arg

__all__ = ["local_conv1d", "local_conv2d", "tiled_conv2d", "local_conv1d_input",
           "local_conv2d_input", "local_conv1d_weight", "local_conv2d_weight",
           "tiled_conv2d_input", "tiled_conv2d_weight"]


@functools.lru_cache(maxsize=64)
def _sets(out, tiles):
    """(set_of, order, start) of an output grid ``out`` tiled by ``tiles``:
    each position's set (C order over ``tiles``), the positions grouped by
    set (in C order within a set) and the groups' offsets.  Read-only."""
    grids = np.indices(out, dtype=np.int64).reshape(len(out), -1)
    set_of = np.ravel_multi_index(tuple(g % t for g, t in zip(grids, tiles)), tiles)
    set_of = np.ascontiguousarray(set_of, dtype=np.int64)
    order = np.argsort(set_of, kind="stable").astype(np.int64)
    counts = np.bincount(set_of, minlength=math.prod(tiles))
    start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    for a in (set_of, order, start):
        a.setflags(write=False)
    return set_of, order, start


def _check_weight_shape(rank, op, w_shape, c_in, out, local, name):
    """(tiles, c_out, kernel) of a (*tiles, C_out, C_in, *kernel) weight
    shape, checked against the input channels and, for the locally
    connected op, the output grid."""
    tiles, c_out = tuple(w_shape[:rank]), w_shape[rank]
    if w_shape[rank + 1] != c_in:
        raise ValueError(f"{op}: {name}={tuple(w_shape)} expects {w_shape[rank + 1]} input "
                         f"channels, got an input with {c_in}")
    if local and tiles != out:
        raise ValueError(f"{op}: {name}={tuple(w_shape)} must start with the output grid "
                         f"{out} (one filter per output position), got {tiles}")
    if any(t <= 0 for t in tiles):
        raise ValueError(f"{op}: {name}={tuple(w_shape)} must have positive tile counts, "
                         f"got {tiles}")
    return tiles, c_out


class _Problem:
    """A locally connected or tiled convolution, checked: its ConvSpec
    (the shared-weight convolution of the same geometry), the tile grid
    and the weight as the kernel takes it (S, C_out, K)."""

    def __init__(self, rank, op, x_shape, w_shape, stride, padding, dilation, dtype, local,
                 w_name):
        if len(w_shape) != 2 * rank + 2:
            what = "*out_grid" if local else "*tiles"
            raise ValueError(f"{op}: expected {2 * rank + 2}-D weight ({what}, C_out, C_in, "
                             f"*kernel), got {w_name}={tuple(w_shape)}")
        kernel = tuple(w_shape[rank + 2:])
        c_out = w_shape[rank]
        if c_out == 0 or any(k == 0 for k in kernel) or any(s == 0 for s in x_shape[1:]):
            raise ValueError(f"{op}: expected non-empty channels, kernel and spatial axes, "
                             f"got input shape {tuple(x_shape)}, {w_name}={tuple(w_shape)}")
        stride, dilation = strides(rank, op, stride, dilation)
        pads = paddings(padding, rank, kernel, stride, dilation, op)
        self.spec = conv_spec(rank, op, x_shape, (c_out, x_shape[1]) + kernel, 1, stride,
                              pads, dilation, dtype)
        self.out = self.spec.out_size[3 - rank:]
        self.tiles, self.c_out = _check_weight_shape(rank, op, w_shape, x_shape[1], self.out,
                                                     local, w_name)
        self.rank, self.op, self.dtype = rank, op, np.dtype(dtype)
        self.k = x_shape[1] * self.spec.taps
        self.positions = math.prod(self.out)
        self.sets = _sets(self.out, self.tiles)
        self.w3_shape = (math.prod(self.tiles), c_out, self.k)

    def columns(self, x5):
        """The column blocks of x5 (N, C_in, D, H, W): (P, N, K)."""
        s = self.spec
        if s.n == 0:
            return np.empty((self.positions, 0, self.k), self.dtype)
        # Gathered position-major at once: unfold's (N, K, P) and a transpose
        # took 6 ms where this takes ~2 (the benchmark's 8 x 64 x 28 x 28).
        cols = _validate.empty((self.positions, s.n, self.k), self.dtype,
                               f"{self.op}: the column matrix")
        _im2col.local_columns(x5, cols, s.out_size, s.kernel, s.stride, s.pad, s.dilation,
                              get_num_threads())
        return cols

    def matmul(self, mode, w3, cols, y, x5=None):
        """The per-position products (_im2col.local_matmul); the forward
        passes x5 instead of cols: each position gathers its own columns
        into a per-thread workspace (cache-resident: no (P, N, K) pass
        through memory)."""
        set_of, order, start = self.sets
        threads = get_num_threads()
        s = self.spec
        geometry = None if x5 is None else (s.out_size, s.kernel, s.stride, s.pad, s.dilation)
        with blas_threads(1):
            _im2col.local_matmul(mode, w3, cols, y, set_of, order, start, threads,
                                 _dispatch.isa_level, x5, geometry)


def _check_bias(bias, c_out, out, dtype, op):
    """None, or the bias as (C_out, P): (C_out,) broadcast or per position."""
    if bias is None:
        return None
    bias = float_array(bias, op, "bias")
    if bias.shape == (c_out,):
        return bias.astype(dtype, copy=False)[:, None]
    if bias.shape == (c_out,) + tuple(out):
        return bias.astype(dtype, copy=False).reshape(c_out, -1)
    raise ValueError(f"{op}: bias must have shape ({c_out},) or {(c_out,) + tuple(out)} "
                     f"(per output channel, or per channel and output position), "
                     f"got bias.shape={bias.shape}")


def _input(x, rank, op):
    x = float_array(x, op, "input")
    if x.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"{op}: expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) "
                         f"input, got input.shape={x.shape}")
    batched = x.ndim == rank + 2
    return (x if batched else x[None]), batched


def _as5(a, shape, dtype):
    return np.ascontiguousarray(a, dtype=dtype).reshape(shape)


def _forward(rank, op, x, weight, bias, stride, padding, dilation, local):
    x, batched = _input(x, rank, op)
    weight = float_array(weight, op, "weight")
    dtype = np.result_type(x.dtype, weight.dtype).newbyteorder("=")
    prob = _Problem(rank, op, x.shape, weight.shape, stride, padding, dilation, dtype, local,
                    "weight.shape")
    b = _check_bias(bias, prob.c_out, prob.out, dtype, op)
    s = prob.spec
    _validate.check_nbytes((s.n, prob.c_out, prob.positions), dtype.itemsize,
                           f"{op}: the output")
    w3 = _as5(weight, prob.w3_shape, dtype)
    y = np.empty((prob.positions, s.n, prob.c_out), dtype)
    if s.n:
        prob.matmul(_im2col.LOCAL_FWD, w3, None, y, _as5(x, s.x_shape, dtype))
    out = np.ascontiguousarray(y.transpose(1, 2, 0))  # (N, C_out, P)
    if b is not None:
        out += b
    out = out.reshape((s.n, prob.c_out) + prob.out)
    return out if batched else out[0]


def _grad_input(rank, op, input_size, weight, grad_output, stride, padding, dilation, local):
    weight = float_array(weight, op, "weight")
    g, batched = grad_output_array(grad_output, rank, op)
    x_shape = shape_arg(input_size, rank + 1 + batched, "input_size", op)
    x_shape = x_shape if batched else (1,) + x_shape
    dtype = np.result_type(g.dtype, weight.dtype).newbyteorder("=")
    prob = _Problem(rank, op, x_shape, weight.shape, stride, padding, dilation, dtype, local,
                    "weight.shape")
    _check_grad_output(prob, g.shape, x_shape[0], op)
    _validate.check_nbytes(x_shape, dtype.itemsize, f"{op}: the input gradient")
    s = prob.spec
    w3 = _as5(weight, prob.w3_shape, dtype)
    dy = _positions_first(g, prob, dtype)
    gcols = np.empty((prob.positions, s.n, prob.k), dtype)
    prob.matmul(_im2col.LOCAL_DINPUT, w3, gcols, dy)
    dx = np.empty(s.x_shape, dtype)
    if s.n:
        _im2col.local_fold(gcols, dx, s.out_size, s.kernel, s.stride, s.pad, s.dilation,
                           get_num_threads())
    dx = dx.reshape(x_shape)
    return dx if batched else dx[0]


def _positions_first(g, prob, dtype):
    """grad_output (N, C_out, *out) as (P, N, C_out)."""
    g = g.reshape(prob.spec.n, prob.c_out, prob.positions)
    return np.ascontiguousarray(g.transpose(2, 0, 1), dtype=dtype)


def _check_grad_output(prob, g_shape, n, op):
    expected = (n, prob.c_out) + prob.out
    if tuple(g_shape) != expected:
        raise ValueError(f"{op}: grad_output must have the forward output's shape "
                         f"{expected}, got grad_output.shape={tuple(g_shape)}")


def _grad_weight(rank, op, input, weight_size, grad_output, stride, padding, dilation, local):
    x = float_array(input, op, "input")
    g, batched = grad_output_array(grad_output, rank, op)
    if x.ndim != g.ndim + (0 if batched else -1):
        raise ValueError(f"{op}: input and grad_output must both be batched or both "
                         f"unbatched, got input.shape={x.shape}, "
                         f"grad_output.shape={g.shape if batched else g.shape[1:]}")
    x = x if batched else x[None]
    w_shape = shape_arg(weight_size, 2 * rank + 2, "weight_size", op)
    dtype = np.result_type(x.dtype, g.dtype).newbyteorder("=")
    prob = _Problem(rank, op, x.shape, w_shape, stride, padding, dilation, dtype, local,
                    "weight_size")
    _check_grad_output(prob, g.shape, x.shape[0], op)
    s = prob.spec
    dw = _validate.empty(prob.w3_shape, dtype, f"{op}: the weight gradient")
    cols = prob.columns(_as5(x, s.x_shape, dtype))
    dy = _positions_first(g, prob, dtype)
    prob.matmul(_im2col.LOCAL_DWEIGHT, dw, cols, dy)
    return dw.reshape(w_shape)


# -- public functions ----------------------------------------------------------

_FWD_DOC = """{title}

    Parameters
    ----------
    x : array_like
        float32 or float64, {layout} or unbatched (C_in, {spatial}).
    weight : array_like
        {wshape}.
    bias : array_like, optional
        (C_out,), or (C_out, {out}) for a bias per output position.
    stride, padding, dilation : int or tuple of {rank} ints
        As :func:`convcore.nn.conv{rank}d` (zero padding).

    Returns
    -------
    ndarray
        (N, C_out, {out}) in the wider of the input's and the weight's dtypes:
        ``out[n, o, p] = bias + sum over c, t of
        weight[{setof}, o, c, t] * x[n, c, p * stride + t * dilation - padding]``.
    """


def local_conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _forward(1, "local_conv1d", x, weight, bias, stride, padding, dilation, True)


def local_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _forward(2, "local_conv2d", x, weight, bias, stride, padding, dilation, True)


def tiled_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return _forward(2, "tiled_conv2d", x, weight, bias, stride, padding, dilation, False)


local_conv1d.__doc__ = _FWD_DOC.format(
    title="1-D locally connected (unshared) convolution: a filter per output position.",
    layout="(N, C_in, L)", spatial="L", wshape="(L_out, C_out, C_in, kL)", out="L_out",
    rank=1, setof="p")
local_conv2d.__doc__ = _FWD_DOC.format(
    title="2-D locally connected (unshared) convolution: a filter per output position.",
    layout="(N, C_in, H, W)", spatial="H, W", wshape="(H_out, W_out, C_out, C_in, kH, kW)",
    out="H_out, W_out", rank=2, setof="p")
tiled_conv2d.__doc__ = _FWD_DOC.format(
    title="2-D tiled convolution: output (i, j) uses weight set (i % t_h, j % t_w).\n\n    "
          "``t = (1, 1)`` is :func:`convcore.nn.conv2d` (weight[0, 0]); ``t`` = the output "
          "grid\n    is :func:`local_conv2d`.  ``t`` need not divide the output.",
    layout="(N, C_in, H, W)", spatial="H, W", wshape="(t_h, t_w, C_out, C_in, kH, kW)",
    out="H_out, W_out", rank=2, setof="i % t_h, j % t_w")

_INPUT_DOC = """dL/dx of :func:`convcore.nn.{name}`.

    Parameters
    ----------
    input_size : sequence of ints
        The input's full shape (without N for an unbatched ``grad_output``).
    weight : array_like
        As the forward op takes it.
    grad_output : array_like
        The gradient of the forward output, its shape.
    stride, padding, dilation
        The forward op's.

    Returns
    -------
    ndarray
        ``input_size``, in the wider of the two arrays' dtypes.
    """

_WEIGHT_DOC = """dL/dW of :func:`convcore.nn.{name}`.

    Parameters
    ----------
    input : array_like
        The forward input, batched as ``grad_output`` is.
    weight_size : sequence of ints
        The weight's full shape.
    grad_output : array_like
        The gradient of the forward output.
    stride, padding, dilation
        The forward op's.

    Returns
    -------
    ndarray
        ``weight_size``, in the wider of the two arrays' dtypes; each set's
        gradient summed over its positions in C order.  The bias gradient
        is :func:`convcore.nn.grad.conv_bias` for a (C_out,) bias and
        ``grad_output.sum(0)`` for a per-position one.
    """


def local_conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1):
    return _grad_input(1, "local_conv1d_input", input_size, weight, grad_output, stride,
                       padding, dilation, True)


def local_conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1):
    return _grad_input(2, "local_conv2d_input", input_size, weight, grad_output, stride,
                       padding, dilation, True)


def tiled_conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1):
    return _grad_input(2, "tiled_conv2d_input", input_size, weight, grad_output, stride,
                       padding, dilation, False)


def local_conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1):
    return _grad_weight(1, "local_conv1d_weight", input, weight_size, grad_output, stride,
                        padding, dilation, True)


def local_conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1):
    return _grad_weight(2, "local_conv2d_weight", input, weight_size, grad_output, stride,
                        padding, dilation, True)


def tiled_conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1):
    return _grad_weight(2, "tiled_conv2d_weight", input, weight_size, grad_output, stride,
                        padding, dilation, False)


for _name in ("local_conv1d", "local_conv2d", "tiled_conv2d"):
    globals()[f"{_name}_input"].__doc__ = _INPUT_DOC.format(name=_name)
    globals()[f"{_name}_weight"].__doc__ = _WEIGHT_DOC.format(name=_name)
