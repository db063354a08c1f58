"""The convcore package has no import cycle (tools/import_graph.py), counting
imports inside functions."""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "import_graph", os.path.join(ROOT, "tools", "import_graph.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_in_the_package():
    tool = _tool()
    edges = tool.graph(ROOT)
    assert "convcore._signal" in edges and "convcore._geometry" in edges["convcore._signal"]
    assert tool.cycles(edges) == []


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    pkg = tmp_path / "convcore"
    (pkg / "nn").mkdir(parents=True)
    (tmp_path / "csrc").mkdir()
    (tmp_path / "csrc" / "_kernels.pyx").write_text("")
    (pkg / "__init__.py").write_text("from . import _a\n")
    (pkg / "_a.py").write_text("from . import _kernels\nfrom ._b import f\n")
    (pkg / "_b.py").write_text("def f():\n    from .nn import _c\n")
    (pkg / "nn" / "__init__.py").write_text("")
    (pkg / "nn" / "_c.py").write_text("from .._a import g\n")
    tool = _tool()
    edges = tool.graph(str(tmp_path))
    assert edges["convcore._a"] == {"convcore._b"}  # the compiled module is a leaf
    assert tool.cycles(edges) == [["convcore._a", "convcore._b", "convcore.nn._c"]]
