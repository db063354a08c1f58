/* Pooling (max, average, their gradients, max unpooling): the contract every
 * variant of the family meets.
 *
 * Every rank is run as 3-D: a plane is (D, H, W), C-contiguous, and the
 * planes (batch x channel) follow each other; a 1-D or 2-D problem has
 * extent 1 (kernel 1, stride 1) on its missing leading axes.
 *
 * The window geometry is dtype-independent and computed once, in Python
 * (convcore/nn/_window.py), for forward and backward alike: per axis and
 * output index o, the first input index of the window that lies inside the
 * input, how many taps (step `dilation`) lie inside, and the average-pool
 * divisor factor of that axis.  The C code never re-derives padding or
 * ceil_mode rules.
 *
 * Max rule (torch's CPU kernels): taps are visited in row-major order
 * starting from max = -inf, index = the first tap, and a tap is taken when
 * v > max or v is NaN.  So among equal maxima the first wins, among NaNs
 * the last, and an all -inf window reports its first tap.  Indices are flat
 * per plane: (d * H + h) * W + w.
 */
#ifndef CC_POOL_H
#define CC_POOL_H

#include "cc_common.h"
#include "cc_cpu.h"
#include "cc_dispatch.h"
#include "cc_dtype.h"
#include "cc_parallel.h"

/* Element types: CC_DT_F32 and CC_DT_F64 of cc_dtype.h. */
#define CC_POOL_DTYPE_SET (CC_DT_BIT(CC_DT_F32) | CC_DT_BIT(CC_DT_F64))

typedef struct {
    cc_index_t in, out;                    /* extents */
    cc_index_t kernel, stride, dilation;
    /* Interior outputs [lo, hi): every tap inside the input and
     * first[o] = first[lo] + (o - lo) * stride.  Empty (lo == hi) when
     * windows are irregular (adaptive pooling). */
    cc_index_t lo, hi;
    const cc_index_t *first;               /* [out] first tap inside */
    const cc_index_t *count;               /* [out] taps inside, >= 0 */
    const cc_index_t *fac;                 /* [out] divisor factor (avg) */
} cc_pool_axis;

typedef struct {
    cc_index_t planes;                     /* batch x channels */
    cc_pool_axis ax[3];                    /* D, H, W */
    cc_index_t divisor;                    /* != 0: divisor_override, else the
                                              product of the fac of each axis */
} cc_pool_problem;

/* Row micro-kernels.  With input row r of a window row at x + xoff[r]:
 *   max:  out[i] = max_{r < nrows, j < k} x[xoff[r] + i*s + j*d]   (the max
 *         rule above); idx[i] = the offset xoff[r] + i*s + j*d it came from
 *   avg:  out[i] = (sum_{r, j} x[xoff[r] + i*s + j*d]) / divisor, summed in
 *         r-major, j order (torch's order)
 * for 0 <= i < n, every tap inside the input.  They return how many
 * outputs they computed (the first ones): SIMD variants all n when
 * n >= lanes, else 0; the scalar reference all n.  A stride-2 variant may read one element past
 * the last tap of output n-1 (the driver guarantees it is in the row). */
#define CC_MAXPOOL_ROW_SIGNATURE(T) \
    (const T *x, const cc_index_t *xoff, cc_index_t nrows, cc_index_t k, \
     cc_index_t s, cc_index_t d, cc_index_t n, T *out)
#define CC_MAXPOOL_ROW_IDX_SIGNATURE(T) \
    (const T *x, const cc_index_t *xoff, cc_index_t nrows, cc_index_t k, \
     cc_index_t s, cc_index_t d, cc_index_t n, T *out, int64_t *idx)
#define CC_AVGPOOL_ROW_SIGNATURE(T) \
    (const T *x, const cc_index_t *xoff, cc_index_t nrows, cc_index_t k, \
     cc_index_t s, cc_index_t d, cc_index_t n, T divisor, T *out)
/* Max pooling of the outputs [a, b) of a row over a regular axis, edges
 * included: output i's taps are the columns vs0 + i*s + j*d (j < k) that lie
 * in [0, in), visited as the reference visits them (rows, then j), idx the
 * flat offset xoff[r] + column (NULL: values only), starting from
 * xoff[0] + first[i] (the axis table: output i's first tap inside).  x is
 * the plane, xoff[r] the plane offset of input row r; every output has at
 * least one tap inside and nrows >= 1.  Column arithmetic is 32-bit: the
 * driver keeps in + k*d + (b + 64)*s + |vs0| under 2**30.  SIMD variants with
 * masked loads only (AVX-512): out-of-row columns are never read, so a
 * clipped window costs what an interior one does, in the same tiles,
 * instead of a scalar pass per edge output. */
#define CC_MAXPOOL_EDGE_SIGNATURE(T) \
    (const T *x, const cc_index_t *xoff, cc_index_t nrows, cc_index_t k, \
     cc_index_t s, cc_index_t d, cc_index_t a, cc_index_t b, cc_index_t vs0, \
     cc_index_t in, const cc_index_t *first, T *out, int64_t *idx)
/* Plane means (global average pooling): out[p] = (sum of x[p*n .. p*n + n))
 * / divisor for p < planes, summed in any order. */
#define CC_PLANE_MEANS_SIGNATURE(T) \
    (const T *x, cc_index_t n, cc_index_t planes, T divisor, T *out)

/* X-macro list of the variants: (isa, dtype code, C type, name suffix).
 * Each row names four kernels: cc_maxpool_row_<sfx>, cc_maxpool_row_idx_<sfx>,
 * cc_avgpool_row_<sfx>, cc_plane_means_<sfx> (sfx = <dtype>__<isa>). */
#define CC_POOL_VARIANTS(X) \
    X(CC_ISA_SCALAR, CC_DT_F32, float,  f32__ref)    \
    X(CC_ISA_SCALAR, CC_DT_F64, double, f64__ref)    \
    CC_POOL_SIMD_VARIANTS(X)

#if CC_HAVE_X86_KERNELS
#define CC_POOL_SIMD_VARIANTS(X) \
    X(CC_ISA_AVX2,   CC_DT_F32, float,  f32__avx2)   \
    X(CC_ISA_AVX2,   CC_DT_F64, double, f64__avx2)   \
    X(CC_ISA_AVX512, CC_DT_F32, float,  f32__avx512) \
    X(CC_ISA_AVX512, CC_DT_F64, double, f64__avx512)
#else
#define CC_POOL_SIMD_VARIANTS(X)
#endif

#define CC_POOL_DECLARE(isa, dt, T, sfx)                          \
    cc_index_t cc_maxpool_row_##sfx CC_MAXPOOL_ROW_SIGNATURE(T);         \
    cc_index_t cc_maxpool_row_idx_##sfx CC_MAXPOOL_ROW_IDX_SIGNATURE(T); \
    cc_index_t cc_avgpool_row_##sfx CC_AVGPOOL_ROW_SIGNATURE(T);         \
    void cc_plane_means_##sfx CC_PLANE_MEANS_SIGNATURE(T);
CC_POOL_VARIANTS(CC_POOL_DECLARE)
#undef CC_POOL_DECLARE
#if CC_HAVE_X86_KERNELS
cc_index_t cc_maxpool_edge_f32__avx512 CC_MAXPOOL_EDGE_SIGNATURE(float);
cc_index_t cc_maxpool_edge_f64__avx512 CC_MAXPOOL_EDGE_SIGNATURE(double);
#endif

/* Config: the kernels of one dtype at the highest level <= isa (and <= the
 * CPU's) that has them; NULL for a dtype outside CC_POOL_DTYPE_SET. */
typedef struct {
    cc_isa isa;
    cc_fnptr max_row, max_row_idx, avg_row, plane_means;
    cc_fnptr max_edge;      /* CC_MAXPOOL_EDGE_SIGNATURE, or NULL */
} cc_pool_kernels;
const cc_pool_kernels *cc_pool_select(cc_dtype dt, cc_isa isa);

/* Operators.  x, out, grads: C-contiguous (planes, D, H, W) arrays of the
 * problem's extents.  isa caps the kernel level; num_threads >= 1.  Return
 * CC_OK or CC_EINVAL. */
int cc_maxpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                  void *out, int64_t *idx /* NULL: values only */, cc_isa isa,
                  int num_threads);
int cc_avgpool_nd(cc_dtype dt, const cc_pool_problem *p, const void *x,
                  void *out, cc_isa isa, int num_threads);
/* dL/dx: grad_in (planes, D, H, W) is written whole.  Each thread owns whole
 * planes, so overlapping windows accumulate in a fixed order. */
int cc_maxpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                      const void *x, const void *grad_out, void *grad_in,
                      cc_isa isa, int num_threads);
int cc_avgpool_nd_bwd(cc_dtype dt, const cc_pool_problem *p,
                      const void *grad_out, void *grad_in, int num_threads);
/* out[plane][idx[plane][i]] = x[plane][i] on a zeroed out of out_plane
 * elements per plane (later duplicates win, as torch).  An index outside
 * [0, out_plane) returns CC_EINVAL with the first such (in memory order) in
 * *bad. */
int cc_maxunpool(cc_dtype dt, cc_index_t planes, cc_index_t in_plane,
                 cc_index_t out_plane, const void *x, const int64_t *idx,
                 void *out, int num_threads, int64_t *bad);

#endif
