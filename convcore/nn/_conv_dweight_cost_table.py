"""Constants of the cost model of the layer convolutions' weight gradient ``method='auto'`` (``_methods.Registry``).

Written by ``benchmarks/calibrate_nn.py --dweight --write``; do not edit by hand.
Machine: AMD EPYC, SIMD level avx512, 2 threads,
fitted 2026-12-06.  Units: seconds per feature unit
(features: each method's ``features`` in ``nn._conv_dweight.METHODS``);
rows (method, dtype class).
"""
COSTS = {
    ('im2col', 'f4'): (3.184e-05, 2.309e-10, 1.003e-11),
    ('im2col', 'f8'): (3.319e-05, 2.478e-10, 2.077e-11),
}
