# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""CPU features and OpenMP availability, as the compiled code sees them."""
from cc_cpu cimport CC_ISA_COUNT, cc_cpu_best_isa, cc_isa, cc_isa_name
from cc_openmp cimport CC_OPENMP_VERSION

#: ISA level names, lowest first; the index is the level passed to kernels.
ISA_NAMES = tuple(cc_isa_name(<cc_isa>i).decode() for i in range(CC_ISA_COUNT))


def best_isa():
    """The highest ISA level this CPU supports, as an index into ISA_NAMES."""
    return <int>cc_cpu_best_isa()


def openmp_version():
    """The OpenMP version date (e.g. 201511) the extensions were built with, or 0."""
    return CC_OPENMP_VERSION
