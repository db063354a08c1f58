"""The run's progress on the console: case i of n, elapsed time, what runs.

With tqdm installed (the ``bench`` extra) a tqdm bar on stderr; without
it, a plain line: rewritten in place on a terminal, one line per case
otherwise (a log file stays readable).  Text printed through
:meth:`Progress.write` appears above the bar.
"""
import sys
import time

from ._runner import Missing, optional_import


class Progress:
    """``start(label)`` before a case, ``advance()`` after it, ``close()``
    at the end; ``tqdm``: the module, ``None`` to import it, a
    :class:`Missing` for the fallback line."""

    def __init__(self, total, stream=None, tqdm=None, clock=time.monotonic):
        self.total, self.done = total, 0
        self.stream = sys.stderr if stream is None else stream
        self.clock, self.t0 = clock, clock()
        if tqdm is None:
            tqdm = optional_import("tqdm")
        self.bar = None
        if not isinstance(tqdm, Missing) and total > 0:
            self.bar = tqdm.tqdm(total=total, file=self.stream, unit="case", dynamic_ncols=True,
                                 bar_format="{n_fmt}/{total_fmt} cases |{bar:20}| "
                                            "[{elapsed}] {desc}")
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._width = 0

    def line(self, label):
        """The fallback line: ``[  3/47] 0:12  nn conv2d_...``."""
        elapsed = int(self.clock() - self.t0)
        return (f"[{self.done + 1:>{len(str(self.total))}}/{self.total}] "
                f"{elapsed // 60}:{elapsed % 60:02d}  {label}")[:99]

    def start(self, label):
        if self.bar is not None:
            self.bar.set_description_str(label, refresh=True)
            return
        text = self.line(label)
        if self._tty:
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def advance(self):
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)

    def write(self, text):
        """Print ``text`` to stdout without breaking the bar."""
        if self.bar is not None:
            self.bar.write(text, file=sys.stdout)
            return
        self._clear()
        print(text, flush=True)

    def _clear(self):
        if self._tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def close(self):
        if self.bar is not None:
            self.bar.close()
        else:
            self._clear()
