"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (1.004e-05, 3.804e-10, 2.8e-10, 1.101e-10, 9.208e-10),
    ('direct', 'c8'): (1.586e-05, 1.745e-10, 1.35e-10, 6.136e-11, 7.662e-10),
    ('direct', 'f4'): (1.3e-05, 6.422e-11, 4.968e-11, 2.17e-11, 5.361e-10),
    ('direct', 'f8'): (1.024e-05, 1.361e-10, 1.261e-10, 3.452e-11, 5.319e-10),
    ('direct', 'scalar'): (9.367e-06, 1.015e-09, 8.244e-11, 1.641e-10, 3.128e-10),
    ('fft', 'c16'): (1.119e-05, 2.606e-05, 3.645e-08, 2.516e-10, 8.488e-10, 7.715e-10),
    ('fft', 'c8'): (1.522e-05, 4.478e-05, 8.362e-08, 1.351e-10, 4.302e-10, 9.613e-10),
    ('fft', 'f4'): (1.221e-05, 4.522e-05, 3.174e-08, 5.66e-11, 1.786e-10, 7.816e-10),
    ('fft', 'f8'): (1.086e-05, 2.857e-05, 4.183e-08, 1.092e-10, 3.919e-10, 6.442e-10),
    ('im2col', 'c16'): (3.022e-05, 1.656e-09, 5.767e-10),
    ('im2col', 'c8'): (4.536e-05, 8.757e-10, 4.757e-10),
    ('im2col', 'f4'): (4.25e-05, 1.681e-10, 1.479e-10),
    ('im2col', 'f8'): (3.114e-05, 5.582e-10, 2.433e-10),
    ('im2col', 'scalar'): (1.08e-05, 1.289e-10, 3.255e-10),
    ('oa', 'c16'): (0, 4.991e-05, 4.384e-08, 4.608e-09, 5.991e-10, 4.415e-10),
    ('oa', 'c8'): (8.454e-05, 4.557e-05, 3.53e-08, 3.92e-09, 2.905e-10, 2.27e-09),
    ('oa', 'f4'): (0.0001018, 4.065e-05, 2.552e-08, 2.88e-09, 2.432e-11, 1.802e-09),
    ('oa', 'f8'): (0, 5.017e-05, 2.463e-08, 4.137e-09, 2.708e-10, 6.635e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
