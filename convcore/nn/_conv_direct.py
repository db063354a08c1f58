"""The 'direct' method of the layer convolutions: a blocked direct
convolution in C (csrc/conv/), no im2col buffer.

Register tiles of output channels x vectors of output columns accumulate
over the channels of the group and the taps; the input is read from a
zero-padded (and, for a stride along W, phase-split) copy of its rows, so
every tap is one vector load.  Taps in the padding are skipped (rows and
planes outside the input are never visited, edge columns are lane-masked),
so a NaN or inf weight never meets the padding.  Depthwise convolutions
(one input channel per group) and pointwise ones (1x1x1, stride 1, no
padding) have their own tile loops (see csrc/conv/conv_op.c).
"""
import math

from .. import _conv, _dispatch, _threads
from .._methods import dtype_class

# Output columns per vector, per cost class (the widest ISA the features
# model: they count whole vectors).
_LANES = {"f4": 16, "f8": 8}


def make(spec):
    """The plan of ``spec`` (see :mod:`._conv_spec`)."""
    stride, pad, dilation, groups = spec.stride, spec.pad, spec.dilation, spec.groups
    isa, threads = _dispatch.isa_level, _threads.get_num_threads()

    def run(x, w, bias, out):
        _conv.direct(x, w, bias, out, stride, pad, dilation, groups, isa, threads)
    return run


def _edge_columns(n, k, s, d, pad, out):
    """Output columns along W whose window reaches into the padding."""
    inside = sum(1 for o in range(out)
                 if o * s - pad >= 0 and o * s - pad + d * (k - 1) < n)
    return out - inside


def features(spec):
    """(('direct', dtype class), features): 1, the outputs, the multiply-adds
    the tiles run (whole vectors of columns, whole blocks of channels, taps
    in the padding along D and H skipped) and those of them on the masked
    edge columns."""
    cls = dtype_class(spec.dtype)
    lanes = _LANES.get(cls, 1)
    od, oh, ow = spec.out_size
    cig, cog = spec.c_in_group, spec.c_out_group
    block = 1 if cig == 1 else 8
    padded_cog = -(-cog // block) * block
    cols = -(-ow // lanes) * lanes
    rows_taps = 0  # kd x kh taps inside, summed over the output rows
    for a in range(od):
        kd = _inside(a, spec.stride[0], spec.dilation[0], spec.pad[0], spec.kernel[0],
                     spec.in_size[0])
        for b in range(oh):
            rows_taps += kd * _inside(b, spec.stride[1], spec.dilation[1], spec.pad[1],
                                      spec.kernel[1], spec.in_size[1])
    per_row = spec.n * spec.groups * padded_cog * cig * spec.kernel[2]
    macs = per_row * rows_taps * cols
    edge = _edge_columns(spec.in_size[2], spec.kernel[2], spec.stride[2], spec.dilation[2],
                         spec.pad[2], ow)
    edge_macs = per_row * rows_taps * min(cols, math.ceil(edge / lanes) * lanes * 2) \
        if edge else 0
    outputs = spec.n * spec.c_out * od * oh * ow
    return ("direct", cls), (1.0, outputs, macs, edge_macs)


def _inside(o, s, d, pad, k, n):
    """Taps of output ``o`` along one axis that land inside [0, n)."""
    base = o * s - pad
    return sum(1 for t in range(k) if 0 <= base + t * d < n)
