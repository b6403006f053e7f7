"""Worker processes: each runs one task at a time; the main process hands tasks out and takes the answers in order.

A small pool of its own, on multiprocessing's public parts (Process, Pipe,
connection.wait), because a run must be able to:

- tell at once when a worker is killed (by the system, for want of memory): the
  main process waits on each busy worker's pipe and on its process sentinel,
  and a worker that ends without answering is a WorkerLostError, never a hang;
- stop every worker at once on Ctrl-C, SIGTERM or any failure (they are killed,
  not waited for);
- leave no worker behind when the main process is killed outright: each worker
  watches its parent and ends within a fraction of a second of it.

Workers leave Ctrl-C and SIGTERM to the main process, which a terminal's Ctrl-C
reaches too: the main process stops them. Answers are short (the name of a
spool file), so that one arrives whole or not at all.

The spool is a folder in the temporary directory, locked for as long as the
run (or one of its workers) lives: a later run removes the spool folders whose
lock is free, those of runs that were killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from .errors import WorkerLostError
from .outputs import is_abandoned, locked_temporary

# How often a worker looks whether its parent is still there.
WATCH_SECONDS = 0.2
# How long a worker that was asked to end is given before it is killed.
CLOSE_SECONDS = 5.0

SPOOL_PREFIX = "digestparse-"
_LOCK = "lock"

Item = TypeVar("Item")
Task = tuple[Callable[..., Any], tuple[Any, ...]]


def _context() -> Any:
    # Forked workers start at once with the grammar already built (0.01 s, against
    # 0.3 s for a fresh interpreter); where fork is not safe, a fresh interpreter.
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


class Pool:
    """Worker processes that each run one task at a time. A context manager: leaving it stops them all."""

    def __init__(self, size: int) -> None:
        context = _context()
        self._workers: list[tuple[Any, Connection]] = []
        parent = os.getpid()
        for _ in range(size):
            here, there = context.Pipe()
            process = context.Process(target=_serve, args=(there, parent), daemon=True, name="digestparse-worker")
            process.start()
            there.close()
            self._workers.append((process, here))

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()

    def ordered(
        self, items: Iterator[Item], task: Callable[[Item], Task | None], *, ahead: int
    ) -> Iterator[tuple[Item, Any]]:
        """Each item with its task's answer, in the items' order; at most `ahead` items started and not yet taken.

        `task` gives an item's task, or None for an item the caller does itself:
        it is given back at its turn with the answer None, and no task is handed
        out while the caller does it.
        """
        started: deque[_Ticket[Item]] = deque()
        idle = list(range(len(self._workers)))
        busy: dict[int, _Ticket[Item]] = {}
        held: _Ticket[Item] | None = None  # planned, waiting for a worker
        exhausted = False
        while True:
            while len(started) < ahead:
                if held is None:
                    item = None if exhausted else next(items, None)
                    if item is None:
                        exhausted = True
                        break
                    held = _Ticket(item, task(item))
                    started.append(held)
                    if held.task is None:  # the caller's own, done at its turn
                        held.done, held = True, None
                        continue
                if not idle or held.task is None:
                    break
                worker = idle.pop()
                try:
                    self._workers[worker][1].send(held.task)
                except OSError:  # its end of the pipe is closed: it was killed while it waited
                    raise _lost() from None
                busy[worker], held = held, None
            if not started:
                return
            if started[0].done:
                first = started.popleft()
                yield first.item, first.answer
                continue
            self._take_answers(busy, idle)

    def _take_answers(self, busy: dict[int, _Ticket[Any]], idle: list[int]) -> None:
        """Wait for a busy worker to answer, or to end without answering (a WorkerLostError)."""
        pipes = {self._workers[n][1]: n for n in busy}
        sentinels = {self._workers[n][0].sentinel: n for n in busy}
        for ready in wait([*pipes, *sentinels]):
            worker = pipes.get(ready) if isinstance(ready, Connection) else sentinels.get(ready)
            if worker is None or worker not in busy:
                continue
            connection = self._workers[worker][1]
            if not connection.poll():  # its process ended, and no answer is waiting
                raise _lost()
            try:
                status, answer = connection.recv()
            except (EOFError, OSError):
                raise _lost() from None
            ticket = busy.pop(worker)
            idle.append(worker)
            if status == "error":
                raise answer
            ticket.answer, ticket.done = answer, True

    def close(self) -> None:
        """Ask every worker to end, and wait for them (killing one that takes too long)."""
        for _, connection in self._workers:
            with contextlib.suppress(OSError):
                connection.send(None)
        deadline = time.monotonic() + CLOSE_SECONDS
        for process, connection in self._workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():  # pragma: no cover - a worker ends when asked
                process.kill()
                process.join()
            connection.close()

    def terminate(self) -> None:
        """Stop every worker at once."""
        for process, _ in self._workers:
            if process.is_alive():
                process.kill()
        for process, connection in self._workers:
            process.join()
            connection.close()


class _Ticket(Generic[Item]):
    """An item handed out, and its answer once it came."""

    __slots__ = ("answer", "done", "item", "task")

    def __init__(self, item: Item, task: Task | None) -> None:
        self.item = item
        self.task = task
        self.answer: Any = None
        self.done = False


def _lost() -> WorkerLostError:
    return WorkerLostError(
        "a worker process stopped before its part was done (killed by a signal, or by the system for want of memory)"
    )


def _serve(connection: Connection, parent: int) -> None:
    """A worker: run each task it is sent and answer, until told to end, or until its parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops the workers on Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # and on SIGTERM
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="digestparse-watch").start()
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        function, arguments = task
        try:
            answer: tuple[str, Any] = ("ok", function(*arguments))
        except Exception as error:  # noqa: BLE001 - sent to the main process, which raises it
            answer = ("error", _portable(error))
        connection.send(answer)


def _portable(error: Exception) -> Exception:
    """An exception that pickles: the error itself, or a RuntimeError with its text and where it was raised."""
    import pickle  # noqa: PLC0415 - only when a task failed

    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - its own bytes, made just now
    except Exception:  # noqa: BLE001 - any failure to pickle
        where = "".join(traceback.format_exception(error)).strip()
        return RuntimeError(f"{type(error).__name__} in a worker process: {error} ({where})")
    return error


def _watch(parent: int) -> None:
    """End the worker as soon as its parent is gone (killed outright: it could not stop its workers)."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


# ------------------------------------------------------------------- spool


@contextlib.contextmanager
def spool_folder() -> Iterator[str]:
    """A private folder for the workers' answers, locked while the run lives, removed at its end.

    The spool folders that killed runs left behind are removed first.
    """
    base = tempfile.gettempdir()
    remove_abandoned_spools(base)
    folder = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=base)
    fd, _ = locked_temporary(folder, prefix=_LOCK, suffix="")
    try:
        yield folder
    finally:
        os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)


def remove_abandoned_spools(base: str) -> None:
    """Remove the spool folders under `base` that no live run holds (those of runs that were killed)."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        folder = os.path.join(base, name)
        if not name.startswith(SPOOL_PREFIX) or os.path.islink(folder) or not os.path.isdir(folder):
            continue
        locks = [entry for entry in _listdir(folder) if entry.startswith(_LOCK)]
        if locks and all(is_abandoned(os.path.join(folder, entry)) for entry in locks):
            shutil.rmtree(folder, ignore_errors=True)


def _listdir(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []
