"""bench_dma.py: `axl bench dma`: DMA under the IOMMU (docs/benchmarks.md,
"DMA under the IOMMU").

The system booted is tools/bench/dma/: the edu driver (drivers/edu) and
the client edubench (apps/edubench) on the machine of the edu-basic
scenario (QEMU's edu device and its VT-d unit).  edubench runs with
`args = "ROUNDS TRANSFERS"`, put where the template's marker line is by
campaign.py's own code (prepare_image, prepare_run).  One invocation boots
it in two configurations, each --runs times, run by run in turn:

    on    DMA remapping on: the driver maps its buffer in the device's IO
          space and gives the device the IO address
    off   `iommu=off` on the kernel command line: no IO space, the device
          is given the buffer's physical address

edubench prints (the console puts "[edubench] " first):

    map-unmap: rounds 200 median 1234 min 1100 max 5000
    map-unmap: unavailable: AXL_E_ILLEGAL_OPERATION      (remapping off)
    copy-in: 64 bytes, 10 transfers: median 100234567 min ... max ...
    copy-out: 896 bytes, 10 transfers: median ... min ... max ...
    tsc_hz 1000000000
    done

and the driver says which way it gives the device its buffer, which is
checked against the configuration.  The figures are TSC ticks: under TCG
QEMU runs with -icount shift=0,sleep=off (through bench.py's guest_argv
and boot), so they count guest instructions; under KVM they are cycles.
Parsing, statistics, the document and the report are pure functions,
tested without QEMU in tests/tools/test_bench_dma.py; run() boots through
boot(), which the tests replace.  Importing this module is cheap and has
no side effects, like the rest of axlpy.
"""

import dataclasses
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, bench, campaign, display_path, qemu, runner

TEMPLATE_DIR = Path("tools/bench/dma")   # scenario.toml, edu.manifest
MANIFEST = "edu.manifest"                # holds campaign.MARKER
DRIVER = "edu"
CLIENT = "edubench"
OUT_DIR = Path("build/bench/dma")        # image/, scenario/, logs/

CONFIGS = ("on", "off")
CMDLINE = {"on": "", "off": "iommu=off"}
CONFIG_TEXT = {"on": "remapping on", "off": "remapping off (iommu=off)"}
DIRECTIONS = ("copy-in", "copy-out")
SIZES = (64, 512, 896)       # apps/edubench: 896 = AXL_EDU_XFER_MAX, one message

DEFAULT_RUNS = 3
DEFAULT_ROUNDS = 200
DEFAULT_TRANSFERS = 10
ROUNDS_MAX = 1024            # AXL_EDU_BENCH_ROUNDS_MAX (<axl/edu.h>)
TRANSFERS_MAX = 100          # edubench's TRANSFERS_MAX
ACCELS = ("tcg", "kvm")
UNITS = {"tcg": "instructions (TCG, icount)",
         "kvm": "cycles (KVM, nested: treat with care)"}


class BenchDmaError(AxlError):
    """The benchmark cannot be set up, or its options are wrong."""


# ------------------------------------------------------------------ options

def check_options(runs, rounds, transfers, accel):
    """BenchDmaError unless the counts and the accelerator are usable."""
    for name, value, top in (("--runs", runs, None),
                             ("--rounds", rounds, ROUNDS_MAX),
                             ("--transfers", transfers, TRANSFERS_MAX)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1 \
                or (top is not None and value > top):
            limit = f"1..{top}" if top else "at least 1"
            raise BenchDmaError(f"{name} must be {limit}, not {value!r}")
    if accel not in ACCELS:
        raise BenchDmaError(f"--accel must be one of {', '.join(ACCELS)}, "
                            f"not {accel!r}")


def default_timeout(accel, rounds, transfers):
    """Seconds one boot may take.  Every copy waits for the edu model's
    100 ms timer: under TCG with sleep=off that virtual time passes in a
    few ms of wall time, under KVM it is 100 ms of real time; the boot of
    this host's nested KVM alone takes about 10 s."""
    copies = len(DIRECTIONS) * len(SIZES) * transfers
    return 60.0 + copies * (0.5 if accel == "tcg" else 1.0) + rounds * 0.01


# ----------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Figures:
    """One measurement of one run: ticks, as edubench printed them."""
    median: int
    min: int
    max: int
    count: int


_SAYS = re.compile(r"\[" + CLIENT + r"\] (.*?)\s*$")
_MAP = re.compile(r"map-unmap: rounds (\d+) median (\d+) min (\d+) max (\d+)")
_MAP_NONE = re.compile(r"map-unmap: unavailable: (\S+)")
_COPY = re.compile(r"(copy-in|copy-out): (\d+) bytes, (\d+) transfers: "
                   r"median (\d+) min (\d+) max (\d+)")
_TSC = re.compile(r"tsc_hz (\d+)")
_SERVING = re.compile(r"^edu: instance \d+ serving; DMA buffer at physical "
                      r"0x[0-9a-f]+, (?:mapped at IO address (0x[0-9a-f]+)|"
                      r"given to the device as it is)")


@dataclass
class RunOutput:
    """What one boot printed that matters here (parse_output())."""
    map_unmap: Figures | None = None
    map_unavailable: str | None = None       # the error edubench was given
    copies: dict = field(default_factory=dict)  # (direction, size) -> Figures
    tsc_hz: int | None = None
    done: bool = False
    remapping: bool | None = None   # the driver's serving line: IO address?
    iova: str | None = None
    failures: list = field(default_factory=list)   # edubench's FAIL lines
    malformed: list = field(default_factory=list)  # unreadable or repeated


def _figures(median, low, high, count, line, out):
    if not low <= median <= high or count < 1:
        out.malformed.append(line)
        return None
    return Figures(median=median, min=low, max=high, count=count)


def parse_output(lines):
    """RunOutput of one boot's serial lines; a pure function."""
    out = RunOutput()
    for line in lines:
        m = _SERVING.search(line)
        if m:
            out.remapping = m.group(1) is not None
            out.iova = m.group(1)
            continue
        m = _SAYS.search(line)
        if not m:
            continue
        text = m.group(1)
        if text.startswith("FAIL"):
            out.failures.append(text)
        elif text == "done":
            out.done = True
        elif m := _MAP.fullmatch(text):
            r, med, low, high = map(int, m.groups())
            if out.map_unmap is not None or out.map_unavailable:
                out.malformed.append(line)
            else:
                out.map_unmap = _figures(med, low, high, r, line, out)
        elif m := _MAP_NONE.fullmatch(text):
            if out.map_unmap is not None or out.map_unavailable:
                out.malformed.append(line)
            else:
                out.map_unavailable = m.group(1)
        elif m := _COPY.fullmatch(text):
            key = (m.group(1), int(m.group(2)))
            k, med, low, high = map(int, m.groups()[2:])
            if key in out.copies:
                out.malformed.append(line)
            else:
                fig = _figures(med, low, high, k, line, out)
                if fig:
                    out.copies[key] = fig
        elif m := _TSC.fullmatch(text):
            out.tsc_hz = int(m.group(1))
        elif text.startswith(("map-unmap", "copy-", "tsc_hz")):
            out.malformed.append(line)
    return out


def problems(out, config, rounds, transfers):
    """Why one run's output cannot be used ([] if it can)."""
    found = [f"edubench said: {text}" for text in out.failures]
    if out.malformed:
        found.append(f"{len(out.malformed)} edubench line(s) could not be "
                     f"read or repeat a figure, the first: "
                     f"{out.malformed[0].strip()!r}")
    if out.remapping is None:
        found.append("the edu driver printed no serving line")
    elif out.remapping != (config == "on"):
        found.append(f"the driver gave the device "
                     f"{'an IO address' if out.remapping else 'physical addresses'}"
                     f" with {CONFIG_TEXT[config]}")
    if config == "on":
        if out.map_unmap is None:
            found.append("no map-unmap figures" + (
                f" (EDU_BENCH_MAP answered {out.map_unavailable})"
                if out.map_unavailable else ""))
        elif out.map_unmap.count != rounds:
            found.append(f"map-unmap: {out.map_unmap.count} rounds, "
                         f"{rounds} asked for")
    elif out.map_unmap is not None:
        found.append("map-unmap figures with remapping off")
    for direction in DIRECTIONS:
        for size in SIZES:
            fig = out.copies.get((direction, size))
            if fig is None:
                found.append(f"no {direction} figures for {size} bytes")
            elif fig.count != transfers:
                found.append(f"{direction} {size} bytes: {fig.count} "
                             f"transfers, {transfers} asked for")
    if not out.tsc_hz:
        found.append("edubench printed no tsc_hz")
    if not out.done and not out.failures:
        found.append("edubench did not print 'done'")
    return found


# --------------------------------------------------------------- statistics

def _combine(figs):
    """{median, min, max, run_medians}: the median of the per-run medians,
    the smallest min and the largest max."""
    return {"median": bench.median([f.median for f in figs]),
            "min": min(f.min for f in figs),
            "max": max(f.max for f in figs),
            "run_medians": [f.median for f in figs]}


def throughput(size, ticks, tsc_hz):
    """Bytes per second (of virtual time under TCG) of size bytes moved in
    ticks TSC ticks, or None."""
    if not ticks or not tsc_hz:
        return None
    return size * tsc_hz / ticks


def latency_us(ticks, tsc_hz):
    return ticks * 1e6 / tsc_hz if tsc_hz else None


def summarise(outputs):
    """The figures of one configuration over its runs (RunOutputs, all
    usable): map_unmap (None without), copies in DIRECTIONS x SIZES order,
    and the median tsc_hz."""
    tsc = bench.median([o.tsc_hz for o in outputs])
    maps = [o.map_unmap for o in outputs if o.map_unmap is not None]
    copies = []
    for direction in DIRECTIONS:
        for size in SIZES:
            c = _combine([o.copies[(direction, size)] for o in outputs])
            c = {"direction": direction, "bytes": size, **c,
                 "latency_us": latency_us(c["median"], tsc),
                 "bytes_per_s": throughput(size, c["median"], tsc)}
            copies.append(c)
    return {"map_unmap": _combine(maps) if maps else None,
            "map_unmap_unavailable": next((o.map_unavailable for o in outputs
                                           if o.map_unavailable), None),
            "copies": copies,
            "tsc_hz": tsc}


def ratios(results):
    """[{direction, bytes, on_off}]: the median ticks with remapping on
    over those with it off, per copy (results: config -> summarise())."""
    out = []
    for on, off in zip(results["on"]["copies"], results["off"]["copies"]):
        out.append({"direction": on["direction"], "bytes": on["bytes"],
                    "on_off": on["median"] / off["median"]
                    if off["median"] else None})
    return out


# ----------------------------------------------------------- the scenario

class _Args:
    """A campaign Plan whose line is edubench's args: campaign.prepare_run()
    writes it where the template's marker line is."""

    def __init__(self, rounds, transfers):
        self.line = f'args = "{rounds} {transfers}"'

    def inject_line(self):
        return self.line


def load_template(root, codes):
    """tools/bench/dma/ as a campaign Template: its marker line must be in
    the [component edubench] section of edu.manifest."""
    return bench.load_client_template(root, TEMPLATE_DIR, MANIFEST, CLIENT,
                                      codes, campaign.MARKER, BenchDmaError)


def prepare(root, template, kernel, rounds, transfers, out_dir=None):
    """Snapshot the build into <out_dir>/image/ and make <out_dir>/scenario/
    (default build/bench/dma/) with edubench's args.  Returns (Scenario
    with remapping on, kernel path)."""
    out_dir = Path(out_dir) if out_dir else Path(root) / OUT_DIR
    campaign.check_built(root, template, kernel)
    kernel_copy = campaign.prepare_image(root, template, kernel, out_dir)
    scenario = campaign.prepare_run(root, template, _Args(rounds, transfers),
                                    out_dir / "scenario", out_dir / "image")
    return scenario, kernel_copy


def scenario_for(scenario, config):
    """The scenario of one configuration: off adds iommu=off."""
    cmdline = " ".join(p for p in (scenario.cmdline, CMDLINE[config]) if p)
    return dataclasses.replace(scenario, cmdline=cmdline)


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
    runs: int = DEFAULT_RUNS
    rounds: int = DEFAULT_ROUNDS
    transfers: int = DEFAULT_TRANSFERS
    timeout: float | None = None      # None: default_timeout()
    logdir: Path | None = None        # None: <root>/build/bench/dma/logs
    supervisor: runner.Supervisor = field(default_factory=runner.Supervisor)

    def boot_timeout(self):
        return self.timeout or default_timeout(self.accel, self.rounds,
                                               self.transfers)

    def log_dir(self):
        return self.logdir or Path(self.root) / OUT_DIR / "logs"

    def argv(self, config):
        return bench.guest_argv(scenario_for(self.scenario, config),
                                self.accel, self.kernel)


@dataclass
class Result:
    """All runs of one invocation."""
    status: str = "ok"                 # ok or failed
    reason: str = ""
    argv: dict = field(default_factory=dict)      # config -> QEMU argv
    runs: list = field(default_factory=list)      # dicts for the JSON
    outputs: dict = field(default_factory=lambda: {c: [] for c in CONFIGS})


def run(ctx, progress):
    """Boots each configuration ctx.runs times, in turn; stops at the first
    unusable run."""
    res = Result(argv={c: ctx.argv(c) for c in CONFIGS})
    timeout = ctx.boot_timeout()
    for i in range(1, ctx.runs + 1):
        for config in CONFIGS:
            tag = f"{ctx.accel} run {i}/{ctx.runs}, {CONFIG_TEXT[config]}"
            progress(f"axl: bench dma: {tag}: booting")
            stem = ctx.log_dir() / f"dma-{config}-{ctx.accel}-{i}"
            serial_log = stem.with_suffix(".serial.log")

            def on_line(text, tag=tag):
                m = _SAYS.search(text)
                if m and m.group(1).startswith(("map-unmap", "copy-")):
                    progress(f"  {tag}: {m.group(1)}")

            b = boot(res.argv[config], ctx.root, timeout, serial_log,
                     stem.with_suffix(".qemu.log"), on_line, ctx.supervisor,
                     ctx.codes)
            out = parse_output(b.lines)
            found = problems(out, config, ctx.rounds, ctx.transfers)
            res.runs.append({
                "run": i, "config": config, "result": b.result,
                "elapsed_s": round(b.elapsed, 3),
                "log": display_path(serial_log), "tsc_hz": out.tsc_hz,
                "remapping": out.remapping, "iova": out.iova,
                "map_unmap": dataclasses.asdict(out.map_unmap)
                if out.map_unmap else None,
                "copies": {f"{d} {s}": dataclasses.asdict(f)
                           for (d, s), f in out.copies.items()}})
            if b.result != "pass" or found:
                res.status = "failed"
                res.reason = f"{tag}: " + bench.failure_text(b, found,
                                                   serial_log, timeout, ctx.accel)
                progress(f"axl: bench dma: {tag}: failed")
                return res
            res.outputs[config].append(out)
            progress(f"axl: bench dma: {tag}: done in {b.elapsed:.1f} s")
    return res


# ---------------------------------------------------------- the document

def unit_note(mode):
    if mode == "tcg":
        return ("QEMU ran with -icount shift=0,sleep=off: the TSC counts guest "
                "instructions (user and kernel), 1 ns of virtual time each; "
                "throughput and latency are in virtual time, and the edu "
                "model's fixed 100 ms DMA timer is virtual time too. The "
                "IOMMU's own work (page walks, IOTLB misses) is done by QEMU "
                "and counts no guest instructions")
    return ("TSC cycles; this machine's KVM is nested (kvm_pvm), so treat "
            "absolute figures with care")


def document(ctx, result, date=None):
    """The JSON document of one `axl bench dma` (docs/benchmarks.md)."""
    ok = result.status == "ok"
    kernel = Path(ctx.kernel)
    kernel = kernel if kernel.is_absolute() else Path(ctx.root) / kernel
    summaries = ({c: summarise(result.outputs[c]) for c in CONFIGS}
                 if ok else {})
    results = []
    for c in CONFIGS:
        entry = {"config": c, "remapping": c == "on",
                 "description": CONFIG_TEXT[c],
                 "cmdline": scenario_for(ctx.scenario, c).cmdline,
                 "qemu_argv": result.argv.get(c)}
        entry.update(summaries.get(c, {}))
        results.append(entry)
    return {
        "benchmark": "dma",
        "meta": {
            "mode": ctx.accel,
            "unit": UNITS[ctx.accel],
            "unit_note": unit_note(ctx.accel),
            "runs": ctx.runs,
            "rounds": ctx.rounds,
            "transfers": ctx.transfers,
            "sizes": list(SIZES),
            "date": date or datetime.datetime.now(datetime.timezone.utc)
            .isoformat(timespec="seconds"),
            "kernel": {"revision": bench.git_revision(ctx.root),
                       "image": display_path(kernel),
                       "sha256": bench.sha256(kernel) if kernel.is_file()
                       else None},
            "qemu": {"version": bench.qemu_version(),
                     "cpu_model": qemu.CPU_MODEL.get(ctx.accel)},
            "host": bench.host_info(),
        },
        "status": result.status,
        "reason": result.reason or None,
        "results": results,
        "ratios": ratios(summaries) if ok else [],
        "run_details": result.runs,
    }


def _rate(value):
    """Bytes per second, short: 8,950 B/s."""
    return "-" if value is None else f"{value:,.0f}"


def format_table(doc):
    """The copies table: median ticks on and off, their ratio, and the
    throughput of each."""
    on, off = (next(r for r in doc["results"] if r["config"] == c)
               for c in CONFIGS)
    header = ("request", "bytes", "on median", "off median", "on/off",
              "on B/s", "off B/s")
    rows = [header]
    for a, b, r in zip(on["copies"], off["copies"], doc["ratios"]):
        rows.append((a["direction"], str(a["bytes"]), bench.number(a["median"]),
                     bench.number(b["median"]),
                     "-" if r["on_off"] is None else f"{r['on_off']:.4f}",
                     _rate(a["bytes_per_s"]), _rate(b["bytes_per_s"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(widths[i]) if i == 0
                               else c.rjust(widths[i])
                               for i, c in enumerate(row)).rstrip()
                     for row in rows)


def report(doc, out, err):
    """Print the figures (out), or why there are none (err); returns the
    exit status (0, or 1 when a run failed)."""
    if doc["status"] != "ok":
        err(f"axl: bench dma: error: {doc['reason']}")
        err("axl: bench dma: no figures")
        return 1
    meta = doc["meta"]
    runs = f"{meta['runs']} run" + ("" if meta["runs"] == 1 else "s")
    out(f"DMA under the IOMMU: {runs} per configuration, mode "
        f"{meta['mode']}; unit: {meta['unit']}")
    for r in doc["results"]:
        m = r["map_unmap"]
        if m:
            out(f"map+unmap ({r['description']}): median "
                f"{bench.number(m['median'])}, min {m['min']}, max {m['max']}"
                f" ({meta['rounds']} rounds per run)")
        else:
            out(f"map+unmap ({r['description']}): unavailable "
                f"({r['map_unmap_unavailable'] or 'no figures'}: no IO space)")
    out(f"copies: {meta['transfers']} per size, direction and run, each timed "
        f"around the whole request; median ticks; throughput in bytes per "
        f"second of {'virtual ' if meta['mode'] == 'tcg' else ''}time "
        f"(tsc_hz {bench.number(doc['results'][0]['tsc_hz'])})")
    out(format_table(doc))
    out(f"unit: {meta['unit_note']}")
    return 0


def write_json(path, doc):
    bench.write_json(path, doc)
