#include "local.h"

#include <math.h>

#if CC_HAVE_X86_KERNELS
#define CC_SIMD_F32
#include "cc_simd_avx2.h"

int cc_local_have_avx2(void) { return 1; }

/* Blocks of 2 weight rows x 4 column rows: 8 accumulators, 6 loads per 8
 * FMAs; the k tail is summed in scalars after the lanes.  The kernel waits
 * on the weight stream, not on the FMAs: prefetching the rows two ahead
 * took the benchmark's forward (local.h) from 10.5 to 6.6 ms on one
 * thread of the development machine (4 rows ahead: no better). */
void cc_local_dot_f32__avx2(cc_index_t n, cc_index_t m, cc_index_t k, const float *a,
                            const float *w, float *y, cc_index_t ldy)
{
    cc_index_t kv = k / 8 * 8;
    for (cc_index_t o0 = 0; o0 < m; o0 += 2) {
        cc_index_t ob = m - o0 < 2 ? m - o0 : 2;
        for (cc_index_t i0 = 0; i0 < n; i0 += 4) {
            cc_index_t ib = n - i0 < 4 ? n - i0 : 4;
            __m256 acc[2][4];
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 4; c++)
                    acc[r][c] = _mm256_setzero_ps();
            const float *w0 = w + o0 * k, *w1 = w + (o0 + ob - 1) * k;
            if (ob == 2 && ib == 4) {
                const float *a0 = a + i0 * k;
                for (cc_index_t t = 0; t < kv; t += 8) {
                    if (i0 == 0 && (t & 15) == 0) {
                        _mm_prefetch((const char *)(w0 + 2 * k + t), _MM_HINT_T0);
                        _mm_prefetch((const char *)(w1 + 2 * k + t), _MM_HINT_T0);
                    }
                    __m256 v0 = _mm256_loadu_ps(w0 + t), v1 = _mm256_loadu_ps(w1 + t);
                    for (int c = 0; c < 4; c++) {
                        __m256 b = _mm256_loadu_ps(a0 + c * k + t);
                        acc[0][c] = _mm256_fmadd_ps(v0, b, acc[0][c]);
                        acc[1][c] = _mm256_fmadd_ps(v1, b, acc[1][c]);
                    }
                }
            } else {
                for (cc_index_t t = 0; t < kv; t += 8) {
                    for (int r = 0; r < ob; r++) {
                        __m256 v = _mm256_loadu_ps(w + (o0 + r) * k + t);
                        for (int c = 0; c < ib; c++)
                            acc[r][c] = _mm256_fmadd_ps(
                                v, _mm256_loadu_ps(a + (i0 + c) * k + t), acc[r][c]);
                    }
                }
            }
            for (int r = 0; r < ob; r++)
                for (int c = 0; c < ib; c++) {
                    const float *wr = w + (o0 + r) * k, *ar = a + (i0 + c) * k;
                    float s = CC_VHSUM(acc[r][c]);
                    for (cc_index_t t = kv; t < k; t++)
                        s += wr[t] * ar[t];
                    y[(i0 + c) * ldy + o0 + r] = s;
                }
        }
    }
}

/* Blocks of 4 destination rows x 16 columns: 8 accumulators, 6 loads per 8
 * FMAs; each destination element is summed over i in order.  src is read
 * a column chunk at a time down its rows; prefetching each row 64 floats
 * ahead took the input gradient from 8.8 to 5.8 ms (32 ahead: 7.5, 128
 * ahead: 6.4). */
void cc_local_axpy_f32__avx2(cc_index_t rows, cc_index_t inner, cc_index_t k,
                             const float *coef, cc_index_t rs, cc_index_t is,
                             const float *src, int accumulate, float *dst)
{
    cc_index_t k16 = k / 16 * 16;
    for (cc_index_t r0 = 0; r0 < rows; r0 += 4) {
        int rb = rows - r0 < 4 ? (int)(rows - r0) : 4;
        for (cc_index_t t = 0; t < k16; t += 16) {
            __m256 acc[4][2];
            for (int r = 0; r < rb; r++) {
                float *d = dst + (r0 + r) * k + t;
                acc[r][0] = accumulate ? _mm256_loadu_ps(d) : _mm256_setzero_ps();
                acc[r][1] = accumulate ? _mm256_loadu_ps(d + 8) : _mm256_setzero_ps();
            }
            for (cc_index_t i = 0; i < inner; i++) {
                if (r0 == 0)  /* the next chunk of src, while this one is summed */
                    _mm_prefetch((const char *)(src + i * k + t + 64), _MM_HINT_T0);
                __m256 s0 = _mm256_loadu_ps(src + i * k + t);
                __m256 s1 = _mm256_loadu_ps(src + i * k + t + 8);
                for (int r = 0; r < rb; r++) {
                    __m256 c = _mm256_set1_ps(coef[(r0 + r) * rs + i * is]);
                    acc[r][0] = _mm256_fmadd_ps(c, s0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(c, s1, acc[r][1]);
                }
            }
            for (int r = 0; r < rb; r++) {
                float *d = dst + (r0 + r) * k + t;
                _mm256_storeu_ps(d, acc[r][0]);
                _mm256_storeu_ps(d + 8, acc[r][1]);
            }
        }
        for (int r = 0; r < rb; r++) {
            float *d = dst + (r0 + r) * k;
            for (cc_index_t t = k16; t < k; t++) {
                float s = accumulate ? d[t] : 0.0f;
                for (cc_index_t i = 0; i < inner; i++)
                    s = fmaf(coef[(r0 + r) * rs + i * is], src[i * k + t], s);
                d[t] = s;
            }
        }
    }
}

#else
int cc_local_have_avx2(void) { return 0; }
void cc_local_dot_f32__avx2(cc_index_t n, cc_index_t m, cc_index_t k, const float *a,
                            const float *w, float *y, cc_index_t ldy)
{ (void)n; (void)m; (void)k; (void)a; (void)w; (void)y; (void)ldy; }
void cc_local_axpy_f32__avx2(cc_index_t rows, cc_index_t inner, cc_index_t k,
                             const float *coef, cc_index_t rs, cc_index_t is,
                             const float *src, int accumulate, float *dst)
{ (void)rows; (void)inner; (void)k; (void)coef; (void)rs; (void)is; (void)src;
  (void)accumulate; (void)dst; }
#endif
