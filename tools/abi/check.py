#!/usr/bin/env python3
"""check.py: hold docs/abi.md to the ABI headers in kernel/include/uapi/axl/.

The headers are the one definition of the ABI; docs/abi.md describes it.
This checker reads both (no C compiler, no preprocessor) and reports every
place where they disagree, one line each:

    abi: <file>:<line>: <problem>

then a summary line.  Exit status: 0 when they agree, 1 on any problem,
2 when the files cannot be read.  `scons test` runs it from the repository
root.

The header side is parsed like tools/axlpy/abi.py parses exit.h (find the
`#define`, follow its backslash continuations, read the `X(...)` rows), but
for every table and with C's own rules for line splicing, comments, string
literals and argument splitting.  For exit.h it also asks axlpy.abi itself
and reports any disagreement, so the scenario tools and the documentation
can never read the table differently.
"""

import argparse
import ast
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository root
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import AxlError, abi, display_path  # noqa: E402

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
  axlpy    tools/axlpy/abi.py must read AXL_EXIT_CODES exactly as this
           checker does.

limits: #if/#ifdef are not evaluated (a table inside `#if 0` still counts);
markdown tables must start their lines with '|'.
"""


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self):
        return f"abi: {display_path(self.path)}:{self.line}: {self.message}"


@dataclass
class Entry:
    """One row X(value, NAME, ...) of a table."""
    name: str
    value: int
    text: str           # the value as written, e.g. "0x12"
    fields: tuple       # every argument of the row, as written
    line: int

    def __str__(self):
        return f"{self.name} = {self.text}"


@dataclass
class Table:
    """One X-macro table, e.g. AXL_EXIT_CODES in exit.h."""
    macro: str
    path: Path
    line: int
    entries: list = field(default_factory=list)
    prefix: str = ""    # C name of an entry is prefix + NAME ("AXL_EXIT_")
    rows: list = field(default_factory=list)    # [(fields, line)] as read

    def c_name(self, entry):
        return self.prefix + entry.name if self.prefix else entry.name


@dataclass
class StructSize:
    """_Static_assert(sizeof(<name>) == <size>, ...)."""
    name: str           # "struct axl_x", or a typedef name
    size: int
    path: Path
    line: int


@dataclass
class Constant:
    """An object-like #define whose body is an integer constant."""
    name: str
    value: int
    text: str
    path: Path
    line: int


@dataclass
class Header:
    path: Path
    tables: list = field(default_factory=list)
    sizes: list = field(default_factory=list)   # [(name, text, line)] as read
    defines: list = field(default_factory=list)  # [(name, text, line)]
    identifiers: set = field(default_factory=set)   # outside strings
    structs: set = field(default_factory=set)       # tags with a body
    problems: list = field(default_factory=list)


# ------------------------------------------------------------ C reading

class CText:
    """A header after translation phases 2 and 3: backslash-newlines
    spliced and comments replaced by one space.  String and character
    literals are kept.  line[i] is the source line of text[i]."""

    def __init__(self, raw):
        spliced, lines = [], []
        i, n, line = 0, len(raw), 1
        while i < n:
            c = raw[i]
            if c == "\\":
                j = i + 1
                while j < n and raw[j] in " \t\r":   # GCC allows this too
                    j += 1
                if j < n and raw[j] == "\n":
                    i, line = j + 1, line + 1
                    continue
            spliced.append(c)
            lines.append(line)
            line += c == "\n"
            i += 1
        text, self.line = [], []
        i, n = 0, len(spliced)
        while i < n:
            c = spliced[i]
            if c in "\"'":
                j = skip_literal(spliced, i, n)
                text.extend(spliced[i:j])
                self.line.extend(lines[i:j])
                i = j
                continue
            if c == "/" and i + 1 < n and spliced[i + 1] in "*/":
                if spliced[i + 1] == "*":
                    j = i + 2
                    while j < n and not (spliced[j] == "*" and j + 1 < n
                                         and spliced[j + 1] == "/"):
                        j += 1
                    j = min(j + 2, n)
                else:
                    j = i + 2
                    while j < n and spliced[j] != "\n":
                        j += 1
                text.append(" ")
                self.line.append(lines[i])
                i = j
                continue
            text.append(c)
            self.line.append(lines[i])
            i += 1
        self.text = "".join(text)
        self.line.append(lines[-1] if lines else 1)   # for offset len(text)
        # Logical lines as (start, end) offsets, and the preprocessor ones.
        self.logical = []
        start = 0
        for m in re.finditer("\n", self.text):
            self.logical.append((start, m.start()))
            start = m.end()
        self.logical.append((start, len(self.text)))
        self.directives = [(s, e) for s, e in self.logical
                           if re.match(r"[ \t]*#", self.text[s:e])]

    def in_directive(self, pos):
        return any(s <= pos < e for s, e in self.directives)

    def without_strings(self):
        """text with every literal blanked out; offsets do not move."""
        return re.sub(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'",
                      lambda m: " " * len(m.group(0)), self.text)


def skip_literal(text, i, end):
    """Index just past the string or character literal starting at i."""
    quote, j = text[i], i + 1
    while j < end and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, end) if j < end and text[j] == quote else min(j, end)


def macro_args(text, i, end):
    """Arguments of the call whose '(' is at text[i], split at top-level
    commas as the preprocessor does (only parentheses nest; commas inside
    string and character literals do not count).  Returns ([(start, stop),
    ...], index after ')'), or (None, end) if the ')' is missing."""
    depth, start, args, j = 0, i + 1, [], i
    while j < end:
        c = text[j]
        if c in "\"'":
            j = skip_literal(text, j, end)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append((start, j))
                return args, j + 1
        elif c == "," and depth == 1:
            args.append((start, j))
            start = j + 1
        j += 1
    return None, end


_C_INT = re.compile(r"\b(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)"
                    r"(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)?\b")
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1),
           ast.Mod: lambda a, b: a - b * _BINOPS[ast.Div](a, b),
           ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
           ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b,
           ast.BitXor: lambda a, b: a ^ b}
_UNOPS = {ast.UAdd: lambda a: a, ast.USub: lambda a: -a,
          ast.Invert: lambda a: ~a}


def c_int(expr, names=None):
    """The value of a C integer constant expression made of literals,
    arithmetic and the names that names(name) resolves to an int (None:
    unknown); ValueError for anything else (casts, sizeof, floats)."""
    def literal(m):
        t = m.group(1)
        if t[:2] in ("0x", "0X", "0b", "0B"):
            return str(int(t, 0))
        if len(t) > 1 and t[0] == "0":
            return str(int(t, 8))               # C octal; ValueError on 8, 9
        return t

    def value(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNOPS:
            return _UNOPS[type(node.op)](value(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = value(node.left), value(node.right)
            if type(node.op) in (ast.Div, ast.Mod) and b == 0:
                raise ValueError("division by zero")
            if type(node.op) in (ast.LShift, ast.RShift) and b < 0:
                raise ValueError("negative shift")
            return _BINOPS[type(node.op)](a, b)
        if isinstance(node, ast.Name):
            v = names(node.id) if names else None
            if v is None:
                raise ValueError(f"{node.id} is not an integer constant "
                                 f"of the ABI headers")
            return v
        raise ValueError("not an integer constant expression")

    try:
        tree = ast.parse(_C_INT.sub(literal, expr.strip()), mode="eval")
    except SyntaxError:
        raise ValueError("not an integer constant expression") from None
    return value(tree.body)


_TABLE_DEFINE = re.compile(r"[ \t]*#[ \t]*define[ \t]+(AXL_\w+)\("
                           r"[ \t]*([A-Za-z_]\w*)[ \t]*\)")
_ANY_DEFINE = re.compile(r"[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)")
_OBJECT_DEFINE = re.compile(r"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![\w(])")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_STATIC_ASSERT = re.compile(r"\b(?:_Static_assert|static_assert)\s*\(")
_SIZEOF_EQ = re.compile(r"sizeof\s*\(\s*(struct\s+\w+|\w+)\s*\)\s*==\s*(.+)",
                        re.S)
_EQ_SIZEOF = re.compile(r"(.+?)\s*==\s*sizeof\s*\(\s*(struct\s+\w+|\w+)\s*\)",
                        re.S)


def parse_header(path, raw):
    """Tables, struct sizes and identifiers of one header."""
    h = Header(path)
    c = CText(raw)
    text = c.text

    def problem(pos, message):
        h.problems.append(Problem(path, c.line[pos], message))

    for start, end in c.directives:
        m = _TABLE_DEFINE.match(text, start, end)
        if not m:
            continue
        param, pos = m.group(2), m.end()
        row = re.compile(r"\s*" + re.escape(param) + r"\s*\(")
        if not row.match(text, pos, end):
            continue        # an ordinary function-like macro, not a table
        table = Table(m.group(1), path, c.line[start])
        while True:
            rm = row.match(text, pos, end)
            if not rm:
                rest = text[pos:end].strip()
                if rest:
                    at = pos + len(text[pos:end]) - len(text[pos:end].lstrip())
                    problem(at, f"{table.macro}: unexpected {rest[:30]!r} "
                                f"after the rows (rows must be {param}(...))")
                break
            at = rm.start() + len(rm.group(0)) - len(rm.group(0).lstrip())
            args, pos = macro_args(text, rm.end() - 1, end)
            if args is None:
                problem(at, f"{table.macro}: row has no closing ')'")
                break
            table.rows.append(([text[a:b].strip() for a, b in args],
                               c.line[at]))
        table.prefix = entry_prefix(c, table)
        h.tables.append(table)

    for start, end in c.directives:
        m = _OBJECT_DEFINE.match(text, start, end)
        if m and text[m.end():end].strip():
            h.defines.append((m.group(1), text[m.end():end].strip(),
                              c.line[start]))

    bare = c.without_strings()
    for m in _STATIC_ASSERT.finditer(bare):
        if c.in_directive(m.start()):
            continue
        args, _ = macro_args(text, m.end() - 1, len(text))
        if not args:
            continue
        cond = unparen(text[args[0][0]:args[0][1]].strip())
        sm = _SIZEOF_EQ.fullmatch(cond)
        name, size = (sm.group(1), sm.group(2)) if sm else (None, None)
        if not sm:
            sm = _EQ_SIZEOF.fullmatch(cond)
            if not sm:
                continue    # offsetof, alignment, ...: not a size
            name, size = sm.group(2), sm.group(1)
        h.sizes.append((re.sub(r"\s+", " ", name), size.strip(),
                        c.line[m.start()]))

    h.identifiers = set(_IDENT.findall(bare))
    h.structs = set(re.findall(r"\bstruct\s+(\w+)\s*\{", bare))
    return h


def add_row(table, fields, line, problem, names):
    if len(fields) < 2:
        problem(f"{table.macro}: row has {len(fields)} field(s); "
                f"rows are X(value, NAME, ...)")
        return
    text, name = fields[0], fields[1]
    if not _IDENT.fullmatch(name):
        problem(f"{table.macro}: {name!r} is not a NAME")
        return
    try:
        value = c_int(text, names)
    except ValueError as e:
        problem(f"{table.macro}: value of {name}: {e}: {text!r}")
        return
    for other in table.entries:
        if other.name == name:
            problem(f"{table.macro}: {name} is already defined on line "
                    f"{other.line}")
            return
        if other.value == value:
            problem(f"{table.macro}: {name} has the value of {other.name} "
                    f"({other.text}, line {other.line})")
    table.entries.append(Entry(name, value, text, tuple(fields), line))


def unparen(s):
    """s without parentheses that enclose all of it."""
    while s.startswith("(") and s.endswith(")"):
        args, after = macro_args(s, 0, len(s))
        if args is None or after != len(s):
            break
        s = s[1:-1].strip()
    return s


def entry_prefix(c, table):
    """"AXL_EXIT_" when the header does `TABLE(M)` with
    `#define M(v, name, ...) AXL_EXIT_##name ...` before it, else ""."""
    text = c.text
    for inv in re.finditer(r"\b" + table.macro + r"\s*\(\s*(\w+)\s*\)", text):
        best = None     # the last #define of the macro passed to the table
        for start, end in c.directives:
            if start > inv.start():
                break
            m = _ANY_DEFINE.match(text, start, end)
            if m and m.group(1) == inv.group(1):
                best = (m, end)
        if not best:
            continue
        m, end = best
        params = [p.strip() for p in m.group(2).split(",")]
        if len(params) < 2:
            continue
        p = re.search(r"\b(\w+)\s*##\s*" + re.escape(params[1]) + r"\b",
                      text[m.end():end])
        if p:
            return p.group(1)
    return ""


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


# ------------------------------------------------------------ the check

@dataclass
class Abi:
    """Everything the headers define."""
    headers: list
    tables: dict        # macro -> Table
    sizes: dict         # name -> StructSize
    constants: dict     # name -> Constant
    problems: list


def load_headers(header_dir):
    paths = sorted(p for p in Path(header_dir).rglob("*.h") if p.is_file())
    if not paths:
        raise AxlError(f"{display_path(header_dir)}: no headers found")
    headers = []
    for path in paths:
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise AxlError(f"{display_path(path)}: cannot read: "
                           f"{getattr(e, 'strerror', None) or e}") from None
        headers.append(parse_header(path, raw))
    problems = [p for h in headers for p in h.problems]

    # Object-like #defines with integer values, resolved on demand so that
    # one may use another (from any header).
    bodies = {}
    for h in headers:
        for name, text, line in h.defines:
            bodies.setdefault(name, (text, h.path, line))
    constants, busy = {}, set()

    def resolve(name):
        if name in constants:
            return constants[name].value if constants[name] else None
        if name not in bodies or name in busy:
            return None
        busy.add(name)
        text, path, line = bodies[name]
        try:
            constants[name] = Constant(name, c_int(unparen(text), resolve),
                                       text, path, line)
        except (ValueError, RecursionError):
            constants[name] = None
        busy.discard(name)
        return constants[name].value if constants[name] else None

    for name in bodies:
        resolve(name)

    tables, sizes = {}, {}
    for h in headers:
        for t in h.tables:
            for fields, line in t.rows:
                add_row(t, fields, line, lambda msg, line=line: problems.append(
                    Problem(t.path, line, msg)), resolve)
            if t.macro in tables:
                other = tables[t.macro]
                problems.append(Problem(t.path, t.line, f"{t.macro} is also "
                                        f"defined at {loc(other.path, other.line)}"))
            else:
                tables[t.macro] = t
        for name, text, line in h.sizes:
            try:
                s = StructSize(name, c_int(unparen(text), resolve), h.path, line)
            except ValueError as e:
                problems.append(Problem(h.path, line, f"size of {name} in "
                                        f"_Static_assert: {e}: {text!r}"))
                continue
            other = sizes.setdefault(s.name, s)
            if other is not s and other.size != s.size:
                problems.append(Problem(s.path, s.line, f"{s.name} is asserted "
                                        f"to be {s.size} bytes here but "
                                        f"{other.size} at {loc(other.path, other.line)}"))
    constants = {n: c for n, c in constants.items() if c}
    return Abi(headers, tables, sizes, constants, problems)


def loc(path, line):
    return f"{display_path(path)}:{line}"


def cross_check_axlpy(root, a):
    """tools/axlpy/abi.py must see the exit codes this checker sees."""
    path = Path(root) / abi.EXIT_HEADER
    if not path.is_file():
        return []
    table = a.tables.get("AXL_EXIT_CODES")
    if table and table.path.resolve() != path.resolve():
        table = None
    line = table.line if table else 1
    try:
        codes = abi.ExitCodes.for_root(root)
    except AxlError as e:
        message = str(e)
        if message.startswith(f"{path}: "):
            message = message[len(f"{path}: "):]
        return [Problem(path, line, f"tools/axlpy/abi.py rejects this "
                                    f"header: {message}")]
    theirs = [(c.value, c.name.upper()) for c in codes.by_name.values()]
    ours = [(e.value, e.name) for e in table.entries] if table else []
    if theirs == ours:
        return []

    def fmt(rows):
        return ", ".join(f"{n} = {v:#x}" for v, n in rows) or "nothing"
    return [Problem(path, line, "tools/axlpy/abi.py reads AXL_EXIT_CODES "
                                f"differently: it adds "
                                f"{fmt([r for r in theirs if r not in ours])} "
                                f"and lacks "
                                f"{fmt([r for r in ours if r not in theirs])}"
                                + ("" if set(theirs) != set(ours)
                                   else " (order differs)"))]


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
    header_problems = a.problems + cross_check_axlpy(root, a)
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
