"""qmp.py: a minimal, deadline-aware QEMU Machine Protocol client.

QMP is line-delimited JSON over a Unix socket: QEMU sends a greeting, the
client sends qmp_capabilities, then commands get {"return": ...} or
{"error": ...} replies, with asynchronous {"event": ...} messages in between.
Deadlines are time.monotonic() values; None means wait forever.
"""

import json
import os
import socket
import time

from . import AxlError


class QmpError(AxlError):
    """QEMU answered a command with an error, or spoke something unexpected."""


class QmpClosed(Exception):
    """QEMU closed the connection (it exited)."""


class QmpTimeout(Exception):
    """The deadline passed while waiting for QEMU."""


def _remaining(deadline):
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise QmpTimeout()
    return left


class QmpClient:
    def __init__(self, sock):
        self._sock = sock
        self._buf = b""
        self.events = []   # events received and not yet consumed

    @classmethod
    def connect(cls, path, deadline, alive, appear_within=10.0):
        """Connect to a QMP server socket that QEMU is about to create.

        Retries until connected; returns None if alive() turns false first
        (QEMU exited).  Raises QmpTimeout at the deadline and QmpError when
        the socket has not appeared within appear_within seconds.
        """
        give_up = time.monotonic() + appear_within
        while True:
            if not alive():
                return None
            _remaining(deadline)
            if os.path.exists(path):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    sock.connect(path)
                    return cls(sock)
                except OSError:   # exists but not listening yet
                    sock.close()
            if time.monotonic() > give_up:
                raise QmpError(f"QMP socket {path} did not appear within "
                               f"{appear_within:g} s")
            time.sleep(0.02)

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_message(self, deadline):
        while b"\n" not in self._buf:
            self._sock.settimeout(_remaining(deadline))
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                raise QmpTimeout() from None
            except ConnectionResetError:
                raise QmpClosed() from None
            if not chunk:
                raise QmpClosed()
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            raise QmpError(f"QMP: not JSON: {line[:200]!r}") from None

    def _send(self, message):
        try:
            self._sock.sendall(json.dumps(message).encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            raise QmpClosed() from None

    def execute(self, command, deadline=None, **arguments):
        """Run a command; return its "return" value (events are queued)."""
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self._send(message)
        while True:
            reply = self._read_message(deadline)
            if "event" in reply:
                self.events.append(reply)
            elif "return" in reply:
                return reply["return"]
            elif "error" in reply:
                err = reply["error"]
                raise QmpError(f"QMP {command}: {err.get('class')}: "
                               f"{err.get('desc')}")
            # anything else (a stray greeting) is ignored

    def negotiate(self, deadline=None):
        """Read the greeting and leave capabilities-negotiation mode."""
        greeting = self._read_message(deadline)
        if "QMP" not in greeting:
            raise QmpError(f"QMP: unexpected greeting {greeting!r}")
        self.execute("qmp_capabilities", deadline)

    def wait_event(self, name, deadline=None):
        """Block until event `name` arrives; return the event message."""
        for i, event in enumerate(self.events):
            if event["event"] == name:
                return self.events.pop(i)
        while True:
            message = self._read_message(deadline)
            if message.get("event") == name:
                return message
            if "event" in message:
                self.events.append(message)
