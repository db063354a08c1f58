"""The 'im2col' method of the layer convolutions: unfold, then one GEMM.

For each image and group, the windows of the group's input channels are
unfolded into a column matrix (one row per (input channel, kernel tap) in
torch's order, one column per output position: the kernel of
``convcore.nn.unfold``), and the group's output is one matrix product
``out_g = w_g (C_out/groups x C_in/groups*taps) @ cols``.  The columns are
never built whole: ``csrc/_im2col.pyx`` (``conv``) unfolds a tile of output
positions at a time into a workspace of about ``block_bytes`` per thread
and multiplies it by BLAS sgemm/dgemm; a 1x1 kernel at stride 1 without
padding multiplies the input itself.

Extra memory: one column workspace per thread of at most ``max(block_bytes,
CONV_MIN_TILE * itemsize)`` bytes (``_im2col.conv_plan``: a tile keeps 64
positions at least and its rows are cut into chunks, summed by the GEMM,
when a tile of all rows would not fit), 2 MiB by default
(``_im2col.CONV_BLOCK_BYTES``); none on the 1x1 path.  BLAS adds its own
packing buffers.

The zero padding is multiplied like any other column entry, so an
infinite or NaN weight gives NaN at outputs whose window meets the padding
(0 * inf), as torch's own im2col path (float64 on CPU,
``slow_conv2d``) does; the direct method skips those terms.

Threads: the (image, group, tile) items are shared by convcore's pool and
each makes its own single-threaded BLAS call, rather than one large GEMM
given the BLAS threads: the unfold runs in parallel too, results do not
depend on the thread count, and a busy machine costs a fraction instead of
a collapse (measurements in ``csrc/_im2col.pyx``).
"""
import math

from .. import _im2col
from .._methods import dtype_class
from .._threads import blas_threads, get_num_threads


def make(spec, block_bytes=None):
    """``run(x, w, bias, out)`` of ``spec`` (see :mod:`._conv_spec`);
    ``block_bytes`` bounds each thread's column workspace (tests make it
    tiny so that many tiles run)."""
    block = _im2col.CONV_BLOCK_BYTES if block_bytes is None else block_bytes
    args = (spec.stride, spec.pad, spec.dilation, spec.groups)

    def run(x, w, bias, out):
        threads = get_num_threads()
        with blas_threads(1):
            _im2col.conv(x, w, bias, out, *args, threads, block)
    return run


def features(spec):
    """(('im2col', dtype class), features): 1, the column elements filled
    (0 on the 1x1 path) and the GEMM multiply-adds."""
    positions = spec.n * math.prod(spec.out_size)
    pointwise = (spec.taps == 1 and spec.stride == (1, 1, 1) and spec.pad == (0, 0, 0))
    filled = 0 if pointwise else positions * spec.c_in * spec.taps
    return ("im2col", dtype_class(spec.dtype)), (1.0, float(filled), float(spec.macs))
