"""The weight gradient of the layer convolutions: its methods, their
registry and the choice of 'auto'.

For the convolution ``spec`` (:mod:`._conv_spec`), the gradient of its
weight given the gradient ``dy`` (N, C_out, OD, OH, OW) of its output is

    dw[o, c, t] = sum over n and output positions p of
                  dy[n, o, p] * x[n, g * C_in / groups + c, p * stride + t * dilation - pad]

(``g`` the group of ``o``; ``x`` zero outside its planes), a correlation of
the input with the output gradient that reduces over the images and the
positions.  A method's plan maker takes the spec and returns ``run(x, dy,
dw)`` (``dw`` (C_out, C_in / groups, KD, KH, KW), written whole).  Every
method splits the reduction into work items fixed by the problem, each
owning a block of ``dw`` and summing into it in one order, so results do
not depend on the thread count.
"""
import math

from .. import _conv, _dispatch, _im2col, _methods, _validate
from .._methods import dtype_class
from .._threads import blas_threads, get_num_threads
from . import _conv_dweight_cost_table
from ._conv_methods import SpecRegistry


def _pointwise(spec):
    return spec.taps == 1 and spec.stride == (1, 1, 1) and spec.pad == (0, 0, 0) \
        and spec.in_size == spec.out_size


# Lanes per vector per cost class, at the widest ISA the features model
# (csrc/conv/conv.h: the main tile holds 2 vectors of output channels).
_LANES = {"f4": 16, "f8": 8}


def make_direct(spec):
    """``run(x, dy, dw)``: the direct kernel of csrc/conv/dweight_op.c, an
    implicit GEMM (output channels along the vector, input channels x taps
    broadcast from x, output positions the reduction; taps in the padding
    skipped), or dot products along W for depthwise layers."""
    args = (spec.stride, spec.pad, spec.dilation, spec.groups)
    isa, threads = _dispatch.isa_level, get_num_threads()

    def run(x, dy, dw):
        _conv.dweight(x, dy, dw, *args, isa, threads)
    return run


def features_direct(spec):
    """(('direct', dtype class), features): 1, the output-gradient elements
    packed and the multiply-adds the tiles run (whole blocks of 2 vectors
    of output channels; depthwise: the layer's own)."""
    cls = dtype_class(spec.dtype)
    lanes = _LANES.get(cls, 1)
    packed = float(spec.n * spec.c_out * math.prod(spec.out_size))
    if spec.c_in_group == 1 and spec.c_out_group < lanes:
        return ("direct", cls), (1.0, 0.0, float(spec.macs))
    block = 2 * lanes
    padded = -(-spec.c_out_group // block) * block
    return ("direct", cls), (1.0, packed, float(spec.macs) / spec.c_out_group * padded)


def make_im2col(spec, block_bytes=None):
    """``run(x, dy, dw)``: per item (group, block of input channels), the
    item's rows of the column matrix unfolded a tile of positions at a time
    and multiplied by the output gradient, ``dw_block += dy_g @ cols.T``
    (BLAS, one thread per item); a 1x1 kernel at stride 1 without padding
    multiplies the input itself.  ``block_bytes`` bounds each thread's
    column workspace (tests make it tiny so that many tiles run)."""
    block = _im2col.CONV_BLOCK_BYTES if block_bytes is None else block_bytes
    args = (spec.stride, spec.pad, spec.dilation, spec.groups)

    def run(x, dy, dw):
        threads = get_num_threads()
        with blas_threads(1):
            _im2col.conv_dweight(x, dy, dw, *args, threads, block)
    return run


def features_im2col(spec):
    """(('im2col', dtype class), features): 1, the column elements
    filled (0 on the 1x1 path) and the gemm multiply-adds."""
    positions = spec.n * math.prod(spec.out_size)
    filled = 0 if _pointwise(spec) else positions * spec.c_in * spec.taps
    return ("im2col", dtype_class(spec.dtype)), (1.0, float(filled), float(spec.macs))


METHODS = SpecRegistry("dweight", [
    _methods.Method("direct", make_direct, features_direct),
    _methods.Method("im2col", make_im2col, features_im2col),
], _conv_dweight_cost_table.COSTS)
check, choose, plan = METHODS.check_name, METHODS.pick, METHODS.plan


def measure(spec, x, dy):
    """(fastest method, {method: seconds per call}) on these arrays."""
    return METHODS.measure(spec, x, dy,
                           _validate.empty(spec.w_shape, spec.dtype, "the weight gradient"))
