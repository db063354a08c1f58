"""The public shape helpers: conv_output_shape and receptive_field."""
import numpy as np
import pytest

import convcore
from convcore import conv_output_shape, receptive_field
from _conv_ref import raises

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the sanitizer run: the formula rows still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the reference")


def _random_cases(seed, count, pooling):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        size = tuple(int(v) for v in rng.integers(1, 13, 2))
        kernel = tuple(int(v) for v in rng.integers(1, 6, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        dilation = tuple(int(v) for v in rng.integers(1, 4, 2))
        if pooling:  # torch's pools take at most half the kernel as padding
            padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
        else:
            padding = tuple(int(v) for v in rng.integers(0, 3, 2))
        yield size, kernel, stride, padding, dilation


def _torch_shape(call):
    try:
        return tuple(call().shape[2:])
    except RuntimeError:
        return None


@needs_torch
def test_conv_output_shape_is_torch_conv2d_shape():
    checked = refused = 0
    for size, kernel, stride, padding, dilation in _random_cases(0, 300, pooling=False):
        x = torch.zeros((1, 1, *size))
        w = torch.zeros((1, 1, *kernel))
        expect = _torch_shape(lambda: F.conv2d(x, w, None, stride, padding, dilation))
        args = (size, kernel, stride, padding, dilation)
        if expect is None:
            raises(ValueError, ["output size"], conv_output_shape, *args)
            refused += 1
        else:
            assert conv_output_shape(*args) == expect, args
            checked += 1
    assert checked > 100 and refused > 10


@needs_torch
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_conv_output_shape_is_torch_max_pool2d_shape(ceil_mode):
    checked = refused = 0
    for size, kernel, stride, padding, dilation in _random_cases(1, 300, pooling=True):
        x = torch.zeros((1, 1, *size))
        expect = _torch_shape(lambda: F.max_pool2d(x, kernel, stride, padding, dilation,
                                                   ceil_mode=ceil_mode))
        args = (size, kernel, stride, padding, dilation, ceil_mode)
        if expect is None:
            raises(ValueError, ["output size"], conv_output_shape, *args)
            refused += 1
        else:
            assert conv_output_shape(*args) == expect, args
            checked += 1
    assert checked > 100 and refused > 10


@needs_torch
def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    # 5 + 2 * 1 padded samples, windows of 2 at stride 2: ceil counts a
    # fourth window at 6, which starts in the right padding.
    x = torch.zeros((1, 1, 5))
    assert F.max_pool1d(x, 2, 2, 1, ceil_mode=True).shape[-1] == 3
    assert conv_output_shape(5, 2, 2, 1, ceil_mode=True) == (3,)
    assert conv_output_shape(5, 2, 2, 0, ceil_mode=True) == (3,)
    assert conv_output_shape(5, 2, 2, 0) == (2,)


def test_formula_on_literal_cases():
    assert conv_output_shape((224, 224), 7, 2, 3) == (112, 112)        # ResNet's stem
    assert conv_output_shape((112, 112), 3, 2, 1) == (56, 56)          # its max pool
    assert conv_output_shape((227, 227), 11, 4) == (55, 55)            # AlexNet conv1
    assert conv_output_shape(10, 3, dilation=4) == (2,)                # extent 9
    assert conv_output_shape([8], [3]) == (6,)
    assert conv_output_shape(np.int64(8), np.int32(3)) == (6,)


def test_per_axis_arguments():
    assert conv_output_shape((9, 10, 11), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 1, 2)) == \
        (9, 6, 4)
    assert conv_output_shape((9, 10, 11), 3, (2,), [1], (1, 2, 1)) == (5, 4, 6)


def test_exact_python_ints_past_2_to_the_32():
    big = 2**40
    shape = conv_output_shape((big, 2**33 + 5), (3, 2**32), (1, 7), (1, 2**31), (2**20, 1))
    assert shape == (big + 2 - 2 * 2**20 - 1 + 1, (2**33 + 5 + 2**32 - 2**32) // 7 + 1)
    assert all(type(v) is int for v in shape)
    # int64 extremes: a float or int64 product would round or wrap here
    m = 2**63 - 1
    assert conv_output_shape(m, 1, 1, m) == (3 * m,)
    assert conv_output_shape(m, m, 3, 0, ceil_mode=True) == (1,)
    assert conv_output_shape(m - 2, 2, 2, 0, ceil_mode=True) == ((m - 1) // 2,)


@pytest.mark.parametrize("kwargs, words", [
    (dict(stride=0), ["stride=0"]),
    (dict(stride=(1, 0)), ["stride=(1, 0)"]),
    (dict(stride=-2), ["stride=-2"]),
    (dict(padding=-1), ["padding=-1"]),
    (dict(dilation=0), ["dilation=0"]),
    (dict(kernel_shape=0), ["kernel_shape=0"]),
    (dict(input_shape=(-1, 5)), ["input_shape=(-1, 5)"]),
    (dict(input_shape=()), ["input_shape=()"]),
    (dict(kernel_shape=(3, 3, 3)), ["kernel_shape=(3, 3, 3)"]),
    (dict(stride=(1, 2, 3)), ["stride=(1, 2, 3)"]),
    (dict(padding=2**70), ["padding"]),
    (dict(kernel_shape=9), ["output size", "axis 0", "kernel_shape=9", "input_shape=(5, 6)"]),
    (dict(kernel_shape=(3, 4), dilation=(1, 3)), ["output size", "axis 1", "dilation=(1, 3)"]),
])
def test_errors_are_value_errors_naming_the_argument(kwargs, words):
    args = dict(input_shape=(5, 6), kernel_shape=3)
    args.update(kwargs)
    raises(ValueError, words, conv_output_shape, exact=True, **args)


def test_stride_zero_is_never_a_zero_division():
    with pytest.raises(ValueError):
        conv_output_shape(5, 1, 0, ceil_mode=True)


@pytest.mark.parametrize("kwargs", [dict(stride=1.5), dict(kernel_shape="3"),
                                    dict(padding=True), dict(input_shape=(5.0,))])
def test_non_integers_are_type_errors(kwargs):
    args = dict(input_shape=5, kernel_shape=3)
    args.update(kwargs)
    name = next(iter(kwargs))
    raises(TypeError, [name], conv_output_shape, **args)


# --------------------------------------------------------------------------
# receptive_field

def conv(k, s=1, p=0, d=1):
    return (k, s, p, d)


def test_one_layer():
    assert receptive_field([conv(3)]) == (3, 1, 1)      # centre of inputs 0..2
    assert receptive_field([conv(3, p=1)]) == (3, 1, 0)
    assert receptive_field([conv(2)]) == (2, 1, 0.5)    # between inputs 0 and 1
    assert receptive_field([conv(1)]) == (1, 1, 0)
    assert receptive_field([]) == (1, 1, 0)             # the input itself


def test_three_stacked_3x3_see_7():
    assert receptive_field([conv(3)] * 3) == (7, 1, 3)
    assert receptive_field([conv(3, p=1)] * 3) == (7, 1, 0)


def test_vgg16_pool5():
    layers = []
    for convs in (2, 2, 3, 3, 3):
        layers += [conv(3, 1, 1)] * convs + [conv(2, 2)]
    # The padded 3x3 convolutions keep each centre where it is; the pool
    # after block b (jump 2**b before it) moves it right by 0.5 * 2**b.
    start = 0.5 * (1 + 2 + 4 + 8 + 16)
    size, jump, got = receptive_field(layers)
    assert (size, jump, got) == (212, 32, 15.5) and start == 15.5
    assert type(got) is float


def test_alexnet_first_layers():
    layers = [conv(11, 4, 2), conv(3, 2), conv(5, 1, 2), conv(3, 2)]
    # size:  11, 11 + 2*4 = 19, 19 + 4*8 = 51, 51 + 2*8 = 67
    # jump:  4, 8, 8, 16
    # start: (5 - 2)*1 = 3, 3 + 1*4 = 7, 7 + (2 - 2)*8 = 7, 7 + 1*8 = 15
    assert receptive_field(layers) == (67, 16, 15)
    assert all(type(v) is int for v in receptive_field(layers))
    assert receptive_field(layers[:2]) == (19, 8, 7)


def test_dilation_uses_the_dilated_extent():
    assert receptive_field([conv(3, d=2)]) == (5, 1, 2)
    # WaveNet-style stack: kernel 2, dilations 1, 2, 4, 8
    assert receptive_field([conv(2, d=d) for d in (1, 2, 4, 8)]) == (16, 1, 7.5)
    # dilation then stride: the stride multiplies the later layers' spread
    # extents 5 and 7; start 2, then 2 + ((7 - 1) / 2 - 1) * 2
    assert receptive_field([conv(3, 2, 0, 2), conv(3, 1, 1, 3)]) == (5 + 6 * 2, 2, 6)


def test_agrees_with_conv_output_shape_on_the_last_window():
    """The last unit's field, start + (out - 1) * jump +- (size - 1) / 2,
    ends inside the padded input."""
    layers = [conv(7, 2, 3), conv(3, 2, 1), conv(3, 1, 1, 2), conv(4, 3)]
    n = 100
    size, jump, start = receptive_field(layers)
    shape = (n,)
    for k, s, p, d in layers:
        shape = conv_output_shape(shape, k, s, p, d)
    first = start - (size - 1) / 2
    last = start + (shape[0] - 1) * jump + (size - 1) / 2
    # each layer's padding, in input samples (the jump before that layer)
    pad = sum(p * j for (_, _, p, _), j in zip(layers, (1, 2, 4, 4)))
    assert first == -pad
    assert last <= n - 1 + pad


@pytest.mark.parametrize("layers, exc, words", [
    ([conv(3), (3, 1, 0)], ValueError, ["layers[1]", "(3, 1, 0)"]),
    ([(3, 1, 0, 1, 1)], ValueError, ["layers[0]"]),
    ([conv(3), conv(3), conv(0)], ValueError, ["layers[2]", "(0, 1, 0, 1)"]),
    ([conv(3, s=0)], ValueError, ["layers[0]", "(3, 0, 0, 1)"]),
    ([conv(3, p=-1)], ValueError, ["layers[0]", "(3, 1, -1, 1)"]),
    ([conv(3, d=0)], ValueError, ["layers[0]", "(3, 1, 0, 0)"]),
    ([3], ValueError, ["layers[0]", "3"]),
    ([conv(3), (3.0, 1, 0, 1)], TypeError, ["layers[1]", "3.0"]),
    ([(True, 1, 0, 1)], TypeError, ["layers[0]"]),
])
def test_receptive_field_errors_name_the_layer(layers, exc, words):
    raises(exc, words, receptive_field, layers, exact=True)


def test_numpy_integers_and_lists():
    assert receptive_field([[np.int64(3), 1, np.int32(1), 1]] * 2) == (5, 1, 0)
    assert receptive_field(iter([conv(3)] * 2)) == (5, 1, 2)


def test_exported():
    for name in ("conv_output_shape", "receptive_field", "convolution_matrix"):
        assert name in convcore.__all__ and hasattr(convcore, name)
