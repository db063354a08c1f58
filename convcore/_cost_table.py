"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (5.107e-06, 4.083e-10, 3.966e-10, 1.395e-10, 0),
    ('direct', 'c8'): (8.315e-06, 0, 3.05e-10, 7.09e-11, 0),
    ('direct', 'f4'): (5.065e-06, 0, 1.181e-10, 2.601e-11, 0),
    ('direct', 'f8'): (5.119e-06, 0, 2.382e-10, 4.363e-11, 0),
    ('direct', 'scalar'): (1.864e-05, 1.065e-09, 2.997e-10, 1.818e-10, 3.728e-10),
    ('fft', 'c16'): (0, 1.346e-05, 1.033e-07, 3.002e-10, 8.485e-10, 1.498e-09),
    ('fft', 'c8'): (0, 2.099e-05, 8.45e-08, 1.49e-10, 4.19e-10, 1.086e-09),
    ('fft', 'f4'): (0, 1.279e-05, 4.547e-08, 5.75e-11, 1.895e-10, 5.508e-10),
    ('fft', 'f8'): (0, 1.312e-05, 5.651e-08, 1.269e-10, 3.851e-10, 5.726e-10),
    ('im2col', 'c16'): (3.097e-05, 1.955e-09, 6.66e-10),
    ('im2col', 'c8'): (5.146e-05, 1.125e-09, 8.55e-10),
    ('im2col', 'f4'): (3.245e-05, 1.962e-10, 2.392e-10),
    ('im2col', 'f8'): (3.118e-05, 7.057e-10, 2.872e-10),
    ('im2col', 'scalar'): (1.957e-05, 1.097e-10, 4.13e-10),
    ('oa', 'c16'): (0, 3.344e-05, 5.052e-08, 2.484e-09, 8.274e-10, 3.604e-09),
    ('oa', 'c8'): (0, 5.156e-05, 3.811e-08, 1.648e-09, 3.697e-10, 1.881e-09),
    ('oa', 'f4'): (0, 3.121e-05, 3.01e-08, 1.55e-09, 1.089e-10, 1.679e-09),
    ('oa', 'f8'): (0, 3.371e-05, 3.927e-08, 1.68e-09, 2.988e-10, 2.594e-09),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
