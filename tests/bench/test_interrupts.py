"""A Ctrl-C swallowed by a finalizer still stops a run (`zoo.bench.run.interrupts`)."""

import gc
import signal
import threading

import pytest

from zoo.bench.run import interrupts


class _Finalized:
    """An object whose finalizer takes the SIGINT: Python ignores what a `__del__` raises."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


def _swallow_a_sigint():
    obj = _Finalized()
    del obj
    gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_sigint_lost_in_a_finalizer_is_raised_at_the_next_check():
    with interrupts.noting_sigint():
        _swallow_a_sigint()  # Python prints "Exception ignored in ..." and goes on
        assert interrupts.came()
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert not interrupts.came()
    interrupts.check()  # outside the block nothing is remembered


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_without_the_block_a_finalizer_loses_the_sigint():
    # What the module exists for: the plain handler's KeyboardInterrupt is simply gone.
    _swallow_a_sigint()
    assert not interrupts.came()


def test_an_ignored_or_foreign_sigint_handler_is_left_alone():
    def foreign(signum, frame):
        foreign.calls += 1

    foreign.calls = 0
    for handler in (signal.SIG_IGN, foreign):
        previous = signal.signal(signal.SIGINT, handler)
        try:
            with interrupts.noting_sigint():
                assert signal.getsignal(signal.SIGINT) is handler
                signal.raise_signal(signal.SIGINT)
                assert not interrupts.came()
            assert signal.getsignal(signal.SIGINT) is handler
        finally:
            signal.signal(signal.SIGINT, previous)
    assert foreign.calls == 1


def test_off_the_main_thread_nothing_is_installed():
    seen = []

    def worker():
        with interrupts.noting_sigint():
            seen.append(signal.getsignal(signal.SIGINT))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [signal.default_int_handler]
