/* Patch-block fill of the im2col correlation (contract in im2col.h).
 *
 * A block of patch rows (outputs) is cut into segments that stay within one
 * output row (every axis but the last fixed).  For a segment, each
 * leading-axis kernel tap either misses the input (its buffer rows get
 * zeros) or names one input row; then the buffer row of every last-axis tap
 * j is that input row shifted by j: one contiguous copy, with zeros where
 * the window hangs over either end.  The geometry is written once; only the
 * copy is per dtype.
 */
#include "im2col.h"

/* The buffer rows of last-axis taps [jlo, jhi) of one leading tap for cnt
 * consecutive outputs: dst[(j - jlo) * ld + ii] = xrow[p0 + j + ii] where
 * 0 <= p0 + j + ii < n, else zero; xrow == NULL means the tap's input row
 * lies outside x. */
typedef void (*cc_tap_fill_fn)(void *dst, cc_index_t ld, const void *xrow,
                               cc_index_t p0, cc_index_t cnt, cc_index_t n,
                               cc_index_t jlo, cc_index_t jhi);

static void fill_block(const cc_corr_problem *p, const char *x, size_t esize,
                       cc_tap_fill_fn tap, cc_index_t o0, cc_index_t m,
                       cc_index_t t0, cc_index_t kc, cc_index_t ld, char *patch)
{
    const int last = p->ndim - 1;
    const cc_index_t k = p->w_shape[last], n = p->x_shape[last];
    const cc_index_t s = p->offset[last], ml = p->out_shape[last];
    const cc_index_t t1 = t0 + kc;
    cc_index_t base[CC_MAX_NDIM], t[CC_MAX_NDIM];

    for (cc_index_t i = 0, o = o0; i < m;) {
        const cc_index_t c = o % ml, cnt = CC_MIN(ml - c, m - i);
        cc_index_t q = o / ml;
        for (int d = last - 1; d >= 0; --d) {
            base[d] = q % p->out_shape[d] + p->offset[d];  /* input index of tap 0 */
            q /= p->out_shape[d];
        }
        cc_index_t lead = t0 / k;  /* first leading tap (C order over w_shape[:-1]) */
        q = lead;
        for (int d = last - 1; d >= 0; --d) {
            t[d] = q % p->w_shape[d];
            q /= p->w_shape[d];
        }
        for (; lead * k < t1; ++lead) {
            const cc_index_t jlo = CC_MAX((cc_index_t)0, t0 - lead * k);
            const cc_index_t jhi = CC_MIN(k, t1 - lead * k);
            const char *xrow = x;
            cc_index_t xo = 0;
            for (int d = 0; d < last; ++d) {
                const cc_index_t idx = base[d] + t[d];
                if (idx < 0 || idx >= p->x_shape[d]) {
                    xrow = NULL;
                    break;
                }
                xo += idx * p->x_strides[d];
            }
            if (xrow)
                xrow += xo * (cc_index_t)esize;
            tap(patch + (size_t)((lead * k + jlo - t0) * ld + i) * esize, ld, xrow,
                c + s, cnt, n, jlo, jhi);
            for (int d = last - 1; d >= 0 && ++t[d] == p->w_shape[d]; --d)
                t[d] = 0;
        }
        i += cnt;
        o += cnt;
    }
}

#define CC_DEFINE_IM2COL(code, sfx, T, zero, mac)                             \
static void tap_fill_##sfx(void *dstv, cc_index_t ld, const void *xv,         \
                           cc_index_t p0, cc_index_t cnt, cc_index_t n,       \
                           cc_index_t jlo, cc_index_t jhi)                    \
{                                                                             \
    const T *xrow = xv;                                                       \
    for (cc_index_t j = jlo; j < jhi; ++j) {                                  \
        T *d = (T *)dstv + (j - jlo) * ld;                                    \
        const cc_index_t pc = p0 + j;  /* input column of output ii = 0 */    \
        const cc_index_t a = xrow ? CC_CLAMP(-pc, (cc_index_t)0, cnt) : cnt;  \
        const cc_index_t b = xrow ? CC_CLAMP(n - pc, a, cnt) : cnt;           \
        for (cc_index_t ii = 0; ii < a; ++ii)                                 \
            d[ii] = zero;                                                     \
        for (cc_index_t ii = a; ii < b; ++ii)                                 \
            d[ii] = xrow[pc + ii];                                            \
        for (cc_index_t ii = b; ii < cnt; ++ii)                               \
            d[ii] = zero;                                                     \
    }                                                                         \
}                                                                             \
                                                                              \
void cc_im2col_##sfx##__ref CC_IM2COL_SIGNATURE                               \
{                                                                             \
    fill_block(p, x, sizeof(T), tap_fill_##sfx, o0, m, t0, kc, ld, patch);    \
}

CC_DIRECT_DTYPES(CC_DEFINE_IM2COL)

#define CC_FILL_ENTRY(code, sfx, T, zero, mac) [code] = cc_im2col_##sfx##__ref,
static const cc_im2col_fn fills[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_FILL_ENTRY)};
#define CC_MATVEC_ENTRY(code, sfx, T, zero, mac) [code] = cc_im2col_matvec_##sfx##__ref,
static const cc_matvec_fn matvecs[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_MATVEC_ENTRY)};
#define CC_SIZE_ENTRY(code, sfx, T, zero, mac) [code] = sizeof(T),
static const size_t sizes[CC_DT_COUNT] = {CC_DIRECT_DTYPES(CC_SIZE_ENTRY)};

cc_im2col_fn cc_im2col_select(cc_dtype dt)
{
    return dt >= 0 && dt < CC_DT_COUNT ? fills[dt] : NULL;
}

cc_matvec_fn cc_im2col_matvec_select(cc_dtype dt)
{
    return dt >= 0 && dt < CC_DT_COUNT ? matvecs[dt] : NULL;
}

size_t cc_im2col_elem_size(cc_dtype dt)
{
    return dt >= 0 && dt < CC_DT_COUNT ? sizes[dt] : 0;
}
