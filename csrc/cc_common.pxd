# Shared declarations of every family's Cython module (csrc/cc_common.h),
# and the one place a C status becomes a Python exception.

cdef extern from "cc_common.h" nogil:
    ctypedef Py_ssize_t cc_index_t
    enum:
        CC_OK
        CC_ENOMEM
        CC_EINVAL
        CC_MAX_NDIM


cdef inline int check_status(int status, str problem, str memory=None) except -1:
    """A C entry point's status as the exception it stands for (the GIL held):
    CC_ENOMEM is MemoryError "convcore: out of memory <memory>" (memory
    defaults to "in <problem>"), any other failure ValueError "convcore:
    invalid <problem> problem"."""
    if status == CC_ENOMEM:
        raise MemoryError(f"convcore: out of memory {memory or 'in ' + problem}")
    if status != CC_OK:
        raise ValueError(f"convcore: invalid {problem} problem")
    return 0
