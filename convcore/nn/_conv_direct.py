"""The 'direct' method of the layer convolutions: a blocked direct
convolution in C (csrc/conv/), no im2col buffer.

Register tiles of output channels (along the vector) x output positions
along W accumulate over the channels of the group and the taps, each input
element broadcast from the caller's array (stride and dilation along W are
indexing, no copy).  Taps in the padding are skipped (rows and planes
outside the input are never visited, the edge tiles of a row skip them per
position), so a NaN or inf weight never meets the padding.  Depthwise
convolutions (one input channel per group) vectorise along W instead, on a
zero-padded copy of each plane; pointwise ones (1x1x1, stride 1, no
padding) run the main tile on the flattened planes (see csrc/conv/conv_op.c).
"""
import math

from .. import _conv, _dispatch, _threads
from .._methods import dtype_class

# Lanes per vector, per cost class (the widest ISA the features model: they
# count whole blocks of 2 vectors of output channels, whole vectors of
# depthwise columns).
_LANES = {"f4": 16, "f8": 8}
# Output positions per main tile (csrc/conv/conv.h, AVX-512).
_UR = 12


def make(spec):
    """The plan of ``spec`` (see :mod:`._conv_spec`)."""
    stride, pad, dilation, groups = spec.stride, spec.pad, spec.dilation, spec.groups
    isa, threads = _dispatch.isa_level, _threads.get_num_threads()

    def run(x, w, bias, out):
        _conv.direct(x, w, bias, out, stride, pad, dilation, groups, isa, threads)
    return run


def _edge_positions(n, k, s, d, pad, out, tile):
    """Output positions along W on tiles (out cut evenly into tiles of at
    most ``tile``) holding a window that reaches into the padding."""
    ntiles = -(-out // tile)
    sizes = [out // ntiles + (i < out % ntiles) for i in range(ntiles)]
    edge, start = 0, 0
    for size in sizes:
        if any(not (o * s - pad >= 0 and o * s - pad + d * (k - 1) < n)
               for o in range(start, start + size)):
            edge += size
        start += size
    return edge


def features(spec):
    """(('direct', dtype class), features): 1, the outputs, the multiply-adds
    the tiles run (whole blocks of channels, whole vectors of depthwise
    columns, taps in the padding along D and H skipped) and those of them on
    the tiles that skip taps along W."""
    cls = dtype_class(spec.dtype)
    lanes = _LANES.get(cls, 1)
    od, oh, ow = spec.out_size
    cig, cog = spec.c_in_group, spec.c_out_group
    block = 1 if cig == 1 else 2 * lanes
    padded_cog = -(-cog // block) * block
    rows_taps = 0  # kd x kh taps inside, summed over the output rows
    for a in range(od):
        kd = _inside(a, spec.stride[0], spec.dilation[0], spec.pad[0], spec.kernel[0],
                     spec.in_size[0])
        for b in range(oh):
            rows_taps += kd * _inside(b, spec.stride[1], spec.dilation[1], spec.pad[1],
                                      spec.kernel[1], spec.in_size[1])
    per_row = spec.n * spec.groups * padded_cog * cig * spec.kernel[2]
    args = (spec.in_size[2], spec.kernel[2], spec.stride[2], spec.dilation[2], spec.pad[2], ow)
    if cig == 1:
        cols = -(-ow // lanes) * lanes
        edge = _edge_positions(*args, lanes)
        edge = min(cols, math.ceil(edge / lanes) * lanes)
    else:
        cols = ow
        edge = _edge_positions(*args, _UR)
    macs = per_row * rows_taps * cols
    edge_macs = per_row * rows_taps * edge
    outputs = spec.n * spec.c_out * od * oh * ow
    return ("direct", cls), (1.0, outputs, macs, edge_macs)


def _inside(o, s, d, pad, k, n):
    """Taps of output ``o`` along one axis that land inside [0, n)."""
    base = o * s - pad
    return sum(1 for t in range(k) if 0 <= base + t * d < n)
