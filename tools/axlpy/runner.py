"""runner.py: boot one scenario under QEMU, capture it, and judge the result.

run() starts QEMU (in its own process group, stdin from /dev/null), streams
the guest's serial output, drives the pvpanic/QMP flow when the scenario has
that device (at each panic: memory dump, store copy, tamper actions, screen,
then a reset while reboots remain), enforces the timeout, names the result
and decodes the crash store when [expect] asks.  check() compares a
RunResult with the scenario's [expect] table.
"""

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, abi, display_path, pstore, qemu, qmp

# A guest that never sends "\n" still gets its output split every this many
# bytes, so memory stays bounded.
_MAX_LINE = 64 * 1024

FOREVER = float("inf")   # RunOptions.reboots: reset after every panic
DUMP_TIME = 120.0        # seconds a memory dump may take (not run time)
DECODE_TIMEOUT = 60.0    # seconds the crash decoder may take


@dataclass(frozen=True)
class RunOptions:
    root: Path                   # repository root; QEMU runs there
    accel: str = "tcg"
    kernel: str = qemu.KERNEL    # -kernel path, relative to root or absolute
    timeout: float | None = None  # seconds; None = wait forever
    gdb_port: int | None = None
    extra_append: str = ""
    reboots: int | float | None = None   # resets after panics: None = the
                                         # scenario's `reboots`, FOREVER
    keep_pstore: bool = False    # boot with the store of the last run
    dump: bool = False           # memory dump at each panic (build/crash/)
    extra_qemu: tuple = ()       # appended to QEMU's command line as is

    def allowed_reboots(self, scenario):
        if self.reboots is None:
            return scenario.reboots
        return self.reboots


@dataclass(frozen=True)
class Logs:
    """Where one run writes its files; None = do not write that one."""
    serial: Path | None = None   # serial lines, "\r\n" normalised to "\n"
    qemu: Path | None = None     # QEMU command + stderr (None = inherit)
    vga: Path | None = None      # decoded panic screen (pvpanic + vga)
    decoded: Path | None = None  # the crash decoder's stdout

    @classmethod
    def in_dir(cls, logdir, name):
        logdir = Path(logdir)
        return cls(serial=logdir / f"{name}.serial.log",
                   qemu=logdir / f"{name}.qemu.log",
                   vga=logdir / f"{name}.vga.txt",
                   decoded=logdir / f"{name}.decoded.txt")


@dataclass
class Decode:
    """One run of the crash decoder (build/tools/axl-crash decode)."""
    store: Path | None           # the store file it read
    status: int | None = None    # its exit status
    lines: list = field(default_factory=list)   # its stdout, split
    stderr: str = ""
    error: str | None = None     # why it could not run (then no status)


@dataclass
class RunResult:
    scenario: object             # scenario.Scenario
    result: str                  # exit name, "pvpanic", "timeout", ...
    status: int | None           # QEMU exit status; None on timeout
    elapsed: float               # seconds from QEMU start to exit
    serial: list = field(default_factory=list)   # serial lines
    vga: list | None = None      # 25 screen lines after the final pvpanic
    stderr: str = ""             # QEMU's stderr, when it was captured
    panics: int = 0              # GUEST_PANICKED events seen
    panic_stores: list = field(default_factory=list)  # store copy per panic
                                 # (after that panic's tamper actions)
    dumps: list = field(default_factory=list)         # memory dump paths
    tampered: list = field(default_factory=list)      # what tamper did
    tamper_errors: list = field(default_factory=list)  # what it could not
    decode: Decode | None = None

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


class _PanicFlow:
    """What happens at each panic of one run (k = 1, 2, ...): a memory dump
    (with RunOptions.dump); with "erst", the tamper actions for panic k and
    a copy of the store as they left it (what the next boot reads; the
    store as the guest left it is kept too when actions ran); the screen
    (with "vga"); then a reset while reboots remain, else quit.
    notify(text) gets a line per step."""

    def __init__(self, scenario, options, tmpdir, notify=None):
        self.scenario = scenario
        self.options = options
        self.root = Path(options.root)
        self.tmpdir = tmpdir
        self.notify = notify or (lambda text: None)
        self.allowed = options.allowed_reboots(scenario)
        self.erst = "erst" in scenario.devices
        self.store = self.root / pstore.store_path(scenario.name)
        self.state = pstore.TamperState()
        self.panics = 0
        self.stores = []
        self.dumps = []
        self.tampered = []
        self.tamper_errors = []
        self.screen = None

    def tamper(self, k):
        """Apply the actions registered for panic k (0: before the boot)
        to the store file, one by one; failures are recorded, not raised."""
        actions = [t for t in self.scenario.tamper if t.panic == k]
        if not actions:
            return
        try:
            store = pstore.Store.read(self.store)
        except pstore.StoreError as e:
            self.tamper_errors += [f"{t}: {e}" for t in actions]
            return
        for t in actions:
            try:
                done = pstore.apply(store, t.action, self.state)
            except pstore.StoreError as e:
                self.tamper_errors.append(f"{t}: {e}")
                continue
            self.tampered.append(f"@{k} {done}")
            self.notify(f"tamper @{k}: {done}")
        store.write(self.store)

    def at_panic(self, client, deadline):
        """Handle panic number self.panics + 1; returns the run's deadline,
        moved on by the time a memory dump took (the guest was paused)."""
        self.panics += 1
        k = self.panics
        if self.options.dump:
            started = time.monotonic()
            self._dump(client, k, deadline)
            if deadline is not None:
                deadline += time.monotonic() - started
        if self.erst:
            name = self.scenario.name
            if any(t.panic == k for t in self.scenario.tamper):
                self._copy_store(pstore.pre_tamper_path(name, k))
                self.tamper(k)
            copy = self._copy_store(pstore.panic_store_path(name, k))
            self.stores.append(copy)
            self.notify(f"panic {k}: store copied to {display_path(copy)}")
        if "vga" in self.scenario.devices:
            self.screen = _read_screen(client, self.tmpdir, deadline)
        return deadline

    def _copy_store(self, rel):
        copy = self.root / rel
        try:
            shutil.copyfile(self.store, copy)
        except OSError as e:
            raise AxlError(f"cannot copy the store "
                           f"{display_path(self.store)} to "
                           f"{display_path(copy)}: {e.strerror}") from None
        return copy

    def _dump(self, client, k, deadline):
        path = (self.root / pstore.DUMP_DIR /
                f"{self.scenario.name}-{k}.elf").resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)   # QEMU makes it 0400
        limit = (None if deadline is None
                 else max(deadline, time.monotonic() + DUMP_TIME))
        client.execute("dump-guest-memory", limit, paging=False,
                       protocol=f"file:{path}")
        event = client.wait_event("DUMP_COMPLETED", limit)
        error = event.get("data", {}).get("error")
        if error:
            raise qmp.QmpError(f"dump-guest-memory: {error}")
        self.dumps.append(path)
        self.notify(f"panic {k}: memory dump saved to {display_path(path)}")

    def watch(self, proc, sock_path, deadline):
        """The pvpanic flow over QMP, to the panic that ends the run.

        Returns (panicked, deadline): panicked is False when QEMU exited
        (debug-exit) or the deadline passed before a final panic.
        """
        alive = lambda: proc.poll() is None  # noqa: E731
        try:
            client = qmp.QmpClient.connect(sock_path, deadline, alive)
            if client is None:
                return False, deadline
            with client:
                client.negotiate(deadline)
                # A panic before negotiation finished emitted its event to
                # no one; the run state still tells.
                status = client.execute("query-status", deadline)
                if status.get("status") != "guest-panicked":
                    client.wait_event("GUEST_PANICKED", deadline)
                while True:
                    deadline = self.at_panic(client, deadline)
                    if self.panics > self.allowed:
                        with contextlib.suppress(qmp.QmpClosed):
                            client.execute("quit", deadline)
                        return True, deadline
                    client.events.clear()
                    client.execute("system_reset", deadline)
                    client.execute("cont", deadline)
                    limit = ("" if self.allowed == FOREVER
                             else f" of {self.allowed}")
                    self.notify(f"panic {self.panics}: machine reset "
                                f"(reboot {self.panics}{limit})")
                    client.wait_event("GUEST_PANICKED", deadline)
        except (qmp.QmpClosed, qmp.QmpTimeout):
            return False, deadline


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


def run(scenario, codes, options, logs=Logs(), echo=None, supervisor=None,
        notify=None):
    """Boot `scenario` once and return a RunResult.

    codes is the abi.ExitCodes table; echo receives raw serial bytes live;
    notify(text) gets a line for each harness step at a panic.
    Raises AxlError for harness problems (e.g. a failing QMP command).
    """
    supervisor = supervisor or Supervisor()
    root = Path(options.root)
    with tempfile.TemporaryDirectory(prefix="axl-") as tmpdir, \
            contextlib.ExitStack() as stack:
        flow = _PanicFlow(scenario, options, tmpdir, notify)
        if flow.erst:
            _prepare_pstore(flow, options.keep_pstore)
        sock = (os.path.join(tmpdir, "qmp.sock")
                if "pvpanic" in scenario.devices else None)
        args = qemu.argv(scenario, accel=options.accel,
                         kernel=options.kernel,
                         extra_append=options.extra_append,
                         qmp_socket=sock, gdb_port=options.gdb_port,
                         reboot=flow.allowed > 0)
        args += qemu.extra_args(scenario, options.extra_qemu)
        serial_log, stderr = _open_logs(stack, logs, args)
        capture = SerialCapture(echo=echo, log=serial_log)
        proc = supervisor.start(args, cwd=root,
                                stdout=subprocess.PIPE, stderr=stderr)
        try:
            status, panicked, elapsed = _supervise(
                proc, flow, options.timeout, capture, sock)
        finally:
            supervisor.forget(proc)

    screen = flow.screen if panicked else None
    if screen is not None and logs.vga is not None:
        logs.vga.parent.mkdir(parents=True, exist_ok=True)
        logs.vga.write_text("\n".join(screen) + "\n", encoding="utf-8")
    result = RunResult(scenario=scenario,
                       result=_result_name(codes, status, panicked),
                       status=status, elapsed=elapsed, serial=capture.lines,
                       vga=screen, stderr=_captured_stderr(logs),
                       panics=flow.panics, panic_stores=flow.stores,
                       dumps=flow.dumps, tampered=flow.tampered,
                       tamper_errors=flow.tamper_errors)
    if scenario.expect.decodes:
        result.decode = decode_run(result, root, logs.decoded)
    return result


def _prepare_pstore(flow, keep):
    """A fresh store (unless keep), the machine key, and the actions @0."""
    pstore.prepare_store(flow.root, flow.scenario.name, keep)
    pstore.ensure_key(flow.root)
    if any(t.panic == 0 for t in flow.scenario.tamper):
        if not flow.store.exists():
            pstore.create_store(flow.store)
        flow.tamper(0)


def _supervise(proc, flow, timeout, capture, sock):
    """Follow a started QEMU to its end (or kill it at the timeout).

    Returns (exit status or None on timeout, panicked, elapsed).
    """
    start = time.monotonic()   # Popen has just returned
    deadline = None if timeout is None else start + timeout
    reader = threading.Thread(target=capture.pump, args=(proc.stdout,),
                              daemon=True)
    reader.start()
    panicked = False
    try:
        if sock is not None:
            panicked, deadline = flow.watch(proc, sock, deadline)
        status = _wait(proc, deadline)
    except BaseException:
        stop(proc, grace=2.0)  # Ctrl-C or harness error: let QEMU exit cleanly
        raise
    finally:
        elapsed = time.monotonic() - start
        stop(proc)             # on timeout: kill outright (else a no-op)
        reader.join(timeout=5)
        proc.stdout.close()
    return status, panicked, elapsed


def _result_name(codes, status, panicked):
    if status is None:
        return abi.TIMEOUT
    if panicked:
        return abi.PVPANIC
    return codes.describe(status)


# ---------------------------------------------------------------- decoding

def decoder_path(root):
    """The crash decoder, or AxlError saying how to get it."""
    path = Path(root) / pstore.DECODER
    if not path.is_file():
        raise AxlError(f"decoder {pstore.DECODER} not found: run scons")
    return path


def decode_store(root, store, timeout=DECODE_TIMEOUT):
    """Run `axl-crash decode STORE --kernel ... --key ...` in root, as the
    scenario check does.  Returns a Decode (error set when it could not
    run)."""
    root = Path(root)
    try:
        decoder = decoder_path(root)
    except AxlError as e:
        return Decode(store=store, error=str(e))
    rel = Path(store)
    with contextlib.suppress(ValueError):
        rel = Path(store).resolve().relative_to(root.resolve())
    command = [str(decoder), "decode", str(rel),
               "--kernel", qemu.KERNEL_SYMBOLS, "--key", pstore.KEY_FILE]
    try:
        done = subprocess.run(command, cwd=root, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Decode(store=store, error=f"decoder {pstore.DECODER} took "
                                         f"more than {timeout:g} s")
    except OSError as e:
        return Decode(store=store, error=f"decoder {pstore.DECODER} could "
                                         f"not run: {e.strerror}")
    return Decode(store=store, status=done.returncode,
                  lines=_split_lines(done.stdout),
                  stderr=done.stderr.decode("utf-8", errors="replace"))


def _split_lines(data):
    """Lines of program output, "\r\n" or "\n" ended, the last maybe not."""
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def decoded_store(run_result, root):
    """The store file [expect] decode-panic names for this run, or
    (None, reason)."""
    scenario = run_result.scenario
    which = scenario.expect.decode_panic
    if which is None:   # the last panic; the final store if there was none
        which = run_result.panics
    if which == 0:
        return Path(root) / pstore.store_path(scenario.name), None
    if which > len(run_result.panic_stores):
        count = len(run_result.panic_stores)
        return None, (f"decode-panic {which}: the run had {count} "
                      f"panic{'' if count == 1 else 's'}")
    return run_result.panic_stores[which - 1], None


def decode_run(run_result, root, log=None):
    """Decode the store [expect] names; save the decoder's stdout to log."""
    if log is not None:
        log.unlink(missing_ok=True)   # never leave a stale decode
    store, problem = decoded_store(run_result, root)
    if problem:
        return Decode(store=None, error=problem)
    if not store.is_file():
        return Decode(store=store, error=f"store {display_path(store)} "
                                         f"not found")
    decode = decode_store(root, store)
    if log is not None and decode.error is None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("".join(line + "\n" for line in decode.lines),
                       encoding="utf-8")
    return decode


# ---------------------------------------------------------------- checking

def _first_unmatched_in_order(lines, patterns):
    """Index of the first pattern that no line after its predecessor's
    match matches, and the 1-based number of that predecessor's line
    (0 when none); None when all match in order.

    Taking the earliest match for each pattern is optimal: it leaves the
    most lines for the patterns after it. A named group's text is kept for
    the patterns after it that refer to it (scenario.Backref).
    """
    pos, captures = 0, {}
    for index, pattern in enumerate(patterns):
        if hasattr(pattern, "bind"):
            pattern = pattern.bind(captures)  # scenario.Backref: an earlier line's text
        for i in range(pos, len(lines)):
            m = pattern.search(lines[i])
            if m:
                captures.update({k: v for k, v in m.groupdict().items() if v is not None})
                pos = i + 1
                break
        else:
            return index, pos
    return None


def check_serial(lines, patterns, what="serial"):
    """Reason the in-order expectations on lines fail, or None; what names
    the lines in the reason ("serial", "decoded")."""
    miss = _first_unmatched_in_order(lines, patterns)
    if miss is None:
        return None
    index, after = miss
    pattern = patterns[index].pattern
    if index == 0:
        return f"{what}: no line matched {pattern!r} ({len(lines)} lines)"
    return f"{what}: no line matched {pattern!r} after line {after}"


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


def check_decode(decode, expect, log):
    """(reason, log) pairs for the decoded expectations."""
    if decode is None:
        return [("decoded: the store was not decoded", None)]
    if decode.error is not None:
        return [(f"decoded: {decode.error}", None)]
    found = []
    store = display_path(decode.store)
    if decode.status != expect.decode_status:
        reason = (f"decode-status: the decoder exited with {decode.status} "
                  f"on {store}, expected {expect.decode_status}")
        last = [ln for ln in decode.stderr.splitlines() if ln.strip()]
        if last:
            reason += f" ({last[-1].strip()})"
        found.append((reason, log))
    reason = check_serial(decode.lines, expect.decoded, what="decoded")
    if reason:
        found.append((f"{reason} of {store}", log))
    return found


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
    for problem in run_result.tamper_errors:
        found.append((f"tamper: {problem}", logs.serial))
    if expect.decodes:
        found += check_decode(run_result.decode, expect, logs.decoded)
    return [f"{reason}; see {display_path(path)}" if path else reason
            for reason, path in found]
