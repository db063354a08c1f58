"""Build convcore's compiled extensions.

Opt-in environment variables (the default build runs on any CPU):
  CONVCORE_NO_THREADS=1 build without the kernels' thread pool (one thread)
  CONVCORE_NATIVE=1     add -march=native (a local build for this CPU only)
  CONVCORE_SANITIZE=1   build with -fsanitize=address,undefined (see README)
"""
import glob
import os
import subprocess
import sysconfig

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def env_flag(name):
    return os.environ.get(name, "") not in ("", "0")


def build_flags():
    """(cflags, ldflags, threads): the kernels' thread pool (csrc/cc_parallel.c)
    runs on POSIX threads; without them, or with CONVCORE_NO_THREADS, every
    kernel runs on the calling thread."""
    cflags = ["-std=c11", "-O3", "-Wall", "-Wno-unused-function", "-Wno-unknown-pragmas"]
    ldflags = []
    threads = os.name == "posix" and not env_flag("CONVCORE_NO_THREADS")
    if threads:
        cflags += ["-pthread"]
        ldflags += ["-pthread"]
    else:
        cflags += ["-DCONVCORE_NO_THREADS=1"]
    if env_flag("CONVCORE_NATIVE"):
        cflags += ["-march=native"]
    if env_flag("CONVCORE_SANITIZE"):
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
               "-fno-omit-frame-pointer", "-g"]
        cflags = [f for f in cflags if f != "-O3"] + ["-O1"] + san
        ldflags += san
    return cflags, ldflags, threads


def write_build_config(cflags, ldflags, threads):
    """Record the build for convcore.show_config()."""
    compiler = sysconfig.get_config_var("CC") or "cc"
    try:
        version = subprocess.run(compiler.split() + ["--version"], capture_output=True,
                                 text=True, timeout=30).stdout.splitlines()[0]
    except Exception:
        version = "unknown"
    with open(os.path.join(HERE, "convcore", "_build_config.py"), "w") as f:
        f.write('"""Written by setup.py at build time."""\n')
        f.write(f"COMPILER = {compiler!r}\n")
        f.write(f"COMPILER_VERSION = {version!r}\n")
        f.write(f"CFLAGS = {cflags!r}\n")
        f.write(f"LDFLAGS = {ldflags!r}\n")
        f.write(f"THREADS = {threads!r}\n")


def family_extension(name, c_sources, cflags, ldflags):
    """One extension module per op family: its .pyx, its C files, the shared
    cc_cpu.c, cc_parallel.c and cc_scratch.c."""
    return Extension(
        f"convcore.{name}",
        sources=[f"csrc/{name}.pyx", "csrc/cc_cpu.c", "csrc/cc_parallel.c", "csrc/cc_scratch.c",
                 *sorted(c_sources)],
        include_dirs=["csrc", np.get_include()],
        depends=sorted(glob.glob("csrc/**/*.h", recursive=True)
                       + glob.glob("csrc/**/*.inc", recursive=True)),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
        extra_compile_args=cflags,
        extra_link_args=ldflags,
    )


cflags, ldflags, threads = build_flags()
write_build_config(cflags, ldflags, threads)
extensions = [
    family_extension("_cpu", [], cflags, ldflags),
    family_extension("_direct", glob.glob("csrc/direct/*.c"), cflags, ldflags),
    # No contraction of a*b+c into an FMA (GCC contracts by default, and a
    # -march=native reference would fuse): every ISA rounds as the reference.
    family_extension("_fft", glob.glob("csrc/fft/*.c"), cflags + ["-ffp-contract=off"],
                     ldflags),
    family_extension("_pool", glob.glob("csrc/pool/*.c"), cflags, ldflags),
    family_extension("_im2col", glob.glob("csrc/im2col/*.c"), cflags, ldflags),
    family_extension("_conv", glob.glob("csrc/conv/*.c") + glob.glob("csrc/winograd/*.c"),
                     cflags, ldflags),
]
# A sanitized build keeps its objects apart so neither build reuses the other's.
build_options = {"build": {"build_base": "build/sanitize"}} if env_flag("CONVCORE_SANITIZE") else {}
setup(
    options=build_options,
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": 3},
        include_path=["csrc"],
    ),
)
