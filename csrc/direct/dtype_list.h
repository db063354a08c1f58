/* X-macro over every dtype of the direct family:
 *   X(code, suffix, element type, zero, multiply-accumulate)
 * One list, so the templates, the tables and the dispatch cannot drift. */
#ifndef CC_DTYPE_LIST_H
#define CC_DTYPE_LIST_H

#include "dtype_ops.h"

#define CC_DIRECT_DTYPES(X)                                                   \
    X(CC_DT_B,    b,    uint8_t,     0,                    CC_BOOL_MAC)       \
    X(CC_DT_U8,   u8,   uint8_t,     0,                    CC_UINT_MAC)       \
    X(CC_DT_U16,  u16,  uint16_t,    0,                    CC_UINT_MAC)       \
    X(CC_DT_U32,  u32,  uint32_t,    0,                    CC_UINT_MAC)       \
    X(CC_DT_U64,  u64,  uint64_t,    0,                    CC_UINT_MAC)       \
    X(CC_DT_F32,  f32,  float,       0.0f,                 CC_REAL_MAC)       \
    X(CC_DT_F64,  f64,  double,      0.0,                  CC_REAL_MAC)       \
    X(CC_DT_LD,   ld,   long double, 0.0L,                 CC_REAL_MAC)       \
    X(CC_DT_C64,  c64,  cc_c64,      ((cc_c64){0, 0}),     CC_CPLX_MAC)       \
    X(CC_DT_C128, c128, cc_c128,     ((cc_c128){0, 0}),    CC_CPLX_MAC)       \
    X(CC_DT_CLD,  cld,  cc_cld,      ((cc_cld){0, 0}),     CC_CPLX_MAC)

#endif
