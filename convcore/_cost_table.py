"""Constants of the cost model of ``method='auto'`` (``_methods.estimate``).

Written by ``benchmarks/calibrate.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx2, 2 threads,
fitted 2026-11-23.  Units: seconds per feature unit
(features: ``_methods.FEATURES``); rows (method, dtype class).
"""
THREADS = 2

COSTS = {
    ('direct', 'c16'): (1.009e-05, 4.619e-10, 1.118e-10, 1.156e-10, 8.608e-10),
    ('direct', 'c8'): (1.023e-05, 1.221e-10, 1.078e-10, 5.742e-11, 7.713e-10),
    ('direct', 'f4'): (1.539e-05, 8.243e-11, 6.69e-11, 1.997e-11, 5.64e-10),
    ('direct', 'f8'): (1.663e-05, 1.298e-10, 1.543e-10, 3.568e-11, 5.735e-10),
    ('direct', 'scalar'): (9.277e-06, 7.868e-10, 1.996e-10, 1.316e-10, 2.455e-10),
    ('fft', 'c16'): (1.028e-05, 4.177e-05, 1.208e-08, 2.717e-10, 7.721e-10, 1.628e-09),
    ('fft', 'c8'): (1.118e-05, 3.846e-05, 5.879e-08, 1.329e-10, 3.599e-10, 1.43e-09),
    ('fft', 'f4'): (1.441e-05, 5.725e-05, 3.727e-08, 7.008e-11, 2.019e-10, 2.356e-09),
    ('fft', 'f8'): (1.635e-05, 5.409e-05, 8.544e-08, 1.8e-10, 3.045e-10, 9.992e-10),
    ('im2col', 'c16'): (3.141e-05, 1.578e-09, 5.196e-10),
    ('im2col', 'c8'): (3.017e-05, 8.273e-10, 3.911e-10),
    ('im2col', 'f4'): (4.715e-05, 2.953e-10, 1.681e-10),
    ('im2col', 'f8'): (4.749e-05, 8.075e-10, 2.637e-10),
    ('im2col', 'scalar'): (1.064e-05, 1.399e-10, 2.908e-10),
    ('oa', 'c16'): (0, 5.668e-05, 1.83e-08, 9.581e-09, 2.221e-10, 1.435e-09),
    ('oa', 'c8'): (0, 5.259e-05, 2.987e-08, 2.426e-09, 3.038e-10, 1.433e-09),
    ('oa', 'f4'): (0.000115, 3.768e-05, 2.172e-08, 3.498e-09, 8.643e-11, 2.572e-09),
    ('oa', 'f8'): (0, 7.309e-05, 5.423e-08, 7.952e-11, 4.69e-10, 2.91e-09),
}

# The smallest fixed cost of a method other than 'direct': a problem the
# direct method finishes sooner goes to it without modelling the others.
MIN_FIXED_S = 0
