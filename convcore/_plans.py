"""Plans kept per call signature, for every op family.

Everything before the compiled call (validation, the method 'auto' picks,
a method's geometry) depends only on what the caller puts in its key (the
signal API: function, mode, method, shapes, dtypes), the thread count and
the ISA level.  A plan keeps that work, so a repeated small call costs
little more than its kernel.  The caller decides what may be kept: a plan
whose work also looks at values (scipy's 2**52 rule for integers) or at
the opt-in measured cache (``_wisdom``) is not.
"""
from . import _dispatch
from ._threads import get_num_threads

_plans = {}
_MAX_PLANS = 4096


def _full_key(key):
    return key + (get_num_threads(), _dispatch.isa_level)


def lookup(key):
    """The stored plan for the call signature ``key`` (a tuple), or None."""
    return _plans.get(_full_key(key))


def store(key, plan):
    """Keep ``plan`` for the call signature ``key``."""
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[_full_key(key)] = plan
