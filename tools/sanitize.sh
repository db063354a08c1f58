#!/usr/bin/env bash
# Build convcore with -fsanitize=address,undefined into the current Python
# environment and run the test suite under it.  Usage: tools/sanitize.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
CONVCORE_SANITIZE=1 pip install --no-cache-dir --force-reinstall --no-deps . >/dev/null
pip install -q ".[test]"
libasan="$(${CC:-gcc} -print-file-name=libasan.so)"
export LD_PRELOAD="$libasan"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONMALLOC=malloc
export CONVCORE_SANITIZER_RUN=1
# Arrays past 2**31 elements (bigmem) need more memory than ASan's shadow
# leaves; the normal suite runs them.
pytest -q -p no:cacheprovider -m "not bigmem" "$@"
