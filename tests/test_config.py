"""convcore.show_config(): the build and what runs."""
import re

import convcore
from convcore import _dispatch


def _lines(capsys):
    convcore.show_config()
    out = capsys.readouterr().out
    lines = {}
    for line in out.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            lines[key.strip().lower()] = value.strip()
    return out, lines


def _find(lines, pattern):
    found = [v for k, v in lines.items() if re.search(pattern, k)]
    assert found, f"no line matching {pattern!r} in {sorted(lines)}"
    return found[0]


def test_show_config_prints_every_item(capsys):
    out, lines = _lines(capsys)
    for pattern in ("compiler", "cflags", "thread pool", r"simd.*use", "blas", "fft", "threads"):
        assert _find(lines, pattern), pattern
    assert "-O" in _find(lines, "cflags")
    assert re.match(r"(yes|no)\b", _find(lines, "thread pool"))


def test_show_config_reports_the_simd_level_in_use(capsys):
    _, lines = _lines(capsys)
    assert _find(lines, r"simd.*use") == _dispatch.ISA_NAMES[_dispatch.isa_level]
    for isa in _dispatch.supported_isas():
        with _dispatch.forced_isa(isa):
            _, lines = _lines(capsys)
        assert _find(lines, r"simd.*use") == isa


def test_show_config_reports_the_thread_count(capsys):
    before = convcore.get_num_threads()
    _, lines = _lines(capsys)
    assert _find(lines, "threads") == str(before)
    with convcore.threads(before + 3):
        _, lines = _lines(capsys)
        assert _find(lines, "threads") == str(before + 3)
