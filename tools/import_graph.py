"""The import graph of the convcore package, and its cycles.

Usage (from the repository root)::

    python tools/import_graph.py            # every module's imports, then the cycles
    python tools/import_graph.py --cycles   # the cycles only; exit status 1 if any
    python tools/import_graph.py --root DIR # another checkout

Reads the source (nothing is imported): every ``import`` and ``from ...
import`` of a convcore module counts, at module level or inside a function,
since moving an import into a function defers a cycle without removing it.
Compiled modules (``convcore._direct``, ...) are leaves.
"""
import argparse
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "convcore"


def compiled(root=ROOT):
    """Names of the compiled modules (one per csrc/*.pyx)."""
    return {f"{PACKAGE}.{f[:-4]}" for f in os.listdir(os.path.join(root, "csrc"))
            if f.endswith(".pyx")}


def modules(root=ROOT):
    """{module name: source path} of the package's Python modules."""
    found = {}
    base = os.path.join(root, PACKAGE)
    for folder, _, files in os.walk(base):
        for f in files:
            if not f.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, f), root)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            found[".".join(rel)] = os.path.join(folder, f)
    return found


def _resolve(name, level, current, is_package):
    """The absolute module name of ``from <level dots><name>`` in ``current``."""
    if level == 0:
        return name
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[:len(parts) - (level - 1)]
    return ".".join(parts + ([name] if name else []))


def imports(name, path, known, leaves=()):
    """The convcore modules ``name`` imports (anywhere in its source);
    compiled ones (``leaves``) are not listed."""
    tree = ast.parse(open(path).read(), path)
    is_package = path.endswith("__init__.py")
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, name, is_package)
            # ``from pkg import sub`` imports the submodule where one exists.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known
                       or f"{base}.{a.name}" in leaves else base for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in known and t != name)
    return out


def graph(root=ROOT):
    """{module: the convcore Python modules it imports}."""
    known, leaves = modules(root), compiled(root)
    return {name: imports(name, path, known, leaves) for name, path in sorted(known.items())}


def cycles(edges):
    """The strongly connected components of more than one module (or a
    module importing itself): each is an import cycle (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                found.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", action="store_true", help="print the cycles only")
    ap.add_argument("--root", default=ROOT, help="the repository (default: this one)")
    args = ap.parse_args()
    edges = graph(args.root)
    if not args.cycles:
        for name, targets in edges.items():
            print(f"{name} -> {', '.join(sorted(targets)) or '(none)'}")
    found = cycles(edges)
    for comp in found:
        print("cycle:", " <-> ".join(comp))
    print(f"{len(edges)} modules, {sum(map(len, edges.values()))} imports, "
          f"{len(found)} cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
