"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (1.785e-05, 7.723e-09, 0, 1.119e-09),
    ('direct', 'c8'): (1.697e-05, 3.341e-09, 1.292e-09, 8.757e-10),
    ('direct', 'f4'): (2.083e-05, 0, 1.839e-09, 3.356e-11),
    ('direct', 'f8'): (2.127e-05, 0, 1.484e-09, 1.549e-10),
    ('direct', 'scalar'): (2.61e-05, 1.381e-09, 0, 2.937e-10),
    ('fft', 'c16'): (0.000156, 0, 3.642e-09),
    ('fft', 'c8'): (0.0001504, 3.273e-08, 0),
    ('fft', 'f4'): (0.0001861, 3.062e-08, 0),
    ('fft', 'f8'): (0.0001547, 0, 2.649e-09),
    ('oa', 'c16'): (0.0001771, 1.172e-08, 0),
    ('oa', 'c8'): (0.0002037, 7.071e-09, 0),
    ('oa', 'f4'): (0.0002546, 4.758e-09, 0),
    ('oa', 'f8'): (0.0002309, 7.604e-09, 0),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0.0001504
