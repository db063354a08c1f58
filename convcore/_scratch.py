"""Workspaces reused across calls, kept per Python thread.

The first write to each page of a fresh multi-megabyte array is a page
fault, and on virtual machines a fault costs microseconds: a 2-D 1024x1024
(x) 64x64 FFT convolution took some 2,300 faults per call, 7 ms of 22 ms,
on the 2-vCPU EPYC dev box.  The FFT paths' workspaces (padded inputs,
spectra, inverse transforms before cropping) live only during one call, so
they come from a pool of buffers that this thread keeps between calls,
whose pages are already mapped.  Results never do: a workspace is reused
by the next call on the thread.

Each Python thread has its own pool, so concurrent calls never share a
buffer; a pool keeps at most KEEP_BYTES between calls (its largest buffers
are freed first), and requests under MIN_BYTES are plain allocations.
"""
import math
import threading

import numpy as np

#: Largest total a thread's pool keeps between calls.
KEEP_BYTES = 256 << 20
#: Smaller workspaces are plain NumPy allocations (malloc reuses their pages).
MIN_BYTES = 256 << 10
_ALIGN = 64  # bytes: a cache line, and every SIMD width

_local = threading.local()


def _thread_pool():
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = []
    return pool


def pooled_bytes():
    """Bytes this thread's pool holds between calls."""
    return sum(b.nbytes for b in _thread_pool())


class Scratch:
    """The workspaces of one call: ``with Scratch() as ws: a = ws.empty(...)``.
    Every array taken goes back to the pool of the thread that entered the
    block when it exits, so none may outlive the block (copy what must).
    Safe to use from helper threads inside the block."""

    def __enter__(self):
        self._pool = _thread_pool()
        self._taken = []
        self._lock = threading.Lock()
        return self

    def __exit__(self, *exc):
        pool = self._pool
        pool.extend(self._taken)
        self._taken = []
        pool.sort(key=lambda b: b.nbytes)
        total = sum(b.nbytes for b in pool)
        while total > KEEP_BYTES:
            total -= pool.pop().nbytes
        return False

    def _buffer(self, nbytes):
        with self._lock:
            fits = [i for i, b in enumerate(self._pool) if b.nbytes >= nbytes]
            # Best fit: the pool is sorted by size.
            buf = self._pool.pop(fits[0]) if fits else np.empty(nbytes, np.uint8)
            self._taken.append(buf)
        return buf

    def empty(self, shape, dtype):
        """An uninitialised C-contiguous array, 64-byte aligned."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes < MIN_BYTES:
            return np.empty(shape, dtype)
        buf = self._buffer(nbytes + _ALIGN)
        start = -buf.ctypes.data % _ALIGN
        return buf[start:start + nbytes].view(dtype).reshape(shape)

    def detach(self, y):
        """``y``, copied when its memory is one of this block's workspaces
        (a result must outlive the block)."""
        root = y
        while isinstance(root.base, np.ndarray):
            root = root.base
        with self._lock:
            pooled = any(root is b for b in self._taken)
        return y.copy() if pooled else y

    def padded(self, x, shape):
        """``x`` in the leading corner of zeros of ``shape`` (x itself when
        it already has that shape)."""
        if x.shape == tuple(shape):
            return x
        return fill_padded(self.empty(shape, x.dtype), x)


def fill_padded(out, x):
    """``out`` holding ``x`` in its leading corner, zeros elsewhere."""
    out[tuple(slice(0, n) for n in x.shape)] = x
    zero_outside(out, x.shape)
    return out


def zero_outside(out, shape):
    """Zero ``out`` outside its leading corner of ``shape``: one slab per
    axis, so the corner is not written."""
    region = [slice(None)] * out.ndim
    for d, n in enumerate(shape):
        region[d] = slice(n, None)
        out[tuple(region)] = 0
        region[d] = slice(0, n)
