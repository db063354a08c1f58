"""Constants of the cost model of the layer convolutions' weight gradient ``method='auto'`` (``_methods.Registry``).

Written by ``benchmarks/calibrate_nn.py --dweight --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx512, 2 threads,
fitted 2026-12-06.  Units: seconds per feature unit
(features: each method's ``features`` in ``nn._conv_dweight.METHODS``);
rows (method, dtype class).
"""
COSTS = {
    ('direct', 'f4'): (2.158e-05, 1.002e-10, 3.975e-12),
    ('direct', 'f8'): (1.838e-05, 2.668e-10, 8.145e-12),
    ('im2col', 'f4'): (4.045e-05, 2.655e-10, 1.045e-11),
    ('im2col', 'f8'): (3.77e-05, 2.528e-10, 2.086e-11),
}
