"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-24.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (4.652e-06, 1.745e-10, 2.22e-10, 9.018e-11, 0),
    ('direct', 'c8'): (4.663e-06, 5.014e-13, 1.603e-10, 4.633e-11, 0),
    ('direct', 'f4'): (4.572e-06, 0, 9.136e-11, 1.836e-11, 0),
    ('direct', 'f8'): (4.669e-06, 0, 1.45e-10, 3.416e-11, 0),
    ('direct', 'scalar'): (1.245e-05, 6.273e-10, 2.195e-10, 1.136e-10, 2.234e-10),
    ('fft', 'c16'): (0, 1.421e-05, 2.492e-08, 1.972e-10, 4.067e-10, 7.129e-10),
    ('fft', 'c8'): (0, 1.446e-05, 2.362e-08, 8.875e-11, 2.282e-10, 4.226e-10),
    ('fft', 'f4'): (0, 1.375e-05, 1.36e-08, 4.972e-11, 1.043e-10, 2.979e-10),
    ('fft', 'f8'): (0, 1.411e-05, 2.677e-08, 8.062e-11, 1.645e-10, 3.574e-10),
    ('im2col', 'c16'): (2.688e-05, 1.055e-09, 3.557e-10),
    ('im2col', 'c8'): (2.663e-05, 4.854e-10, 4.014e-10),
    ('im2col', 'f4'): (2.688e-05, 1.607e-10, 1.343e-10),
    ('im2col', 'f8'): (2.645e-05, 3.119e-10, 1.79e-10),
    ('im2col', 'scalar'): (1.378e-05, 1.704e-10, 1.868e-10),
    ('oa', 'c16'): (6.783e-05, 8.378e-06, 2.528e-08, 1.266e-09, 3.819e-10, 5.69e-10),
    ('oa', 'c8'): (7.002e-05, 7.593e-06, 2.157e-08, 6.646e-10, 2.203e-10, 3.894e-10),
    ('oa', 'f4'): (8.051e-05, 7.507e-06, 1.954e-08, 4.309e-10, 9.417e-11, 2.025e-10),
    ('oa', 'f8'): (7.852e-05, 8.604e-06, 2.148e-08, 1.114e-09, 1.583e-10, 2.659e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
