from cc_common cimport cc_index_t
from cc_direct cimport cc_corr_problem
from cc_dtype cimport cc_dtype

cdef extern from "im2col/im2col.h" nogil:
    enum:
        CC_IM2COL_DTYPE_SET
    ctypedef void (*cc_im2col_fn)(const cc_corr_problem *p, const void *x, cc_index_t o0,
                                  cc_index_t m, cc_index_t t0, cc_index_t kc, cc_index_t ld,
                                  void *patch) noexcept nogil
    ctypedef void (*cc_matvec_fn)(cc_index_t m, cc_index_t kc, const void *patch,
                                  cc_index_t ld, const void *w, int accumulate,
                                  void *y) noexcept nogil
    cc_im2col_fn cc_im2col_select(cc_dtype dt)
    cc_matvec_fn cc_im2col_matvec_select(cc_dtype dt)
    size_t cc_im2col_elem_size(cc_dtype dt)

cdef extern from "im2col/unfold.h" nogil:
    enum:
        CC_UNFOLD_DTYPE_SET
    ctypedef struct cc_unfold_geom:
        cc_index_t inp "in"[3]
        cc_index_t out[3]
        cc_index_t k[3]
        cc_index_t s[3]
        cc_index_t d[3]
        cc_index_t pad[3]
    ctypedef void (*cc_unfold_fn)(const cc_unfold_geom *g, const void *x, cc_index_t r0,
                                  cc_index_t r1, cc_index_t p0, cc_index_t np, cc_index_t ld,
                                  void *cols) noexcept nogil
    ctypedef void (*cc_fold_fn)(const cc_unfold_geom *g, const void *cols, cc_index_t ld,
                                cc_index_t c0, cc_index_t c1, void *x) noexcept nogil
    cc_unfold_fn cc_unfold_select(cc_dtype dt)
    cc_fold_fn cc_fold_select(cc_dtype dt)
