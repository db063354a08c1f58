"""The convolution with a fixed kernel as a sparse matrix.

Per axis, output ``o`` of the chosen mode is sample ``f = o + start`` of the
full convolution, the sum of ``x[j] * kernel[f - j]`` over the inputs ``j``
in ``[max(0, f - k + 1), min(n - 1, f)]``: at most ``min(n, k)`` of them.
The nonzeros of the N-D matrix are the product of these per-axis lists,
laid out as a table of shape ``(*out_shape, *widths)`` (``widths`` the
per-axis ``min(n, k)``): flattened in C order, its entries come row by row,
and within a row in increasing column order, which is CSR's own order.
Table slots past an output's input count are dropped.  No slot exceeds
twice the nonzeros per axis, and no (row, column) pair occurs twice.
"""
import math

import numpy as np

from . import _validate
from ._geometry import INT64_MAX, _shape, signal_window

# scipy.sparse's own choice: 32-bit indices while every index fits.
_INT32_MAX = np.iinfo(np.int32).max


def _axis_tables(n, k, size, start, width):
    """One axis of ``n`` inputs and a kernel of ``k`` taps, outputs
    ``start .. start + size - 1`` of the full convolution: ``(j, t, valid,
    count)``, the input and tap of each slot (``(size, width)`` arrays), the
    slots that hold a tap, and the number of inputs of each output."""
    f = np.arange(start, start + size, dtype=np.int64)
    first = np.maximum(f - (k - 1), 0)
    count = np.minimum(f, n - 1) - first + 1
    j = first[:, None] + np.arange(width, dtype=np.int64)
    valid = np.arange(width) < count[:, None]
    t = np.where(valid, f[:, None] - j, 0)   # any in-range tap for the dropped slots
    return j, t, valid, np.maximum(count, 0)


def _along(a, axis, rank):
    """``a`` (an ``(out, width)`` table of one axis) shaped to broadcast
    against the ``(*out_shape, *widths)`` table."""
    shape = [1] * (2 * rank)
    shape[axis], shape[rank + axis] = a.shape
    return a.reshape(shape)


def convolution_matrix(kernel, input_shape, mode="full"):
    """The convolution with ``kernel`` as a sparse matrix.

    Parameters
    ----------
    kernel : array_like
        The kernel, of rank ``len(input_shape)``, not empty.  Bool, integer,
        floating or complex.
    input_shape : int or sequence of ints
        The shape of the inputs the matrix applies to (positive sizes); an
        int is a 1-D input.
    mode : {'full', 'same', 'valid'}
        The output of :func:`convcore.convolve` (``scipy.signal.convolve``)
        the matrix computes: the full convolution, its centred part of the
        input's shape (also for kernels larger than the input), or the part
        computed without zero padding (``'valid'`` needs one of the input
        and the kernel at least as large as the other in every axis; with
        the kernel the larger, the result is the part of the kernel the
        input fits in, as convolve gives it).

    Returns
    -------
    A : scipy.sparse.csr_array
        Shape ``(prod(out_shape), prod(input_shape))`` with ``out_shape``
        the shape of ``convolve(x, kernel, mode)``: for ``x`` of shape
        ``input_shape``, ``(A @ x.ravel()).reshape(out_shape)`` equals that
        convolution.  Toeplitz in 1-D (``A[i, j] = kernel[i - j]`` in
        'full' mode), doubly block Toeplitz in 2-D, and so on.  The entries
        are the kernel's values in its dtype (integer kernels stay
        integer, so integer products are exact); sorted column indices, no
        duplicates, no stored zeros except zeros of the kernel.
        ``A.T @ y.ravel()`` is the transposed convolution (in 'full' mode,
        ``correlate(y, kernel, 'valid')`` for real kernels).

    Raises
    ------
    ValueError
        For an unknown ``mode``, an empty or non-numeric kernel, a kernel
        rank other than ``len(input_shape)``, sizes below 1, a 'valid'
        mode where neither the input nor the kernel is at least as large as
        the other in every axis, and a matrix with more rows or columns
        than 64-bit indices count.
    MemoryError
        When the nonzeros cannot be held (NumPy's size limit, or the
        system refuses the memory), before they are built.

    See Also
    --------
    scipy.linalg.convolution_matrix : the dense 1-D matrix (its 'same' mode
        centres on the longer of the two, not on the input).

    Examples
    --------
    >>> import numpy as np
    >>> import convcore
    >>> A = convcore.convolution_matrix([1, 2, 3], 4)
    >>> A.toarray()
    array([[1, 0, 0, 0],
           [2, 1, 0, 0],
           [3, 2, 1, 0],
           [0, 3, 2, 1],
           [0, 0, 3, 2],
           [0, 0, 0, 3]])
    >>> x = np.array([1, 0, -1, 2])
    >>> np.array_equal(A @ x, convcore.convolve(x, [1, 2, 3]))
    True
    """
    # Imported here: scipy.sparse would add to every `import convcore`.
    import scipy.sparse

    kernel = np.asarray(kernel)
    shape = _shape(input_shape, "input_shape")
    if any(n < 1 for n in shape):
        raise ValueError(f"input_shape must hold positive sizes; got "
                         f"input_shape={input_shape!r}")
    _validate.check_mode(mode)
    if kernel.dtype.kind not in "biufc":
        raise ValueError("kernel must be numeric (bool, integer, floating or complex); "
                         f"got kernel.dtype={kernel.dtype}")
    if kernel.ndim != len(shape):
        raise ValueError(f"kernel must have one axis per axis of input_shape; got "
                         f"kernel.ndim={kernel.ndim} and input_shape={input_shape!r}")
    if kernel.size == 0:
        raise ValueError(f"kernel cannot be empty; got kernel.shape={kernel.shape}")
    if (mode == "valid" and not all(n >= k for n, k in zip(shape, kernel.shape))
            and not all(n <= k for n, k in zip(shape, kernel.shape))):
        raise ValueError("For 'valid' mode, one of the input and the kernel must be at "
                         "least as large as the other in every dimension; got "
                         f"input_shape={input_shape!r} and kernel.shape={kernel.shape}")
    if not kernel.dtype.isnative:
        kernel = kernel.astype(kernel.dtype.newbyteorder("="))

    out_shape, start = signal_window(mode, shape, kernel.shape)
    n_rows, n_cols = math.prod(out_shape), math.prod(shape)
    if max(n_rows, n_cols) > INT64_MAX:
        raise ValueError(f"the matrix of shape ({n_rows}, {n_cols}) has more rows or "
                         "columns than 64-bit indices count; got "
                         f"input_shape={input_shape!r} and kernel.shape={kernel.shape}")
    rank = len(shape)
    widths = tuple(min(n, k) for n, k in zip(shape, kernel.shape))
    table_shape = (*out_shape, *widths)
    slots = math.prod(table_shape)
    index = np.int32 if max(slots, n_cols) <= _INT32_MAX else np.int64
    what = "convolution_matrix: the table of nonzeros"
    _validate.check_nbytes(table_shape, max(8, kernel.itemsize), what)
    # The largest array first: a size the system refuses fails here.
    cols = _validate.empty(table_shape, index, what)

    tables = [_axis_tables(n, k, size, s, w)
              for n, k, size, s, w in zip(shape, kernel.shape, out_shape, start, widths)]
    col_strides = [math.prod(shape[a + 1:]) for a in range(rank)]
    for axis, ((j, _, _, _), stride) in enumerate(zip(tables, col_strides)):
        term = _along((j * stride).astype(index), axis, rank)
        if axis == 0:
            np.copyto(cols, term)
        else:
            np.add(cols, term, out=cols)
    data = kernel[tuple(_along(t, axis, rank) for axis, (_, t, _, _) in enumerate(tables))]

    if not all(valid.all() for _, _, valid, _ in tables):
        mask = _along(tables[0][2], 0, rank)
        for axis in range(1, rank):
            mask = mask & _along(tables[axis][2], axis, rank)
        cols, data = cols[mask], data[mask]

    counts = tables[0][3]
    for _, _, _, count in tables[1:]:
        counts = np.multiply.outer(counts, count)
    indptr = np.zeros(n_rows + 1, index)
    np.cumsum(counts.ravel(), dtype=index, out=indptr[1:])

    matrix = scipy.sparse.csr_array((data.ravel(), cols.ravel(), indptr),
                                    shape=(n_rows, n_cols), copy=False)
    matrix.has_canonical_format = True   # sorted, no duplicates: by construction
    return matrix
