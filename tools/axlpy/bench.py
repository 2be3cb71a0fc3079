"""bench.py: `axl bench ipc`: boot the IPC benchmark guest, read its figures
and summarise them (docs/benchmarks.md).

The guest (tools/bench/ipc/) is a root task that times each operation
with the timestamp counter and prints one line per measurement:

    bench: name=call_reply_rt median=812 p10=810 p90=815 min=809 max=9120 mean=830 n=10000

This module boots it N times per accelerator, TCG with -icount (where the
counter counts guest instructions) and KVM (where it counts TSC cycles),
takes the median of the per-run medians, and makes the table and the JSON
document.  The parsing and statistics are pure functions, tested without
QEMU in tests/tools/test_bench.py.

Imported by tools/bench/ipc/SConscript (load_scenario), so importing it
must stay cheap and free of side effects, like the rest of axlpy.
"""

import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, abi, campaign, display_path, qemu, runner
from . import scenario as scen

BENCH_DIR = Path("tools/bench/ipc")     # the guest and its scenario.toml
SCENARIO_NAME = "bench-ipc"             # its image: build/scenarios/bench-ipc/
BUILD_ALIAS = f"scenario-{SCENARIO_NAME}"
LOG_DIR = Path("build/bench-logs")

# Virtual time under TCG: the TSC counts guest instructions (qemu.ICOUNT).
TCG_ICOUNT = qemu.ICOUNT
UNITS = {"tcg": "instructions", "kvm": "cycles"}
ACCEL_CHOICES = ("tcg", "kvm", "both")

DEFAULT_ITERATIONS = 10000
MIN_ITERATIONS, MAX_ITERATIONS = 100, 100000   # as the guest accepts (bench.h)

# The guest's measurements, in the order it runs them, and what each times.
MEASUREMENTS = (
    ("tsc_overhead", "two timestamp reads back to back; included in every sample"),
    ("null_syscall", "YIELD with nothing else runnable: kernel entry and exit"),
    ("poll_syscall", "POLL on an unsignalled notification: the null call "
                     "plus a capability lookup"),
    ("yield_switch", "YIELD to an equal-priority thread in another address "
                     "space, one way"),
    ("call_reply_rt", "CALL and REPLY_RECV round trip, server in another "
                      "address space"),
    ("call_reply_rt_same", "the same round trip, server in the caller's "
                           "address space"),
    ("call_oneway", "CALL, client to server in another address space, one way"),
    ("reply_oneway", "REPLY_RECV, server back to client, one way"),
    ("send_oneway", "SEND from priority 1 to a receiver waiting at 255 in "
                    "another address space"),
    ("signal_wakeup", "SIGNAL from priority 1 to a thread waiting at 255 in "
                      "another address space"),
)
MEASUREMENT_NAMES = tuple(name for name, _ in MEASUREMENTS)
REQUIRED_FIELDS = ("median", "p10", "p90", "min", "n")
INT_FIELDS = REQUIRED_FIELDS + ("max", "mean")

# Serial lines after which the guest cannot finish: stop QEMU at once
# instead of waiting for the timeout.  A thread without a fault endpoint
# is suspended by the kernel, and whoever waits for it waits forever.
_FATAL = re.compile(r"fault: thread \d+: fault|\bPANIC\b|boot refused")


class BenchError(AxlError):
    """A guest line or run that cannot be used as a result."""


# ------------------------------------------------------------------ parsing

@dataclass(frozen=True)
class Figures:
    """One measurement of one run, as the guest printed it."""
    name: str
    median: int
    p10: int
    p90: int
    min: int
    n: int
    max: int | None = None
    mean: int | None = None

    def as_dict(self):
        return {k: v for k, v in dataclasses.asdict(self).items()
                if k != "name" and v is not None}


def parse_fields(text):
    """{'key': 'value'} from 'key=value key=value ...'; ValueError if a
    word is not key=value or a key repeats."""
    fields = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{word!r} is not key=value")
        if key in fields:
            raise ValueError(f"{key!r} given twice")
        fields[key] = value
    return fields


def parse_result_line(line):
    """Figures from a 'bench: name=...' line; None for any other line.

    Raises BenchError for a result line that is malformed or inconsistent
    (a missing figure, a non-integer, percentiles out of order, n < 1).
    """
    prefix = "bench: name="
    if not line.startswith(prefix):
        return None
    try:
        fields = parse_fields(line[len("bench: "):])
    except ValueError as e:
        raise BenchError(f"bad result line {line!r}: {e}") from None
    missing = [k for k in REQUIRED_FIELDS if k not in fields]
    if missing:
        raise BenchError(f"result line {line!r} lacks {', '.join(missing)}")
    values = {}
    for key in INT_FIELDS:
        if key in fields:
            text = fields[key]
            if not text.isdigit():
                raise BenchError(f"result line {line!r}: {key}={text} is not "
                                 f"a non-negative integer")
            values[key] = int(text)
    fig = Figures(name=fields["name"], **values)
    upper = fig.max if fig.max is not None else fig.p90
    if not fig.min <= fig.p10 <= fig.median <= fig.p90 <= upper:
        raise BenchError(f"result line {line!r}: the figures are not in the "
                         f"order min <= p10 <= median <= p90 <= max")
    if fig.n < 1:
        raise BenchError(f"result line {line!r}: n must be at least 1")
    return fig


@dataclass
class GuestOutput:
    """What one boot of the guest printed."""
    header: dict = field(default_factory=dict)   # 'bench: ipc k=v ...' (digits as int)
    figures: dict = field(default_factory=dict)  # name -> Figures, in order
    done: bool = False                           # 'bench: done' was seen
    errors: list = field(default_factory=list)   # 'bench: error: ...' texts


def parse_output(lines):
    """GuestOutput from serial lines (kernel log lines are skipped).

    Raises BenchError on a malformed result line or a measurement that
    appears twice.
    """
    out = GuestOutput()
    for line in lines:
        if line.startswith("bench: error:"):
            out.errors.append(line[len("bench: error:"):].strip())
        elif line == "bench: done":
            out.done = True
        elif line.startswith("bench: ipc "):
            try:
                fields = parse_fields(line[len("bench: ipc "):])
            except ValueError as e:
                raise BenchError(f"bad header line {line!r}: {e}") from None
            out.header = {k: int(v) if v.isdigit() else v
                          for k, v in fields.items()}
        else:
            fig = parse_result_line(line)
            if fig is None:
                continue
            if fig.name in out.figures:
                raise BenchError(f"measurement {fig.name!r} reported twice")
            out.figures[fig.name] = fig
    return out


def problems(output, expected=MEASUREMENT_NAMES):
    """Why a guest's output is not a complete result ([] if it is)."""
    found = [f"the guest reported an error: {e}" for e in output.errors]
    missing = [n for n in expected if n not in output.figures]
    if missing:
        found.append(f"no figures for {', '.join(missing)}")
    if not output.done:
        found.append("the guest did not print 'bench: done'")
    return found


# --------------------------------------------------------------- statistics

def median(values):
    """The median of a non-empty sequence: the middle value, or the mean of
    the two middle values of an even count."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of no values")
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Summary:
    """One measurement over several runs."""
    name: str
    median: float      # median of the per-run medians
    p10: float         # median of the per-run p10s
    p90: float         # median of the per-run p90s
    min: int           # the smallest sample of any run
    run_medians: tuple  # each run's median, in run order
    runs: int
    n: int             # samples per run

    def as_dict(self):
        d = dataclasses.asdict(self)
        del d["name"]
        d["run_medians"] = list(self.run_medians)
        return d


def summarise(runs, names=None):
    """{name: Summary} from a list of per-run {name: Figures}.

    Every run must have every measurement (names, default: those of the
    first run), and with the same sample count; BenchError if not.
    """
    if not runs:
        raise BenchError("no runs to summarise")
    names = list(names if names is not None else runs[0])
    result = {}
    for name in names:
        figs = []
        for i, run in enumerate(runs, 1):
            if name not in run:
                raise BenchError(f"run {i} has no figures for {name!r}")
            figs.append(run[name])
        counts = {f.n for f in figs}
        if len(counts) != 1:
            raise BenchError(f"{name}: runs have different sample counts "
                             f"{sorted(counts)}")
        result[name] = Summary(
            name=name,
            median=median([f.median for f in figs]),
            p10=median([f.p10 for f in figs]),
            p90=median([f.p90 for f in figs]),
            min=min(f.min for f in figs),
            run_medians=tuple(f.median for f in figs),
            runs=len(figs),
            n=figs[0].n)
    return result


def number(value):
    """A figure for the table: an integer without decimals, else one."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


TABLE_HEADER = ("measurement", "mode", "unit", "median", "p10-p90", "runs")


def format_table(rows):
    """The results table; rows are (mode, unit, Summary) in order."""
    lines = [TABLE_HEADER]
    for mode, unit, s in rows:
        lines.append((s.name, mode, unit, number(s.median),
                      f"{number(s.p10)}-{number(s.p90)}", str(s.runs)))
    widths = [max(len(row[i]) for row in lines) for i in range(len(TABLE_HEADER))]
    right = {3, 4, 5}
    text = []
    for row in lines:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                 for i, cell in enumerate(row)]
        text.append("  ".join(cells).rstrip())
    return "\n".join(text)


# ------------------------------------------------------------- the scenario

def load_scenario(root, codes=None, iterations=None):
    """The guest's scenario (tools/bench/ipc/scenario.toml), named
    SCENARIO_NAME; with iterations, its module args say so."""
    s = scen.load(Path(root) / BENCH_DIR, codes or abi.ExitCodes.for_root(root))
    s = dataclasses.replace(s, name=SCENARIO_NAME)
    if iterations is not None:
        module = dataclasses.replace(s.modules[0], args=f"iterations={iterations}")
        s = dataclasses.replace(s, modules=[module] + list(s.modules[1:]))
    return s


def load_client_template(root, template_dir, manifest, client, codes,
                         marker, error):
    """The benchmark system in template_dir (its scenario.toml) as a
    campaign Template whose marker line, in the module file manifest, is
    in the [component client] section; error(message) is raised if not.
    Used by `bench dma` and `bench availability`."""
    d = Path(root) / template_dir
    s = scen.load(d, codes)
    section = None
    for number, line in enumerate(
            (d / manifest).read_text(encoding="utf-8").splitlines(), 1):
        m = campaign._SECTION.match(line)
        if m:
            section = m.group(2) if m.group(1) == "component" else None
        if line.strip() == marker:
            if section != client:
                break
            return campaign.Template(s, d, manifest, number, client)
    raise error(f"{display_path(d / manifest)}: no '{marker}' line in the "
                f"[component {client}] section")


def guest_argv(scenario, accel, kernel):
    """QEMU's command line for one boot of the guest under accel."""
    args = qemu.argv(scenario, accel=accel, kernel=kernel)
    if accel == "tcg":
        args = qemu.with_icount(args)
    return args


def run_timeout(accel, iterations):
    """Seconds one boot may take: the KVM boot on a nested host alone
    takes about 10 s; TCG runs the measurements at a few million
    operations a second."""
    return 60.0 + iterations * (0.01 if accel == "tcg" else 0.005)


# ------------------------------------------------------------------ running

class _LineCapture(runner.SerialCapture):
    """runner's serial capture, also handing every complete line to a callback."""

    def __init__(self, on_line, log=None):
        super().__init__(log=log)
        self._on_line = on_line

    def _add(self, raw):
        super()._add(raw)
        self._on_line(self.lines[-1])


@dataclass
class Boot:
    """One boot of the guest."""
    result: str          # exit name ('pass', ...), 'timeout' or 'stopped'
    elapsed: float
    lines: list
    stopped_by: str = ""  # the fatal serial line QEMU was stopped for


def boot(args, root, timeout, serial_log, qemu_log, on_line, supervisor, codes):
    """Runs QEMU with args until it exits, the timeout passes, or a fatal
    line appears on the serial console (then QEMU is stopped at once)."""
    fatal = threading.Event()
    stopped_by = []

    def line(text):
        if _FATAL.search(text) and not fatal.is_set():
            stopped_by.append(text)
            fatal.set()
        on_line(text)

    serial_log.parent.mkdir(parents=True, exist_ok=True)
    with open(serial_log, "w", encoding="utf-8") as slog, \
            open(qemu_log, "w", encoding="utf-8") as qlog:
        qlog.write(f"$ {shlex.join(args)}\n")
        qlog.flush()
        capture = _LineCapture(line, log=slog)
        proc = supervisor.start(args, cwd=root, stdout=subprocess.PIPE,
                                stderr=qlog)
        start = time.monotonic()
        reader = threading.Thread(target=capture.pump, args=(proc.stdout,),
                                  daemon=True)
        reader.start()
        status = None
        try:
            while True:
                try:
                    status = proc.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if fatal.is_set() or time.monotonic() - start > timeout:
                    break
        except BaseException:
            runner.stop(proc, grace=2.0)
            raise
        finally:
            elapsed = time.monotonic() - start
            runner.stop(proc)
            reader.join(timeout=5)
            proc.stdout.close()
            supervisor.forget(proc)
    if status is not None:
        result = codes.describe(status)
    else:
        result = "stopped" if fatal.is_set() else "timeout"
    return Boot(result=result, elapsed=elapsed, lines=capture.lines,
                stopped_by=stopped_by[0] if stopped_by else "")


@dataclass
class ModeResult:
    """All runs under one accelerator."""
    mode: str
    unit: str
    status: str = "ok"               # ok, failed, skipped
    reason: str = ""
    runs: list = field(default_factory=list)     # dicts for the JSON document
    figures: list = field(default_factory=list)  # per run: {name: Figures}
    summary: dict = field(default_factory=dict)  # name -> Summary
    argv: list = field(default_factory=list)


_KERNEL_ERROR = re.compile(r"\b(?:ERROR|PANIC)\b")


def last_error(lines):
    """The last kernel ERROR or PANIC line, stripped, or None."""
    for line in reversed(lines):
        if _KERNEL_ERROR.search(line):
            return line.strip()
    return None


def _kvm_hint():
    if "kvm_pvm" in host_info()["kvm_modules"]:
        return ("; this host's KVM is nested (kvm_pvm), where the kernel's "
                "user mode does not run (docs/benchmarks.md, Kernel findings)")
    return ""


def failure_text(b, found, serial_log, timeout, accel):
    """Why boot b cannot be used, for every benchmark: how it ended (with
    the last kernel error line), else the first of found (what its output
    lacks); under KVM said as KVM's failure; the serial log named."""
    where = f"; see {display_path(serial_log)}"
    if b.result == "stopped":
        text = f"stopped after the serial line {b.stopped_by.strip()!r}"
    elif b.result == "timeout":
        text = f"no end after {timeout:g} s"
    elif b.result != "pass":
        text = f"the guest ended with {b.result}"
        error = last_error(b.lines)
        if error:
            text += f" after the serial line {error!r}"
        elif found:
            text += f" ({found[0]})"
    else:
        text = "; ".join(found)
    if accel == "kvm" and b.result != "pass":
        text = f"KVM could not run the guest: {text}{_kvm_hint()}"
    return text + where


def run_mode(ctx, accel, progress):
    """Boots the guest ctx.runs times under accel; stops at the first failed run."""
    res = ModeResult(mode=accel, unit=UNITS[accel])
    timeout = ctx.timeout or run_timeout(accel, ctx.iterations)
    res.argv = guest_argv(ctx.scenario, accel, ctx.kernel)
    for i in range(1, ctx.runs + 1):
        tag = f"{accel} run {i}/{ctx.runs}"
        progress(f"axl: bench ipc: {tag}: booting ({ctx.iterations} iterations)")
        stem = ctx.logdir / f"ipc-{accel}-{i}"
        serial_log = stem.with_suffix(".serial.log")

        def on_line(text, tag=tag):
            try:
                fig = parse_result_line(text)
            except BenchError:
                fig = None
            if fig is not None:
                progress(f"  {tag}: {fig.name:<20} median {fig.median:>8}  "
                         f"p10-p90 {fig.p10}-{fig.p90}")

        b = boot(res.argv, ctx.root, timeout, serial_log,
                 stem.with_suffix(".qemu.log"), on_line, ctx.supervisor,
                 ctx.codes)
        try:
            out = parse_output(b.lines)
            found = problems(out)
        except BenchError as e:
            out, found = GuestOutput(), [str(e)]
        run = {"run": i, "result": b.result, "elapsed_s": round(b.elapsed, 3),
               "log": display_path(ctx.root / serial_log), "guest": out.header,
               "measurements": {n: f.as_dict() for n, f in out.figures.items()}}
        res.runs.append(run)
        if b.result != "pass" or found:
            res.status = "failed"
            res.reason = failure_text(b, found, ctx.root / serial_log, timeout, accel)
            progress(f"axl: bench ipc: {tag}: FAILED: {res.reason}")
            return res
        res.figures.append(out.figures)
        progress(f"axl: bench ipc: {tag}: done in {b.elapsed:.1f} s")
    res.summary = summarise(res.figures, MEASUREMENT_NAMES)
    return res


@dataclass
class Context:
    """What every run shares."""
    root: Path
    scenario: object
    codes: object
    kernel: str
    runs: int
    iterations: int
    timeout: float | None
    logdir: Path
    supervisor: runner.Supervisor = field(default_factory=runner.Supervisor)


def accels_for(choice):
    """The accelerators an --accel choice asks for, in order."""
    if choice not in ACCEL_CHOICES:
        raise AxlError(f"unknown --accel {choice!r} "
                       f"(known: {', '.join(ACCEL_CHOICES)})")
    return ["tcg", "kvm"] if choice == "both" else [choice]


def kvm_problem():
    """Why KVM cannot be used here, or None."""
    try:
        qemu.check_kvm()
    except AxlError as e:
        return str(e)
    return None


def run_all(ctx, accels, progress, skip_unusable_kvm):
    """ModeResults for each accelerator (KVM skipped, with the reason,
    when /dev/kvm is unusable and skip_unusable_kvm)."""
    results = []
    for accel in accels:
        if accel == "kvm":
            why = kvm_problem()
            if why and skip_unusable_kvm:
                progress(f"axl: bench ipc: kvm skipped: {why}")
                results.append(ModeResult(mode="kvm", unit=UNITS["kvm"],
                                          status="skipped", reason=why))
                continue
            if why:
                raise AxlError(why)
        results.append(run_mode(ctx, accel, progress))
    return results


def _runs(k):
    return f"{k} run" + ("" if k == 1 else "s")


def mode_note(res):
    """One line on what a mode's figures are (or why there are none)."""
    if res.status == "skipped":
        return f"skipped: {res.reason}"
    if res.status != "ok":
        return f"FAILED: {res.reason}"
    if res.mode == "tcg":
        return (f"{res.unit}: -icount shift=0 makes RDTSC count guest "
                f"instructions (user and kernel), not time; "
                f"{_runs(len(res.runs))}")
    hz = res.runs[0]["guest"].get("tsc_hz") if res.runs else None
    rate = f" at {hz / 1e9:.2f} GHz" if isinstance(hz, int) and hz > 0 else ""
    nested = (" on a nested KVM host (kvm_pvm): take absolute figures with care"
              if "kvm_pvm" in host_info()["kvm_modules"] else "")
    return f"{res.unit}: TSC ticks{rate}{nested}; {_runs(len(res.runs))}"


# ---------------------------------------------------------- the JSON document

def write_json(path, doc):
    path = Path(path)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise AxlError(f"cannot write {path}: {e.strerror}") from None


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20,
                             check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.strip().splitlines()
    return lines[0].strip() if out.returncode == 0 and lines else None


def qemu_version():
    """'QEMU emulator version 7.2.22 (...)' or None."""
    return _first_line([qemu.QEMU, "--version"])


def git_revision(root):
    """`git describe --always --dirty` of the repository, or None."""
    return _first_line(["git", "-C", str(root), "describe", "--always",
                        "--dirty", "--abbrev=12"])


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def host_info():
    """CPU model, kernel and the KVM modules loaded: what the figures ran on."""
    cpu = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    kvm = sorted(m for m in ("kvm_intel", "kvm_amd", "kvm_pvm")
                 if os.path.isdir(f"/sys/module/{m}"))
    return {"cpu": cpu, "kernel": platform.release(), "cpus": os.cpu_count(),
            "kvm_modules": kvm}


def document(ctx, results, date=None):
    """The JSON document of one `axl bench ipc` (docs/benchmarks.md)."""
    kernel = ctx.root / ctx.kernel
    modes = []
    for r in results:
        modes.append({
            "mode": r.mode, "unit": r.unit, "status": r.status,
            "reason": r.reason or None,
            "cpu_model": qemu.CPU_MODEL.get(r.mode),
            "qemu_argv": r.argv,
            "runs": r.runs,
            "summary": {n: s.as_dict() for n, s in r.summary.items()},
        })
    return {
        "benchmark": "ipc",
        "date": date or datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "kernel": {"revision": git_revision(ctx.root),
                   "image": display_path(kernel),
                   "sha256": sha256(kernel) if kernel.is_file() else None},
        "qemu": {"version": qemu_version()},
        "host": host_info(),
        "iterations": ctx.iterations,
        "runs_requested": ctx.runs,
        "measurements": {name: text for name, text in MEASUREMENTS},
        "modes": modes,
    }
