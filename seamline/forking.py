"""Half of a bulk computation in a forked child process.

A whole-network computation (the full authorization register, a week's rota validated at once)
is hundreds of thousands of decisions, each a few microseconds of Python: one core takes
seconds. Where it is safe, the work is split in two: a forked child computes one half while
this process does the other, then sends its result back through a pipe (`start`), or a part
at a time as it makes them (`start_stream`), written with `marshal` (plain values only: a tenth
of the time `pickle` takes).

Forking is safe and worth it only:

* on a POSIX system with more than one core;
* outside a transaction (the child has its own database connection and would not see
  uncommitted rows), and not on an in-memory SQLite database.

The child never touches the parent's database connection: it sets the inherited one aside
unclosed (closing it would end the parent's session on PostgreSQL), opens its own, and leaves
with `os._exit`, so no clean-up code of the parent's runs twice. Callers pause the cycle
collector around the fork (`collector.paused`); the child inherits the pause.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from django.db import connections

# Connections inherited by a child, kept referenced so they are never closed from there.
_INHERITED: list[Any] = []
# In a child: what its work made and need not free (`keep`).
_KEPT: list[Any] = []
_IN_CHILD = False


def keep(*objects: Any) -> None:
    """In a forked child, keep `objects` (a half's loaded facts: hundreds of thousands of
    objects) until the child leaves, rather than freeing them one by one once the work is done:
    it leaves with `os._exit`, and the system takes its memory back at once. In any other
    process, nothing."""
    if _IN_CHILD:
        _KEPT.extend(objects)


def can_fork(alias: str) -> bool:
    """Whether work on the database `alias` may be handed to a forked child (see above)."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    connection = connections[alias]
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

        return not cast(SQLite, connection).is_in_memory_db()
    return True


class Child:
    """A forked child at work; `collect` waits for its result."""

    def __init__(self, pid: int, fd: int, what: str) -> None:
        self.pid = pid
        self.fd = fd
        self.what = what

    def collect(self) -> Any:
        """What the child's work returned. A child that failed raises here, with its error."""
        with os.fdopen(self.fd, "rb") as pipe:
            data = pipe.read()
        # Written by our own child into a pipe only the two processes hold. Read before the
        # child is waited for: it frees its memory on leaving meanwhile.
        kind, payload = (
            marshal.loads(data)  # noqa: S302
            if data
            else ("error", "the child sent nothing")
        )
        del data
        os.waitpid(self.pid, 0)
        if kind == "error":
            raise RuntimeError(f"{self.what} failed: {payload}")
        return payload


def start(work: Callable[[], Any], what: str) -> Child:
    """Fork a child that runs `work` (which returns plain values `marshal` can write).
    `what` names the work in the error raised when the child fails."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return Child(pid, read, what)
    # The child: compute, send, leave without running the parent's clean-up.
    os.close(read)
    global _IN_CHILD
    _IN_CHILD = True
    try:
        for connection in connections.all(initialized_only=True):
            _INHERITED.append(connection.connection)
            connection.connection = None
        data = marshal.dumps(("done", work()))
    except BaseException:  # everything, so the parent hears of it
        data = marshal.dumps(("error", traceback.format_exc()))
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


# --- a child that sends its result in parts ------------------------------------------------------
# Each part is written to a temporary file the two processes share, and its place announced on
# the pipe in a small fixed-size notice: the child never waits for the parent to read (a pipe
# holds only 64 KiB), and the parent takes in each part as soon as it is written, while the
# child works on the next.
_NOTICE = struct.Struct("!cQQ")  # kind (b"p" part, b"d" done, b"e" error), offset, length


class Stream:
    """A forked child at work sending parts; iterate to have them as they come."""

    def __init__(self, pid: int, fd: int, file: Any, what: str) -> None:
        self.pid = pid
        self.fd = fd
        self.file = file
        self.what = what

    def __iter__(self) -> Iterator[Any]:
        """Each part the child sent, in order. A child that failed raises here, with its
        error, after the parts it sent before failing."""
        try:
            with os.fdopen(self.fd, "rb") as pipe:
                while True:
                    notice = pipe.read(_NOTICE.size)
                    if len(notice) < _NOTICE.size:
                        raise RuntimeError(f"{self.what} failed: the child stopped sending")
                    kind, offset, length = _NOTICE.unpack(notice)
                    if kind == b"d":
                        return
                    data = os.pread(self.file.fileno(), length, offset)
                    if kind == b"e":
                        raise RuntimeError(f"{self.what} failed: {data.decode()}")
                    # Written by our own child into a file only the two processes hold.
                    yield marshal.loads(data)  # noqa: S302
        finally:
            self.file.close()
            os.waitpid(self.pid, 0)


def start_stream(work: Callable[[], Iterable[Any]], what: str) -> Stream:
    """Fork a child that runs `work` and sends each part it yields (plain values `marshal` can
    write) as soon as it is made. `what` names the work in the error raised when it fails."""
    file = tempfile.TemporaryFile(prefix="seamline-part-")  # noqa: SIM115 (closed by Stream)
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return Stream(pid, read, file, what)
    os.close(read)
    fd = file.fileno()
    offset = 0

    def send(kind: bytes, data: bytes) -> None:
        nonlocal offset
        os.pwrite(fd, data, offset)
        os.write(write, _NOTICE.pack(kind, offset, len(data)))
        offset += len(data)

    global _IN_CHILD
    _IN_CHILD = True
    try:
        for connection in connections.all(initialized_only=True):
            _INHERITED.append(connection.connection)
            connection.connection = None
        for part in work():
            send(b"p", marshal.dumps(part))
        send(b"d", b"")
    except BaseException:  # everything, so the parent hears of it
        # (Should even that fail, the parent hears that the child stopped sending.)
        with contextlib.suppress(BaseException):
            send(b"e", traceback.format_exc().encode())
    finally:
        os._exit(0)
