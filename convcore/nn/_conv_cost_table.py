"""Constants of the cost model of the layer convolutions' ``method='auto'`` (``_methods.Registry``).

Written by ``benchmarks/calibrate_nn.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx512, 2 threads,
fitted 2026-12-06.  Units: seconds per feature unit
(features: each method's ``features`` in ``nn._conv_methods.METHODS``);
rows (method, dtype class).
"""
COSTS = {
    ('direct', 'f4'): (1.499e-05, 1.159e-10, 4.382e-12, 1.832e-12),
    ('direct', 'f8'): (1.552e-05, 1.929e-10, 1.004e-11, 1.512e-12),
    ('fft', 'f4'): (6.849e-05, 0, 7.141e-11, 7.277e-09),
    ('fft', 'f8'): (6.877e-05, 0, 1.629e-10, 1.195e-08),
    ('im2col', 'f4'): (3.184e-05, 2.309e-10, 1.003e-11),
    ('im2col', 'f8'): (3.319e-05, 2.478e-10, 2.077e-11),
    ('winograd', 'f4'): (1.859e-05, 3.738e-12, 0, 7.81e-11, 4.564e-10, 6.726e-10),
    ('winograd', 'f8'): (1.373e-05, 7.52e-12, 1.051e-10, 2.14e-10, 3.856e-10, 4.501e-10),
}
