"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (9.173e-06, 3.977e-10, 1.426e-10, 8.636e-11, 6.943e-10),
    ('direct', 'c8'): (9.245e-06, 1.717e-10, 6.435e-11, 4.662e-11, 6.098e-10),
    ('direct', 'f4'): (9.185e-06, 5.469e-11, 5.299e-11, 1.756e-11, 5.18e-10),
    ('direct', 'f8'): (9.736e-06, 1.312e-10, 7.865e-11, 3.6e-11, 5.214e-10),
    ('direct', 'scalar'): (9.497e-06, 6.494e-10, 2.141e-10, 1.167e-10, 2.17e-10),
    ('fft', 'c16'): (9.461e-06, 2.632e-05, 4.44e-08, 2.351e-10, 5.176e-10, 1.14e-09),
    ('fft', 'c8'): (9.334e-06, 2.628e-05, 3.061e-08, 1.092e-10, 2.577e-10, 1.013e-09),
    ('fft', 'f4'): (9.92e-06, 2.456e-05, 4.736e-08, 5.82e-11, 1.066e-10, 1.66e-09),
    ('fft', 'f8'): (1.008e-05, 2.694e-05, 2.617e-08, 1.034e-10, 2.76e-10, 7.195e-10),
    ('im2col', 'c16'): (2.854e-05, 1.408e-09, 3.802e-10),
    ('im2col', 'c8'): (2.862e-05, 6.086e-10, 2.842e-10),
    ('im2col', 'f4'): (2.969e-05, 2.172e-10, 1.058e-10),
    ('im2col', 'f8'): (3.038e-05, 4.469e-10, 2.102e-10),
    ('im2col', 'scalar'): (1.082e-05, 9.914e-11, 2.397e-10),
    ('oa', 'c16'): (2.195e-06, 4.698e-05, 2.851e-08, 3.435e-09, 3.685e-10, 8.297e-10),
    ('oa', 'c8'): (1.536e-05, 4.229e-05, 2e-08, 3.289e-09, 9.995e-11, 1.055e-09),
    ('oa', 'f4'): (1.334e-05, 4.333e-05, 2.438e-08, 1.55e-09, 5.239e-11, 2.34e-09),
    ('oa', 'f8'): (0, 5.05e-05, 3.092e-08, 2.609e-09, 1.94e-10, 1.609e-09),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
