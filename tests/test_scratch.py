"""Per-thread workspaces (convcore._scratch) and the FFT paths' use of
them: reused between calls, never shared between threads, never part of a
result."""
import threading

import numpy as np
import pytest
import scipy.signal as ss

import convcore
from convcore import _scratch, _spectral
from convcore._geometry import crop_window

BIG = (256, 256)  # 512 KiB of float64: pooled


def test_workspaces_are_reused_and_aligned():
    with _scratch.Scratch() as ws:
        a = ws.empty(BIG, np.float64)
        addr = a.ctypes.data
        assert addr % 64 == 0 and a.flags.c_contiguous and a.shape == BIG
    assert _scratch.pooled_bytes() >= a.nbytes
    with _scratch.Scratch() as ws:
        b = ws.empty((100, 100, 3), np.complex128)  # smaller: the same buffer
        assert b.ctypes.data == addr
        c = ws.empty(BIG, np.float64)  # taken meanwhile: another one
        assert not np.shares_memory(b, c)


def test_small_workspaces_are_plain_arrays():
    before = _scratch.pooled_bytes()
    with _scratch.Scratch() as ws:
        a = ws.empty((10,), np.float32)
        assert ws.detach(a) is a
    assert _scratch.pooled_bytes() == before


def test_pool_keeps_at_most_keep_bytes(monkeypatch):
    monkeypatch.setattr(_scratch, "KEEP_BYTES", 3 << 20)
    with _scratch.Scratch() as ws:
        for _ in range(4):
            ws.empty((1 << 20,), np.uint8)
    assert _scratch.pooled_bytes() <= 3 << 20


def test_nested_blocks_and_threads_never_share():
    arrays, barrier = {}, threading.Barrier(2)

    def take(name):
        with _scratch.Scratch() as ws:
            arrays[name] = ws.empty(BIG, np.float64)
            with _scratch.Scratch() as inner:
                arrays[name + "-inner"] = inner.empty(BIG, np.float64)
            barrier.wait()  # both threads hold their workspaces here
            arrays[name + "-again"] = ws.empty(BIG, np.float64)
            barrier.wait()

    threads = [threading.Thread(target=take, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = ["a", "b", "a-again", "b-again"]
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            assert not np.shares_memory(arrays[x], arrays[y]), (x, y)
    # the inner block's buffer went back to thread a's pool in time for a-again
    assert arrays["a-inner"].ctypes.data == arrays["a-again"].ctypes.data


def test_detach_copies_workspaces_only():
    fresh = np.ones(BIG)
    with _scratch.Scratch() as ws:
        a = ws.empty(BIG, np.float64)
        a[...] = 2
        kept = ws.detach(a[1:, ::2])
        assert not np.shares_memory(kept, a) and (kept == 2).all()
        assert ws.detach(fresh) is fresh


def test_padded_overwrites_old_contents():
    with _scratch.Scratch() as ws:
        ws.empty(BIG, np.float64)[...] = np.nan
    x = np.arange(6.0).reshape(2, 3)
    with _scratch.Scratch() as ws:
        p = ws.padded(np.pad(x, ((0, 0), (0, 200))), (300, 250))
        assert not np.isnan(p).any() and p[:2, :3].tolist() == x.tolist() and p.sum() == x.sum()
        assert ws.padded(x, (2, 3)) is x
    with _scratch.Scratch() as ws:
        edge = ws.empty((4, 5, 6), np.float64)
        edge[...] = 7
        _scratch.zero_outside(edge, (2, 3, 4))
        assert edge.sum() == 7 * 2 * 3 * 4


PATHS = {  # (in1 shape, in2 shape, dtype, threads, fft_window path or 'oa')
    "split-real": ((40000,), (3001,), "f8", 2, "split"),
    "pruned": ((300, 280), (40, 31), "f8", 2, "pruned"),
    "whole": ((60, 50), (9, 7), "c16", 2, "whole"),
    "split": ((30000,), (5001,), "c16", 2, "split"),
    "line": ((30000,), (5001,), "G", 2, "line"),
    "oa": ((120000,), (301,), "f4", 2, "oa"),
    "oa-2d": ((600, 500), (17, 9), "c8", 2, "oa"),
}


@pytest.mark.parametrize("case", PATHS, ids=str)
def test_results_outlive_the_workspaces(case):
    """A result stays as it was through the next call (which reuses the
    workspaces) and matches scipy."""
    s1, s2, dtype, threads, path = PATHS[case]
    rng = np.random.default_rng(3)

    def rand(shape):
        x = rng.standard_normal(shape)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.standard_normal(shape)
        return x.astype(dtype)

    func = convcore.oaconvolve if path == "oa" else convcore.fftconvolve
    if path != "oa":
        dt = np.dtype(dtype)
        axes = list(range(len(s1)))
        win = crop_window("full", s1, s2, axes)
        assert _spectral.Plan(s1, s2, axes, win, dt).path == path
    with convcore.threads(threads):
        _check_results_outlive(func, rand, s1, s2, dtype)


def _check_results_outlive(func, rand, s1, s2, dtype):
    for mode in ("full", "same"):
        a, b = rand(s1), rand(s2)
        first = func(a, b, mode)
        kept = first.copy()
        second = func(rand(s1), rand(s2), mode)
        np.testing.assert_array_equal(first, kept)
        for buf in _scratch._thread_pool():
            assert not np.shares_memory(first, buf) and not np.shares_memory(second, buf)
        ref = ss.fftconvolve(a, b, mode)
        tol = 1e-3 if dtype in ("f4", "c8") else 1e-9
        np.testing.assert_allclose(first, ref, rtol=0, atol=tol * np.abs(ref).max())
