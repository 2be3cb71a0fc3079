#!/usr/bin/env python3
"""check.py: hold docs/abi.md to the ABI headers in kernel/include/uapi/axl/.

The headers are the one definition of the ABI; docs/abi.md describes it.
This checker reads both (no C compiler, no preprocessor) and reports every
place where they disagree, one line each:

    abi: <file>:<line>: <problem>

then a summary line.  Exit status: 0 when they agree, 1 on any problem,
2 when the files cannot be read.  `scons test` runs it from the repository
root.

The headers are read by tools/axlpy/uapi.py, the same reader the scenario
tools use for the exit codes, so the two can never read a table differently.
"""

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository root
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import AxlError, display_path  # noqa: E402
from axlpy.uapi import Problem, Table, load_headers, loc  # noqa: E402

# Relative to the repository root.
HEADER_DIR = Path("kernel/include/uapi/axl")
DOC = Path("docs/abi.md")

RULES = """\
what is checked:
  tables   Every `#define AXL_<NAME>(X)` in kernel/include/uapi/axl/*.h whose
           body is a list of rows `X(value, NAME, ...)` is a table.  Values
           are C integer constant expressions: literals, + - * / % << >> |
           & ^ ~, parentheses and integer #defines of the headers.  The
           macro the header passes to the table (`#define AXL_X(v, name,
           ...) AXL_EXIT_##name ...`) gives the C name, e.g. AXL_EXIT_PANIC.
  entries  docs/abi.md documents a table in markdown tables that follow a
           heading naming the macro (e.g. "## Exit codes (`AXL_EXIT_CODES`)").
           Each entry needs one row there that names it (`PANIC` or
           `AXL_EXIT_PANIC`) and gives its value (0x12 or 18) in a column
           titled "Value", "Number" or "Bit" (or in any cell when no column
           has such a title).  A row naming no entry of its table is stale.
  constants
           A `#define AXL_X <integer>` named in a table of docs/abi.md must
           have the value given there (same columns as entries).
  stale    An AXL_ name in a heading or in any table of docs/abi.md that no
           header defines is stale; so is a `struct x` there that has no
           size assertion.
  structs  Every `_Static_assert(sizeof(struct x) == N, ...)` in the headers
           needs a row in docs/abi.md naming `struct x` and giving N in a
           column titled "Size" (or in any cell when there is none).

limits: #if/#ifdef are not evaluated (a table inside `#if 0` still counts);
markdown tables must start their lines with '|'.
"""


# ------------------------------------------------------------ markdown

@dataclass
class DocRow:
    line: int
    cells: list


@dataclass
class DocTable:
    line: int
    columns: list       # header cells
    rows: list
    heading: str        # nearest heading above, "" if none
    heading_line: int


_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_SEPARATOR = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*")
_CODE_SPAN = re.compile(r"(`+)(.*?)\1")
_NAME_CELL = re.compile(r"(?:struct )?[A-Za-z_]\w*")
_NUMBER_CELL = re.compile(r"(?:[\s()/,=]*(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*"
                          r"(?:\s*bytes?)?)+[\s()/,]*")
_UPPER = re.compile(r"[A-Z][A-Z0-9_]*")
_AXL_NAME = re.compile(r"\bAXL_[A-Z0-9_]+\b")


def split_cells(line):
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [cell.replace("\\|", "|").strip()
            for cell in re.split(r"(?<!\\)\|", s)]


def parse_doc(text):
    """(markdown tables, [(line, heading text)]), outside code fences."""
    tables, headings = [], []
    heading, heading_line = "", 0
    fence = None
    block = []          # consecutive '|' lines: [(line number, text)]

    def flush():
        if len(block) >= 2 and _SEPARATOR.fullmatch(block[1][1]):
            tables.append(DocTable(block[0][0], split_cells(block[0][1]),
                                   [DocRow(n, split_cells(t))
                                    for n, t in block[2:]],
                                   heading, heading_line))
        block.clear()

    for number, line in enumerate(text.splitlines(), 1):
        f = _FENCE.match(line)
        if fence:
            if f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
            continue
        if f:
            flush()
            fence = f.group(1)
            continue
        if line.lstrip().startswith("|"):
            block.append((number, line))
            continue
        flush()
        h = _HEADING.fullmatch(line)
        if h:
            heading, heading_line = h.group(2) or "", number
            headings.append((number, heading))
    flush()
    return tables, headings


def cell_names(cell):
    """Names a cell gives: its code spans, or the whole cell, when they are
    one identifier or `struct x`."""
    spans = [m.group(2) for m in _CODE_SPAN.finditer(cell)]
    candidates = spans if spans else [cell.strip("*")]
    names = []
    for cand in candidates:
        cand = re.sub(r"\s+", " ", cand.strip())
        if _NAME_CELL.fullmatch(cand):
            names.append(cand)
    return names


def row_names(row):
    names = []
    for cell in row.cells:
        names += [n for n in cell_names(cell) if n not in names]
    return names


def cell_numbers(cell):
    """[(value, as written)] of the integers in a cell that holds only
    numbers ("0x12", "18", "0x12 (18)", "16 bytes"); [] for other cells."""
    t = cell.replace("`", "").strip()
    if not t or not _NUMBER_CELL.fullmatch(t):
        return []
    return [(int(n, 16) if n[:2] in ("0x", "0X") else int(n), n)
            for n in re.findall(r"0[xX][0-9a-fA-F]+|\d+", t)]


def documents(cells, value, text):
    """(whether cells give value, or text verbatim; what they give)."""
    numbers = [n for cell in cells for n in cell_numbers(cell)]
    verbatim = {re.sub(r"\s+", "", cell.replace("`", "")) for cell in cells}
    ok = value in [v for v, _ in numbers] or \
        (text is not None and re.sub(r"\s+", "", text) in verbatim)
    return ok, ", ".join(t for _, t in numbers)


VALUE_TITLES = ("value", "number", "bit")
SIZE_TITLES = ("size", "bytes")


def value_cells(table, row, titles):
    """The row's cells under a column whose title has one of the words
    titles, or all its cells when no column has such a title."""
    cols = [i for i, title in enumerate(table.columns)
            if set(re.findall(r"[a-z0-9]+", title.lower())) & set(titles)]
    if not cols:
        return row.cells
    return [row.cells[i] for i in cols if i < len(row.cells)]


@dataclass
class Report:
    problems: list
    tables: int
    entries: int
    sizes: int
    header_dir: Path
    doc: Path

    def summary(self):
        what = (f"({self.tables} table{'s' * (self.tables != 1)}, "
                f"{self.entries} entr{'ies' if self.entries != 1 else 'y'}, "
                f"{self.sizes} struct size{'s' * (self.sizes != 1)})")
        where = f"{display_path(self.doc)} and {display_path(self.header_dir)}/"
        n = len(self.problems)
        if not n:
            return f"abi: ok: {where} agree {what}"
        return f"abi: {n} problem{'s' * (n != 1)}: {where} disagree {what}"


def check(root):
    """Compare root's docs/abi.md with its ABI headers."""
    root = Path(root)
    header_dir, doc = root / HEADER_DIR, root / DOC
    a = load_headers(header_dir)
    try:
        doc_text = doc.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise AxlError(f"{display_path(doc)}: cannot read: "
                       f"{getattr(e, 'strerror', None) or e}") from None
    header_problems = a.problems
    doc_problems = []

    def stale(line, message):
        doc_problems.append(Problem(doc, line, message))

    where = f"{display_path(header_dir)}/"
    known = set(a.tables)
    for h in a.headers:
        known |= h.identifiers
    for t in a.tables.values():
        known |= {t.c_name(e) for e in t.entries}
    structs = {s for h in a.headers for s in h.structs}

    doc_tables, headings = parse_doc(doc_text)
    for line, heading in headings:
        for name in _AXL_NAME.findall(heading):
            if name not in known:
                stale(line, f"heading names {name}, which no header in "
                            f"{where} defines")
    bound = defaultdict(list)
    for dt in doc_tables:
        macro = next((n for n in _AXL_NAME.findall(dt.heading)
                      if n in a.tables), None)
        bound[macro].append(dt)

    # Table entries against the doc tables under their heading.
    for macro, t in a.tables.items():
        if not bound.get(macro):
            if t.entries:
                n = len(t.entries)
                header_problems.append(Problem(
                    t.path, t.line, f"{macro} ({n} entr{'ies' if n != 1 else 'y'})"
                    f" has no table in {display_path(doc)}: put one under a "
                    f"heading that names {macro}"))
            continue
        lookup = {}
        for e in t.entries:
            lookup[e.name] = lookup[t.c_name(e)] = e
        seen = {}
        for dt in bound[macro]:
            for row in dt.rows:
                names = [n for n in row_names(row) if not n.startswith("struct ")]
                hit = next((lookup[n] for n in names if n in lookup), None)
                if hit is None:
                    upper = [n for n in names if _UPPER.fullmatch(n)]
                    if upper:
                        stale(row.line, f"{upper[0]} is not an entry of "
                                        f"{macro} ({loc(t.path, t.line)})")
                    else:
                        stale(row.line, f"row names no entry of {macro}")
                    continue
                if hit.name in seen:
                    stale(row.line, f"{t.c_name(hit)} is documented twice "
                                    f"(first on line {seen[hit.name]})")
                    continue
                seen[hit.name] = row.line
                ok, given = documents(value_cells(dt, row, VALUE_TITLES),
                                      hit.value, hit.text)
                if not ok:
                    stale(row.line, f"{t.c_name(hit)} is documented as "
                                    f"{given or 'no value'} but "
                                    f"{loc(t.path, hit.line)} defines "
                                    f"{hit.text}")
        for e in t.entries:
            if e.name not in seen:
                header_problems.append(Problem(
                    t.path, e.line, f"{t.c_name(e)} ({e.text}) of {macro} is "
                    f"missing from {display_path(doc)}"))

    # Other tables: AXL_ names must exist; a constant needs its value.
    for dt in bound.get(None, []):
        for row in dt.rows:
            names = row_names(row)
            for name in names:
                if _AXL_NAME.fullmatch(name) and name not in known:
                    stale(row.line, f"{name} is not defined by any header "
                                    f"in {where}")
            k = next((a.constants[n] for n in names if n in a.constants), None)
            if k is None:
                continue
            ok, given = documents(value_cells(dt, row, VALUE_TITLES),
                                  k.value, k.text)
            if not ok:
                stale(row.line, f"{k.name} is documented as "
                                f"{given or 'no value'} but "
                                f"{loc(k.path, k.line)} defines {k.text}")

    # Struct sizes, in any doc table.
    documented = defaultdict(list)
    for dt in doc_tables:
        for row in dt.rows:
            for name in row_names(row):
                key = name if name in a.sizes else f"struct {name}"
                if key in a.sizes:
                    if (dt, row) not in documented[key]:
                        documented[key].append((dt, row))
                elif name.startswith("struct "):
                    tag = name[len("struct "):]
                    if tag in structs:
                        stale(row.line, f"{name} has no _Static_assert(sizeof"
                                        f"({name}) == ...) in {where} to hold "
                                        f"its documented size to")
                    else:
                        stale(row.line, f"{name} is not defined by any header "
                                        f"in {where}")
    for s in a.sizes.values():
        if not documented[s.name]:
            header_problems.append(Problem(
                s.path, s.line, f"{s.name} ({s.size} bytes by its "
                f"_Static_assert) is not listed in {display_path(doc)}"))
        for dt, row in documented[s.name]:
            ok, given = documents(value_cells(dt, row, SIZE_TITLES),
                                  s.size, None)
            if not ok:
                stale(row.line, f"{s.name} is documented as "
                                f"{given or 'no size'} but "
                                f"{loc(s.path, s.line)} asserts {s.size} bytes")

    header_problems.sort(key=lambda p: (str(p.path), p.line))
    doc_problems.sort(key=lambda p: p.line)
    return Report(header_problems + doc_problems, len(a.tables),
                  sum(len(t.entries) for t in a.tables.values()),
                  len(a.sizes), header_dir, doc)


def list_abi(root):
    """Print what the headers define, as this checker reads them."""
    a = load_headers(Path(root) / HEADER_DIR)
    for t in a.tables.values():
        print(f"{loc(t.path, t.line)}: {t.macro}: {len(t.entries)} entries, "
              f"C names {t.prefix}NAME")
        for e in t.entries:
            print(f"  {e.text:>8}  {t.c_name(e)}  ({e.value})")
    for s in a.sizes.values():
        print(f"{loc(s.path, s.line)}: sizeof({s.name}) == {s.size}")
    for k in a.constants.values():
        print(f"{loc(k.path, k.line)}: {k.name} = {k.text} ({k.value})")
    for p in a.problems:
        print(p)
    return 1 if a.problems else 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="tools/abi/check.py",
        description="Check that docs/abi.md documents exactly the ABI that "
                    "kernel/include/uapi/axl/*.h defines: every X-macro "
                    "table entry with its value, and every struct size "
                    "fixed by a _Static_assert. Prints one line per "
                    "problem, 'abi: <file>:<line>: <problem>', then a "
                    "summary. Exit status 0: they agree; 1: problems; "
                    "2: files missing or unreadable.",
        epilog=RULES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the repository to check (default: the one "
                             "holding this script)")
    parser.add_argument("--list", action="store_true",
                        help="print the tables, entries and struct sizes read "
                             "from the headers, and check nothing")
    args = parser.parse_args(argv)
    try:
        if args.list:
            return list_abi(args.root)
        report = check(args.root)
    except AxlError as e:
        print(f"abi: error: {e}", file=sys.stderr)
        return 2
    for p in report.problems:
        print(p)
    print(report.summary())
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
