/* Micro-kernels of the locally connected and tiled convolutions (the
 * per-position products of _im2col.local_matmul), float32, AVX2+FMA.
 * The other dtypes and ISA levels run BLAS.  Each is memory-bound on the
 * weight: it reads w straight from its (M, K) rows, where BLAS packs a copy
 * of it first (12.8 ms against 5 ms for reading the benchmark's 100 MB).
 *
 * cc_local_dot_f32__avx2:  y[i * ldy + o] = sum_t a[i * k + t] * w[o * k + t]
 *     for i < n, o < m (the forward: cols[p] (n x k) @ w[s].T).
 * cc_local_axpy_f32__avx2: dst[r * k + t] (+)= sum_i coef[r * rs + i * is]
 *     * src[i * k + t] for r < rows, t < k (input gradient: dy[p] @ w[s];
 *     weight gradient: dy[p].T @ cols[p]), summed over i in order.
 * Sums run in a fixed order for each output: results do not depend on
 * which thread runs them.
 */
#ifndef CC_LOCAL_H
#define CC_LOCAL_H

#include "cc_common.h"
#include "cc_cpu.h"

void cc_local_dot_f32__avx2(cc_index_t n, cc_index_t m, cc_index_t k, const float *a,
                            const float *w, float *y, cc_index_t ldy);
void cc_local_axpy_f32__avx2(cc_index_t rows, cc_index_t inner, cc_index_t k,
                             const float *coef, cc_index_t rs, cc_index_t is,
                             const float *src, int accumulate, float *dst);
/* 1 when the kernels above were compiled (x86-64 GCC/clang). */
int cc_local_have_avx2(void);

#endif
