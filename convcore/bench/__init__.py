"""convcore's benchmark tool: ``python -m convcore.bench``.

Suites ``methods``, ``signal``, ``nn`` and ``pool`` time convcore against
its own methods and against scipy, NumPy, OpenCV and torch (those
installed), interleaved in one process, with the machine's matmul peak and
copy bandwidth measured in the same run; ``--out DIR`` writes
``results.md``, ``results.json`` and PNG plots.  ``python -m convcore.bench
--help`` lists the options; ``benchmarks/README.md`` in the source tree
describes the method and the columns.

Nothing is imported here: ``convcore._methods`` imports
``convcore.bench._timing`` (the timer of ``measure=True``) when convcore
itself is imported.
"""


def main(argv=None):
    """Run the tool with ``argv`` (default ``sys.argv[1:]``); returns the
    exit status."""
    from ._cli import main as run
    return run(argv)
