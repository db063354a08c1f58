/* Winograd's method in plain C: the same three kernels as the SIMD
 * variants (contract in winograd.h), one tile at a time, TB = 4 tiles per
 * block and KB = 4 output channels per gemm call (the X-macro row).  Where
 * no SIMD variant runs, this is Winograd's method; elsewhere it is the
 * kernels' test oracle. */
#include "winograd.h"
#include "winograd_coef.h"

enum { REF_TB = 4, REF_KB = 4 };

/* o[i] = sum over j < ni of coef(m, i, j) * d[j * step], i < no. */
static void line(double (*coef)(int, int, int), int m, int no, int ni, const double *d,
                 cc_index_t step, double *o)
{
    for (int i = 0; i < no; ++i) {
        double acc = 0;
        for (int j = 0; j < ni; ++j)
            acc += coef(m, i, j) * d[j * step];
        o[i] = acc;
    }
}

/* The input transform of one tile's patch d[ah][aw] (row stride aw). */
static void input_tile(int mh, int mw, double *d, double *v)
{
    const int ah = mh == 1 ? 1 : mh + 2, aw = mw + 2;
    double tmp[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA];
    for (int a = 0; a < ah; ++a)
        line(cc_wino_bt, mw, aw, aw, d + a * aw, 1, tmp + a * aw);
    for (int nu = 0; nu < aw; ++nu) {
        double col[CC_WINO_MAX_ALPHA];
        if (mh == 1)
            col[0] = tmp[nu];
        else
            line(cc_wino_bt, mh, ah, ah, tmp + nu, aw, col);
        for (int xi = 0; xi < ah; ++xi)
            v[xi * aw + nu] = col[xi];
    }
}

/* The output transform of one tile's m[ah][aw] into y[mh][mw]. */
static void output_tile(int mh, int mw, const double *m, double *y)
{
    const int ah = mh == 1 ? 1 : mh + 2, aw = mw + 2;
    double s[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA];  /* [xi][j] */
    for (int xi = 0; xi < ah; ++xi)
        line(cc_wino_at, mw, mw, aw, m + xi * aw, 1, s + xi * mw);
    for (int j = 0; j < mw; ++j) {
        double col[CC_WINO_MAX_ALPHA];
        if (mh == 1)
            col[0] = s[j];
        else
            line(cc_wino_at, mh, mh, ah, s + j, mw, col);
        for (int i = 0; i < mh; ++i)
            y[i * mw + j] = col[i];
    }
}

/* G f G^T of one filter f[kh][3] (kh 1 when mh is 1) into u[ah][aw]. */
static void filter_tile(int mh, int mw, const double *f, double *u)
{
    const int ah = mh == 1 ? 1 : mh + 2, aw = mw + 2, kh = mh == 1 ? 1 : 3;
    double gh[CC_WINO_MAX_ALPHA * 3];  /* [xi][b] */
    for (int b = 0; b < 3; ++b) {
        double col[CC_WINO_MAX_ALPHA];
        if (mh == 1)
            col[0] = f[b];
        else
            line(cc_wino_g, mh, ah, kh, f + b, 3, col);
        for (int xi = 0; xi < ah; ++xi)
            gh[xi * 3 + b] = col[xi];
    }
    for (int xi = 0; xi < ah; ++xi)
        line(cc_wino_g, mw, aw, 3, gh + xi * 3, 1, u + xi * aw);
}

#define CC_WINO_REF(T, sfx)                                                             \
    void cc_wino_input_##sfx CC_WINO_INPUT_SIGNATURE                                    \
    {                                                                                   \
        const int ah = t->mh == 1 ? 1 : t->mh + 2, aw = t->mw + 2;                      \
        const T *x = (const T *)t->x;                                                   \
        T *v = (T *)t->v;                                                               \
        for (cc_index_t c = 0; c < t->channels; ++c, x += t->x_c)                       \
            for (int q = 0; q < REF_TB; ++q) {                                          \
                double d[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA], tv[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA]; \
                for (int a = 0; a < ah; ++a)                                            \
                    for (int b = 0; b < aw; ++b)                                        \
                        d[a * aw + b] = x[t->offs[q] + a * t->row + b];                 \
                input_tile(t->mh, t->mw, d, tv);                                        \
                for (int p = 0; p < ah * aw; ++p)                                       \
                    v[p * t->v_p + c * REF_TB + q] = (T)tv[p];                          \
            }                                                                           \
    }                                                                                   \
    void cc_wino_gemm_##sfx CC_WINO_GEMM_SIGNATURE                                      \
    {                                                                                   \
        const T *u = (const T *)t->u, *v = (const T *)t->v;                             \
        T *m = (T *)t->m;                                                               \
        for (int r = 0; r < t->kr; ++r)                                                 \
            for (int q = 0; q < REF_TB; ++q) {                                          \
                T acc = 0;                                                              \
                for (cc_index_t c = 0; c < t->channels; ++c)                            \
                    acc += u[r * t->u_k + c] * v[c * REF_TB + q];                       \
                m[r * REF_TB + q] = acc;                                                \
            }                                                                           \
    }                                                                                   \
    void cc_wino_output_##sfx CC_WINO_OUTPUT_SIGNATURE                                  \
    {                                                                                   \
        const int ah = t->mh == 1 ? 1 : t->mh + 2, aw = t->mw + 2;                      \
        const T *m = (const T *)t->m;                                                   \
        const T bias = t->bias ? *(const T *)t->bias : (T)0;                            \
        for (int q = 0; q < REF_TB; ++q) {                                              \
            double mt[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA], y[36];                    \
            for (int p = 0; p < ah * aw; ++p)                                           \
                mt[p] = m[p * t->m_p + q];                                              \
            output_tile(t->mh, t->mw, mt, y);                                           \
            T *dst = (T *)t->out + t->offs[q];                                          \
            for (int i = 0; i < t->rows[q]; ++i)                                        \
                for (int j = 0; j < t->cols[q]; ++j)                                    \
                    dst[i * t->ow + j] = (T)y[i * t->mw + j] + bias;                    \
        }                                                                               \
    }                                                                                   \
    void cc_wino_filter_##sfx CC_WINO_FILTER_SIGNATURE                                  \
    {                                                                                   \
        const int kh = t->mh == 1 ? 1 : 3;                                              \
        const T *w = (const T *)t->w;                                                   \
        for (cc_index_t c = 0; c < t->channels; ++c) {                                  \
            double f[9], u[CC_WINO_MAX_ALPHA * CC_WINO_MAX_ALPHA];                      \
            for (int i = 0; i < kh * 3; ++i)                                            \
                f[i] = w[c * kh * 3 + i];                                               \
            filter_tile(t->mh, t->mw, f, u);                                            \
            for (int p = 0; p < (t->mh == 1 ? 1 : t->mh + 2) * (t->mw + 2); ++p)        \
                ((T *)t->u)[p * t->u_p + c] = (T)u[p];                                  \
        }                                                                               \
    }

CC_WINO_REF(float, f32__ref)
CC_WINO_REF(double, f64__ref)
#undef CC_WINO_REF
