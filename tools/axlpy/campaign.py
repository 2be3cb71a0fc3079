"""campaign.py: `axl campaign`: fault-injection campaigns (docs/campaign.md).

A campaign boots one driver's campaign template (tests/campaign/<driver>/,
a scenario directory) many times, each time with one fault armed in the
driver under test through its manifest line `inject = KIND after N seed S`,
and classifies every run from its exit and serial lines into one of six
outcomes (OUTCOMES).  Everything a run does follows from the campaign seed
and the run's index (derive()), so shards of one campaign can run on
different machines and be merged afterwards (merge()).

The pieces are pure where they can be: kinds_from_text, derive, parse_shard,
analyse/classify, document, merge and format_table are tested without QEMU
in tests/tools/test_campaign.py; run_campaign boots through boot(), which
the tests replace.  Like the rest of axlpy, importing this module is cheap
and has no side effects.
"""

import argparse
import dataclasses
import hashlib
import json
import math
import os
import random
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, abi, display_path, runner, uapi
from . import scenario as scen

# Relative to the repository root.
CAMPAIGN_DIR = Path("tests/campaign")          # <driver>/scenario.toml
INJECT_HEADER = Path("libipc/include/axl/inject.h")
BUILD_DIR = Path("build/campaign")             # <campaign id>/run-<index>/
PROGRAM_DIR = Path("build/user")               # <program>.elf (the build's)
SCENARIO_IMAGES = Path("build/scenarios")      # qemu.module_path's base

INJECT_TABLE = "AXL_INJECT_KINDS"
MARKER = "# @INJECT@"          # the template's manifest line to replace
AFTER_MAX = 20                 # `after` is drawn from 0..AFTER_MAX
DEFAULT_TIMEOUT = 60.0         # seconds of wall time per run

OUTCOMES = ("recovered", "failed_cleanly", "hung", "kernel_panic", "vm_died",
            "data_lost")
FAILING = ("kernel_panic", "hung", "data_lost")   # these make exit status 1
PANIC_EXITS = ("panic", "nested_panic", abi.PVPANIC)

_KIND_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_WHERE = ("process", "supervisor", "device")


class CampaignError(AxlError):
    """A campaign cannot be set up, or a campaign file cannot be used."""


# ------------------------------------------------------------- fault kinds

@dataclass(frozen=True)
class FaultKind:
    number: int
    name: str        # "null-read"
    where: str       # "process", "supervisor" or "device" (DMA drivers only)
    what: str        # what the component does


def _literal(text):
    """A C string literal's contents (simple escapes only), or None."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return None


def kinds_from_text(text, source="inject.h"):
    """The fault kinds of the AXL_INJECT_KINDS table, in header order.

    Rows are X(number, NAME, "name", where, "what"); read with uapi.py,
    the project's one reader of X-macro tables.
    """
    header = uapi.parse_header(Path(source), text)
    table = next((t for t in header.tables if t.macro == INJECT_TABLE), None)
    if table is None:
        if re.search(r"#\s*define\s+" + INJECT_TABLE + r"\s*\(", text):
            raise CampaignError(f"{source}: {INJECT_TABLE}(X) has no X(...) "
                                f"rows")
        raise CampaignError(f"{source}: no '#define {INJECT_TABLE}(X)' table")
    problems = [f"line {p.line}: {p.message}" for p in header.problems]
    for fields, line in table.rows:
        uapi.add_row(table, fields, line,
                     lambda m, line=line: problems.append(f"line {line}: {m}"),
                     None)
    kinds = []
    for entry in table.entries:
        where = f"line {entry.line}: {INJECT_TABLE}: {entry.name}"
        if len(entry.fields) != 5:
            problems.append(f"{where}: has {len(entry.fields)} fields; rows "
                            f"are X(number, NAME, \"name\", where, \"what\")")
            continue
        name, what = _literal(entry.fields[2]), _literal(entry.fields[4])
        if name is None or not _KIND_NAME.match(name):
            problems.append(f"{where}: the name {entry.fields[2]} must be a "
                            f"string literal like \"null-read\"")
            continue
        if what is None:
            problems.append(f"{where}: the description must be a string "
                            f"literal")
            continue
        if entry.fields[3] not in _WHERE:
            problems.append(f"{where}: where is {entry.fields[3]!r}, not one "
                            f"of {', '.join(_WHERE)}")
            continue
        if any(k.name == name for k in kinds):
            problems.append(f"{where}: the name \"{name}\" is used twice")
            continue
        kinds.append(FaultKind(entry.value, name, entry.fields[3], what))
    if problems:
        raise CampaignError(f"{source}: {problems[0]}")
    if not kinds:
        raise CampaignError(f"{source}: {INJECT_TABLE}(X) has no X(...) rows")
    return kinds


def load_kinds(root):
    path = Path(root) / INJECT_HEADER
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CampaignError(f"{display_path(path)}: cannot read: "
                            f"{e.strerror}") from None
    return kinds_from_text(text, display_path(path))


def select_kinds(kinds, spec):
    """Kind names for --faults: "all" (header order; the device kinds, DMA
    attacks only a DMA driver can carry out, must be named) or "a,b,c"
    (that order); CampaignError naming the known kinds for an unknown one."""
    names = [k.name for k in kinds]
    spec = spec.strip()
    if spec == "all":
        return [k.name for k in kinds if k.where != "device"]
    chosen = [s.strip() for s in spec.split(",")]
    if not spec or any(not s for s in chosen):
        raise CampaignError(f"--faults {spec!r}: give 'all' or a comma-"
                            f"separated list of kinds (known: "
                            f"{', '.join(names)})")
    for s in chosen:
        if s == "all":
            raise CampaignError("--faults: 'all' cannot be combined with "
                                "other kinds")
        if s not in names:
            raise CampaignError(f"unknown fault kind {s!r} (known: "
                                f"{', '.join(names)})")
    seen = set()
    for s in chosen:
        if s in seen:
            raise CampaignError(f"--faults: {s!r} is listed twice")
        seen.add(s)
    return chosen


# -------------------------------------------------------------- derivation

@dataclass(frozen=True)
class Plan:
    """What run `index` of a campaign does; derive() makes it."""
    index: int
    kind: str
    after: int       # fail on request after + 1
    seed: int        # the run's own seed, 1..2**32-1

    def inject_line(self):
        return f"inject = {self.kind} after {self.after} seed {self.seed}"


def derive(campaign_seed, index, kinds):
    """Run `index` of the campaign seeded `campaign_seed` over `kinds`.

    The kind cycles through kinds in order; `after` and the run's seed are
    drawn, in that order, from random.Random(f"{campaign_seed}:{index}")
    (string seeding and randrange are stable across Python 3 versions).
    """
    if not kinds:
        raise ValueError("no fault kinds")
    rng = random.Random(f"{campaign_seed}:{index}")
    after = rng.randint(0, AFTER_MAX)
    seed = rng.randrange(1, 1 << 32)
    return Plan(index, kinds[index % len(kinds)], after, seed)


def parse_shard(text):
    """(I, N) from "I/N" with 1 <= I <= N; CampaignError otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise CampaignError(f"--shard {text!r}: expected I/N, e.g. 2/8 "
                            f"(shard I of N, 1 <= I <= N)")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise CampaignError(f"--shard {text!r}: I must be 1..N and N at "
                            f"least 1, e.g. 2/8")
    return i, n


def format_shard(shard):
    return None if shard is None else f"{shard[0]}/{shard[1]}"


def parse_only(text):
    """Run indices from "3,17,40" (each >= 0, no repeats), in order."""
    items = [s.strip() for s in (text or "").split(",")]
    if not items or any(not s.isdigit() for s in items):
        raise CampaignError(f"--only {text!r}: expected run indices like "
                            f"3,17")
    values = [int(s) for s in items]
    if len(set(values)) != len(values):
        raise CampaignError(f"--only {text!r}: an index is listed twice")
    return values


def plan_runs(campaign_seed, runs, kinds, shard=None, only=None):
    """The Plans this invocation runs: every index below `runs`, only
    those with index % N == I - 1 for shard (I, N), or only `only`."""
    if runs < 1:
        raise CampaignError("--runs must be at least 1")
    if shard is not None and only is not None:
        raise CampaignError("--shard and --only cannot be combined")
    if only is not None:
        bad = [i for i in only if not 0 <= i < runs]
        if bad:
            raise CampaignError(f"--only: index {bad[0]} is not a run of a "
                                f"campaign of {runs} runs (0..{runs - 1})")
        indices = sorted(only)
    elif shard is not None:
        i, n = shard
        indices = range(i - 1, runs, n)
    else:
        indices = range(runs)
    return [derive(campaign_seed, index, kinds) for index in indices]


def campaign_id(driver, campaign_seed, kinds):
    """The campaign's directory name under build/campaign/: the same for
    every shard of one campaign, different when the kinds differ."""
    digest = hashlib.sha256(",".join(kinds).encode()).hexdigest()[:8]
    return f"{driver}-seed{campaign_seed}-{digest}"


# ------------------------------------------------------------ classifying

_TAG = r"^\[supervisor\] "
# Process-side kinds: "inject: 'c' KIND after N seed S"; the kinds the
# supervisor carries out (code mutations): "inject: 'c' KIND seed S: what".
_INJECT = re.compile(_TAG + r"inject: '([^']*)' (\S+)(?: after (\d+))? "
                     r"seed (\d+)(?:$|:)")
_DETECT = re.compile(_TAG + r"component '([^']*)' \(pid \d+\) "
                     r"(faulted|hung|exited|complained)\b")
_RESTARTED = re.compile(_TAG + r"restarted '([^']*)' generation \d+")
_SERVING = re.compile(_TAG + r"'([^']*)' generation \d+ serving:")
_DOWNTIME = re.compile(r"\bdowntime (\d+) us\b")
_GIVING_UP = re.compile(_TAG + r"giving up on '([^']*)'")
# Searched, not matched at the start: a component printing garbage without a newline (a SWIFI
# mutation can make one) leaves the client's result line glued to the end of it.
_RESULT = re.compile(r"\[[^\]\s]+\] result: ([a-z_]+ \d+(?: [a-z_]+ \d+)*)"
                     r"\s*$")
_RESULT_KEYS = ("unknown", "failed", "lost")
_PANIC = re.compile(r"^(?:KERNEL|NESTED) PANIC\b")


@dataclass
class Facts:
    """What one run's exit and serial lines say (analyse())."""
    outcome: str
    restarts: int = 0                 # `restarted` lines
    downtime_us: list = field(default_factory=list)   # of `serving` lines
    result: dict | None = None        # the client's last result line
    gave_up: bool = False             # a `giving up on` line
    panic: bool = False               # a KERNEL PANIC / NESTED PANIC line
    detected: list = field(default_factory=list)   # faulted, hung, ...
    injects: list = field(default_factory=list)
    # (component, kind, after or None, seed) of each inject line


def parse_result(line):
    """{'requests': 200, 'ok': 198, ...} from a client's result line, or
    None (also for one without unknown, failed and lost)."""
    m = _RESULT.search(line)
    if not m:
        return None
    words = m.group(1).split()
    counts = {}
    for key, value in zip(words[::2], words[1::2]):
        if key in counts:
            return None
        counts[key] = int(value)
    if not all(k in counts for k in _RESULT_KEYS):
        return None
    return counts


def analyse(exit_name, lines):
    """Facts of a run that ended with runner result `exit_name` after
    printing `lines`; a pure function."""
    f = Facts(outcome="")
    for line in lines:
        if _PANIC.match(line):
            f.panic = True
        elif m := _INJECT.match(line):
            f.injects.append((m.group(1), m.group(2),
                              None if m.group(3) is None else int(m.group(3)),
                              int(m.group(4))))
        elif m := _DETECT.match(line):
            f.detected.append(m.group(2))
        elif _RESTARTED.match(line):
            f.restarts += 1
        elif _SERVING.match(line):
            m = _DOWNTIME.search(line)
            if m:
                f.downtime_us.append(int(m.group(1)))
        elif _GIVING_UP.match(line):
            f.gave_up = True
        elif (counts := parse_result(line)) is not None:
            f.result = counts
    f.outcome = _outcome(exit_name, f)
    return f


def _outcome(exit_name, f):
    if exit_name in PANIC_EXITS or f.panic:
        return "kernel_panic"
    # The runner names every end that is not a debug-exit code, a pvpanic
    # or the timeout "qemu-..." (abi.ExitCodes.describe).
    if exit_name.startswith("qemu-"):
        return "vm_died"
    if exit_name == abi.TIMEOUT or f.result is None:
        return "hung"
    if f.result["lost"] > 0:
        return "data_lost"
    if f.result["failed"] > 0 or f.result["unknown"] > 0 or f.gave_up:
        return "failed_cleanly"
    return "recovered"


def is_armed(facts, component, plan):
    """Whether the supervisor said it armed the plan's fault in component
    (the supervisor's own kinds print no `after`)."""
    return any(c == component and k == plan.kind and s == plan.seed
               and a in (None, plan.after) for c, k, a, s in facts.injects)


def classify(exit_name, lines):
    """One of OUTCOMES for a run (see docs/campaign.md, "Outcomes")."""
    return analyse(exit_name, lines).outcome


# ---------------------------------------------------------------- template

@dataclass(frozen=True)
class Template:
    scenario: object     # scenario.Scenario of tests/campaign/<driver>/
    dir: Path
    manifest: str        # the module file holding MARKER (relative)
    marker_line: int     # its 1-based line number
    component: str       # the [component NAME] section it is in

    @property
    def programs(self):
        """The user programs it boots, each once, in module order."""
        return list(dict.fromkeys(m.program for m in self.scenario.modules
                                  if m.program))


def available_drivers(root):
    base = Path(root) / CAMPAIGN_DIR
    if not base.is_dir():
        return []
    return sorted(d.name for d in base.iterdir()
                  if d.is_dir() and (d / scen.SCENARIO_FILE).is_file())


_SECTION = re.compile(r"^\s*\[\s*(\w+)(?:\s+([^\]\s]+))?\s*\]")


def load_template(root, driver, codes):
    """The campaign template of `driver`, checked: one MARKER line, in a
    file module, inside a [component NAME] section."""
    known = available_drivers(root)
    if driver not in known:
        raise CampaignError(
            f"unknown driver {driver!r}: no {CAMPAIGN_DIR}/{driver}/"
            f"{scen.SCENARIO_FILE} (available: {', '.join(known) or 'none'})")
    d = Path(root) / CAMPAIGN_DIR / driver
    s = scen.load(d, codes)
    found = []   # (file, line number, component or None)
    for m in s.modules:
        if m.program:
            continue
        try:
            text = (d / m.file).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue              # a binary module cannot be the manifest
        except OSError as e:
            raise CampaignError(f"{display_path(d / m.file)}: cannot read: "
                                f"{e.strerror}") from None
        section = None
        for number, line in enumerate(text.splitlines(), 1):
            sm = _SECTION.match(line)
            if sm:
                section = (sm.group(2) if sm.group(1) == "component"
                           else None)
            if line.strip() == MARKER:
                found.append((m.file, number, section))
    where = display_path(d)
    if not found:
        raise CampaignError(f"{where}: no module file has a line "
                            f"'{MARKER}' (put it in the section of the "
                            f"component under test)")
    if len(found) > 1:
        places = ", ".join(f"{f}:{n}" for f, n, _ in found)
        raise CampaignError(f"{where}: '{MARKER}' must appear once, found "
                            f"at {places}")
    file, number, component = found[0]
    if component is None:
        raise CampaignError(f"{where}/{file}:{number}: '{MARKER}' is not "
                            f"inside a [component NAME] section")
    return Template(s, d, file, number, component)


def build_targets(template):
    """What `scons` must build for a campaign of this template."""
    return ["kernel"] + [f"{PROGRAM_DIR}/{p}.elf" for p in template.programs]


def check_built(root, template, kernel):
    """CampaignError naming the first build output that is missing."""
    needed = [Path(kernel)] + [PROGRAM_DIR / f"{p}.elf"
                               for p in template.programs]
    for path in needed:
        full = Path(root) / path
        if not full.is_file():
            raise CampaignError(f"{display_path(full)} not found (not built? "
                                f"run without --no-build)")


def _atomic_copy(src, dst):
    """Copy src to dst so that a reader never sees half a file (shards of
    one campaign on one machine share the image directory)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_image(root, template, kernel, campaign_dir):
    """Snapshot the kernel and the template's programs into
    <campaign_dir>/image/, so a rebuild during a long campaign cannot
    change what later runs boot.  Returns the kernel path for RunOptions."""
    image = Path(campaign_dir) / "image"
    image.mkdir(parents=True, exist_ok=True)
    for p in template.programs:
        _atomic_copy(Path(root) / PROGRAM_DIR / f"{p}.elf",
                     image / f"{p}.elf")
    kernel_copy = image / Path(kernel).name
    _atomic_copy(Path(root) / kernel, kernel_copy)
    return str(kernel_copy.resolve())


def substitute_marker(text, plan, marker=MARKER):
    """text with its marker line (MARKER unless told) replaced by the
    plan's inject line."""
    out, done = [], False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip() == marker and not done:
            indent = body[:len(body) - len(body.lstrip())]
            line = indent + plan.inject_line() + line[len(body):]
            done = True
        out.append(line)
    if not done:
        raise CampaignError(f"no '{marker}' line to replace")
    return "".join(out)


def prepare_run(root, template, plan, run_dir, image_dir, marker=MARKER):
    """Make run_dir a bootable copy of the template with the plan's fault
    armed; returns the Scenario to boot.

    qemu.argv() boots every module from build/scenarios/<name>/<file>, so
    the run's Scenario is named "../campaign/<id>/run-<i>": its modules
    are then those in run_dir, where programs are symlinks into the image.
    """
    run_dir = Path(run_dir)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    shutil.copytree(template.dir, run_dir, symlinks=True)
    manifest = run_dir / template.manifest
    manifest.write_text(substitute_marker(
        manifest.read_text(encoding="utf-8"), plan, marker),
        encoding="utf-8")
    for p in template.programs:
        link = run_dir / f"{p}.elf"
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(Path(image_dir) / f"{p}.elf", run_dir))
    images = Path(root) / SCENARIO_IMAGES
    images.mkdir(parents=True, exist_ok=True)   # ".." must resolve from it
    return dataclasses.replace(
        template.scenario,
        name=os.path.relpath(run_dir.resolve(), images.resolve()),
        dir=str(run_dir), file=str(run_dir / scen.SCENARIO_FILE))


# ----------------------------------------------------------------- running

def boot(scenario, codes, options, logs, supervisor):
    """Boot one run (the tests replace this)."""
    return runner.run(scenario, codes, options, logs, supervisor=supervisor)


@dataclass
class Context:
    """What every run of one invocation shares."""
    root: Path
    template: Template
    codes: object
    kinds: list              # selected kind names, in cycling order
    seed: int
    runs: int                # runs_requested
    accel: str = "tcg"
    timeout: float = DEFAULT_TIMEOUT
    jobs: int = 1
    shard: tuple | None = None
    only: list | None = None
    keep_logs: bool = False
    kernel: str = ""         # set by prepare()
    supervisor: runner.Supervisor = field(default_factory=runner.Supervisor)

    @property
    def driver(self):
        return self.template.dir.name

    @property
    def id(self):
        return campaign_id(self.driver, self.seed, self.kinds)

    @property
    def dir(self):
        return Path(self.root) / BUILD_DIR / self.id


def prepare(ctx, kernel):
    """Check the build outputs and snapshot them into the campaign's
    directory (sets ctx.kernel)."""
    check_built(ctx.root, ctx.template, kernel)
    ctx.kernel = prepare_image(ctx.root, ctx.template, kernel, ctx.dir)


def _relative(root, path):
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def run_one(ctx, plan):
    """Boot one run and return its record (a dict, as in the JSON)."""
    run_dir = ctx.dir / f"run-{plan.index}"
    logs = runner.Logs(serial=run_dir / "serial.log",
                       qemu=run_dir / "qemu.log", vga=run_dir / "vga.txt")
    error = None
    try:
        scenario = prepare_run(ctx.root, ctx.template, plan, run_dir,
                               ctx.dir / "image")
        options = runner.RunOptions(root=Path(ctx.root), accel=ctx.accel,
                                    kernel=ctx.kernel, timeout=ctx.timeout)
        result = boot(scenario, ctx.codes, options, logs, ctx.supervisor)
        exit_name, lines, seconds = result.result, result.serial, \
            result.elapsed
    except runner.Cancelled:
        raise
    except (AxlError, OSError) as e:
        exit_name, lines, seconds, error = "harness-error", [], 0.0, str(e)
    facts = analyse(exit_name, lines)
    # A run the harness could not carry out has no outcome of its own; it
    # is counted as vm_died and its error makes the campaign fail.
    outcome = "vm_died" if error else facts.outcome
    armed = is_armed(facts, ctx.template.component, plan)
    keep = ctx.keep_logs or outcome != "recovered"
    if not keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return {
        "index": plan.index, "kind": plan.kind, "after": plan.after,
        "seed": plan.seed, "outcome": outcome, "restarts": facts.restarts,
        "downtime_us": facts.downtime_us, "seconds": round(seconds, 3),
        "exit": exit_name, "armed": armed, "detected": facts.detected,
        "log": _relative(ctx.root, logs.serial) if keep else None,
        "error": error,
    }


def describe_run(record):
    """One line about a finished run."""
    text = (f"run {record['index']}: {record['kind']} after "
            f"{record['after']} seed {record['seed']}: {record['outcome']}")
    n = record["restarts"]
    text += f", {n} restart" + ("" if n == 1 else "s")
    if record["downtime_us"]:
        text += ", downtime " + "/".join(str(d) for d in
                                         record["downtime_us"]) + " us"
    text += f", exit {record['exit']}, {record['seconds']:.1f} s"
    if record.get("error"):
        text += f"; harness error: {record['error']}"
    elif record["outcome"] != "recovered" and record.get("log"):
        text += f"; see {record['log']}"
    return text


class Progress:
    """Progress on stderr: a bar on a terminal (finished runs that did not
    recover are printed above it), else one line per finished run."""

    WIDTH = 30

    def __init__(self, stream, total, tty=None, clock=time.monotonic):
        self.stream = stream
        self.total = total
        self.tty = stream.isatty() if tty is None else tty
        self.clock = clock
        self.start = clock()
        self.done = 0
        self.bad = 0

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def bar(self):
        filled = self.WIDTH * self.done // max(self.total, 1)
        text = (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{self.done}/{self.total} runs, {self.bad} not recovered")
        if 0 < self.done < self.total:
            left = (self.clock() - self.start) / self.done * \
                (self.total - self.done)
            text += f", about {_duration(left)} left"
        return text

    def begin(self):
        if self.tty:
            self._write("\r" + self.bar() + "\x1b[K")

    def finished(self, record):
        self.done += 1
        if record["outcome"] != "recovered" or record.get("error"):
            self.bad += 1
        line = f"axl: campaign: {describe_run(record)}"
        if not self.tty:
            self._write(line + "\n")
            return
        if record["outcome"] != "recovered" or record.get("error"):
            self._write("\r\x1b[K" + line + "\n")
        self._write("\r" + self.bar() + "\x1b[K")

    def end(self):
        if self.tty:
            self._write("\r\x1b[K")


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds // 60 % 60:02d} min"


def run_campaign(ctx, plans, progress):
    """Run every plan, ctx.jobs at a time; records sorted by index.

    progress is a Progress.  On Ctrl-C every live QEMU is stopped.
    """
    records = []
    progress.begin()
    executor = ThreadPoolExecutor(max_workers=ctx.jobs)
    try:
        futures = [executor.submit(run_one, ctx, p) for p in plans]
        for future in as_completed(futures):
            record = future.result()
            records.append(record)
            progress.finished(record)
    except BaseException:
        ctx.supervisor.cancel()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        progress.end()
    return sorted(records, key=lambda r: r["index"])


# --------------------------------------------------------------- summaries

def median(values):
    """Middle value, or the mean of the two middle ones; None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return _number((ordered[mid - 1] + ordered[mid]) / 2)


def percentile(values, p):
    """Nearest-rank percentile (the smallest value with at least p % of
    the values at or below it); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _number(value):
    return int(value) if float(value).is_integer() else value


def count_outcomes(records):
    counts = {o: 0 for o in OUTCOMES}
    for r in records:
        counts[r["outcome"]] += 1
    return counts


def downtime_summary(records):
    values = [d for r in records for d in r["downtime_us"]]
    return {"median": median(values), "p99": percentile(values, 99),
            "count": len(values)}


def document(meta, records):
    """The JSON document: meta's fields (driver, seed, runs_requested,
    shard, accel, faults, ...), then the counts, the downtime figures and
    the runs sorted by index."""
    records = sorted(records, key=lambda r: r["index"])
    doc = dict(meta)
    doc["outcomes"] = count_outcomes(records)
    doc["downtime_us"] = downtime_summary(records)
    doc["runs"] = records
    return doc


def campaign_meta(ctx):
    return {"id": ctx.id, "driver": ctx.driver, "seed": ctx.seed,
            "runs_requested": ctx.runs, "shard": format_shard(ctx.shard),
            "only": ctx.only, "accel": ctx.accel, "timeout": ctx.timeout,
            "faults": list(ctx.kinds)}


def _table(header, rows, right_from=1):
    lines = [tuple(header)] + [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for row in lines:
        cells = [c.rjust(widths[i]) if i >= right_from else c.ljust(widths[i])
                 for i, c in enumerate(row)]
        out.append("  ".join(cells).rstrip())
    return out


def _show(value):
    return "-" if value is None else str(value)


def format_table(doc):
    """The outcome counts, then one row per fault kind, then downtime."""
    runs = doc["runs"]
    total = len(runs)
    rows = []
    for o in OUTCOMES:
        n = doc["outcomes"][o]
        share = f"{100 * n / total:.1f}%" if total else "-"
        rows.append((o, n, share))
    lines = _table(("outcome", "runs", "share"), rows)
    kinds = list(doc["faults"])
    kinds += sorted({r["kind"] for r in runs} - set(kinds))
    rows = []
    for k in kinds:
        mine = [r for r in runs if r["kind"] == k]
        counts = count_outcomes(mine)
        rows.append((k, len(mine), *(counts[o] for o in OUTCOMES),
                     _show(median([d for r in mine for d in r["downtime_us"]]))))
    counts = count_outcomes(runs)
    rows.append(("all", total, *(counts[o] for o in OUTCOMES),
                 _show(doc["downtime_us"]["median"])))
    lines.append("")
    lines += _table(("fault", "runs", *OUTCOMES, "median downtime us"), rows)
    d = doc["downtime_us"]
    lines.append("")
    if d["count"]:
        lines.append(f"downtime: median {_show(d['median'])} us, p99 "
                     f"{_show(d['p99'])} us, over {d['count']} restarts")
    else:
        lines.append("downtime: no restart reported a downtime")
    return "\n".join(lines)


def _indices(runs, limit=10):
    shown = ", ".join(str(r["index"]) for r in runs[:limit])
    return shown + (f", ... ({len(runs) - limit} more)"
                    if len(runs) > limit else "")


def verdict(doc):
    """Why the campaign fails ([] if it does not): runs that ended in
    kernel_panic, hung or data_lost, and runs with harness errors."""
    reasons = []
    for outcome in FAILING:
        bad = [r for r in doc["runs"] if r["outcome"] == outcome]
        if bad:
            reasons.append(f"{len(bad)} run{'s' if len(bad) > 1 else ''} "
                           f"ended {outcome}: {_indices(bad)}")
    errors = [r for r in doc["runs"] if r.get("error")]
    if errors:
        reasons.append(f"{len(errors)} run{'s' if len(errors) > 1 else ''} "
                       f"had harness errors: {_indices(errors)}")
    return reasons


def warnings(doc):
    """Things that do not fail a campaign but make it suspect."""
    found = []
    unarmed = [r for r in doc["runs"]
               if r.get("armed") is False and not r.get("error")]
    if unarmed:
        found.append(f"{len(unarmed)} run{'s' if len(unarmed) > 1 else ''} "
                     f"never printed the supervisor's inject line for their "
                     f"fault (was it armed?): {_indices(unarmed)}")
    present = {r["index"] for r in doc["runs"]}
    if doc.get("shard") is None and doc.get("only") is None:
        missing = [{"index": i} for i in range(doc["runs_requested"])
                   if i not in present]
        if missing:
            found.append(f"{len(missing)} of {doc['runs_requested']} runs "
                         f"are missing: {_indices(missing)}")
    return found


def reproduce_command(doc, indices, all_kinds=None):
    """The command that runs the given runs of this campaign again
    (`--faults all` when the campaign's kinds are all_kinds)."""
    faults = ("all" if all_kinds is not None
              and list(doc["faults"]) == list(all_kinds)
              else ",".join(doc["faults"]))
    return (f"tools/axl campaign --driver {doc['driver']} --faults {faults} "
            f"--runs {doc['runs_requested']} --seed {doc['seed']} --only "
            f"{','.join(str(i) for i in indices)}")


# -------------------------------------------------------------------- JSON

def write_json(path, doc):
    path = Path(path)
    try:
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.",
                                   dir=path.parent if path.parent != Path("")
                                   else ".")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, path)
    except OSError as e:
        raise CampaignError(f"cannot write {path}: {e.strerror}") from None


_DOC_KEYS = {"driver": str, "seed": int, "runs_requested": int,
             "faults": list, "runs": list}
_RUN_KEYS = {"index": int, "kind": str, "after": int, "seed": int,
             "outcome": str, "restarts": int, "downtime_us": list,
             "seconds": (int, float)}


def check_document(doc, source):
    """CampaignError naming source unless doc is a campaign document
    whose runs are those its campaign derives."""
    def fail(problem):
        raise CampaignError(f"{source}: {problem}")

    if not isinstance(doc, dict):
        fail("not a campaign JSON document (not an object)")
    for key, t in _DOC_KEYS.items():
        if key not in doc:
            fail(f"not a campaign JSON document: no {key!r}")
        if not isinstance(doc[key], t) or isinstance(doc[key], bool):
            fail(f"{key!r} has the wrong type")
    kinds = doc["faults"]
    if not kinds or not all(isinstance(k, str) for k in kinds):
        fail("'faults' must be a non-empty list of kind names")
    for n, r in enumerate(doc["runs"]):
        if not isinstance(r, dict):
            fail(f"runs[{n}] is not an object")
        for key, t in _RUN_KEYS.items():
            if key not in r:
                fail(f"runs[{n}] has no {key!r}")
            if not isinstance(r[key], t) or isinstance(r[key], bool):
                fail(f"runs[{n}].{key} has the wrong type")
        if r["outcome"] not in OUTCOMES:
            fail(f"run {r['index']}: unknown outcome {r['outcome']!r}")
        if not all(isinstance(d, int) and not isinstance(d, bool)
                   for d in r["downtime_us"]):
            fail(f"run {r['index']}: downtime_us must hold integers")
        if not 0 <= r["index"] < doc["runs_requested"]:
            fail(f"run {r['index']} is outside the campaign's "
                 f"{doc['runs_requested']} runs")
        plan = derive(doc["seed"], r["index"], kinds)
        if (r["kind"], r["after"], r["seed"]) != (plan.kind, plan.after,
                                                  plan.seed):
            fail(f"run {r['index']} ({r['kind']} after {r['after']} seed "
                 f"{r['seed']}) is not what the campaign derives for that "
                 f"index ({plan.kind} after {plan.after} seed {plan.seed})")


def load_document(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise CampaignError(f"{path}: cannot read: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise CampaignError(f"{path}: not JSON: {e}") from None
    check_document(doc, path)
    return doc


_SAME = ("driver", "seed", "faults", "runs_requested")


def _common(values):
    values = [v for v in values if v is not None]
    distinct = sorted(set(map(str, values)))
    if not distinct:
        return None
    if len(distinct) == 1:
        return values[0]
    return ",".join(distinct)


def merge(sources):
    """One document from [(name, document)] of shards of one campaign.

    The campaigns must agree on driver, seed, faults (in order) and
    runs_requested, and no run index may appear twice.
    """
    if not sources:
        raise CampaignError("merge: no files")
    first_name, first = sources[0]
    names = [str(name) for name, _ in sources]
    for name in names:
        if names.count(name) > 1:
            raise CampaignError(f"merge: {name} is given twice")
    for name, doc in sources:
        check_document(doc, name)
        for key in _SAME:
            if doc[key] != first[key]:
                raise CampaignError(
                    f"merge: {name} is not of the campaign of {first_name}: "
                    f"{key} is {json.dumps(doc[key])}, not "
                    f"{json.dumps(first[key])}")
    owner, runs = {}, []
    for name, doc in sources:
        for r in doc["runs"]:
            if r["index"] in owner:
                where = (f"twice in {name}" if owner[r["index"]] == name
                         else f"in both {owner[r['index']]} and {name}")
                raise CampaignError(f"merge: run {r['index']} is {where}")
            owner[r["index"]] = name
            runs.append(r)
    meta = {"id": _common(d.get("id") for _, d in sources),
            "driver": first["driver"], "seed": first["seed"],
            "runs_requested": first["runs_requested"], "shard": None,
            "only": None,
            "accel": _common(d.get("accel") for _, d in sources),
            "timeout": _common(d.get("timeout") for _, d in sources),
            "faults": list(first["faults"]),
            "merged_from": [str(name) for name, _ in sources],
            "shards": [d.get("shard") for _, d in sources]}
    return document(meta, runs)


# --------------------------------------------------------------- arguments

def shard_arg(text):
    """argparse type for --shard."""
    try:
        return parse_shard(text)
    except CampaignError as e:
        raise argparse.ArgumentTypeError(str(e).replace("--shard ", "")) \
            from None


def only_arg(text):
    """argparse type for --only."""
    try:
        return parse_only(text)
    except CampaignError as e:
        raise argparse.ArgumentTypeError(str(e).replace("--only ", "")) \
            from None


def seed_arg(text):
    """argparse type for --seed: an integer >= 0."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"not an integer >= 0: {text!r}")
    return int(text)


def report(doc, out, err, all_kinds=None):
    """Print the table (out), then warnings, how to run the failing runs
    again and the verdict (err); returns the exit status (0 or 1)."""
    out(format_table(doc))
    for w in warnings(doc):
        err(f"axl: campaign: warning: {w}")
    reasons = verdict(doc)
    bad = [r["index"] for r in doc["runs"]
           if r["outcome"] in FAILING or r.get("error")]
    if bad:
        shown = bad[:20]
        err(f"axl: campaign: to run {'these' if len(shown) > 1 else 'it'} "
            f"again{' (the first 20)' if len(bad) > 20 else ''}: "
            f"{reproduce_command(doc, shown, all_kinds)}")
    if reasons:
        err("axl: campaign: FAILED: " + "; ".join(reasons))
        return 1
    err(f"axl: campaign: {len(doc['runs'])} runs: no kernel panic, no hung "
        f"run, no data lost")
    return 0
