"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-24.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (4.674e-06, 1.637e-10, 2.257e-10, 9.121e-11, 0),
    ('direct', 'c8'): (4.82e-06, 0, 1.411e-10, 4.777e-11, 0),
    ('direct', 'f4'): (4.7e-06, 0, 8.392e-11, 1.887e-11, 0),
    ('direct', 'f8'): (4.645e-06, 0, 1.417e-10, 3.461e-11, 0),
    ('direct', 'scalar'): (1.268e-05, 6.536e-10, 2.391e-10, 1.169e-10, 2.238e-10),
    ('fft', 'c16'): (0, 1.388e-05, 1.977e-08, 1.992e-10, 4.417e-10, 7.419e-10),
    ('fft', 'c8'): (0, 1.41e-05, 1.251e-08, 7.978e-11, 2.519e-10, 5.036e-10),
    ('fft', 'f4'): (0, 1.387e-05, 1.322e-08, 3.739e-11, 1.08e-10, 2.922e-10),
    ('fft', 'f8'): (0, 1.408e-05, 2.355e-08, 8.599e-11, 1.741e-10, 3.639e-10),
    ('im2col', 'c16'): (2.678e-05, 1.086e-09, 3.554e-10),
    ('im2col', 'c8'): (2.656e-05, 4.614e-10, 4.006e-10),
    ('im2col', 'f4'): (2.719e-05, 1.318e-10, 1.351e-10),
    ('im2col', 'f8'): (2.653e-05, 3.09e-10, 1.833e-10),
    ('im2col', 'scalar'): (1.369e-05, 5.052e-11, 2.291e-10),
    ('oa', 'c16'): (6.865e-05, 7.956e-06, 2.684e-08, 8.508e-10, 4.163e-10, 5.852e-10),
    ('oa', 'c8'): (7.6e-05, 6.129e-06, 2.383e-08, 2.013e-10, 2.538e-10, 4.188e-10),
    ('oa', 'f4'): (8.219e-05, 7.145e-06, 2.04e-08, 4.537e-10, 1.017e-10, 1.944e-10),
    ('oa', 'f8'): (8.263e-05, 7.603e-06, 2.354e-08, 9.524e-10, 1.653e-10, 2.715e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
