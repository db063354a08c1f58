"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (7.06e-06, 4.164e-10, 2.42e-10, 1.154e-10, 0),
    ('direct', 'c8'): (4.77e-06, 7.801e-12, 2.007e-10, 5.129e-11, 0),
    ('direct', 'f4'): (4.873e-06, 0, 1.176e-10, 1.936e-11, 0),
    ('direct', 'f8'): (4.665e-06, 2.173e-12, 1.793e-10, 3.617e-11, 0),
    ('direct', 'scalar'): (1.258e-05, 7.391e-10, 2.812e-10, 1.431e-10, 2.745e-10),
    ('fft', 'c16'): (0, 1.679e-05, 5.178e-08, 1.924e-10, 7.145e-10, 7.381e-10),
    ('fft', 'c8'): (0, 1.254e-05, 1.281e-08, 1.116e-10, 3.434e-10, 4.897e-10),
    ('fft', 'f4'): (0, 1.385e-05, 8.898e-10, 5.067e-11, 1.9e-10, 3.162e-10),
    ('fft', 'f8'): (0, 1.261e-05, 1.806e-08, 1.09e-10, 2.843e-10, 4.216e-10),
    ('im2col', 'c16'): (4.049e-05, 1.667e-09, 4.936e-10),
    ('im2col', 'c8'): (2.828e-05, 7.272e-10, 4.972e-10),
    ('im2col', 'f4'): (2.911e-05, 1.895e-10, 1.678e-10),
    ('im2col', 'f8'): (2.702e-05, 5.034e-10, 2.173e-10),
    ('im2col', 'scalar'): (1.385e-05, 1.21e-10, 2.637e-10),
    ('oa', 'c16'): (0.0001031, 3.678e-06, 4.401e-08, 0, 8.397e-10, 6.197e-10),
    ('oa', 'c8'): (6e-05, 6.85e-06, 2.666e-08, 7.084e-10, 3.228e-10, 3.778e-10),
    ('oa', 'f4'): (5.444e-05, 9.005e-06, 2.352e-08, 4.203e-10, 1.712e-10, 1.737e-10),
    ('oa', 'f8'): (4.933e-05, 8.903e-06, 2.819e-08, 1.624e-09, 2.381e-10, 2.436e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
