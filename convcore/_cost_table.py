"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (8.457e-06, 5.477e-10, 4.264e-10, 1.362e-10, 0),
    ('direct', 'c8'): (8.585e-06, 2.397e-11, 2.631e-10, 7.021e-11, 0),
    ('direct', 'f4'): (9.714e-06, 0, 1.143e-10, 2.778e-11, 0),
    ('direct', 'f8'): (5.345e-06, 0, 2.392e-10, 4.172e-11, 0),
    ('direct', 'scalar'): (2.596e-05, 1.087e-09, 9.797e-11, 1.625e-10, 3.733e-10),
    ('fft', 'c16'): (0, 2.105e-05, 0, 3.305e-10, 8.698e-10, 1.259e-09),
    ('fft', 'c8'): (0, 2.341e-05, 2.941e-08, 1.151e-10, 4.932e-10, 7.301e-10),
    ('fft', 'f4'): (0, 2.485e-05, 0, 4.916e-11, 2.382e-10, 4.805e-10),
    ('fft', 'f8'): (0, 1.47e-05, 1.417e-08, 1.228e-10, 3.884e-10, 4.91e-10),
    ('im2col', 'c16'): (5.064e-05, 2.005e-09, 6.428e-10),
    ('im2col', 'c8'): (4.802e-05, 1.15e-09, 7.616e-10),
    ('im2col', 'f4'): (5.184e-05, 2.22e-10, 2.548e-10),
    ('im2col', 'f8'): (3.316e-05, 6.101e-10, 2.808e-10),
    ('im2col', 'scalar'): (2.799e-05, 1.213e-10, 2.933e-10),
    ('oa', 'c16'): (0.0001067, 7.691e-06, 2.978e-08, 3.159e-09, 7.743e-10, 8.721e-10),
    ('oa', 'c8'): (1.487e-05, 2.982e-05, 2.336e-08, 2.715e-09, 3.702e-10, 5.483e-10),
    ('oa', 'f4'): (0.0001561, 0, 2.237e-08, 2.069e-09, 1.455e-10, 1.722e-10),
    ('oa', 'f8'): (4.248e-05, 1.625e-05, 3.163e-08, 2.271e-09, 2.936e-10, 1.844e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
