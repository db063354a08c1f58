"""Constants of the cost model of the layer convolutions' ``method='auto'``
(``_methods.Registry``).

Written by ``benchmarks/calibrate_nn.py --write``; do not edit by hand.
Units: seconds per feature unit (features: each method's ``features`` in
``nn/_conv_methods.METHODS``); rows (method, dtype class).
"""
COSTS = {
}
