"""runner.py: boot one scenario under QEMU, capture it, and judge the result.

run() starts QEMU (in its own process group, stdin from /dev/null), streams
the guest's serial output, drives the pvpanic/QMP flow when the scenario has
that device, enforces the timeout and names the result.  check() compares a
RunResult with the scenario's [expect] table.
"""

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import abi, display_path, qemu, qmp

# A guest that never sends "\n" still gets its output split every this many
# bytes, so memory stays bounded.
_MAX_LINE = 64 * 1024


@dataclass(frozen=True)
class RunOptions:
    root: Path                   # repository root; QEMU runs there
    accel: str = "tcg"
    kernel: str = qemu.KERNEL    # -kernel path, relative to root or absolute
    timeout: float | None = None  # seconds; None = wait forever
    gdb_port: int | None = None
    extra_append: str = ""


@dataclass(frozen=True)
class Logs:
    """Where one run writes its files; None = do not write that one."""
    serial: Path | None = None   # serial lines, "\r\n" normalised to "\n"
    qemu: Path | None = None     # QEMU command + stderr (None = inherit)
    vga: Path | None = None      # decoded panic screen (pvpanic + vga)

    @classmethod
    def in_dir(cls, logdir, name):
        logdir = Path(logdir)
        return cls(serial=logdir / f"{name}.serial.log",
                   qemu=logdir / f"{name}.qemu.log",
                   vga=logdir / f"{name}.vga.txt")


@dataclass
class RunResult:
    scenario: object             # scenario.Scenario
    result: str                  # exit name, "pvpanic", "timeout", ...
    status: int | None           # QEMU exit status; None on timeout
    elapsed: float               # seconds from QEMU start to exit
    serial: list = field(default_factory=list)   # serial lines
    vga: list | None = None      # 25 screen lines after a pvpanic
    stderr: str = ""             # QEMU's stderr, when it was captured

    @property
    def passed_exit(self):
        return self.result == self.scenario.expect.exit


class Cancelled(Exception):
    """The run was interrupted (Ctrl-C) before QEMU started."""


class Supervisor:
    """Starts QEMU processes and can stop all live ones (for Ctrl-C)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._live = set()
        self._cancelled = False

    def start(self, args, **kwargs):
        with self._lock:
            if self._cancelled:
                raise Cancelled()
            # A new session: terminal signals do not reach QEMU, and
            # killpg() takes down QEMU and anything it may spawn.
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                    start_new_session=True, **kwargs)
            self._live.add(proc)
            return proc

    def forget(self, proc):
        with self._lock:
            self._live.discard(proc)

    def cancel(self):
        """Stop every live QEMU (gracefully) and refuse new ones."""
        with self._lock:
            self._cancelled = True
            live = list(self._live)
        for proc in live:
            stop(proc, grace=2.0)


def stop(proc, grace=0.0):
    """Kill QEMU's whole process group; with grace > 0, try SIGTERM first
    (QEMU then shuts down cleanly) and wait that long before SIGKILL."""
    if proc.poll() is not None:
        return
    if grace > 0:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            pass
    _signal_group(proc, signal.SIGKILL)
    proc.wait()


def _signal_group(proc, sig):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


class SerialCapture:
    """Splits QEMU's stdout (the guest's COM1) into lines.

    echo(chunk) gets the raw bytes as they arrive (live console output);
    complete lines go to self.lines and, if given, to the log file.
    """

    def __init__(self, echo=None, log=None):
        self.lines = []
        self._echo = echo
        self._log = log
        self._partial = b""

    def pump(self, stream):
        fd = stream.fileno()
        while chunk := os.read(fd, 65536):
            self._echo_chunk(chunk)
            self.feed(chunk)
        self.finish()

    def _echo_chunk(self, chunk):
        if self._echo is None:
            return
        try:
            self._echo(chunk)
        except (BrokenPipeError, ValueError):   # our stdout went away
            self._echo = None

    def feed(self, chunk):
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        for raw in complete:
            self._add(raw)
        while len(self._partial) > _MAX_LINE:
            self._add(self._partial[:_MAX_LINE])
            self._partial = self._partial[_MAX_LINE:]

    def finish(self):
        if self._partial:
            self._add(self._partial)
            self._partial = b""

    def _add(self, raw):
        line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        self.lines.append(line)
        if self._log is not None:
            self._log.write(line + "\n")
            self._log.flush()


def _wait(proc, deadline):
    """QEMU's exit status, or None if the deadline passed first."""
    timeout = None if deadline is None else max(0.0,
                                                deadline - time.monotonic())
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _watch_panic(proc, scenario, sock_path, tmpdir, deadline):
    """The pvpanic flow: wait for GUEST_PANICKED, read the screen, quit.

    Returns (panicked, screen lines or None).  (False, None) when QEMU
    exited (debug-exit) or the deadline passed before a panic.
    """
    alive = lambda: proc.poll() is None  # noqa: E731
    try:
        client = qmp.QmpClient.connect(sock_path, deadline, alive)
        if client is None:
            return False, None
        with client:
            client.negotiate(deadline)
            # A panic before negotiation finished emitted its event to no
            # one; the run state still tells.
            status = client.execute("query-status", deadline)
            if status.get("status") != "guest-panicked":
                client.wait_event("GUEST_PANICKED", deadline)
            screen = None
            if "vga" in scenario.devices:
                screen = _read_screen(client, tmpdir, deadline)
            with contextlib.suppress(qmp.QmpClosed):
                client.execute("quit", deadline)
            return True, screen
    except (qmp.QmpClosed, qmp.QmpTimeout):
        return False, None


def _read_screen(client, tmpdir, deadline):
    dump = Path(tmpdir, "vga.bin").resolve()
    client.execute("pmemsave", deadline, val=qemu.VGA_TEXT_ADDR,
                   size=qemu.VGA_TEXT_SIZE, filename=str(dump))
    return qemu.decode_vga_text(dump.read_bytes())


def _open_logs(stack, logs, args):
    """Open the serial and QEMU logs; returns (serial file, stderr file)."""
    for path in (logs.serial, logs.qemu):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    if logs.vga is not None:
        logs.vga.unlink(missing_ok=True)   # never leave a stale screen
    serial = stderr = None
    if logs.serial is not None:
        serial = stack.enter_context(open(logs.serial, "w", encoding="utf-8"))
    if logs.qemu is not None:
        stderr = stack.enter_context(open(logs.qemu, "w", encoding="utf-8"))
        stderr.write(f"$ {shlex.join(args)}\n")
        stderr.flush()   # QEMU appends its stderr through the shared offset
    return serial, stderr


def _captured_stderr(logs):
    if logs.qemu is None:
        return ""
    text = logs.qemu.read_text(encoding="utf-8", errors="replace")
    return text.split("\n", 1)[1] if "\n" in text else ""


def run(scenario, codes, options, logs=Logs(), echo=None, supervisor=None):
    """Boot `scenario` once and return a RunResult.

    codes is the abi.ExitCodes table; echo receives raw serial bytes live.
    Raises AxlError for harness problems (e.g. a failing QMP command).
    """
    supervisor = supervisor or Supervisor()
    with tempfile.TemporaryDirectory(prefix="axl-") as tmpdir, \
            contextlib.ExitStack() as stack:
        sock = (os.path.join(tmpdir, "qmp.sock")
                if "pvpanic" in scenario.devices else None)
        args = qemu.argv(scenario, accel=options.accel,
                         kernel=options.kernel,
                         extra_append=options.extra_append,
                         qmp_socket=sock, gdb_port=options.gdb_port)
        serial_log, stderr = _open_logs(stack, logs, args)
        capture = SerialCapture(echo=echo, log=serial_log)
        proc = supervisor.start(args, cwd=options.root,
                                stdout=subprocess.PIPE, stderr=stderr)
        try:
            status, panicked, screen, elapsed = _supervise(
                proc, scenario, options.timeout, capture, sock, tmpdir)
        finally:
            supervisor.forget(proc)

    if screen is not None and logs.vga is not None:
        logs.vga.parent.mkdir(parents=True, exist_ok=True)
        logs.vga.write_text("\n".join(screen) + "\n", encoding="utf-8")
    return RunResult(scenario=scenario,
                     result=_result_name(codes, status, panicked),
                     status=status, elapsed=elapsed, serial=capture.lines,
                     vga=screen, stderr=_captured_stderr(logs))


def _supervise(proc, scenario, timeout, capture, sock, tmpdir):
    """Follow a started QEMU to its end (or kill it at the timeout).

    Returns (exit status or None on timeout, panicked, screen, elapsed).
    """
    start = time.monotonic()   # Popen has just returned
    deadline = None if timeout is None else start + timeout
    reader = threading.Thread(target=capture.pump, args=(proc.stdout,),
                              daemon=True)
    reader.start()
    panicked, screen = False, None
    try:
        if sock is not None:
            panicked, screen = _watch_panic(proc, scenario, sock, tmpdir,
                                            deadline)
        status = _wait(proc, deadline)
    except BaseException:
        stop(proc, grace=2.0)  # Ctrl-C or harness error: let QEMU exit cleanly
        raise
    finally:
        elapsed = time.monotonic() - start
        stop(proc)             # on timeout: kill outright (else a no-op)
        reader.join(timeout=5)
        proc.stdout.close()
    return status, panicked, screen, elapsed


def _result_name(codes, status, panicked):
    if status is None:
        return abi.TIMEOUT
    if panicked:
        return abi.PVPANIC
    return codes.describe(status)


# ---------------------------------------------------------------- checking

def _first_unmatched_in_order(lines, patterns):
    """Index of the first pattern that no line after its predecessor's
    match matches, and the 1-based number of that predecessor's line
    (0 when none); None when all match in order.

    Taking the earliest match for each pattern is optimal: it leaves the
    most lines for the patterns after it.
    """
    pos = 0
    for index, pattern in enumerate(patterns):
        for i in range(pos, len(lines)):
            if pattern.search(lines[i]):
                pos = i + 1
                break
        else:
            return index, pos
    return None


def check_serial(lines, patterns):
    """Reason the in-order serial expectations fail, or None."""
    miss = _first_unmatched_in_order(lines, patterns)
    if miss is None:
        return None
    index, after = miss
    pattern = patterns[index].pattern
    if index == 0:
        return f"serial: no line matched {pattern!r} ({len(lines)} lines)"
    return f"serial: no line matched {pattern!r} after line {after}"


def check_forbid(lines, patterns):
    """Reason some serial line matches a forbidden regex, or None."""
    for number, line in enumerate(lines, 1):
        for pattern in patterns:
            if pattern.search(line):
                shown = line if len(line) <= 80 else line[:77] + "..."
                return (f"serial: line {number} matches forbidden "
                        f"{pattern.pattern!r}: {shown!r}")
    return None


def check_vga(screen, patterns, result):
    """Reason the VGA expectations fail, or None."""
    if not patterns:
        return None
    if screen is None:
        return f"vga: no screen captured (the run ended with {result})"
    for pattern in patterns:
        if not any(pattern.search(line) for line in screen):
            return f"vga: no screen line matched {pattern.pattern!r}"
    return None


# Results caused by QEMU itself, whose stderr says why.
_QEMU_FAILURES = ("qemu-error", "qemu-abort")


def _exit_reason(run_result, expected):
    if run_result.result == abi.TIMEOUT:
        return (f"exit: timeout after {run_result.elapsed:.0f} s, "
                f"expected {expected}")
    reason = f"exit: got {run_result.result}, expected {expected}"
    last = [ln for ln in run_result.stderr.splitlines() if ln.strip()]
    if run_result.result in _QEMU_FAILURES and last:
        reason += f" ({last[-1].strip()})"
    return reason


def check(run_result, logs=Logs()):
    """Every way run_result misses its scenario's [expect]; [] = pass.

    Each reason ends with a pointer to the log that shows the problem.
    """
    expect = run_result.scenario.expect
    lines = run_result.serial
    found = []   # (reason, log path to point at)
    if not run_result.passed_exit:
        found.append((_exit_reason(run_result, expect.exit),
                      logs.qemu if run_result.result in _QEMU_FAILURES
                      else logs.serial))
    for reason in (check_serial(lines, expect.serial),
                   check_forbid(lines, expect.forbid)):
        if reason:
            found.append((reason, logs.serial))
    vga = check_vga(run_result.vga, expect.vga, run_result.result)
    if vga:
        found.append((vga, logs.vga if run_result.vga else logs.serial))
    return [f"{reason}; see {display_path(path)}" if path else reason
            for reason, path in found]
