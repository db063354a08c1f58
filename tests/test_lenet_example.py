"""examples/lenet_digits.py: a shortened training run in a child process,
and the example's backward pass against finite differences."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import child_env

pytest.importorskip("sklearn")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "lenet_digits.py"
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+) loss (\d+\.\d+) ")
LAST_LINE = re.compile(r"^test accuracy: (\d+\.\d)%$")


def test_short_training_run(tmp_path):
    """500 training images, 3 epochs, run from a folder outside the repo:
    the loss falls every epoch and the test accuracy beats chance (10%)
    by far."""
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--train-size", "500",
                           "--epochs", "3", "--seed", "0"],
                          cwd=tmp_path, env=child_env(), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    losses = [float(m.group(3)) for m in map(EPOCH_LINE.match, lines) if m]
    assert len(losses) == 3, proc.stdout
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses
    assert "confusion matrix (rows: true, columns: predicted)" in proc.stdout
    last = LAST_LINE.match(lines[-1])
    assert last, lines[-1]
    assert float(last.group(1)) > 60, proc.stdout


def _load_example():
    spec = importlib.util.spec_from_file_location("lenet_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backward_matches_finite_differences():
    """Every parameter's gradient (float64) at a few entries against central
    differences of the loss."""
    lenet = _load_example()
    rng = np.random.default_rng(3)
    params = {k: v.astype(np.float64) for k, v in lenet.init_params(rng).items()}
    x = rng.standard_normal((5, 1, 8, 8))
    y = rng.integers(0, 10, 5)

    def loss():
        return lenet.softmax_cross_entropy(lenet.forward(params, x)[0], y)[0]

    logits, cache = lenet.forward(params, x)
    grads = lenet.backward(params, cache, lenet.softmax_cross_entropy(logits, y)[1])
    eps = 1e-6
    for name, p in params.items():
        assert grads[name].shape == p.shape
        for flat in rng.choice(p.size, size=min(4, p.size), replace=False):
            idx = np.unravel_index(flat, p.shape)
            old = p[idx]
            p[idx] = old + eps
            plus = loss()
            p[idx] = old - eps
            minus = loss()
            p[idx] = old
            assert grads[name][idx] == pytest.approx((plus - minus) / (2 * eps),
                                                     rel=1e-5, abs=1e-8), (name, idx)
