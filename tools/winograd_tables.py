"""Writes csrc/winograd/winograd_tables.h: the transforms of Winograd's
minimal filtering algorithms F(m, 3) (Toom-Cook, Lavin and Gray 2016).

For interpolation points a_0 .. a_{n-2} and infinity (n = m + 2):

- A^T (m x n): A^T[i][j] = a_j ** i, and the point at infinity feeds the
  last output only;
- G (n x 3): G[j][k] = a_j ** k / f_j with f_j = prod over l != j of
  (a_j - a_l), and infinity's row (0, 0, 1);
- B^T (n x n): the unique matrix with A^T ((G g) * (B^T d)) equal to the
  correlation y_i = sum_k d_{i+k} g_k for every d and g, solved exactly in
  rationals here and checked on every unit pair.

Run ``python tools/winograd_tables.py`` to rewrite the header.
"""
import itertools
import pathlib
from fractions import Fraction as F

R = 3  # taps
POINTS = {
    2: [F(0), F(1), F(-1)],
    4: [F(0), F(1), F(-1), F(2), F(-2)],
    6: [F(0), F(1), F(-1), F(2), F(-2), F(1, 2), F(-1, 2)],
}


def at_g(m):
    pts = POINTS[m]
    n = m + R - 1
    at = [[pts[j] ** i for j in range(n - 1)] + [F(int(i == m - 1))] for i in range(m)]
    g = []
    for j, a in enumerate(pts):
        f = F(1)
        for l, b in enumerate(pts):
            if l != j:
                f *= a - b
        g.append([a ** k / f for k in range(R)])
    g.append([F(0), F(0), F(1)])
    return at, g


def solve(rows, rhs):
    """Exact least-squares-free solve of a consistent system (Gauss-Jordan
    on rationals); rows: list of coefficient lists."""
    a = [r[:] + [b] for r, b in zip(rows, rhs)]
    ncol = len(rows[0])
    piv_row, pivots = 0, []
    for col in range(ncol):
        p = next((r for r in range(piv_row, len(a)) if a[r][col] != 0), None)
        if p is None:
            continue
        a[piv_row], a[p] = a[p], a[piv_row]
        inv = 1 / a[piv_row][col]
        a[piv_row] = [v * inv for v in a[piv_row]]
        for r in range(len(a)):
            if r != piv_row and a[r][col] != 0:
                fac = a[r][col]
                a[r] = [v - fac * w for v, w in zip(a[r], a[piv_row])]
        pivots.append(col)
        piv_row += 1
    assert all(all(v == 0 for v in r) for r in a[piv_row:]), "inconsistent"
    x = [F(0)] * ncol
    for r, col in enumerate(pivots):
        x[col] = a[r][-1]
    return x


def bt(m, at, g):
    n = m + R - 1
    # Unknowns B^T[p][l]; equation for (i, k, l): sum_p AT[i][p] G[p][k] BT[p][l] = [l == i+k]
    unknown = lambda p, l: p * n + l
    rows, rhs = [], []
    for i, k, l in itertools.product(range(m), range(R), range(n)):
        row = [F(0)] * (n * n)
        for p in range(n):
            row[unknown(p, l)] += at[i][p] * g[p][k]
        rows.append(row)
        rhs.append(F(int(l == i + k)))
    x = solve(rows, rhs)
    return [[x[unknown(p, l)] for l in range(n)] for p in range(n)]


def check(m, at, g, b):
    n = m + R - 1
    for k, l in itertools.product(range(R), range(n)):
        for i in range(m):
            got = sum(at[i][p] * g[p][k] * b[p][l] for p in range(n))
            assert got == (1 if l == i + k else 0), (m, i, k, l)


def c_rows(mat):
    def num(v):
        s = repr(float(v))
        assert F(float(v)) == v, v  # exact in binary floating point or not
        return s
    return ",\n".join("    {" + ", ".join(num(v) for v in r) + "}" for r in mat)


def main():
    parts = ["/* The transforms of F(m, 3), m = 2, 4, 6 (Toom-Cook points 0, 1, -1, 2, -2,",
             " * 1/2, -1/2 and infinity).  Written by tools/winograd_tables.py; do not",
             " * edit.  Correlation of one tile: y = A^T ((G g) * (B^T d)). */",
             "#ifndef CC_WINOGRAD_TABLES_H", "#define CC_WINOGRAD_TABLES_H", ""]
    for m in sorted(POINTS):
        at, g = at_g(m)
        b = bt(m, at, g)
        check(m, at, g, b)
        n = m + R - 1
        # G's entries (1/6, 1/24, ...) are not exact in binary: write them as
        # quotients so the compiler rounds each once.
        def gnum(v):
            return f"{v.numerator}.0 / {v.denominator}.0" if v.denominator != 1 else f"{float(v)!r}"
        parts.append(f"static const double cc_wino{m}_bt[{n}][{n}] = {{\n{c_rows(b)}\n}};")
        parts.append(f"static const double cc_wino{m}_g[{n}][3] = {{\n" + ",\n".join(
            "    {" + ", ".join(gnum(v) for v in r) + "}" for r in g) + "\n};")
        parts.append(f"static const double cc_wino{m}_at[{m}][{n}] = {{\n{c_rows(at)}\n}};")
        parts.append("")
    parts.append("#endif")
    path = pathlib.Path(__file__).resolve().parents[1] / "csrc/winograd/winograd_tables.h"
    path.write_text("\n".join(parts) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
