/* Layer unfold (im2col) and fold (col2im): contract in unfold.h.
 *
 * A row of the column matrix is one (channel, kernel tap); along it the
 * positions run over output rows of OW windows.  Per tap the outputs whose
 * tap lands inside the input are a range on each axis (inside_range), so
 * the inner loops carry no bounds checks: a segment of one output row is a
 * zero head, a copy (stride 1: contiguous) or strided gather, and a zero
 * tail.  Fold walks the same ranges and adds instead of copying.
 */
#include <string.h>

#include "unfold.h"

/* Outputs o in [0, n_out) with 0 <= o * s + off < n_in, as [*lo, *hi)
 * (empty: lo == hi).  s >= 1. */
static void inside_range(cc_index_t n_in, cc_index_t n_out, cc_index_t s, cc_index_t off,
                         cc_index_t *lo, cc_index_t *hi)
{
    cc_index_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    cc_index_t b = n_in - off <= 0 ? 0 : (n_in - off + s - 1) / s;
    a = CC_MIN(a, n_out);
    *lo = a;
    *hi = CC_CLAMP(b, a, n_out);
}

/* Per kernel tap: the left-edge offset t * d - pad on each axis and the
 * ranges of outputs that read inside the input. */
typedef struct {
    cc_index_t off[3], lo[3], hi[3];
} tap_window;

static void tap_geometry(const cc_unfold_geom *g, cc_index_t t, tap_window *w)
{
    const cc_index_t kt[3] = {t / (g->k[1] * g->k[2]), t / g->k[2] % g->k[1], t % g->k[2]};
    for (int a = 0; a < 3; ++a) {
        w->off[a] = kt[a] * g->d[a] - g->pad[a];
        inside_range(g->in[a], g->out[a], g->s[a], w->off[a], &w->lo[a], &w->hi[a]);
    }
}

#define CC_DEFINE_UNFOLD(code, sfx, T)                                        \
void cc_unfold_##sfx##__ref CC_UNFOLD_SIGNATURE                               \
{                                                                             \
    const T *xv = x;                                                          \
    T *cv = cols;                                                             \
    const cc_index_t taps = g->k[0] * g->k[1] * g->k[2];                      \
    const cc_index_t H = g->in[1], W = g->in[2];                              \
    const cc_index_t plane = g->in[0] * H * W;                                \
    const cc_index_t OH = g->out[1], OW = g->out[2];                          \
    const cc_index_t sd = g->s[0], sh = g->s[1], sw = g->s[2];                \
    for (cc_index_t r = r0; r < r1; ++r) {                                    \
        tap_window tw;                                                        \
        tap_geometry(g, r % taps, &tw);                                       \
        const T *xc = xv + (r / taps) * plane;                                \
        T *dst = cv + (r - r0) * ld;                                          \
        cc_index_t ow = p0 % OW, oh = p0 / OW % OH, od = p0 / OW / OH;       \
        for (cc_index_t i = 0; i < np;) {                                     \
            const cc_index_t cnt = CC_MIN(OW - ow, np - i);                   \
            T *seg = dst + i;                                                 \
            if (od < tw.lo[0] || od >= tw.hi[0] || oh < tw.lo[1] || oh >= tw.hi[1]) { \
                for (cc_index_t j = 0; j < cnt; ++j)                          \
                    seg[j] = 0;                                               \
            } else {                                                          \
                const T *row = xc + ((od * sd + tw.off[0]) * H + oh * sh + tw.off[1]) * W; \
                const cc_index_t a = CC_CLAMP(tw.lo[2] - ow, (cc_index_t)0, cnt); \
                const cc_index_t b = CC_CLAMP(tw.hi[2] - ow, a, cnt);         \
                const cc_index_t at = ow * sw + tw.off[2];  /* input of j = 0 */ \
                for (cc_index_t j = 0; j < a; ++j)                            \
                    seg[j] = 0;                                               \
                /* Stride 1 a copy; stride 2 a loop the compiler vectorises. */\
                if (sw == 1)                                                  \
                    memcpy(seg + a, row + at + a, (size_t)(b - a) * sizeof(T)); \
                else if (sw == 2)                                             \
                    for (cc_index_t j = a; j < b; ++j)                        \
                        seg[j] = row[at + 2 * j];                             \
                else                                                          \
                    for (cc_index_t j = a; j < b; ++j)                        \
                        seg[j] = row[at + j * sw];                            \
                for (cc_index_t j = b; j < cnt; ++j)                          \
                    seg[j] = 0;                                               \
            }                                                                 \
            /* The next output row: no division per segment. */              \
            i += cnt;                                                         \
            ow = 0;                                                           \
            if (++oh == OH) {                                                 \
                oh = 0;                                                       \
                ++od;                                                         \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}                                                                             \
                                                                              \
void cc_fold_##sfx##__ref CC_FOLD_SIGNATURE                                   \
{                                                                             \
    const T *cv = cols;                                                       \
    T *xv = x;                                                                \
    const cc_index_t taps = g->k[0] * g->k[1] * g->k[2];                      \
    const cc_index_t H = g->in[1], W = g->in[2];                              \
    const cc_index_t plane = g->in[0] * H * W;                                \
    const cc_index_t OH = g->out[1], OW = g->out[2];                          \
    const cc_index_t sd = g->s[0], sh = g->s[1], sw = g->s[2];                \
    for (cc_index_t c = c0; c < c1; ++c) {                                    \
        T *xc = xv + c * plane;                                               \
        memset(xc, 0, (size_t)plane * sizeof(T));                             \
        for (cc_index_t t = 0; t < taps; ++t) {                               \
            tap_window tw;                                                    \
            tap_geometry(g, t, &tw);                                          \
            const T *src = cv + (c * taps + t) * ld;                          \
            for (cc_index_t od = tw.lo[0]; od < tw.hi[0]; ++od)               \
                for (cc_index_t oh = tw.lo[1]; oh < tw.hi[1]; ++oh) {         \
                    T *row = xc + ((od * sd + tw.off[0]) * H + oh * sh + tw.off[1]) * W; \
                    const T *s = src + (od * OH + oh) * OW;                   \
                    if (sw == 1)                                              \
                        for (cc_index_t j = tw.lo[2]; j < tw.hi[2]; ++j)      \
                            row[j + tw.off[2]] += s[j];                       \
                    else                                                      \
                        for (cc_index_t j = tw.lo[2]; j < tw.hi[2]; ++j)      \
                            row[j * sw + tw.off[2]] += s[j];                  \
                }                                                             \
        }                                                                     \
    }                                                                         \
}

CC_UNFOLD_DTYPES(CC_DEFINE_UNFOLD)

cc_unfold_fn cc_unfold_select(cc_dtype dt)
{
#define CC_UNFOLD_CASE(code, sfx, T) if (dt == code) return cc_unfold_##sfx##__ref;
    CC_UNFOLD_DTYPES(CC_UNFOLD_CASE)
#undef CC_UNFOLD_CASE
    return NULL;
}

cc_fold_fn cc_fold_select(cc_dtype dt)
{
#define CC_FOLD_CASE(code, sfx, T) if (dt == code) return cc_fold_##sfx##__ref;
    CC_UNFOLD_DTYPES(CC_FOLD_CASE)
#undef CC_FOLD_CASE
    return NULL;
}
