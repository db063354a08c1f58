/* im2col N-D correlation: the contract of the family.
 *
 * The problem is the direct family's (cc_corr_problem, direct.h):
 *
 *   out[o] = sum over every kernel index t of  x[o + offset + t] * w[t]
 *
 * written as a matrix product out = P @ w.  Row o of the patch matrix P
 * (outputs in C order over out_shape) holds x[o + offset + t] for every
 * kernel index t (columns in C order over w_shape), zero where that index
 * falls outside x.  P is never built whole: the caller (csrc/_im2col.pyx)
 * fills one bounded block of it at a time with cc_im2col_<dtype>__ref and
 * reduces the block with one BLAS call, or, for the dtypes BLAS has no
 * routine for or would round (bool, integers, long double, complex long
 * double), with cc_im2col_matvec_<dtype>__ref.
 *
 * Unlike the direct kernels, the zeros are multiplied: an infinite or NaN
 * kernel value gives NaN where it meets the padding (as scipy's N-D direct
 * path does).
 */
#ifndef CC_IM2COL_H
#define CC_IM2COL_H

#include "direct/direct.h"

/* Element types: every code of cc_dtype.h (the direct family's list). */
#define CC_IM2COL_DTYPE_SET CC_DT_ALL

/* Fill contract: the block of P made of rows [o0, o0 + m) and columns
 * [t0, t0 + kc), stored tap-major (column-major, as Caffe's im2col lays it
 * out: one row of the buffer per kernel tap) with leading dimension ld >= m:
 *   patch[c * ld + i] = x[(o0 + i) + offset + (t0 + c)]   (zero outside x)
 * for 0 <= i < m, 0 <= c < kc.  Each tap's row is then a shifted copy of
 * input rows (long contiguous copies), and P @ w is a column-major gemv
 * that streams the block once.  Reads only elements inside x; writes the
 * block whole and nothing else.  Requires 0 <= o0, o0 + m <= prod(out_shape),
 * 0 <= t0, t0 + kc <= prod(w_shape), kc >= 1. */
#define CC_IM2COL_SIGNATURE                                                   \
    (const cc_corr_problem *p, const void *x, cc_index_t o0, cc_index_t m,    \
     cc_index_t t0, cc_index_t kc, cc_index_t ld, void *patch)

/* Reduction contract, on a block laid out as above:
 *   y[i] (+)= sum_{c < kc} patch[c * ld + i] * w[c]     for 0 <= i < m,
 * with the arithmetic of dtype_ops.h (integers wrap, bool is OR of AND),
 * each y[i] summed in order of c; accumulate == 0 writes y without reading
 * it. */
#define CC_MATVEC_SIGNATURE                                                   \
    (cc_index_t m, cc_index_t kc, const void *patch, cc_index_t ld,           \
     const void *w, int accumulate, void *y)

typedef void (*cc_im2col_fn) CC_IM2COL_SIGNATURE;
typedef void (*cc_matvec_fn) CC_MATVEC_SIGNATURE;

#define CC_DECLARE_IM2COL(code, sfx, T, zero, mac)                            \
    void cc_im2col_##sfx##__ref CC_IM2COL_SIGNATURE;                          \
    void cc_im2col_matvec_##sfx##__ref CC_MATVEC_SIGNATURE;
CC_DIRECT_DTYPES(CC_DECLARE_IM2COL)
#undef CC_DECLARE_IM2COL

/* The fill and the reference reduction of a dtype; NULL for a code out of
 * range. */
cc_im2col_fn cc_im2col_select(cc_dtype dt);
cc_matvec_fn cc_im2col_matvec_select(cc_dtype dt);

/* Element size of a dtype code in bytes (0 out of range). */
size_t cc_im2col_elem_size(cc_dtype dt);

#endif
