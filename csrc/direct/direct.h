/* Direct N-D correlation: the contract every variant of the family meets.
 *
 *   out[o] = sum over every kernel index t of  x[o + offset + t] * w[t]
 *
 * per axis, with x taken as zero outside its shape (the zeros are never read
 * or multiplied: out-of-range taps are skipped).  Every mode of
 * scipy.signal.convolve/correlate is this with a per-axis offset; flipping
 * and conjugating the kernel is the caller's job.
 *
 * The driver (direct_op.c) walks output rows (every axis but the last),
 * gathers the input rows that meet each one, handles the columns that hang
 * over the input's edges with a scalar loop, and hands the interior to a row
 * micro-kernel.  The micro-kernels are the only ISA-specific code.
 */
#ifndef CC_DIRECT_H
#define CC_DIRECT_H

#include "cc_common.h"
#include "cc_cpu.h"
#include "cc_dispatch.h"
#include "cc_dtype.h"
#include "cc_parallel.h"

/* Element types: every code of cc_dtype.h.  CC_DIRECT_DTYPES(X) runs
 *   X(code, suffix, element type, zero, multiply-accumulate)
 * over them; bool computes out = OR over (x AND w). */
#define CC_DIRECT_DTYPE(X, code, sfx, T, zero, mac, kind) X(code, sfx, T, zero, mac)
#define CC_DIRECT_DTYPES(X) CC_DTYPES_BIND(CC_DIRECT_DTYPE, X)
#define CC_DIRECT_DTYPE_SET CC_DT_ALL

typedef struct {
    int ndim;                       /* >= 1 */
    const cc_index_t *x_shape;      /* [ndim] */
    const cc_index_t *x_strides;    /* [ndim] in elements; x_strides[ndim-1] == 1 */
    const cc_index_t *w_shape;      /* [ndim]; w is C-contiguous */
    const cc_index_t *out_shape;    /* [ndim]; out is C-contiguous */
    const cc_index_t *offset;       /* [ndim]; may be negative */
} cc_corr_problem;

/* Row micro-kernel contract, for element type T, with row r of the input at
 * x + xoff[r] and its kernel row at w + woff[r] (offsets in elements):
 *   out[i] = sum_{r < nrows} sum_{j < k} w[woff[r] + j] * x[xoff[r] + col + i + j]
 * for 0 <= i < n.  Every element read is inside the input.  Writes out,
 * never reads it; nrows == 0 writes zeros. */
#define CC_CORR_ROW_SIGNATURE(T) \
    (cc_index_t nrows, const T *x, const cc_index_t *xoff, const T *w, \
     const cc_index_t *woff, cc_index_t k, cc_index_t col, cc_index_t n, T *out)

/* Block micro-kernel contract: R (1 <= R <= the variant's rows, see
 * cc_corr_rows_select) output rows, row a at out + a * ostride, each the row
 * kernel's output for the input rows xoff[r] + a * delta:
 *   out[a * ostride + i] = sum_{r < nrows} sum_{j < k}
 *                          w[woff[r] + j] * x[xoff[r] + a * delta + col + i + j]
 * summed in the row kernel's order, so each value is the row kernel's, bit
 * for bit. */
#define CC_CORR_ROWS_SIGNATURE(T) \
    (int R, cc_index_t nrows, const T *x, const cc_index_t *xoff, cc_index_t delta, \
     const T *w, const cc_index_t *woff, cc_index_t k, cc_index_t col, cc_index_t n, \
     T *out, cc_index_t ostride)

/* X-macro list of the SIMD row micro-kernels: (isa, dtype code, C type,
 * name).  The scalar reference of every dtype lives in direct_ref.c. */
#define CC_CORR_ROW_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32,  float,   cc_corr_row_f32__avx2)    \
    X(CC_ISA_AVX2,   CC_DT_F64,  double,  cc_corr_row_f64__avx2)    \
    X(CC_ISA_AVX512, CC_DT_F32,  float,   cc_corr_row_f32__avx512)  \
    X(CC_ISA_AVX512, CC_DT_F64,  double,  cc_corr_row_f64__avx512)  \
    X(CC_ISA_AVX2,   CC_DT_C64,  cc_c64,  cc_corr_row_c64__avx2)    \
    X(CC_ISA_AVX2,   CC_DT_C128, cc_c128, cc_corr_row_c128__avx2)   \
    X(CC_ISA_AVX512, CC_DT_C64,  cc_c64,  cc_corr_row_c64__avx512)  \
    X(CC_ISA_AVX512, CC_DT_C128, cc_c128, cc_corr_row_c128__avx512)

/* The block micro-kernels: (isa, dtype code, C type, name, most rows).
 * Each has a row kernel of the same isa and dtype above. */
#define CC_CORR_ROWS_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32,  float,   cc_corr_rows_f32__avx2,   2)  \
    X(CC_ISA_AVX2,   CC_DT_F64,  double,  cc_corr_rows_f64__avx2,   2)  \
    X(CC_ISA_AVX512, CC_DT_F32,  float,   cc_corr_rows_f32__avx512, 4)  \
    X(CC_ISA_AVX512, CC_DT_F64,  double,  cc_corr_rows_f64__avx512, 4)

#if CC_HAVE_X86_KERNELS
#define CC_DECLARE_ROW(isa, dt, T, name) void name CC_CORR_ROW_SIGNATURE(T);
CC_CORR_ROW_SIMD_VARIANTS(CC_DECLARE_ROW)
#undef CC_DECLARE_ROW
#define CC_DECLARE_ROWS(isa, dt, T, name, rmax) void name CC_CORR_ROWS_SIGNATURE(T);
CC_CORR_ROWS_SIMD_VARIANTS(CC_DECLARE_ROWS)
#undef CC_DECLARE_ROWS
#endif

/* Scalar reference row kernels, one per dtype (direct_ref.c):
 * cc_corr_row_<suffix>__ref for every dtype. */
#define CC_DECLARE_REF_ROW(code, sfx, T, zero, mac) \
    void cc_corr_row_##sfx##__ref CC_CORR_ROW_SIGNATURE(T);
CC_DIRECT_DTYPES(CC_DECLARE_REF_ROW)
#undef CC_DECLARE_REF_ROW

/* Config: the row kernel for a dtype at the highest level <= isa (and <=
 * the CPU's) that has one, and the level it really is.  NULL only for a
 * code out of range. */
cc_fnptr cc_corr_row_select(cc_dtype dt, cc_isa isa, cc_isa *chosen);
/* The block kernel of a dtype at exactly level isa and the most rows it
 * takes (*rmax), or NULL (*rmax = 1) when there is none. */
cc_fnptr cc_corr_rows_select(cc_dtype dt, cc_isa isa, int *rmax);

/* The operator.  isa caps the kernel level; num_threads >= 1.
 * Returns CC_OK, CC_ENOMEM or CC_EINVAL. */
int cc_correlate(cc_dtype dt, const cc_corr_problem *p, const void *x,
                 const void *w, void *out, cc_isa isa, int num_threads);

#endif
