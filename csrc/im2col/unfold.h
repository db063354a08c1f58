/* Layer unfold (im2col) and fold (col2im): the contract of the column
 * kernels shared by convcore.nn.unfold / fold and the 'im2col' method of
 * the layer convolutions.
 *
 * Every rank runs as 3-D (a missing leading axis has extent 1, kernel 1,
 * stride 1, padding 0).  A channel is a C-contiguous (D, H, W) plane; the
 * channels of an image follow each other.  The column matrix has one row
 * per (channel, kernel tap) and one column per window position, in torch's
 * order (torch.nn.functional.unfold):
 *
 *   row r = c * KD*KH*KW + (kd * KH + kh) * KW + kw,
 *   column p = (od * OH + oh) * OW + ow,
 *   cols[r, p] = x[c, od*sd + kd*dd - pd, oh*sh + kh*dh - ph, ow*sw + kw*dw - pw]
 *
 * with x zero outside its plane (implicit zero padding: pad on the left;
 * the right side is whatever the last window reaches).  Along W at stride 1
 * each row of a window row is one contiguous copy of an input row, with
 * zeros where the window hangs over either end.
 */
#ifndef CC_UNFOLD_H
#define CC_UNFOLD_H

#include "cc_common.h"
#include "cc_dtype.h"

/* Element types: the float types of the layer ops (fold adds, so the list
 * is not every code of cc_dtype.h).  X(code, suffix, element type). */
#define CC_UNFOLD_DTYPES(X) X(CC_DT_F32, f32, float) X(CC_DT_F64, f64, double)
#define CC_UNFOLD_DTYPE_SET (CC_DT_BIT(CC_DT_F32) | CC_DT_BIT(CC_DT_F64))

typedef struct {
    cc_index_t in[3];               /* D, H, W of a channel plane, >= 1 */
    cc_index_t out[3];              /* the window grid OD, OH, OW, >= 1 */
    cc_index_t k[3], s[3], d[3];    /* kernel, stride, dilation, >= 1 */
    cc_index_t pad[3];              /* left zero padding, >= 0 */
} cc_unfold_geom;

/* Unfold: rows [r0, r1) and columns [p0, p0 + np) of the column matrix of
 * the channels at x (channel c at x + c * D*H*W), written to
 * cols[(r - r0) * ld + (p - p0)] (ld >= np).  Reads only inside x; writes
 * the block whole (padding as zeros) and nothing else.  Requires
 * 0 <= r0 < r1, 0 <= p0, np >= 1, p0 + np <= OD*OH*OW. */
#define CC_UNFOLD_SIGNATURE                                                   \
    (const cc_unfold_geom *g, const void *x, cc_index_t r0, cc_index_t r1,    \
     cc_index_t p0, cc_index_t np, cc_index_t ld, void *cols)

/* Fold, the adjoint: channels [c0, c1) of x (layout as above) set to
 *   x[c, i] = sum of cols[r, p] over the (r, p) of channel c that unfold
 * reads from i (0 where none), cols the whole column matrix (row r at
 * cols + r * ld, ld >= OD*OH*OW).  Each element is summed in one fixed
 * order (kernel taps in row order, then positions in order, as torch's
 * col2im), so splitting channels among threads changes nothing.  Writes
 * exactly channels [c0, c1) of x. */
#define CC_FOLD_SIGNATURE                                                     \
    (const cc_unfold_geom *g, const void *cols, cc_index_t ld, cc_index_t c0, \
     cc_index_t c1, void *x)

typedef void (*cc_unfold_fn) CC_UNFOLD_SIGNATURE;
typedef void (*cc_fold_fn) CC_FOLD_SIGNATURE;

#define CC_DECLARE_UNFOLD(code, sfx, T)                                       \
    void cc_unfold_##sfx##__ref CC_UNFOLD_SIGNATURE;                          \
    void cc_fold_##sfx##__ref CC_FOLD_SIGNATURE;
CC_UNFOLD_DTYPES(CC_DECLARE_UNFOLD)
#undef CC_DECLARE_UNFOLD

/* The kernels of a dtype code; NULL for a code outside CC_UNFOLD_DTYPE_SET. */
cc_unfold_fn cc_unfold_select(cc_dtype dt);
cc_fold_fn cc_fold_select(cc_dtype dt);

#endif
