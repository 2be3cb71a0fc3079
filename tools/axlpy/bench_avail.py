"""bench_avail.py: `axl bench availability`: what a driver crash costs when
the edu driver runs in the kernel and when it runs in user space
(docs/benchmarks.md, "Availability under crashes").

Crashes come as a Poisson process of rate lambda (per second of guest
time).  The same client, availclient, sends requests to the edu driver
every --period-us and makes the driver fail at each crash time:

    user     build/kernel/kernel.elf32 with the edu driver as a process
             (tools/bench/availability/user/): the supervisor restarts it
             and libipc sends the failed request again;
    kernel   build/kernel-mono/kernel.elf32, the kernel with the edu driver
             linked in (tools/bench/availability/kernel/): the fault is a
             kernel panic, pvpanic stops the machine, the harness (runner's
             panic flow, reboots=FOREVER) resets it, and the rebooted system
             serves again.

Each template's avail.manifest has a line MARKER that is replaced by
availclient's `args = "..."`.  availclient prints, through the console
("[availclient] " first), lines whose t= values are raw TSC ticks:

    avail: start mode=kernel boot=3 lambda=1 seed=1 ... tsc_hz=999999914 t=..
    avail: up t=...
    avail: window t=... req=100 ok=100 fail=0 fact=99 fact_lat_ns=...
                  fact_max_ns=... dma=1 dma_lat_ns=... dma_max_ns=...
    avail: crash k=0 t=... ttf_us=734210
    avail: back k=0 t=... down_us=812                 (user mode)
    avail: price kind=factorial n=2000 median_ns=... p99_ns=... mean_ns=...
                 total_ns=... per_s=...
    avail: price done
    avail: error <text>

Under TCG QEMU runs with -icount shift=0,sleep=off: the TSC reads QEMU's
virtual clock in ns, keeps counting across a system_reset and stands still
while the machine is paused, so a kernel-mode downtime (crash, panic,
reset, firmware, boot, first request served) is a reproducible length of
virtual time.  A run ends when guest time reaches T0 + duration (T0: the
first `up`): the tool watches the lines as they arrive and stops QEMU
itself; that is the normal end of a run, not an error.

Parsing, the analysis, the document, the CSV, the plot script and the
smoke check are pure functions, tested without QEMU in
tests/tools/test_bench_avail.py; run() boots through boot(), which the
tests replace.  Importing this module is cheap and has no side effects,
like the rest of axlpy.
"""

import csv
import datetime
import io
import math
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, bench, campaign, display_path, qemu, runner

MODES = ("user", "kernel")
MODE_CHOICES = ("user", "kernel", "both")
TEMPLATE_BASE = Path("tools/bench/availability")   # <mode>/scenario.toml
MANIFEST = "avail.manifest"
MARKER = "# @ARGS@"
CLIENT = "availclient"
KERNEL_MONO = "build/kernel-mono/kernel.elf32"   # the kernel with edu linked in
KERNELS = {"user": qemu.KERNEL, "kernel": KERNEL_MONO}
OUT_DIR = Path("build/bench/availability")     # <mode>/image, scenarios, logs/
ACCELS = ("tcg", "kvm")

DEFAULT_LAMBDAS = "0.1,1,10"
DEFAULT_DURATION = 60.0
DEFAULT_SEED = 1
DEFAULT_PERIOD_US = 10000
DEFAULT_DMA_EVERY = 200
DEFAULT_KIND = "null-read"
DEFAULT_PRICE_REQUESTS = 2000
WINDOW_MS = 1000            # availclient's window= (ms between window lines)
ARGS_MAX = 127              # the longest args string availclient takes

# Faults that make sense in ring 0 (the kernel-mode driver meets them as a
# trap, which panics the kernel), and the process kinds that do not make a
# user-mode driver fail at once: a hang is found only by the heartbeat and
# a leak need not fail at all, so neither is one crash at a known time.
KERNEL_KINDS = ("null-read", "wild-read", "divide-by-zero", "invalid-opcode")
USER_REFUSED = ("infinite-loop", "infinite-loop-cli", "leak")

AGREE_TOLERANCE = 0.05      # |deviation| within this: measured agrees
CHECKABLE_CRASHES = 20      # fewer crashes: too few to judge the agreement
PRICE_KINDS = ("factorial", "dma")
SMOKE = {"lambdas": "5", "duration": 2.0, "price_requests": 200}

RENEWAL_NOTE = (
    "crashes are scheduled as a renewal process: the guest draws each "
    "time to failure from Exp(lambda), from the seed, starting when the "
    "service came back from the crash before (the model's assumption), so "
    "A = 1 / (1 + lambda * MTTR)")

RESULT_COLUMNS = ("mode", "lambda", "crashes", "completed", "mttr_s",
                  "downtime_median_s", "downtime_p99_s", "availability",
                  "success_ratio", "model_availability", "deviation",
                  "agrees", "checkable", "requests", "failed", "status",
                  "reason", "log")

# Kernel panics (kernel/panic/kpanic.c prints "KERNEL PANIC Pnn ...").
_PANIC = re.compile(r"\b(?:KERNEL|NESTED) PANIC\b")
# Any PANIC at all: in user mode the run stops at once (bench._FATAL's rule).
_ANY_PANIC = re.compile(r"\bPANIC\b")
_AVAIL = re.compile(r"(?<![\w-])avail: ([a-z]+)\b(.*?)\s*$")
_DECIMAL = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)\Z")
_UINT = re.compile(r"\d+\Z")


class BenchAvailError(AxlError):
    """The benchmark cannot be set up, or its options are wrong."""


# ------------------------------------------------------------------ options

def parse_lambdas(text):
    """[(text, value)] from a comma list of positive decimal numbers
    ("0.1,1,10"); the text is what availclient is given."""
    items = [t.strip() for t in str(text).split(",")]
    if not text or not all(items):
        raise BenchAvailError(f"--lambda {text!r}: give a comma-separated "
                              f"list of crash rates per second, like "
                              f"{DEFAULT_LAMBDAS}")
    out = []
    for t in items:
        if not _DECIMAL.match(t):
            raise BenchAvailError(f"--lambda: {t!r} is not a decimal number "
                                  f"(crashes per second, like 0.1 or 10)")
        value = float(t)
        if not value > 0 or not math.isfinite(value):
            raise BenchAvailError(f"--lambda: {t!r} must be greater than 0")
        if any(v == value for _, v in out):
            raise BenchAvailError(f"--lambda: {t!r} is given twice")
        out.append((t, value))
    return out


def modes_for(choice):
    if choice not in MODE_CHOICES:
        raise BenchAvailError(f"--mode must be one of "
                              f"{', '.join(MODE_CHOICES)}, not {choice!r}")
    return list(MODES) if choice == "both" else [choice]


def check_options(duration, seed, period_us, dma_every, price_requests,
                  accel):
    """BenchAvailError unless the numbers and the accelerator are usable."""
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) \
            or not duration > 0 or not math.isfinite(duration):
        raise BenchAvailError(f"--duration must be a positive number of "
                              f"seconds, not {duration!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise BenchAvailError(f"--seed must be an integer >= 0, not {seed!r}")
    for name, value in (("--period-us", period_us),
                        ("--dma-every", dma_every),
                        ("--price-requests", price_requests)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise BenchAvailError(f"{name} must be at least 1, not {value!r}")
    if accel not in ACCELS:
        raise BenchAvailError(f"--accel must be one of {', '.join(ACCELS)}, "
                              f"not {accel!r}")


def usable_kinds(kinds, mode):
    """Names of the fault kinds a mode accepts, in header order."""
    if mode == "kernel":
        names = {k.name for k in kinds}
        return [k for k in KERNEL_KINDS if k in names]
    return [k.name for k in kinds
            if k.where == "process" and k.name not in USER_REFUSED]


def check_kind(kinds, kind, mode):
    """BenchAvailError unless mode can crash its driver with kind
    (kinds: campaign.load_kinds())."""
    usable = usable_kinds(kinds, mode)
    if kind in usable:
        return kind
    if not any(k.name == kind for k in kinds):
        raise BenchAvailError(f"unknown fault kind {kind!r} (known: "
                              f"{', '.join(k.name for k in kinds)}; from "
                              f"{campaign.INJECT_HEADER})")
    if mode == "kernel":
        why = ("the driver linked into the kernel can only meet a fault "
               "that traps in ring 0 and so panics the kernel")
    elif kind in USER_REFUSED:
        why = ("it does not make the driver fail at a known moment (a hang "
               "is found only by the heartbeat, a leak need not fail)")
    else:
        why = "the supervisor carries it out, not the driver itself"
    raise BenchAvailError(f"--kind {kind} cannot be used in {mode} mode: "
                          f"{why}; use one of {', '.join(usable)}")


def client_args(mode, lam_text, seed, period_us, dma_every, kind,
                window_ms=WINDOW_MS):
    """availclient's args for an availability run."""
    return _checked_args(f"mode={mode} lambda={lam_text} seed={seed} "
                         f"period={period_us} dma={dma_every} kind={kind} "
                         f"window={window_ms}")


def price_args(mode, n):
    """availclient's args for a price boot."""
    return _checked_args(f"mode={mode} price={n}")


def _checked_args(text):
    if len(text) > ARGS_MAX:
        raise BenchAvailError(f"availclient's args would be {len(text)} "
                              f"characters, more than its {ARGS_MAX}: "
                              f"{text!r}")
    return text


def default_timeout(mode, lam, duration):
    """Wall seconds one availability run may take under TCG: generous.
    Idle guest time passes at once (sleep=off); a kernel-mode crash costs
    a reset, the firmware and a boot, a few seconds of wall time each."""
    expected = lam * duration
    per_crash = 20.0 if mode == "kernel" else 2.0
    return 120.0 + duration + expected * per_crash


def price_timeout(n):
    return 120.0 + n * 0.01


# ----------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Event:
    """One availclient line."""
    kind: str        # start up window crash back price price-done error
    fields: dict     # key -> int, float or str; error: {"text": ...}
    number: int = 0  # 1-based serial line number

    @property
    def t(self):
        return self.fields.get("t")


_REQUIRED = {
    "start": ("t", "tsc_hz"),
    "up": ("t",),
    "window": ("t", "req", "ok", "fail"),
    "crash": ("t", "k"),
    "back": ("t", "k"),
    "price": ("kind", "n", "median_ns", "p99_ns", "mean_ns", "total_ns",
              "per_s"),
}
_TEXT_KEYS = {"mode", "kind", "lambda", "per_s"}   # not unsigned integers


def _value(key, text):
    if key in _TEXT_KEYS:
        if key in ("per_s", "lambda"):
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{key}={text} is not a number") from None
        return text
    if _UINT.match(text):
        return int(text)
    return text


def parse_line(line, number=0):
    """The Event of an 'avail: ...' line (any prefix before it, such as the
    console's "[availclient] "), or None for any other line.

    Raises ValueError for an avail line that cannot be read: a word that is
    not key=value, a key given twice, a required key missing or not an
    unsigned integer.  Unknown keys are kept; unknown kinds give None.
    """
    m = _AVAIL.search(line)
    if not m:
        return None
    kind, rest = m.group(1), m.group(2).strip()
    if kind == "error":
        return Event("error", {"text": rest}, number)
    if kind == "price" and rest == "done":
        return Event("price-done", {}, number)
    if kind not in _REQUIRED:
        return None
    fields = {key: _value(key, value)
              for key, value in bench.parse_fields(rest).items()}
    for key in _REQUIRED[kind]:
        if key not in fields:
            raise ValueError(f"no {key}=")
        if key not in _TEXT_KEYS and not isinstance(fields[key], int):
            raise ValueError(f"{key}={fields[key]} is not an unsigned "
                             f"integer")
    for key, value in fields.items():
        if key.endswith("_ns") and key not in _TEXT_KEYS \
                and not isinstance(value, int):
            raise ValueError(f"{key}={value} is not an unsigned integer")
    return Event(kind, fields, number)


def parse_events(lines):
    """(events, malformed lines) of a run's serial lines."""
    events, malformed = [], []
    for number, line in enumerate(lines, 1):
        try:
            e = parse_line(line, number)
        except ValueError as err:
            malformed.append(f"line {number}: {line.strip()!r}: {err}")
            continue
        if e is not None:
            events.append(e)
    return events, malformed


# ----------------------------------------------------------------- analysis

@dataclass
class Analysis:
    """One (mode, lambda) run, measured (analyse())."""
    mode: str
    lam: float
    duration_s: float
    status: str = "ok"
    reason: str = ""
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    tsc_hz: int | None = None
    t0_ns: float | None = None
    t_end_ns: float | None = None
    last_ns: float | None = None      # the last avail time stamp seen
    boots: int = 0                    # start lines
    crashes: int = 0                  # crash lines before T_end
    downtimes_s: list = field(default_factory=list)   # completed, unclipped
    cut_off: int = 0                  # crashes before T_end never recovered
    clipped_down_s: float = 0.0
    ok: int = 0
    fail: int = 0
    lost: int = 0                     # kernel mode: the request of each crash
    fact: int = 0
    fact_lat_ns: int = 0
    fact_max_ns: int = 0
    dma: int = 0
    dma_lat_ns: int = 0
    dma_max_ns: int = 0

    # ------------------------------------------------ derived figures
    @property
    def requests(self):
        return self.ok + self.fail + self.lost

    @property
    def failed(self):
        return self.fail + self.lost

    @property
    def availability(self):
        if self.status != "ok":
            return None
        return 1.0 - self.clipped_down_s / self.duration_s

    @property
    def success_ratio(self):
        return self.ok / self.requests if self.requests else None

    @property
    def mttr_s(self):
        if not self.downtimes_s:
            return None
        return sum(self.downtimes_s) / len(self.downtimes_s)

    @property
    def model_availability(self):
        return model(self.lam, self.mttr_s)

    @property
    def deviation(self):
        return deviation(self.availability, self.model_availability)

    @property
    def agrees(self):
        d = self.deviation
        return None if d is None else abs(d) <= AGREE_TOLERANCE

    @property
    def checkable(self):
        return self.crashes >= CHECKABLE_CRASHES


def model(lam, mttr_s):
    """The availability of a service that fails at rate lam (per second of
    service) and is repaired in mttr_s on average: 1 / (1 + lam * MTTR)."""
    if mttr_s is None:
        return None
    return 1.0 / (1.0 + lam * mttr_s)


def deviation(measured, modelled):
    """(measured - model) / model, or None."""
    if measured is None or not modelled:
        return None
    return (measured - modelled) / modelled


def _plural(n, word):
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}" + ("es" if word.endswith(("sh", "s")) else "s")


def analyse(lines, mode, lam, duration_s):
    """The Analysis of one run's serial lines; a pure function.

    T0 is the first `up`; T_end = T0 + duration.  Crash k's downtime runs
    from its crash line to its recovery: the `back k=` line (user mode) or
    the first `up` after it (kernel mode: that of the next boot).  The
    served time is the duration minus the down intervals clipped to
    [T0, T_end].  Requests: the window lines up to T_end, plus (kernel
    mode) one lost request per crash.
    """
    a = Analysis(mode=mode, lam=lam, duration_s=duration_s)
    events, malformed = parse_events(lines)
    if malformed:
        a.problems.append(f"{_plural(len(malformed), 'avail line')} could "
                          f"not be read, the first: {malformed[0]}")
    starts = [e for e in events if e.kind == "start"]
    a.boots = len(starts)
    for e in events:
        if e.kind == "error":
            a.problems.append(f"the client said: avail: error {e.fields['text']}"
                              .rstrip())
    if not starts:
        a.problems.append("availclient printed no 'avail: start' line")
        return _finish(a)
    a.tsc_hz = starts[0].fields["tsc_hz"]
    if a.tsc_hz <= 0:
        a.problems.append(f"availclient gave tsc_hz={a.tsc_hz}")
        return _finish(a)
    if mode == "user" and len(starts) > 1:
        a.problems.append(f"the system booted {len(starts)} times in user "
                          f"mode (the machine was reset)")
    ns = lambda ticks: ticks * 1e9 / a.tsc_hz   # noqa: E731

    # One clock across reboots: under icount the TSC keeps counting.
    previous = None
    for e in events:
        if e.t is None:
            continue
        if previous is not None and e.t < previous.t:
            a.problems.insert(0, (
                f"guest time stamps go backwards at serial line {e.number} "
                f"(t={e.t} after t={previous.t} at line {previous.number}): "
                f"the TSC restarted across a reboot (as under KVM), so "
                f"downtime across a reset cannot be measured with the "
                f"guest's clock"))
            return _finish(a)
        previous = e
    ups = [e for e in events if e.kind == "up"]
    if not ups:
        a.problems.append("availclient printed no 'avail: up' line: the "
                          "driver never answered")
        return _finish(a)
    a.t0_ns = ns(ups[0].t)
    a.t_end_ns = a.t0_ns + duration_s * 1e9
    a.last_ns = ns(previous.t)

    # Pair crashes with recoveries, in line order; count panics and boots.
    crash_t = {}       # k -> crash time (ns)
    recovered = {}     # k -> recovery time (ns)
    pending = None     # kernel mode: the k that the next `up` recovers
    panic_lines = [i for i, line in enumerate(lines, 1) if _PANIC.search(line)]
    boot_no = 0
    for e in events:
        if e.kind == "start":
            boot_no += 1
            if mode == "kernel" and boot_no > 1 and pending is None:
                a.problems.append(f"boot {boot_no} (serial line {e.number}) "
                                  f"came without a crash before it: an "
                                  f"unexpected reset")
        elif e.kind == "crash":
            k = e.fields["k"]
            if k in crash_t:
                a.problems.append(f"crash k={k} reported twice (serial line "
                                  f"{e.number})")
                continue
            if k != len(crash_t):
                a.notes.append(f"crash k={k} at serial line {e.number}: "
                               f"expected k={len(crash_t)}")
            if mode == "kernel" and pending is not None:
                a.problems.append(f"crash k={k} (serial line {e.number}) "
                                  f"came before crash k={pending} was "
                                  f"recovered")
            crash_t[k] = ns(e.t)
            if mode == "kernel":
                pending = k
        elif e.kind == "back":
            k = e.fields["k"]
            if mode == "kernel":
                a.notes.append(f"a 'back' line in kernel mode (serial line "
                               f"{e.number}) is ignored")
            elif k not in crash_t or k in recovered:
                a.problems.append(f"'back k={k}' (serial line {e.number}) "
                                  f"without a crash k={k} to end")
            else:
                recovered[k] = ns(e.t)
        elif e.kind == "up" and mode == "kernel" and pending is not None:
            recovered[pending] = ns(e.t)
            pending = None
    if mode == "user" and panic_lines:
        a.problems.append(f"the kernel panicked in user mode (serial line "
                          f"{panic_lines[0]}: "
                          f"{lines[panic_lines[0] - 1].strip()!r})")
    if mode == "kernel" and len(panic_lines) > len(crash_t):
        a.problems.append(f"{_plural(len(panic_lines), 'kernel panic')} but "
                          f"{_plural(len(crash_t), 'crash')} injected")

    # Downtime, clipped to [T0, T_end], and the completed samples.
    for k, tc in sorted(crash_t.items(), key=lambda kv: kv[1]):
        if tc >= a.t_end_ns:
            continue
        a.crashes += 1
        tr = recovered.get(k)
        if tr is None:
            a.cut_off += 1
            end = a.t_end_ns
        else:
            a.downtimes_s.append((tr - tc) / 1e9)
            end = min(tr, a.t_end_ns)
        start = max(tc, a.t0_ns)
        if end > start:
            a.clipped_down_s += (end - start) / 1e9
    if a.last_ns < a.t_end_ns:
        a.problems.append(f"the run ended at guest time "
                          f"{(a.last_ns - a.t0_ns) / 1e9:.3f} s of "
                          f"{duration_s:g} s")
    elif a.cut_off > 1:
        a.problems.append(f"{_plural(a.cut_off, 'crash')} before the end "
                          f"had no recovery")
    elif a.cut_off == 1:
        a.notes.append("the last crash was cut off by the end of the run; "
                       "its downtime up to the end is counted, it gives no "
                       "MTTR sample")

    # Requests and latencies from the window lines up to T_end.
    for e in events:
        if e.kind != "window" or ns(e.t) > a.t_end_ns:
            continue
        f = e.fields
        a.ok += f["ok"]
        a.fail += f["fail"]
        a.fact += _int(f, "fact")
        a.fact_lat_ns += _int(f, "fact_lat_ns")
        a.fact_max_ns = max(a.fact_max_ns, _int(f, "fact_max_ns"))
        a.dma += _int(f, "dma")
        a.dma_lat_ns += _int(f, "dma_lat_ns")
        a.dma_max_ns = max(a.dma_max_ns, _int(f, "dma_max_ns"))
    if mode == "kernel":
        a.lost = a.crashes
    if a.crashes == 0:
        a.notes.append("no crash before the end: there is no MTTR, so no "
                       "model to compare with (a longer --duration or a "
                       "larger --lambda gives some)")
    return _finish(a)


def _int(fields, key):
    value = fields.get(key, 0)
    return value if isinstance(value, int) else 0


def _finish(a):
    if a.problems:
        a.status = "failed"
        a.reason = a.problems[0]
    return a


# -------------------------------------------------------------- price boots

def parse_price(lines):
    """({kind: fields}, problems) of a price boot's serial lines."""
    events, malformed = parse_events(lines)
    found = [f"avail line could not be read: {m}" for m in malformed[:1]]
    figures, done = {}, False
    for e in events:
        if e.kind == "error":
            found.append(f"the client said: avail: error {e.fields['text']}"
                         .rstrip())
        elif e.kind == "price-done":
            done = True
        elif e.kind == "price":
            kind = e.fields["kind"]
            if kind in figures:
                found.append(f"price kind={kind} reported twice")
            figures[kind] = {k: e.fields[k] for k in _REQUIRED["price"]
                             if k != "kind"}
    for kind in PRICE_KINDS:
        if kind not in figures:
            found.append(f"no 'avail: price kind={kind}' line")
    if not done:
        found.append("availclient did not print 'avail: price done'")
    return figures, found


def price_ratios(price_modes):
    """{kind: {median_user_kernel, p99_user_kernel, throughput_kernel_user}}
    from both modes' figures, when both have them."""
    user = price_modes.get("user", {}).get("figures") or {}
    kern = price_modes.get("kernel", {}).get("figures") or {}
    out = {}
    for kind in PRICE_KINDS:
        u, k = user.get(kind), kern.get(kind)
        if not u or not k:
            continue
        out[kind] = {
            "median_user_kernel": _ratio(u["median_ns"], k["median_ns"]),
            "p99_user_kernel": _ratio(u["p99_ns"], k["p99_ns"]),
            "throughput_kernel_user": _ratio(k["per_s"], u["per_s"]),
        }
    return out


def _ratio(a, b):
    return a / b if b else None


# ------------------------------------------------------------ the live view

class ProgressLine:
    """One updating progress line on stderr per run: with '\\r' on a
    terminal, else a line at every tenth of the duration."""

    def __init__(self, tag, duration_s, stream=None):
        self.tag = tag
        self.duration_s = duration_s
        self.stream = stream or sys.stderr
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self._tenth = -1
        self._shown = False
        self._lock = threading.Lock()

    def text(self, guest_s, crashes):
        pct = min(100, int(guest_s * 100 / self.duration_s))
        return (f"  {self.tag}: guest time {guest_s:.1f}/{self.duration_s:g} "
                f"s ({pct}%), {_plural(crashes, 'crash')}")

    def update(self, guest_s, crashes):
        with self._lock:
            if self.tty:
                self.stream.write("\r" + self.text(guest_s, crashes) + "\x1b[K")
                self.stream.flush()
                self._shown = True
                return
            tenth = min(10, int(guest_s * 10 / self.duration_s))
            if tenth > self._tenth:
                self._tenth = tenth
                self.stream.write(self.text(guest_s, crashes) + "\n")
                self.stream.flush()

    def close(self):
        with self._lock:
            if self.tty and self._shown:
                self.stream.write("\n")
                self.stream.flush()
                self._shown = False


class Watch:
    """Follows one boot sequence as its serial bytes arrive (runner.run's
    echo) and its harness steps (runner.run's notify): collects the lines,
    shows progress, and decides when to stop QEMU.

    stop(reason) is called once: reason None when guest time reached
    T0 + duration with no crash left unrecovered (or, in a price boot, at
    'avail: price done'), else why the run cannot go on.  Lines after that
    are not collected.
    """

    def __init__(self, mode, duration_s, stop, progress=None, price=False):
        self.mode = mode
        self.duration_s = duration_s
        self.price = price
        self._stop = stop
        self._progress = progress
        self.lines = []
        self.ended = False            # the normal end was reached
        self.stop_reason = None
        self.done = False
        self._partial = b""
        self._lock = threading.Lock()
        self.tsc_hz = None
        self.t0 = None                # ticks
        self.crashes = 0
        self.pending = False
        self.resets = 0
        self._avail_since_reset = False

    def echo(self, chunk):
        with self._lock:
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            for raw in complete:
                self.line(raw.rstrip(b"\r").decode("utf-8", errors="replace"))

    def finish(self):
        with self._lock:
            if self._partial:
                self.line(self._partial.decode("utf-8", errors="replace"))
                self._partial = b""

    def notify(self, text):
        """runner's harness steps: a reset after a boot that printed no
        avail line stops the run."""
        if "machine reset" not in text or self.done:
            return
        self.resets += 1
        if not self._avail_since_reset:
            self._end(f"boot {self.resets} panicked before availclient "
                      f"printed any 'avail:' line")
        self._avail_since_reset = False

    def _end(self, reason):
        if self.done:
            return
        self.done = True
        self.stop_reason = reason
        self.ended = reason is None
        self._stop(reason)

    def line(self, text):
        if self.done:
            return
        self.lines.append(text)
        if (self.mode == "user" or self.price) and _ANY_PANIC.search(text):
            self._end(f"the kernel panicked in {self.mode} mode: "
                      f"{text.strip()!r}")
            return
        try:
            e = parse_line(text)
        except ValueError:
            return            # analyse() reports it
        if e is None:
            return
        self._avail_since_reset = True
        if e.kind == "error":
            self._end(f"the client said: avail: error {e.fields['text']}"
                      .rstrip())
            return
        if self.price:
            if e.kind == "price-done":
                self._end(None)
            return
        if e.kind == "start" and self.tsc_hz is None:
            self.tsc_hz = e.fields["tsc_hz"] or None
        elif e.kind == "up" and self.t0 is None:
            self.t0 = e.t
        elif e.kind == "crash":
            self.crashes += 1
            self.pending = True
        if (e.kind == "back" and self.mode == "user") or \
                (e.kind == "up" and self.mode == "kernel"):
            self.pending = False
        if e.t is None or self.t0 is None or self.tsc_hz is None:
            return
        guest_s = (e.t - self.t0) / self.tsc_hz
        if self._progress:
            self._progress.update(max(0.0, min(guest_s, self.duration_s)),
                                  self.crashes)
        if guest_s >= self.duration_s and not self.pending:
            self._end(None)


# ------------------------------------------------------------- the scenario

class _Args:
    """A campaign Plan whose line is availclient's args."""

    def __init__(self, args):
        self.args = args

    def inject_line(self):
        return f'args = "{self.args}"'


def template_dir(mode):
    return TEMPLATE_BASE / mode


def load_template(root, mode, codes):
    """tools/bench/availability/<mode>/ as a campaign Template: MARKER
    must be in the [component availclient] section of avail.manifest."""
    d = Path(root) / template_dir(mode)
    if not (d / "scenario.toml").is_file():
        raise BenchAvailError(f"{display_path(d / 'scenario.toml')} not "
                              f"found: the {mode}-mode system of the "
                              f"availability benchmark is missing")
    return bench.load_client_template(root, template_dir(mode), MANIFEST,
                                      CLIENT, codes, MARKER, BenchAvailError)


def build_targets(templates):
    """What scons must build: each mode's kernel and programs."""
    targets = []
    for mode, t in templates.items():
        kernel = "kernel" if mode == "user" else KERNEL_MONO
        for target in [kernel] + campaign.build_targets(t)[1:]:
            if target not in targets:
                targets.append(target)
    return targets


def snapshot(root, templates, out_dir=None):
    """Each mode's kernel and programs copied to <out_dir>/<mode>/image/;
    returns {mode: kernel copy}."""
    out_dir = Path(out_dir) if out_dir else Path(root) / OUT_DIR
    kernels = {}
    for mode, t in templates.items():
        campaign.check_built(root, t, KERNELS[mode])
        kernels[mode] = campaign.prepare_image(root, t, KERNELS[mode],
                                               out_dir / mode)
    return kernels


def make_scenario(root, template, mode, name, args, out_dir=None):
    """<out_dir>/<mode>/scenario-<name>/: the template with availclient's
    args where the marker was; returns the Scenario to boot."""
    out_dir = Path(out_dir) if out_dir else Path(root) / OUT_DIR
    return campaign.prepare_run(root, template, _Args(args),
                                out_dir / mode / f"scenario-{name}",
                                out_dir / mode / "image", marker=MARKER)


# ------------------------------------------------------------------ running

def boot(scenario, codes, options, logs, echo, supervisor, notify):
    """One boot sequence under QEMU (runner.run); the tests replace this."""
    return runner.run(scenario, codes, options, logs, echo=echo,
                      supervisor=supervisor, notify=notify)


@dataclass
class Context:
    """What every run shares."""
    root: Path
    codes: object
    templates: dict                    # mode -> campaign.Template
    kernels: dict                      # mode -> kernel image path
    modes: list = field(default_factory=lambda: list(MODES))
    lambdas: list = field(default_factory=lambda: parse_lambdas(
        DEFAULT_LAMBDAS))
    duration: float = DEFAULT_DURATION
    seed: int = DEFAULT_SEED
    accel: str = "tcg"
    period_us: int = DEFAULT_PERIOD_US
    dma_every: int = DEFAULT_DMA_EVERY
    kind: str = DEFAULT_KIND
    price_requests: int = DEFAULT_PRICE_REQUESTS
    timeout: float | None = None       # None: default_timeout()
    out_dir: Path | None = None        # None: <root>/build/bench/availability
    stream: object = None              # progress bars (None: sys.stderr)
    supervisor: runner.Supervisor | None = None   # the live run's

    def out(self):
        return Path(self.out_dir) if self.out_dir else Path(self.root) / OUT_DIR

    def log_dir(self):
        return self.out() / "logs"

    def options(self, mode, timeout):
        return runner.RunOptions(
            root=Path(self.root), accel=self.accel, kernel=self.kernels[mode],
            timeout=timeout,
            reboots=runner.FOREVER if mode == "kernel" else 0,
            extra_qemu=tuple(bench.TCG_ICOUNT) if self.accel == "tcg" else ())

    def cancel(self):
        """Ctrl-C: stop the live QEMU."""
        if self.supervisor is not None:
            self.supervisor.cancel()


@dataclass
class Boot:
    """How one boot sequence went."""
    result: str            # runner's result name, or "end" (stopped by us)
    lines: list
    elapsed: float
    stop_reason: str | None = None
    panics: int = 0
    ended: bool = False    # the normal end: stopped at T_end / price done


def _boot(ctx, scenario, mode, stem, watch_args, timeout):
    """Runs one boot sequence with a Watch; returns (Boot, watch)."""
    sup = runner.Supervisor()
    ctx.supervisor = sup

    def stop(reason):
        threading.Thread(target=sup.cancel, daemon=True).start()

    watch = Watch(mode, stop=stop, **watch_args)
    logs = runner.Logs(serial=stem.with_name(stem.name + ".serial.log"),
                       qemu=stem.with_name(stem.name + ".qemu.log"))
    started = time.monotonic()
    result, panics, error = None, 0, None
    try:
        r = boot(scenario, ctx.codes, ctx.options(mode, timeout), logs,
                 watch.echo, sup, watch.notify)
        result, panics = r.result, r.panics
    except runner.Cancelled:
        result = "end"
    except AxlError as e:            # e.g. a QMP command failed
        error = str(e)
    finally:
        if watch.done:   # the stop thread may still be taking QEMU down
            sup.cancel()
        ctx.supervisor = None
        if watch_args.get("progress"):
            watch_args["progress"].close()
    watch.finish()
    if watch.done:
        result = "end" if watch.ended else "stopped"
    elif error is not None:
        result, watch.stop_reason = "error", f"harness error: {error}"
    return Boot(result=result, lines=watch.lines,
                elapsed=time.monotonic() - started,
                stop_reason=watch.stop_reason, panics=panics,
                ended=watch.ended), watch


def _failure(b, found, log, timeout, accel):
    """Why boot b gave no usable figures."""
    if b.stop_reason:
        return f"{b.stop_reason}; see {display_path(log)}"
    if b.result == "end":
        return f"{'; '.join(found)}; see {display_path(log)}"
    as_bench = bench.Boot(result=b.result, elapsed=b.elapsed, lines=b.lines)
    return bench.failure_text(as_bench, found, log, timeout, accel)


def lambda_name(text):
    return f"lambda{text}"


def run_one(ctx, mode, lam_text, lam, progress):
    """One availability run: the result dict for the document."""
    args = client_args(mode, lam_text, ctx.seed, ctx.period_us,
                       ctx.dma_every, ctx.kind)
    scenario = make_scenario(ctx.root, ctx.templates[mode], mode,
                             lambda_name(lam_text), args, ctx.out())
    timeout = ctx.timeout or default_timeout(mode, lam, ctx.duration)
    stem = ctx.log_dir() / f"{mode}-{lambda_name(lam_text)}"
    tag = f"{mode} lambda={lam_text}"
    progress(f"axl: bench availability: {tag}: booting ({ctx.duration:g} s "
             f"of guest time, about {lam * ctx.duration:g} crashes expected)")
    bar = ProgressLine(tag, ctx.duration, ctx.stream)
    b, _ = _boot(ctx, scenario, mode, stem,
                 {"duration_s": ctx.duration, "progress": bar}, timeout)
    a = analyse(b.lines, mode, lam, ctx.duration)
    log = stem.with_name(stem.name + ".serial.log")
    if not b.ended:
        a.status = "failed"
        a.reason = _failure(b, a.problems, log, timeout, ctx.accel)
    elif a.status != "ok":
        a.reason = f"{a.reason}; see {display_path(log)}"
    res = result_dict(a, lam_text, display_path(log))
    res["args"] = args
    res["wall_s"] = round(b.elapsed, 3)
    res["boots"] = a.boots
    if a.status == "ok":
        progress(f"axl: bench availability: {tag}: {_plural(a.crashes, 'crash')}"
                 f", availability {_pct(a.availability)} % in "
                 f"{b.elapsed:.1f} s")
    else:
        progress(f"axl: bench availability: {tag}: FAILED: {a.reason}")
    return res


def run_price(ctx, mode, progress):
    """One price boot: {"status", "reason", "figures", "log", ...}."""
    args = price_args(mode, ctx.price_requests)
    scenario = make_scenario(ctx.root, ctx.templates[mode], mode, "price",
                             args, ctx.out())
    timeout = ctx.timeout or price_timeout(ctx.price_requests)
    stem = ctx.log_dir() / f"{mode}-price"
    progress(f"axl: bench availability: {mode} price: booting "
             f"({ctx.price_requests} requests, no crashes)")
    b, _ = _boot(ctx, scenario, mode, stem,
                 {"duration_s": ctx.duration, "price": True}, timeout)
    figures, found = parse_price(b.lines)
    log = stem.with_name(stem.name + ".serial.log")
    entry = {"status": "ok", "reason": None, "figures": figures,
             "args": args, "log": display_path(log),
             "wall_s": round(b.elapsed, 3)}
    if not b.ended or found:
        entry["status"] = "failed"
        entry["reason"] = _failure(b, found, log, timeout, ctx.accel)
        progress(f"axl: bench availability: {mode} price: FAILED: "
                 f"{entry['reason']}")
    else:
        progress(f"axl: bench availability: {mode} price: done in "
                 f"{b.elapsed:.1f} s")
    return entry


def run(ctx, progress):
    """Every (mode, lambda) run and each mode's price boot, in turn:
    ([result dicts], {mode: price entry})."""
    results, prices = [], {}
    for mode in ctx.modes:
        for lam_text, lam in ctx.lambdas:
            results.append(run_one(ctx, mode, lam_text, lam, progress))
        prices[mode] = run_price(ctx, mode, progress)
    return results, prices


# ---------------------------------------------------------- the document

def _round(value, digits=9):
    return None if value is None else round(value, digits)


def result_dict(a, lam_text, log):
    """One entry of the document's results."""
    return {
        "mode": a.mode,
        "lambda": a.lam,
        "lambda_text": lam_text,
        "crashes": a.crashes,
        "completed": len(a.downtimes_s),
        "cut_off": a.cut_off,
        "mttr_s": _round(a.mttr_s),
        "downtime_median_s": _round(campaign.median(a.downtimes_s)),
        "downtime_p99_s": _round(campaign.percentile(a.downtimes_s, 99)),
        "availability": _round(a.availability),
        "success_ratio": _round(a.success_ratio),
        "model_availability": _round(a.model_availability),
        "deviation": _round(a.deviation),
        "agrees": a.agrees if a.status == "ok" else None,
        "checkable": a.checkable,
        "requests": a.requests,
        "failed": a.failed,
        "lost": a.lost,
        "fact_mean_latency_ns": _round(a.fact_lat_ns / a.fact, 1)
        if a.fact else None,
        "fact_max_latency_ns": a.fact_max_ns or None,
        "dma_mean_latency_ns": _round(a.dma_lat_ns / a.dma, 1)
        if a.dma else None,
        "dma_max_latency_ns": a.dma_max_ns or None,
        "downtimes_s": [_round(d) for d in a.downtimes_s],
        "tsc_hz": a.tsc_hz,
        "status": a.status,
        "reason": a.reason or None,
        "notes": list(a.notes),
        "log": log,
    }


def unit_note(accel):
    if accel == "tcg":
        return ("seconds of virtual time (TCG, -icount shift=0,sleep=off): "
                "the TSC reads QEMU's virtual clock in ns, keeps counting "
                "across a system_reset and stands still while the machine is "
                "paused, so downtimes are reproducible instruction counts, "
                "NOT wall-clock time")
    return ("seconds from the TSC under KVM; the TSC restarts at a reset, "
            "so kernel-mode runs cannot be measured (this machine's KVM is "
            "nested: take figures with care)")


def document(ctx, results, prices, date=None):
    """The JSON document of one `axl bench availability`."""
    images = {}
    for mode in ctx.modes:
        k = Path(ctx.kernels[mode])
        k = k if k.is_absolute() else Path(ctx.root) / k
        images[mode] = {"image": display_path(k), "built_from": KERNELS[mode],
                        "sha256": bench.sha256(k) if k.is_file() else None}
    ok = (all(r["status"] == "ok" for r in results)
          and all(p["status"] == "ok" for p in prices.values()))
    return {
        "benchmark": "availability",
        "mode": ctx.accel,
        "unit_note": unit_note(ctx.accel),
        "crash_process": RENEWAL_NOTE,
        "seed": ctx.seed,
        "duration_s": ctx.duration,
        "params": {
            "modes": list(ctx.modes),
            "lambdas": [v for _, v in ctx.lambdas],
            "period_us": ctx.period_us,
            "dma_every": ctx.dma_every,
            "kind": ctx.kind,
            "price_requests": ctx.price_requests,
            "window_ms": WINDOW_MS,
            "agree_tolerance": AGREE_TOLERANCE,
            "checkable_crashes": CHECKABLE_CRASHES,
        },
        "status": "ok" if ok else "failed",
        "results": results,
        "price": {"modes": prices, "ratios": price_ratios(prices)},
        "date": date or datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "kernel": {"revision": bench.git_revision(ctx.root),
                   "images": images},
        "qemu": {"version": bench.qemu_version(),
                 "cpu_model": qemu.CPU_MODEL.get(ctx.accel),
                 "extra_argv": list(bench.TCG_ICOUNT)
                 if ctx.accel == "tcg" else []},
        "host": bench.host_info(),
    }


# ------------------------------------------------------------------ reports

def _pct(value, digits=3):
    return "-" if value is None else f"{value * 100:.{digits}f}"


def _ms(value):
    return "-" if value is None else f"{value * 1000:.3f}"


def _agrees(r):
    if r["agrees"] is None:
        return "-"
    if not r["checkable"]:
        return f"n<{CHECKABLE_CRASHES}"
    return "yes" if r["agrees"] else "no"


def _table(header, rows, left=1):
    rows = [header] + rows
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(widths[i]) if i < left
                               else c.rjust(widths[i])
                               for i, c in enumerate(r)).rstrip()
                     for r in rows)


def format_table(results):
    header = ("mode", "lambda", "crashes", "down med ms", "down p99 ms",
              "MTTR ms", "avail %", "success %", "model %", "dev %",
              "agrees")
    rows = []
    for r in results:
        if r["status"] != "ok":
            rows.append((r["mode"], r["lambda_text"], str(r["crashes"]),
                         "FAILED", "", "", "", "", "", "", ""))
            continue
        rows.append((r["mode"], r["lambda_text"], str(r["crashes"]),
                     _ms(r["downtime_median_s"]), _ms(r["downtime_p99_s"]),
                     _ms(r["mttr_s"]), _pct(r["availability"]),
                     _pct(r["success_ratio"]), _pct(r["model_availability"]),
                     "-" if r["deviation"] is None
                     else f"{r['deviation'] * 100:+.2f}", _agrees(r)))
    return _table(header, rows, left=1)


def format_price(price):
    """The price-of-isolation table, or None without figures."""
    modes = price["modes"]
    header = ("request", "mode", "median us", "p99 us", "per s")
    rows = []
    for kind in PRICE_KINDS:
        for mode in MODES:
            f = (modes.get(mode) or {}).get("figures", {}).get(kind)
            if not f or modes[mode]["status"] != "ok":
                continue
            rows.append((kind, mode, f"{f['median_ns'] / 1000:.3f}",
                         f"{f['p99_ns'] / 1000:.3f}", f"{f['per_s']:,.1f}"))
        r = price["ratios"].get(kind)
        if r:
            rows.append((kind, "user/kernel",
                         _x(r["median_user_kernel"]), _x(r["p99_user_kernel"]),
                         _x(r["throughput_kernel_user"]) + " (k/u)"))
    return _table(header, rows, left=2) if rows else None


def _x(v):
    return "-" if v is None else f"{v:.3f}x"


def report(doc, out, err):
    """Print the tables (out) and failures (err); returns 0, or 1 when a
    run or a price boot failed."""
    out(f"availability under crashes: {doc['duration_s']:g} s of guest time "
        f"per run, seed {doc['seed']}, fault {doc['params']['kind']}, "
        f"{doc['mode']}")
    out(format_table(doc["results"]))
    out(f"availability = served time / duration; model = 1/(1 + lambda * "
        f"MTTR); agrees: |dev| <= {AGREE_TOLERANCE:.0%} "
        f"(n<{CHECKABLE_CRASHES}: too few crashes to judge)")
    out(f"note: {doc['crash_process']}")
    out(f"unit: {doc['unit_note']}")
    price = format_price(doc["price"])
    if price:
        out("")
        out("price of isolation (no crashes; latency ratio user/kernel, "
            "throughput kernel/user):")
        out(price)
    status = 0
    for r in doc["results"]:
        for n in r["notes"]:
            out(f"note: {r['mode']} lambda={r['lambda_text']}: {n}")
        if r["status"] != "ok":
            err(f"axl: bench availability: error: {r['mode']} lambda="
                f"{r['lambda_text']}: {r['reason']}")
            status = 1
    for mode, p in doc["price"]["modes"].items():
        if p["status"] != "ok":
            err(f"axl: bench availability: error: {mode} price: "
                f"{p['reason']}")
            status = 1
    return status


def write_csv(path, results):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(RESULT_COLUMNS)
    for r in results:
        w.writerow(["" if r.get(c) is None else r.get(c)
                    for c in RESULT_COLUMNS])
    _write(path, buf.getvalue())


def _write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise AxlError(f"cannot write {path}: {e.strerror}") from None


def write_json(path, doc):
    bench.write_json(path, doc)


# --------------------------------------------------------------------- plot

GNUPLOT_MISSING = ("gnuplot not found: no plot made (install the Debian "
                   "package 'gnuplot-nox', or run tools/install-deps)")
_COLOURS = {"user": "#1f77b4", "kernel": "#d62728"}


def _gp_string(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def plot_script(results, terminal, output):
    """A gnuplot script: availability (%) against lambda on a log axis,
    the measured points and the model curve of each mode."""
    good = [r for r in results if r["status"] == "ok"
            and r["availability"] is not None]
    lams = [r["lambda"] for r in good] or [1.0]
    lo, hi = min(lams) / 2, max(lams) * 2
    lines = [
        f"set terminal {terminal}",
        f"set output {_gp_string(output)}",
        "set title \"Availability under driver crashes (Poisson, rate λ)\"",
        "set xlabel \"λ, crashes per second of guest time\"",
        "set ylabel \"availability (%)\"",
        "set logscale x",
        f"set xrange [{lo:g}:{hi:g}]",
        "set key bottom left box opaque",
        "set grid",
        "set offsets 0, 0, 2, 0",        # room above 100 %
        "set samples 400",
    ]
    plots = []
    for mode in MODES:
        pts = [r for r in good if r["mode"] == mode]
        if not pts:
            continue
        colour = _COLOURS[mode]
        lines.append(f"$data_{mode} << EOD")
        lines += [f"{r['lambda']!r} {r['availability'] * 100!r}"
                  for r in sorted(pts, key=lambda r: r["lambda"])]
        lines.append("EOD")
        plots.append(f"$data_{mode} using 1:2 with points pt 7 ps 1.5 "
                     f"lc rgb \"{colour}\" title \"{mode}: measured\"")
        mttrs = [r["mttr_s"] for r in pts if r["mttr_s"]]
        if mttrs:
            mttr = sum(mttrs) / len(mttrs)
            plots.append(f"100/(1+x*{mttr!r}) with lines lw 2 dt 2 lc rgb "
                         f"\"{colour}\" title \"{mode}: model, MTTR "
                         f"{mttr * 1000:.3g} ms\"")
    if not plots:
        plots.append("NaN notitle")
    lines.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(lines) + "\n"


def png_terminal(gnuplot):
    """'pngcairo ...' when this gnuplot has it, else 'png ...'."""
    try:
        out = subprocess.run([gnuplot, "-e", "set terminal"],
                             capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL, check=False)
        names = out.stdout + out.stderr
    except (OSError, subprocess.TimeoutExpired):
        names = ""
    if re.search(r"^\s*pngcairo\s", names, re.M):
        return "pngcairo size 900,600 enhanced font \"sans,11\""
    return "png size 900,600"


def write_plots(results, stem, gnuplot=None):
    """<stem>.png and <stem>.svg through gnuplot; returns (paths, warning):
    warning is a text when gnuplot is missing or fails (then no paths)."""
    gnuplot = gnuplot or shutil.which("gnuplot")
    if not gnuplot:
        return [], GNUPLOT_MISSING
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    made = []
    for suffix, terminal in ((".png", png_terminal(gnuplot)),
                             (".svg", "svg size 900,600 dynamic enhanced")):
        path = stem.with_suffix(suffix)
        script = plot_script(results, terminal, str(path))
        try:
            out = subprocess.run([gnuplot], input=script, capture_output=True,
                                 text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return made, f"gnuplot could not run: {e}"
        if out.returncode != 0 or not path.is_file():
            last = (out.stderr.strip().splitlines() or ["no message"])[-1]
            return made, f"gnuplot failed on {display_path(path)}: {last}"
        made.append(path)
    return made, None


def output_paths(json_path, out_dir):
    """{json, csv, png, svg}: beside --json FILE, else in out_dir
    (availability.*, no JSON)."""
    if json_path:
        p = Path(json_path)
        return {"json": p, "csv": p.with_suffix(".csv"),
                "png": p.with_suffix(".png"), "svg": p.with_suffix(".svg")}
    stem = Path(out_dir) / "availability"
    return {"json": None, "csv": stem.with_suffix(".csv"),
            "png": stem.with_suffix(".png"), "svg": stem.with_suffix(".svg")}


# -------------------------------------------------------------------- smoke

def check_smoke(doc, files):
    """Why a smoke run's document and files are not sane ([] if they are):
    structure and sanity, not speed."""
    found = []
    results = doc.get("results") or []
    for mode in MODES:
        mine = [r for r in results if r.get("mode") == mode]
        if len(mine) != 1:
            found.append(f"{mode}: {len(mine)} results, expected 1")
            continue
        r = mine[0]
        tag = f"{mode} lambda={r.get('lambda_text', r.get('lambda'))}"
        if r.get("status") != "ok":
            found.append(f"{tag}: {r.get('reason')}")
            continue
        for key in ("mode", "lambda", "crashes", "mttr_s", "availability",
                    "model_availability"):
            if key not in r:
                found.append(f"{tag}: no {key!r} field")
        checks = (
            ("crashes >= 1", (r.get("crashes") or 0) >= 1),
            ("0 < availability <= 1", _between(r.get("availability"))),
            ("0 < model_availability <= 1",
             _between(r.get("model_availability"))),
            ("mttr_s > 0", (r.get("mttr_s") or 0) > 0),
            ("0 <= success_ratio <= 1",
             r.get("success_ratio") is not None
             and 0 <= r["success_ratio"] <= 1),
            ("every crash has its recovery but at most one cut off",
             r.get("crashes", 0) - r.get("completed", 0) <= 1
             and r.get("cut_off", 0) <= 1),
        )
        for text, good in checks:
            if not good:
                found.append(f"{tag}: not {text} ({_brief(r)})")
    price = doc.get("price") or {}
    for mode in MODES:
        p = (price.get("modes") or {}).get(mode)
        if not p:
            found.append(f"no price figures for {mode} mode")
        elif p.get("status") != "ok":
            found.append(f"{mode} price: {p.get('reason')}")
    ratios = price.get("ratios") or {}
    for kind in PRICE_KINDS:
        r = ratios.get(kind) or {}
        for key in ("median_user_kernel", "p99_user_kernel",
                    "throughput_kernel_user"):
            if not (r.get(key) or 0) > 0:
                found.append(f"price {kind}: {key} is not > 0")
    for name, path in files.items():
        if path is None:
            found.append(f"no {name} file was written")
        elif not Path(path).is_file() or Path(path).stat().st_size == 0:
            found.append(f"{display_path(path)} is missing or empty")
    return found


def _between(v):
    return v is not None and 0 < v <= 1


def _brief(r):
    return ", ".join(f"{k}={r.get(k)}" for k in
                     ("crashes", "completed", "availability",
                      "model_availability", "mttr_s", "success_ratio"))


def smoke_line(doc, found):
    """The one line `scons test` shows."""
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return f"availability smoke: FAILED: {found[0]}{more}"
    parts = [f"{r['mode']} {r['crashes']} crashes A={_pct(r['availability'], 2)}%"
             f" MTTR={_ms(r['mttr_s'])} ms" for r in doc["results"]]
    return f"availability smoke: ok ({'; '.join(parts)})"


def gnuplot_path():
    return shutil.which("gnuplot")
