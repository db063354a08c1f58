#!/usr/bin/env bash
# Build convcore with -fsanitize=address,undefined into the current Python
# environment and run the test suite under it.  Usage: tools/sanitize.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
# The test dependencies first: pip reinstalls a local project on every
# `pip install .`, so installing them after the sanitized build replaced it
# with a plain one (and the suite ran unsanitized).
pip install -q ".[test]"
CONVCORE_SANITIZE=1 pip install --no-cache-dir --force-reinstall --no-deps . >/dev/null
# Found, not imported (a sanitized module loads only under the ASan runtime),
# and from outside the checkout, whose ./convcore would shadow it.
installed="$(cd / && python -c 'import importlib.util as u
print(u.find_spec("convcore").submodule_search_locations[0])')"
grep -q -- -fsanitize "$installed/_build_config.py" \
    || { echo "sanitize.sh: $installed is not the sanitized build" >&2; exit 1; }
libasan="$(${CC:-gcc} -print-file-name=libasan.so)"
export LD_PRELOAD="$libasan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONMALLOC=malloc
export CONVCORE_SANITIZER_RUN=1
# Arrays past 2**31 elements (bigmem) need more memory than ASan's shadow
# leaves; the normal suite runs them.
pytest -q -p no:cacheprovider -m "not bigmem" "$@"
