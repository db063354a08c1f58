"""The SIMD level kernels run at: the best the CPU has, capped by
``CONVCORE_ISA`` (``scalar``, ``avx2`` or ``avx512``).

The level is passed to every compiled call, which picks its micro-kernel
from it; C code never runs above what the CPU supports, whatever it is
passed.  Tests use :func:`forced_isa` to run every level the CPU supports.
"""
import contextlib
import os
import warnings

from . import _cpu

ISA_NAMES = _cpu.ISA_NAMES
CPU_ISA = _cpu.best_isa()


def _level_from_env():
    name = os.environ.get("CONVCORE_ISA", "").strip().lower()
    if not name:
        return CPU_ISA
    if name not in ISA_NAMES:
        warnings.warn(f"CONVCORE_ISA={name!r} is not one of {ISA_NAMES}; ignored",
                      RuntimeWarning, stacklevel=2)
        return CPU_ISA
    level = ISA_NAMES.index(name)
    if level > CPU_ISA:
        warnings.warn(f"CONVCORE_ISA={name!r} is above this CPU's "
                      f"{ISA_NAMES[CPU_ISA]!r}; ignored", RuntimeWarning, stacklevel=2)
        return CPU_ISA
    return level


isa_level = _level_from_env()


def supported_isas():
    """The ISA names this CPU runs, lowest first."""
    return ISA_NAMES[:CPU_ISA + 1]


@contextlib.contextmanager
def forced_isa(name):
    """Run kernels at ISA ``name`` inside the block (for tests)."""
    global isa_level
    if name not in supported_isas():
        raise ValueError(f"isa must be one of {supported_isas()}, got {name!r}")
    previous = isa_level
    isa_level = ISA_NAMES.index(name)
    try:
        yield
    finally:
        isa_level = previous
