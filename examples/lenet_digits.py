"""Train a LeNet-5 style CNN on scikit-learn's 8x8 digits with convcore.

The convolutions and the pooling run forward and backward on convcore
(``convcore.nn`` and ``convcore.nn.grad``); the dense layers, ReLU, the
softmax cross-entropy loss and SGD with momentum are plain NumPy.
Everything is float32.

Architecture (input 1x8x8)::

    conv 1->16 3x3 pad 1, ReLU, max pool 2    -> 16x4x4
    conv 16->32 3x3 pad 1, ReLU, max pool 2   -> 32x2x2
    flatten 128, dense 128->64, ReLU, dense 64->10

Run ``python lenet_digits.py --help`` for the options; the defaults are the
full run.  Needs numpy, scipy and scikit-learn; shows a tqdm progress bar
when tqdm is installed, a plain text bar otherwise.  The last line of
output is ``test accuracy: NN.N%``.
"""
import argparse
import math
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import convcore
from convcore.nn import grad

DTYPE = np.float32
N_CLASSES = 10
POOL = 2


def parse_args(argv=None):
    """The command line; the defaults are the full run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30, help="passes over the training set")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N samples of the training split only "
                             "(default: all of it)")
    parser.add_argument("--test-fraction", type=float, default=0.25,
                        help="held-out fraction of the data set (stratified)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.03, help="initial learning rate")
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the split, the initial weights and the batch order")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- data

def load_data(test_fraction, train_size, seed):
    """The digits as float32 (N, 1, 8, 8) images, standardised with the
    training split's mean and standard deviation, and int64 labels:
    ``(x_train, y_train, x_test, y_test)``."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(DTYPE)[:, None]
    x_train, x_test, y_train, y_test = train_test_split(
        images, digits.target, test_size=test_fraction, stratify=digits.target,
        random_state=seed)
    if train_size is not None:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    mean, std = x_train.mean(), x_train.std()
    return ((x_train - mean) / std, y_train.astype(np.int64),
            (x_test - mean) / std, y_test.astype(np.int64))


def batches(n, batch_size, rng):
    """Index arrays of one epoch's mini-batches in a random order."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


# ---------------------------------------------------------------- model

def he_normal(rng, shape, fan_in):
    """Weights drawn from N(0, 2 / fan_in) (He et al. 2015)."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(DTYPE)


def init_params(rng):
    """The network's weights (He initialisation) and zero biases."""
    return {
        "conv1_w": he_normal(rng, (16, 1, 3, 3), 1 * 9),
        "conv1_b": np.zeros(16, DTYPE),
        "conv2_w": he_normal(rng, (32, 16, 3, 3), 16 * 9),
        "conv2_b": np.zeros(32, DTYPE),
        "fc1_w": he_normal(rng, (128, 64), 128),
        "fc1_b": np.zeros(64, DTYPE),
        "fc2_w": he_normal(rng, (64, N_CLASSES), 64),
        "fc2_b": np.zeros(N_CLASSES, DTYPE),
    }


def conv_block_forward(x, w, b):
    """Convolution (3x3, padding 1), ReLU and 2x2 max pooling; returns the
    pooled output and what the backward pass needs."""
    z = convcore.nn.conv2d(x, w, b, padding=1)
    a = np.maximum(z, 0)
    return convcore.nn.max_pool2d(a, POOL), (x, z, a)


def conv_block_backward(g_out, w, cache, need_input_grad=True):
    """Gradients of :func:`conv_block_forward` given dL/d(output):
    ``(dL/dx or None, dL/dw, dL/db)``."""
    x, z, a = cache
    g_a = grad.max_pool2d(g_out, a, POOL)
    g_z = g_a * (z > 0)
    g_w = grad.conv2d_weight(x, w.shape, g_z, padding=1)
    g_b = grad.conv_bias(g_z)
    g_x = grad.conv2d_input(x.shape, w, g_z, padding=1) if need_input_grad else None
    return g_x, g_w, g_b


def forward(params, x):
    """Logits (N, 10) of the images ``x`` and the cache for :func:`backward`."""
    p1, cache1 = conv_block_forward(x, params["conv1_w"], params["conv1_b"])
    p2, cache2 = conv_block_forward(p1, params["conv2_w"], params["conv2_b"])
    flat = p2.reshape(len(x), -1)
    h = flat @ params["fc1_w"] + params["fc1_b"]
    r = np.maximum(h, 0)
    logits = r @ params["fc2_w"] + params["fc2_b"]
    return logits, (cache1, cache2, p2.shape, flat, h, r)


def backward(params, cache, g_logits):
    """Gradients of every parameter given dL/d(logits)."""
    cache1, cache2, p2_shape, flat, h, r = cache
    g = {"fc2_w": r.T @ g_logits, "fc2_b": g_logits.sum(axis=0)}
    g_h = (g_logits @ params["fc2_w"].T) * (h > 0)
    g["fc1_w"], g["fc1_b"] = flat.T @ g_h, g_h.sum(axis=0)
    g_p2 = (g_h @ params["fc1_w"].T).reshape(p2_shape)
    g_p1, g["conv2_w"], g["conv2_b"] = conv_block_backward(g_p2, params["conv2_w"], cache2)
    _, g["conv1_w"], g["conv1_b"] = conv_block_backward(g_p1, params["conv1_w"], cache1,
                                                        need_input_grad=False)
    return g


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of the softmax of ``logits`` against ``labels``
    and its gradient with respect to the logits."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(labels)
    loss = -log_probs[np.arange(n), labels].mean()
    g = np.exp(log_probs)
    g[np.arange(n), labels] -= 1
    return float(loss), g / n


def sgd_momentum_step(params, grads, velocity, lr, momentum, weight_decay):
    """One SGD step with momentum, in place; weight decay on weights only."""
    for name, p in params.items():
        g = grads[name] + weight_decay * p if name.endswith("_w") else grads[name]
        velocity[name] = momentum * velocity[name] - lr * g
        p += velocity[name]


def predict(params, x, batch_size=256):
    """Predicted classes of the images ``x``."""
    return np.concatenate([forward(params, x[i:i + batch_size])[0].argmax(axis=1)
                           for i in range(0, len(x), batch_size)])


# ---------------------------------------------------------------- output

class TextBar:
    """A minimal progress bar on stderr, redrawn in place with ``\\r`` and
    erased at the end; silent when stderr is not a terminal (logs)."""

    def __init__(self, iterable, desc, width=30):
        self.items = list(iterable)
        self.desc, self.width = desc, width
        self.postfix = ""
        self.shown = sys.stderr.isatty()

    def __iter__(self):
        for i, item in enumerate(self.items, 1):
            yield item
            if self.shown:
                self._draw(i)
        if self.shown:
            sys.stderr.write("\r" + " " * (len(self.desc) + self.width + 40) + "\r")
            sys.stderr.flush()

    def set_postfix_str(self, text, refresh=True):
        """Text shown after the counts from the next redraw on (as tqdm's)."""
        self.postfix = text

    def _draw(self, done):
        filled = self.width * done // len(self.items)
        bar = "#" * filled + "." * (self.width - filled)
        sys.stderr.write(f"\r{self.desc} [{bar}] {done}/{len(self.items)} {self.postfix}")
        sys.stderr.flush()


def progress(iterable, desc):
    """``iterable`` wrapped in a tqdm progress bar, or a :class:`TextBar`
    when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return TextBar(iterable, desc)
    return tqdm(iterable, desc=desc, leave=False)


def confusion_matrix(y_true, y_pred):
    """Counts (10, 10): rows the true class, columns the predicted one."""
    counts = np.zeros((N_CLASSES, N_CLASSES), np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def format_confusion(counts):
    """The confusion matrix as text, with class labels on both axes."""
    lines = ["confusion matrix (rows: true, columns: predicted)",
             "     " + "".join(f"{c:>4}" for c in range(N_CLASSES))]
    lines += [f"{t:>4} " + "".join(f"{v:>4}" for v in row) for t, row in enumerate(counts)]
    return "\n".join(lines)


# ---------------------------------------------------------------- training

def train_epoch(params, velocity, x, y, lr, args, rng, desc):
    """One pass over ``(x, y)`` in mini-batches; returns the mean loss."""
    losses = []
    bar = progress(batches(len(x), args.batch_size, rng), desc)
    for idx in bar:
        logits, cache = forward(params, x[idx])
        loss, g_logits = softmax_cross_entropy(logits, y[idx])
        grads = backward(params, cache, g_logits)
        sgd_momentum_step(params, grads, velocity, lr, args.momentum, args.weight_decay)
        losses.append(loss * len(idx))
        bar.set_postfix_str(f"loss {loss:.4f}", refresh=False)
    return sum(losses) / len(x)


def cosine_lr(lr, epoch, epochs):
    """The learning rate of ``epoch`` (0-based): cosine decay from ``lr``."""
    return lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))


def main(argv=None):
    """Train on the training split, printing each epoch's mean loss and
    training accuracy, then evaluate on the test split."""
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x_train, y_train, x_test, y_test = load_data(args.test_fraction, args.train_size,
                                                 args.seed)
    print(f"train {len(x_train)} images, test {len(x_test)} images, "
          f"{args.epochs} epochs, {convcore.get_num_threads()} threads")
    params = init_params(rng)
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    start = time.perf_counter()
    for epoch in range(args.epochs):
        lr = cosine_lr(args.lr, epoch, args.epochs)
        desc = f"epoch {epoch + 1}/{args.epochs}"
        loss = train_epoch(params, velocity, x_train, y_train, lr, args, rng, desc)
        train_acc = np.mean(predict(params, x_train) == y_train)
        print(f"{desc} loss {loss:.4f} train accuracy {100 * train_acc:.1f}%", flush=True)
    print(f"training time: {time.perf_counter() - start:.1f} s")
    y_pred = predict(params, x_test)
    print(format_confusion(confusion_matrix(y_test, y_pred)))
    print(f"test accuracy: {100 * np.mean(y_pred == y_test):.1f}%")


if __name__ == "__main__":
    main()
