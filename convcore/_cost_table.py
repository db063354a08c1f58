"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx512, 2 threads,
fitted 2026-12-06.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (9.157e-07, 8.155e-11, 1.402e-10, 3.588e-11, 0),
    ('direct', 'c8'): (8.601e-07, 7.486e-12, 7.972e-11, 1.876e-11, 0),
    ('direct', 'f4'): (8.538e-07, 0, 4.413e-11, 8.176e-12, 0),
    ('direct', 'f8'): (8.499e-07, 1.811e-11, 6.584e-11, 1.561e-11, 0),
    ('direct', 'scalar'): (6.119e-06, 2.128e-10, 2.21e-10, 8.296e-11, 1.248e-10),
    ('fft', 'c16'): (0, 7.04e-06, 7.844e-09, 1.155e-10, 3.088e-10, 4.296e-10),
    ('fft', 'c8'): (0, 7.153e-06, 8.432e-09, 4.703e-11, 1.424e-10, 2.497e-10),
    ('fft', 'f4'): (0, 7.11e-06, 8.264e-09, 2.384e-11, 6.703e-11, 1.307e-10),
    ('fft', 'f8'): (0, 7.237e-06, 1.097e-08, 4.648e-11, 1.227e-10, 2.064e-10),
    ('im2col', 'c16'): (1.073e-05, 5.851e-10, 2.345e-10),
    ('im2col', 'c8'): (1.056e-05, 1.937e-10, 1.928e-10),
    ('im2col', 'f4'): (1.054e-05, 6.521e-11, 6.829e-11),
    ('im2col', 'f8'): (1.061e-05, 1.487e-10, 1.128e-10),
    ('im2col', 'scalar'): (7.152e-06, 0, 1.483e-10),
    ('oa', 'c16'): (2.455e-05, 2.843e-06, 1.753e-08, 8.995e-10, 2.6e-10, 3.144e-10),
    ('oa', 'c8'): (2.303e-05, 3.207e-06, 1.319e-08, 4.346e-10, 1.124e-10, 2.08e-10),
    ('oa', 'f4'): (2.612e-05, 2.987e-06, 1.196e-08, 5.27e-10, 4.439e-11, 7.825e-11),
    ('oa', 'f8'): (2.908e-05, 2.658e-06, 1.519e-08, 7.151e-10, 1.11e-10, 1.329e-10),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
