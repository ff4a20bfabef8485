"""Ctrl-C that cannot be lost.

Python turns SIGINT into a KeyboardInterrupt at the next bytecode the main thread runs. When
that bytecode is in a finalizer (a `__del__`, a weakref callback: TensorFlow and Keras have
many), Python prints "Exception ignored in ..." and the interrupt is gone, so a run goes on
as if nothing was pressed (the `signal` module's docs, "Note on Signal Handlers and
Exceptions"). `noting_sigint` remembers that SIGINT came; `check` raises it again at the
trial loop's safe points (a trial's start, each epoch's end, the loop's end).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_came = threading.Event()


def _handler(signum, frame) -> None:
    _came.set()
    raise KeyboardInterrupt


@contextmanager
def noting_sigint() -> Iterator[None]:
    """Within the block, SIGINT raises KeyboardInterrupt as usual and is also remembered for
    `check`. Only Python's own handler is replaced, and only in the main thread: an ignored
    SIGINT (a background job) or a handler someone else installed is left as it is."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    _came.clear()
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _came.clear()


def came() -> bool:
    """Whether SIGINT came within the current `noting_sigint` block."""
    return _came.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if SIGINT came within the current `noting_sigint` block, even
    if the one its handler raised was swallowed."""
    if _came.is_set():
        raise KeyboardInterrupt
