"""ps.py: the supervisor's process report, read back from a serial log.

Besides its text report the supervisor prints each report as JSON lines on
the console (docs/supervisor.md, "The report as JSON").  Each line holds
the marker "ps-json " followed by one JSON object; the marker may be
anywhere in the line (after the console's "[supervisor] " tag, a kernel log
prefix, ...):

    ps-json {"kind":"begin","seq":2,"tsc":...,"tsc_hz":...,"free":...}
    ps-json {"kind":"domain","name":"bomb","memory":2097152,...}
    ps-json {"kind":"proc","pid":17,"name":"forkbomb",...}
    ps-json {"kind":"end","seq":2}

A report is the lines from a "begin" to the "end" of the same seq.
parse() groups them; a report without its end (the log was cut, or a new
"begin" came first) is skipped with a warning, a line whose JSON does not
parse is an error naming its line number (and is skipped).  Unknown kinds
and unknown fields are kept: they go into the JSON document as they came.
format_report() gives the two tables tools/axl ps prints; document() the
JSON it writes.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError

MARKER = "ps-json "

# The columns of the two tables: (header, field or function of the object,
# how to show it).  Byte counts are shown in KiB.
_MISSING = "-"


def _value(obj, key):
    value = obj.get(key)
    if value is None or isinstance(value, (dict, list)):
        return _MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _kib(obj, key):
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _value(obj, key)
    if value % 1024 == 0:
        return str(int(value) // 1024)
    return f"{value / 1024:.1f}"


def _pair(a, b):
    return lambda obj: f"{_value(obj, a)}/{_value(obj, b)}"


def _field(key):
    return lambda obj: _value(obj, key)


def _kib_field(key):
    return lambda obj: _kib(obj, key)


DOMAIN_COLUMNS = (
    ("domain", _field("name")),
    ("memory KiB", _kib_field("memory")),
    ("used KiB", _kib_field("used")),
    ("free KiB", _kib_field("free")),
    ("procs/max", _pair("procs", "max_procs")),
    ("threads", _field("threads")),
    ("restarts", _field("restarts")),
    ("spawned", _field("spawned")),
    ("refused nomem/limit", _pair("refused_nomem", "refused_limit")),
    ("killed", _field("killed")),
)

PROC_COLUMNS = (
    ("pid", _field("pid")),
    ("name", _field("name")),
    ("domain", _field("domain")),
    ("parent", _field("parent")),
    ("state", _field("state")),
    ("prio", _field("priority")),
    ("caps", _field("caps")),
    ("mem KiB", _kib_field("mem")),
    ("quota KiB", _kib_field("quota")),
    ("gen", _field("generation")),
    ("restarts", _field("restarts")),
)

# Columns of text, aligned to the left; the others are numbers (right).
_LEFT = {"domain", "name", "state"}


@dataclass
class Report:
    """One complete report: its begin line's fields, the domain and proc
    objects (their "kind" removed, every other field kept), and the
    objects of other kinds as they came, in order."""
    line: int                  # the begin line's number (1-based)
    begin: dict
    domains: list = field(default_factory=list)
    procs: list = field(default_factory=list)
    other: list = field(default_factory=list)

    @property
    def seq(self):
        return self.begin.get("seq")

    def to_json(self):
        """{"seq", "tsc", "tsc_hz", "free", ... (every begin field),
        "domains", "procs"} and "other" when lines of unknown kinds came."""
        doc = dict(self.begin)
        doc["domains"] = self.domains
        doc["procs"] = self.procs
        if self.other:
            doc["other"] = self.other
        return doc


@dataclass
class Parsed:
    reports: list = field(default_factory=list)    # of Report, complete ones
    errors: list = field(default_factory=list)     # (line number, message)
    warnings: list = field(default_factory=list)   # (line number, message)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _without_kind(obj):
    return {k: v for k, v in obj.items() if k != "kind"}


def parse(lines):
    """Group the ps-json lines of a serial log (an iterable of str) into
    reports.  Never raises for the log's content: problems are in
    Parsed.errors (a line that is not a JSON object with a string "kind",
    or a begin/end without an integer seq) and Parsed.warnings (a report
    without its end, an end or entry outside a report)."""
    out = Parsed()
    current = None

    def drop(why):
        out.warnings.append((current.line, f"report seq {current.seq} "
                                           f"(begun here) {why}: skipped"))

    for number, line in enumerate(lines, 1):
        at = line.find(MARKER)
        if at < 0:
            continue
        rest = line[at + len(MARKER):]
        text = rest.strip()
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            column = at + len(MARKER) + len(rest) - len(rest.lstrip()) + e.pos
            out.errors.append((number, f"bad JSON after '{MARKER.strip()}': "
                                       f"{e.msg} (column {column + 1})"))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            out.errors.append((number, f"'{MARKER.strip()}' needs a JSON "
                                       f"object with a string \"kind\", "
                                       f"not {text[:40]!r}"))
            continue
        kind = obj["kind"]
        if kind in ("begin", "end") and not _is_int(obj.get("seq")):
            out.errors.append((number, f"a '{kind}' line needs an integer "
                                       f"\"seq\""))
            continue
        if kind == "begin":
            if current is not None:
                drop(f"has no end before the begin at line {number}")
            current = Report(line=number, begin=_without_kind(obj))
        elif kind == "end":
            if current is None:
                out.warnings.append((number, f"end of report seq "
                                             f"{obj['seq']} without its "
                                             f"begin: ignored"))
            elif obj["seq"] != current.seq:
                drop(f"ends with seq {obj['seq']} at line {number}")
                current = None
            else:
                out.reports.append(current)
                current = None
        elif current is None:
            out.warnings.append((number, f"'{kind}' line outside a report: "
                                         f"ignored"))
        elif kind == "domain":
            current.domains.append(_without_kind(obj))
        elif kind == "proc":
            current.procs.append(_without_kind(obj))
        else:
            current.other.append(obj)   # a kind of a newer supervisor
    if current is not None:
        drop("has no end (log cut?)")
    return out


def read_log(path):
    """The lines of a serial log, or AxlError saying why not."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise AxlError(f"cannot read {path}: {e.strerror}") from None
    text = data.decode("utf-8", errors="replace")
    return [line.rstrip("\r") for line in text.split("\n")]


def document(source, reports):
    """The --json document."""
    return {"source": str(source),
            "reports": [r.to_json() for r in reports]}


def format_table(columns, objects):
    """Aligned lines: a header, then one row per object."""
    headers = [h for h, _ in columns]
    rows = [[show(obj) for _, show in columns] for obj in objects]
    widths = [max(len(cell) for cell in column)
              for column in zip(headers, *rows)]

    def line(cells):
        parts = [c.ljust(w) if h in _LEFT else c.rjust(w)
                 for h, c, w in zip(headers, cells, widths)]
        return "  ".join(parts).rstrip()

    return [line(headers)] + [line(r) for r in rows]


def _title(report):
    begin = report.begin
    parts = [f"report seq {_value(begin, 'seq')}"]
    tsc, hz = begin.get("tsc"), begin.get("tsc_hz")
    if _is_int(tsc) and _is_int(hz) and hz > 0:
        parts.append(f"at {tsc / hz:.3f} s")
    elif tsc is not None:
        parts.append(f"at tsc {_value(begin, 'tsc')}")
    if "free" in begin:
        parts.append(f"{_kib(begin, 'free')} KiB free")
    return ", ".join(parts)


def format_report(report):
    """The lines tools/axl ps prints for one report."""
    lines = [_title(report)]
    if report.domains:
        lines += format_table(DOMAIN_COLUMNS, report.domains)
    else:
        lines.append("no domains")
    lines.append("")
    if report.procs:
        lines += format_table(PROC_COLUMNS, report.procs)
    else:
        lines.append("no processes")
    if report.other:
        kinds = sorted({o["kind"] for o in report.other})
        lines.append(f"({len(report.other)} line(s) of other kinds: "
                     f"{', '.join(kinds)}; see --json)")
    return lines


def write_json(path, doc, stdout):
    """Write doc to path ("-": the stdout stream given)."""
    text = json.dumps(doc, indent=2) + "\n"
    if str(path) == "-":
        stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise AxlError(f"cannot write {path}: {e.strerror}") from None
