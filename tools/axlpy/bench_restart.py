"""bench_restart.py: `axl bench restart`: how long a failed component is
away before it serves again (docs/benchmarks.md, "Restart downtime").

The system booted is the store campaign template (tests/campaign/store/)
with no fault armed in the manifest.  Instead its client runs with
`args = "bench N KIND"`: N times it asks the supervisor (SUP_INJECT, which
needs `may-inject = yes`) to make the store fail with KIND, and sends a
request that meets the fault; libipc sends it again to the restarted store.
The store gets `max-restarts = 1000` and `restart-window = 1ms`, so a
failure more than 1 ms after the one before opens a new restart window and
is restarted at once.  One that comes sooner is backed off (the `exit` kind
is, every other time): the report says so, and counts it.

For every restart the supervisor prints two lines (servers/supervisor/
supervise.c), which this module pairs by component and generation:

    [supervisor] restarted 'store' generation 7: detect 12 us, teardown
        80 us, create 300 us                                   (one line)
    [supervisor] 'store' generation 7 serving: init 150 us, first request
        after 40 us, downtime 582 us                           (one line)

The run directory is made by campaign.py's own code (prepare_image and
prepare_run, the template with its marker line emptied), then the manifest
keys above are set.  QEMU is started through bench.py's boot(), with
-icount shift=0,sleep=off under TCG as `bench ipc` does.  Parsing,
statistics, the document and the report are pure functions, tested without
QEMU in tests/tools/test_bench_restart.py; run() boots through boot(),
which the tests replace.  Importing this module is cheap and has no side
effects, like the rest of axlpy.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, bench, campaign, display_path, qemu, runner

DRIVER = "store"                  # tests/campaign/store/: the system booted
CLIENT = "storeclient"            # its [component ...] that asks for faults
OUT_DIR = Path("build/bench/restart")   # image/, scenario/, logs/

PHASES = ("detect", "teardown", "create", "init", "reconnect", "downtime")
PHASE_TEXT = {
    "detect": "from the kernel taking the fault until the supervisor knew",
    "teardown": "tearing the failed instance down",
    "create": "building the new instance",
    "init": "from the new instance's start until it waits for requests",
    "reconnect": "from then until a client's request reached it "
                 "(the supervisor's 'first request after')",
    "downtime": "from the fault until that first request reached the new instance",
}

DEFAULT_RESTARTS = 100
DEFAULT_RUNS = 3
DEFAULT_KIND = "null-read"
ACCELS = ("tcg", "kvm")
UNITS = {"tcg": "virtual us (TCG, icount)", "kvm": "us"}

# The store's keys: a failure more than 1 ms after the one before opens a
# new restart window, so it is restarted at once (sooner ones are backed
# off; parse_output() marks those restarts).
STORE_KEYS = (("max-restarts", "1000"), ("restart-window", "1ms"))

# Other systems' restart delays, from their sources (not measured here):
# MINIX 3's reincarnation server backs a repeatedly failing service off in
# periods of RS_DELTA_T = system_hz ticks, 1 s (servers/rs/const.h; its
# first restart is immediate); Hubris's supervisor jefe puts a faulted task
# in timeout for MIN_RUN_TIME = 50 ticks of 1 ms (task/jefe/src/main.rs).
COMPARISON = {"minix3_restart_delay_us": 1_000_000,
              "hubris_min_restart_delay_us": 50_000}
COMPARISON_SOURCE = (
    "MINIX 3: RS_DELTA_T = system_hz (1 s), the reincarnation server's "
    "backoff period for a service that fails again (servers/rs/const.h; the "
    "first restart is immediate). Hubris: MIN_RUN_TIME = 50 ms, the timeout "
    "jefe puts a faulted task in before restarting it (task/jefe/src/"
    "main.rs). Constants from their sources, not measured here.")


class BenchRestartError(AxlError):
    """The benchmark cannot be set up, or its options are wrong."""


# ------------------------------------------------------------------ options

def check_options(restarts, runs, accel):
    """BenchRestartError unless the counts and the accelerator are usable."""
    if not isinstance(restarts, int) or restarts < 1:
        raise BenchRestartError(f"--restarts must be at least 1, not "
                                f"{restarts!r}")
    if not isinstance(runs, int) or runs < 1:
        raise BenchRestartError(f"--runs must be at least 1, not {runs!r}")
    if accel not in ACCELS:
        raise BenchRestartError(f"--accel must be one of {', '.join(ACCELS)}"
                                f", not {accel!r}")


def check_kind(kinds, kind):
    """The FaultKind named kind, from campaign.load_kinds()'s list.

    The supervisor's own kinds (code mutations, `swifi-*`) are refused: a
    mutated instruction may never run, or run harmlessly, so they do not
    reliably make the store fail once per request.
    """
    usable = [k.name for k in kinds if k.where == "process"]
    for k in kinds:
        if k.name != kind:
            continue
        if k.where != "process":
            raise BenchRestartError(
                f"--kind {kind}: the supervisor carries this kind out as a "
                f"code mutation of the running store, which need not make it "
                f"fail (the mutated instruction may never run, or do no "
                f"harm), so it does not reliably cause a restart; use a kind "
                f"the store carries out itself: {', '.join(usable)}")
        return k
    raise BenchRestartError(f"unknown fault kind {kind!r} (known: "
                            f"{', '.join(usable)}; from "
                            f"{campaign.INJECT_HEADER})")


def default_timeout(accel, restarts):
    """Seconds one boot may take.  Under TCG a restart cycle takes about
    15 ms of wall time here, and the boot under a second; a hang
    (infinite-loop) is found by the store's 100 ms heartbeat, about 0.4 s
    of wall time under icount.  KVM gets the same: this host's KVM is
    nested and slow to boot."""
    return 60.0 + restarts * 0.5


# ----------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Restart:
    """One restart's figures, as the supervisor printed them."""
    component: str
    generation: int
    detect: int
    teardown: int
    create: int
    init: int
    reconnect: int
    downtime: int
    backed_off: bool = False   # the supervisor backed off before it

    def phases(self):
        return {p: getattr(self, p) for p in PHASES}


_SUP = r"\[supervisor\] "
_RESTARTED = re.compile(_SUP + r"restarted '([^']*)' generation (\d+): "
                        r"detect (\d+) us, teardown (\d+) us, create (\d+) us"
                        r"(?!\S)")
_SERVING = re.compile(_SUP + r"'([^']*)' generation (\d+) serving: init (\d+) "
                      r"us, first request after (\d+) us, downtime (\d+) us"
                      r"(?!\S)")
# What the two lines start with: a line that starts so but does not match
# in full is not silently skipped.
_RESTARTED_HEAD = re.compile(_SUP + r"restarted '")
_SERVING_HEAD = re.compile(_SUP + r"'[^']*' generation \S* ?serving:")
_BACKOFF = re.compile(_SUP + r"backing off '([^']*)'")
_GIVING_UP = re.compile(_SUP + r"giving up on '([^']*)'")
_TSC = re.compile(r"\btime: TSC runs at (\d+) kHz")
_CLIENT_SAYS = re.compile(r"\[" + CLIENT + r"\] (bench: .*?)\s*$")


def parse_line(line):
    """('restarted', name, generation, (detect, teardown, create)),
    ('serving', name, generation, (init, reconnect, downtime)), or None.

    Other text before or after the supervisor's text is allowed.
    """
    m = _RESTARTED.search(line)
    kind = "restarted"
    if not m:
        m = _SERVING.search(line)
        kind = "serving"
    if not m:
        return None
    return (kind, m.group(1), int(m.group(2)),
            tuple(int(m.group(i)) for i in (3, 4, 5)))


@dataclass
class RunOutput:
    """What one boot printed that matters here (parse_output())."""
    restarts: list = field(default_factory=list)    # Restart, in order
    unserved: list = field(default_factory=list)    # generations: no serving line
    orphans: list = field(default_factory=list)     # generations: no restarted line
    malformed: list = field(default_factory=list)   # unreadable or repeated lines
    others: dict = field(default_factory=dict)      # other components' restarts
    backoffs: int = 0          # 'backing off' lines for the component
    gave_up: bool = False      # a 'giving up on' line for the component
    result: dict | None = None  # the client's last result line
    client_said: list = field(default_factory=list)  # its 'bench: ...' lines
    tsc_khz: int | None = None  # the kernel's TSC calibration


def parse_output(lines, component=DRIVER):
    """RunOutput of one boot's serial lines; a pure function.

    A restart counts when both its lines were seen, the `restarted` line
    first, for `component` and one generation.
    """
    out = RunOutput()
    pending = {}       # generation -> (detect, teardown, create, backed off)
    seen = set()       # generations with a restarted line
    others = Counter()
    backing_off = False    # a backoff line since the last restarted line
    for line in lines:
        parsed = parse_line(line)
        if parsed is not None:
            kind, name, gen, values = parsed
            if name != component:
                if kind == "restarted":
                    others[name] += 1
                continue
            if kind == "restarted":
                if gen in seen:
                    out.malformed.append(line)   # a generation restarted twice
                    continue
                seen.add(gen)
                pending[gen] = values + (backing_off,)
                backing_off = False
            elif gen in pending:
                detect, teardown, create, backed = pending.pop(gen)
                init, reconnect, downtime = values
                out.restarts.append(Restart(name, gen, detect, teardown,
                                            create, init, reconnect,
                                            downtime, backed))
            elif gen in seen:
                out.malformed.append(line)       # served twice
            else:
                out.orphans.append(gen)
        elif _RESTARTED_HEAD.search(line) or _SERVING_HEAD.search(line):
            out.malformed.append(line)
        elif (m := _BACKOFF.search(line)) and m.group(1) == component:
            out.backoffs += 1
            backing_off = True
        elif (m := _GIVING_UP.search(line)) and m.group(1) == component:
            out.gave_up = True
        elif (m := _TSC.search(line)) and out.tsc_khz is None:
            out.tsc_khz = int(m.group(1))
        elif m := _CLIENT_SAYS.search(line):
            out.client_said.append(m.group(1))
        elif (counts := campaign.parse_result(line)) is not None:
            out.result = counts
    out.unserved = sorted(pending)
    out.others = dict(others)
    return out


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def problems(out, expected):
    """Why one run's output cannot be used ([] if it can)."""
    found = []
    if out.malformed:
        found.append(f"{_plural(len(out.malformed), 'supervisor line')} "
                     f"could not be read or repeat a generation, the first: "
                     f"{out.malformed[0].strip()!r}")
    if out.gave_up:
        found.append("the supervisor gave up on the store")
    if out.result is None:
        found.append("the client printed no result line")
    else:
        bad = {k: out.result.get(k, 0) for k in ("failed", "lost", "unknown")}
        if any(bad.values()):
            said = f" ({'; '.join(out.client_said)})" if out.client_said else ""
            found.append(f"the client reported failed {bad['failed']} lost "
                         f"{bad['lost']} unknown {bad['unknown']}{said}")
    if len(out.restarts) < expected:
        text = (f"measured {len(out.restarts)} of the {expected} restarts "
                f"asked for")
        if out.unserved:
            text += (f"; {_plural(len(out.unserved), 'restart')} had no "
                     f"serving line (generation "
                     f"{', '.join(map(str, out.unserved[:5]))}"
                     f"{', ...' if len(out.unserved) > 5 else ''})")
        if out.client_said and not found:
            text += f"; the client said: {'; '.join(out.client_said)}"
        elif (not found and out.result is not None
              and out.result.get("requests") == expected):
            text += (f"; the client's {expected} requests were all answered, "
                     f"so the fault did not make the store fail every time "
                     f"(a kind that fails at once, such as {DEFAULT_KIND}, "
                     f"does)")
        found.append(text)
    return found


def notes(out, expected):
    """Things about a usable run worth saying, that do not make it fail."""
    found = []
    if len(out.restarts) > expected:
        found.append(f"{len(out.restarts)} restarts measured, {expected} "
                     f"asked for: all are counted")
    if out.backoffs:
        found.append(f"the supervisor backed the store off "
                     f"{_plural(out.backoffs, 'time')} (a failure came "
                     f"within 1 ms of the one before): those restarts' "
                     f"downtimes include the backoff wait and are counted")
    if out.orphans:
        found.append(f"{_plural(len(out.orphans), 'serving line')} without "
                     f"a restarted line (not counted)")
    if out.unserved and len(out.restarts) >= expected:
        found.append(f"{_plural(len(out.unserved), 'restart')} without a "
                     f"serving line (not counted)")
    for name, n in sorted(out.others.items()):
        found.append(f"'{name}' was restarted too ({_plural(n, 'time')})")
    return found


# --------------------------------------------------------------- statistics

def summarise(restarts):
    """{phase: {median, p99, count}} over Restart records: the median (of
    an even count, the mean of the middle two) and the nearest-rank 99th
    percentile, as `axl campaign` computes them."""
    result = {}
    for p in PHASES:
        values = [getattr(r, p) for r in restarts]
        result[p] = {"median": campaign.median(values),
                     "p99": campaign.percentile(values, 99),
                     "count": len(values)}
    return result


def samples(restarts):
    """{phase: [every value, in run and restart order]}."""
    return {p: [getattr(r, p) for r in restarts] for p in PHASES}


def backed_off(restarts):
    """Indices (into samples()) of the restarts a backoff delayed."""
    return [i for i, r in enumerate(restarts) if r.backed_off]


# ----------------------------------------------------------- the scenario

class _NoFault:
    """A campaign Plan that arms nothing: campaign.prepare_run() writes its
    inject line (empty) where the template's marker line was."""

    def inject_line(self):
        return ""


_SECTION = re.compile(r"^\s*\[\s*(\w+)(?:\s+([^\]\s]+))?\s*\]")


def set_keys(text, component, values):
    """Manifest text with `key = value` set in [component NAME]: an
    existing line for the key is replaced (indentation kept, comment
    dropped), a missing key is added after the section's last line that is
    not blank.  values is a sequence of (key, value)."""
    lines = text.splitlines(keepends=True)
    start = end = None
    for i, line in enumerate(lines):
        m = _SECTION.match(line)
        if not m:
            continue
        if start is not None:
            end = i
            break
        if m.group(1) == "component" and m.group(2) == component:
            start = i
    if start is None:
        raise BenchRestartError(f"the manifest has no [component "
                                f"{component}] section")
    if end is None:
        end = len(lines)
    newline = "\r\n" if lines[start].endswith("\r\n") else "\n"
    body = lines[start + 1:end]
    for key, value in values:
        pattern = re.compile(r"^(\s*)" + re.escape(key) + r"\s*=")
        for i, line in enumerate(body):
            m = pattern.match(line)
            if m:
                body[i] = f"{m.group(1)}{key} = {value}{newline}"
                break
        else:
            last = max((i for i, line in enumerate(body) if line.strip()),
                       default=-1)
            if last >= 0 and not body[last].endswith("\n"):
                body[last] += newline
            body.insert(last + 1, f"{key} = {value}{newline}")
    return "".join(lines[:start + 1] + body + lines[end:])


def client_args(restarts, kind):
    return f'"bench {restarts} {kind}"'


def load_template(root, codes):
    """The store campaign template, checked: the marker is in the store's
    section and the client has a section of its own."""
    template = campaign.load_template(root, DRIVER, codes)
    text = (template.dir / template.manifest).read_text(encoding="utf-8")
    if not any((m := _SECTION.match(line)) and m.group(1) == "component"
               and m.group(2) == CLIENT for line in text.splitlines()):
        raise BenchRestartError(f"{display_path(template.dir / template.manifest)}"
                                f": no [component {CLIENT}] section")
    return template


def prepare(root, template, kernel, restarts, kind, out_dir=None):
    """Snapshot the build into <out_dir>/image/ and make <out_dir>/scenario/
    (default build/bench/restart/): the template without a fault in its
    manifest, the store's restart window shortened, and the client running
    the benchmark.  Returns (Scenario to boot, kernel path)."""
    out_dir = Path(out_dir) if out_dir else Path(root) / OUT_DIR
    campaign.check_built(root, template, kernel)
    kernel_copy = campaign.prepare_image(root, template, kernel, out_dir)
    scenario = campaign.prepare_run(root, template, _NoFault(),
                                    out_dir / "scenario", out_dir / "image")
    manifest = out_dir / "scenario" / template.manifest
    text = manifest.read_text(encoding="utf-8")
    text = set_keys(text, template.component, STORE_KEYS)
    text = set_keys(text, CLIENT, (("args", client_args(restarts, kind)),
                                   ("may-inject", "yes")))
    manifest.write_text(text, encoding="utf-8")
    return scenario, kernel_copy


# ------------------------------------------------------------------ running

def boot(args, root, timeout, serial_log, qemu_log, on_line, supervisor,
         codes):
    """Boot once (bench.boot: stops at a fatal line); the tests replace this."""
    return bench.boot(args, root, timeout, serial_log, qemu_log, on_line,
                      supervisor, codes)


@dataclass
class Context:
    """What every run shares."""
    root: Path
    scenario: object
    codes: object
    kernel: str
    accel: str = "tcg"
    kind: str = DEFAULT_KIND
    restarts: int = DEFAULT_RESTARTS
    runs: int = DEFAULT_RUNS
    timeout: float | None = None      # None: default_timeout()
    logdir: Path | None = None        # None: <root>/build/bench/restart/logs
    supervisor: runner.Supervisor = field(default_factory=runner.Supervisor)

    @property
    def component(self):
        return DRIVER

    def boot_timeout(self):
        return self.timeout or default_timeout(self.accel, self.restarts)

    def log_dir(self):
        return self.logdir or Path(self.root) / OUT_DIR / "logs"


@dataclass
class Result:
    """All runs of one invocation."""
    status: str = "ok"                 # ok or failed
    reason: str = ""
    argv: list = field(default_factory=list)
    runs: list = field(default_factory=list)       # dicts for the JSON
    restarts: list = field(default_factory=list)   # Restart, all runs
    notes: list = field(default_factory=list)      # "run i: ..." texts


def run(ctx, progress):
    """Boots the benchmark ctx.runs times; stops at the first unusable run."""
    res = Result(argv=bench.guest_argv(ctx.scenario, ctx.accel, ctx.kernel))
    timeout = ctx.boot_timeout()
    unit = "virtual us" if ctx.accel == "tcg" else "us"
    for i in range(1, ctx.runs + 1):
        tag = f"{ctx.accel} run {i}/{ctx.runs}"
        progress(f"axl: bench restart: {tag}: booting ({ctx.restarts} "
                 f"restarts of '{ctx.component}' by {ctx.kind})")
        stem = ctx.log_dir() / f"restart-{ctx.accel}-{i}"
        serial_log = stem.with_suffix(".serial.log")
        count = [0]

        def on_line(text, tag=tag, count=count):
            parsed = parse_line(text)
            if parsed and parsed[0] == "serving" and parsed[1] == ctx.component:
                count[0] += 1
                if count[0] % 10 == 0 or count[0] == ctx.restarts:
                    progress(f"  {tag}: {count[0]}/{ctx.restarts} restarts, "
                             f"downtime {parsed[3][2]} {unit}")

        b = boot(res.argv, ctx.root, timeout, serial_log,
                 stem.with_suffix(".qemu.log"), on_line, ctx.supervisor,
                 ctx.codes)
        out = parse_output(b.lines, ctx.component)
        found = problems(out, ctx.restarts)
        run_notes = notes(out, ctx.restarts)
        res.runs.append({
            "run": i, "result": b.result, "elapsed_s": round(b.elapsed, 3),
            "log": display_path(serial_log), "tsc_khz": out.tsc_khz,
            "restarts_measured": len(out.restarts), "backoffs": out.backoffs,
            "client": out.result, "notes": run_notes})
        if b.result != "pass" or found:
            res.status = "failed"
            res.reason = f"{tag}: " + bench.failure_text(b, found,
                                               serial_log, timeout, ctx.accel)
            progress(f"axl: bench restart: {tag}: failed")
            return res
        res.restarts.extend(out.restarts)
        res.notes.extend(f"run {i}: {n}" for n in run_notes)
        progress(f"axl: bench restart: {tag}: {len(out.restarts)} restarts "
                 f"measured in {b.elapsed:.1f} s")
    return res


# ---------------------------------------------------------- the document

def unit_note(mode, tsc_khz=None):
    """What the figures of a mode are."""
    if mode == "tcg":
        rate = (f"; the kernel calibrated it at {tsc_khz / 1000:.1f} MHz, so "
                f"1 virtual us is about {round(tsc_khz / 1000)} instructions"
                if tsc_khz else "")
        return ("virtual us (TCG, icount): QEMU ran with -icount "
                "shift=0,sleep=off, so the TSC counts guest instructions, "
                "1 ns each" + rate + ". These are NOT wall-clock times: they "
                "are reproducible path lengths, converted with the kernel's "
                "TSC calibration")
    return ("us: real microseconds from the TSC and the kernel's "
            "calibration; this machine's KVM is nested (kvm_pvm), so take "
            "absolute figures with care")


def document(ctx, result, date=None):
    """The JSON document of one `axl bench restart` (docs/benchmarks.md)."""
    ok = result.status == "ok"
    tsc = next((r["tsc_khz"] for r in result.runs if r.get("tsc_khz")), None)
    kernel = Path(ctx.kernel)
    kernel = kernel if kernel.is_absolute() else Path(ctx.root) / kernel
    return {
        "benchmark": "restart",
        "mode": ctx.accel,
        "unit": UNITS[ctx.accel],
        "unit_note": unit_note(ctx.accel, tsc),
        "kind": ctx.kind,
        "component": ctx.component,
        "restarts_per_run": ctx.restarts,
        "runs": ctx.runs,
        "status": result.status,
        "reason": result.reason or None,
        "phases": summarise(result.restarts) if ok else {},
        "samples": samples(result.restarts) if ok else {},
        "backed_off_samples": backed_off(result.restarts) if ok else [],
        "phase_definitions": dict(PHASE_TEXT),
        "comparison": dict(COMPARISON),
        "comparison_source": COMPARISON_SOURCE,
        "notes": list(result.notes),
        "date": date or datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
        "kernel": {"revision": bench.git_revision(ctx.root),
                   "image": display_path(kernel),
                   "sha256": bench.sha256(kernel) if kernel.is_file()
                   else None},
        "qemu": {"version": bench.qemu_version(),
                 "cpu_model": qemu.CPU_MODEL.get(ctx.accel),
                 "argv": result.argv},
        "host": bench.host_info(),
        "run_details": result.runs,
    }


def _times(value, reference):
    """'1718 times shorter than' and the like."""
    if not value:
        return "far shorter than"
    ratio = reference / value
    if ratio >= 1:
        return f"{ratio:,.0f} times shorter than" if ratio >= 10 \
            else f"{ratio:.1f} times shorter than"
    return f"{1 / ratio:.1f} times longer than"


def format_table(doc):
    """The phases table: median, p99 and count in the document's unit."""
    header = ("phase", "median", "p99", "count")
    rows = [header]
    for p in PHASES:
        s = doc["phases"][p]
        rows.append((p, _show(s["median"]), _show(s["p99"]), str(s["count"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(widths[i]) if i == 0
                               else c.rjust(widths[i])
                               for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)


def _show(value):
    if value is None:
        return "-"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def comparison_line(doc):
    """The last line: the median downtime against MINIX 3 and Hubris."""
    median = doc["phases"]["downtime"]["median"]
    unit = "virtual us" if doc["mode"] == "tcg" else "us"
    c = doc["comparison"]
    text = (f"comparison: median downtime {_show(median)} {unit} is "
            f"{_times(median, c['minix3_restart_delay_us'])} MINIX 3's 1 s "
            f"restart delay and "
            f"{_times(median, c['hubris_min_restart_delay_us'])} Hubris's "
            f"50 ms minimum (their delays are constants from their sources, "
            f"not measured here")
    if doc["mode"] == "tcg":
        text += "; ours is virtual time under TCG"
    return text + ")"


def report(doc, out, err):
    """Print the table and notes (out), or why there are none (err);
    returns the exit status (0, or 1 when a run failed)."""
    if doc["status"] != "ok":
        err(f"axl: bench restart: error: {doc['reason']}")
        err("axl: bench restart: no figures")
        return 1
    total = doc["phases"]["downtime"]["count"]
    out(f"restart downtime: {total} restarts of '{doc['component']}' "
        f"({_plural(doc['runs'], 'run')} of {doc['restarts_per_run']}), fault "
        f"{doc['kind']}, {doc['mode']}; unit: {doc['unit']}")
    out(format_table(doc))
    out(f"unit: {doc['unit_note']}")
    clients = [r["client"] for r in doc["run_details"] if r.get("client")]
    if clients:
        sums = {k: sum(c.get(k, 0) for c in clients)
                for k in ("requests", "ok", "retried", "failed", "lost")}
        out(f"client: {sums['requests']} requests, {sums['ok']} ok, "
            f"{sums['retried']} retried, {sums['failed']} failed, "
            f"{sums['lost']} lost")
    for n in doc["notes"]:
        out(f"note: {n}")
    out(comparison_line(doc))
    return 0


def write_json(path, doc):
    bench.write_json(path, doc)
