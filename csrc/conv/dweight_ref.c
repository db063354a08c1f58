/* Scalar reference of the layer convolution's weight gradient: plain loops,
 * every tap bounds-checked, obviously correct.  The fallback where no SIMD
 * variant runs and the oracle of the kernel tests. */
#include "conv.h"

#define CC_CONV_DWEIGHT_REF(T, sfx)                                                  \
    void cc_conv_dweight_##sfx CC_CONV_DWEIGHT_REF_SIGNATURE(T)                      \
    {                                                                                \
        const cc_index_t D = p->in[0], H = p->in[1], W = p->in[2];                   \
        const cc_index_t OD = p->out[0], OH = p->out[1], OW = p->out[2];             \
        const cc_index_t KD = p->kernel[0], KH = p->kernel[1], KW = p->kernel[2];    \
        const cc_index_t cig = p->c_in / p->groups, cog = p->c_out / p->groups;      \
        for (cc_index_t o = begin; o < end; ++o) {                                   \
            const cc_index_t c0 = (o / cog) * cig;                                   \
            for (cc_index_t c = 0; c < cig; ++c)                                     \
            for (cc_index_t kd = 0; kd < KD; ++kd)                                   \
            for (cc_index_t kh = 0; kh < KH; ++kh)                                   \
            for (cc_index_t kw = 0; kw < KW; ++kw) {                                 \
                T acc = (T)0;                                                        \
                for (cc_index_t n = 0; n < p->n; ++n) {                              \
                    const T *xc = x + (n * p->c_in + c0 + c) * D * H * W;            \
                    const T *yo = dy + (n * p->c_out + o) * OD * OH * OW;            \
                    for (cc_index_t od = 0; od < OD; ++od) {                         \
                        const cc_index_t id = od * p->stride[0] + kd * p->dilation[0] - p->pad[0]; \
                        if (id < 0 || id >= D)                                       \
                            continue;                                                \
                        for (cc_index_t oh = 0; oh < OH; ++oh) {                     \
                            const cc_index_t ih = oh * p->stride[1] + kh * p->dilation[1] - p->pad[1]; \
                            if (ih < 0 || ih >= H)                                   \
                                continue;                                            \
                            for (cc_index_t ow = 0; ow < OW; ++ow) {                 \
                                const cc_index_t iw = ow * p->stride[2] + kw * p->dilation[2] - p->pad[2]; \
                                if (iw < 0 || iw >= W)                               \
                                    continue;                                        \
                                acc += yo[(od * OH + oh) * OW + ow] * xc[(id * H + ih) * W + iw]; \
                            }                                                        \
                        }                                                            \
                    }                                                                \
                }                                                                    \
                dw[((o * cig + c) * KD + kd) * KH * KW + kh * KW + kw] = acc;        \
            }                                                                        \
        }                                                                            \
    }

CC_CONV_DWEIGHT_REF(float, f32__ref)
CC_CONV_DWEIGHT_REF(double, f64__ref)
