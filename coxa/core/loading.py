"""Loading Coxa without the garbage collector, then freezing what was loaded.

Loading Coxa makes about a million objects that live as long as the process, and almost no
garbage; yet the collector walks all of them whenever its counts fill, and three full passes
took about a third of a web worker's start and of `coxa evaluate` (issue 20). So it is paused
while Coxa loads; then what was loaded is frozen (never walked again, and in gunicorn shared
with the forked workers, whose collections would otherwise write to every page of it), and
collection resumes for the objects each request makes.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def start_up() -> Iterator[None]:
    """Pause the garbage collector while the block loads Coxa; then freeze what it loaded."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
