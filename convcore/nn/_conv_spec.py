"""A layer convolution as every method takes it (the contract of the
``direct``, ``im2col`` and ``fft`` methods of ``convcore.nn.convNd``).

Every rank runs as 3-D: a spatial axis the op does not have is a leading
axis of extent 1 (kernel 1, stride 1, padding 0).  A method's plan maker
takes a :class:`ConvSpec` and returns ``run(x, w, bias, out)``:

- ``x``: (N, C_in, D, H, W), C-contiguous, native byte order, ``spec.dtype``;
- ``w``: (C_out, C_in / groups, KD, KH, KW), the same;
- ``bias``: (C_out,) of ``spec.dtype``, or None;
- ``out``: (N, C_out, OD, OH, OW), C-contiguous, uninitialised: ``run``
  writes every element.

Output ``out[n, o, p]`` (``p`` a spatial index, ``g`` the group of ``o``):
``bias[o] + sum over c in group g, t in the kernel of
x[n, c, p * stride + t * dilation - pad] * w[o, c - g * C_in / groups, t]``,
where ``x`` outside ``[0, size)`` on any axis is zero (the implicit zero
padding: ``pad`` on the left; on the right whatever the last window needs,
and input past the last window is unused).  Padding modes other than
'zeros' reach the methods already applied to ``x`` (``pad`` all 0).
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConvSpec:
    """The shapes and geometry of one layer convolution, 3 spatial axes each
    (all Python ints; hashable, so a plan can be kept per spec)."""
    n: int
    c_in: int
    c_out: int
    groups: int
    in_size: tuple
    kernel: tuple
    stride: tuple
    dilation: tuple
    pad: tuple
    out_size: tuple
    dtype: np.dtype
    rank: int  # the op's spatial rank, 1 to 3

    @property
    def c_in_group(self):
        return self.c_in // self.groups

    @property
    def c_out_group(self):
        return self.c_out // self.groups

    @property
    def x_shape(self):
        return (self.n, self.c_in) + self.in_size

    @property
    def w_shape(self):
        return (self.c_out, self.c_in_group) + self.kernel

    @property
    def out_shape(self):
        return (self.n, self.c_out) + self.out_size

    @property
    def taps(self):
        """Kernel elements per output channel and input channel."""
        return self.kernel[0] * self.kernel[1] * self.kernel[2]

    @property
    def macs(self):
        """Multiply-adds of the convolution, padding included."""
        outputs = self.n * self.c_out * self.out_size[0] * self.out_size[1] * self.out_size[2]
        return outputs * self.c_in_group * self.taps
