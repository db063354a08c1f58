"""The 'winograd' method of the layer convolutions: Winograd's minimal
filtering algorithms F(m, 3) (Lavin and Gray, "Fast Algorithms for
Convolutional Neural Networks", 2016), in C (csrc/winograd/).

It covers ``conv1d`` and ``conv2d`` with 3 taps on every spatial axis,
stride 1 and dilation 1 (any padding, padding mode and groups); any other
geometry is refused with the reason (:func:`refusal`), never run by
another algorithm.  Each output tile of m (2-D: m x m) samples comes from
alpha = m + 2 (alpha x alpha) input samples: the input tiles and the
filters are transformed (B^T d B, G g G^T), the channel sum becomes alpha
(alpha**2) products of (C_out/groups x C_in/groups) by (C_in/groups x
tiles) matrices, and the output transform (A^T M A) adds the bias.  That is
(m / alpha)**rank * 3**rank fewer multiplications than the direct method:
2.25x for F(2x2, 3x3), 4x for F(4x4, 3x3), 2.25x for F(6, 3).

Tiles (:func:`tile`): 2-D uses F(4x4, 3x3) or F(2x2, 3x3), 1-D F(6, 3),
F(4, 3) or F(2, 3), whichever does the fewest products once the last tiles'
overhang is counted.  F(6x6, 3x3) is left out: on the 2-D layers measured it
was slower than F(4x4, 3x3), and it rounds worse.  Accuracy: the transforms'
constants are exact in binary or rounded once; the float32 error bound held
(and tested, ``tests/test_nn_winograd.py``) is 1e-4 of max(|x| * |w| + |b|)
over the outputs, on random, DC-offset, trend and large-dynamic-range inputs.
Measured against a float64 reference, in those units: at most 5e-6 for
F(4x4, 3x3) and 9e-6 for F(6x6, 3x3) (values spread over twelve orders of
magnitude), 1.4e-6 for F(6, 3), a few 1e-7 on the other inputs; the direct
method 2e-7 to 1e-6.

Filters are transformed on every call, not cached per weight array: a
caller may update its weights in place (a training step), and a cache keyed
on the array could not see that.  The transform costs about one pass over
the transformed filters (alpha**2 / 9 times the weights' size).

Extra memory per call: the transformed filters and, per thread, one tile
block's region of the zero-padded input and its transformed tiles (about
alpha**2 * (C_in + C_out) / groups * 32 elements).

Every term meets the padding: an inf or NaN weight reaches every output of
the tiles of its channel (as with im2col; the direct method skips taps in
the padding).
"""
import math

from .. import _conv, _dispatch, _threads
from .._methods import dtype_class

# Tiles per block of the widest variant (csrc/winograd/winograd.h): 2
# vectors of 16 float32 or 8 float64 lanes.
_BLOCK = {"f4": 32, "f8": 16}
_TILES = {1: (6, 4, 2), 2: (4, 2)}


def _op_axes(spec):
    """(kernel, stride, dilation, out size) on the op's own spatial axes."""
    r = 3 - spec.rank
    return spec.kernel[r:], spec.stride[r:], spec.dilation[r:], spec.out_size[r:]


def tile(spec):
    """The output tile (m_H, m_W) of ``spec`` (m_H 1 for conv1d)."""
    *_, out = _op_axes(spec)
    best = min(_TILES[spec.rank],
               key=lambda m: (math.prod(-(-o // m) * (m + 2) for o in out), -m))
    return (1, best) if spec.rank == 1 else (best, best)


def _padded_plane(spec, m):
    """Elements of one zero-padded input plane (whole tiles plus 2)."""
    return math.prod(-(-o // t) * t + (2 if t > 1 else 0)
                     for o, t in zip(spec.out_size[1:], m))


def refusal(spec):
    """Why Winograd's method cannot run ``spec``, or None when it can."""
    kernel, stride, dilation, _ = _op_axes(spec)
    if spec.rank == 3:
        return "it covers conv1d and conv2d (and their input gradients), not conv3d"
    if any(k != 3 for k in kernel):
        return f"it needs a kernel of 3 taps on every spatial axis, got kernel {kernel}"
    if any(s != 1 for s in stride):
        return f"it needs stride 1, got stride {stride}"
    if any(d != 1 for d in dilation):
        return f"it needs dilation 1, got dilation {dilation}"
    return None


def make(spec):
    """The plan of ``spec`` (see :mod:`._conv_spec`); ``spec`` must be one
    :func:`refusal` accepts."""
    pad, groups, m = spec.pad, spec.groups, tile(spec)
    isa, threads = _dispatch.isa_level, _threads.get_num_threads()

    def run(x, w, bias, out):
        _conv.winograd(x, w, bias, out, pad, m, groups, isa, threads)
    return run


def features(spec):
    """(('winograd', dtype class), features): 1, the products' multiply-adds,
    the input tiles' transformed elements, the output tiles' transformed
    elements, the transformed filter elements and the zero-padded input's
    elements (the blocks copy their regions of it; tiles counted in whole
    blocks)."""
    cls = dtype_class(spec.dtype)
    m = tile(spec)
    points = math.prod(t + 2 if t > 1 else 1 for t in m)
    tiles = spec.n * math.prod(-(-o // t) for o, t in zip(spec.out_size[1:], m))
    block = _BLOCK.get(cls, 4)
    tiles = -(-tiles // block) * block
    macs = points * tiles * spec.c_out * spec.c_in_group
    inputs = points * tiles * spec.c_in
    outputs = points * tiles * spec.c_out
    filters = points * spec.c_out * spec.c_in_group
    copy = spec.n * spec.c_in * _padded_plane(spec, m)
    return ("winograd", cls), (1.0, float(macs), float(inputs), float(outputs),
                               float(filters), float(copy))
