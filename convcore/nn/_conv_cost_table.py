"""Constants of the cost model of the layer convolutions' ``method='auto'`` (``_methods.Registry``).

Written by ``benchmarks/calibrate_nn.py --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx512, 2 threads,
fitted 2026-12-06.  Units: seconds per feature unit
(features: each method's ``features`` in ``nn._conv_methods.METHODS``);
rows (method, dtype class).
"""
COSTS = {
    ('direct', 'f4'): (4.038e-05, 9.368e-11, 4.064e-12, 2.098e-12),
    ('direct', 'f8'): (1.738e-05, 2.175e-10, 9.241e-12, 1.927e-12),
    ('fft', 'f4'): (0.0002013, 0, 0, 7.37e-09),
    ('fft', 'f8'): (0.0001749, 0, 0, 1.145e-08),
}
