"""uapi.py: reading the ABI headers in kernel/include/uapi/axl/.

The one reader of the X-macro tables, used by abi.py (the exit codes the
scenario tools map QEMU statuses through) and by tools/abi/check.py (which
holds docs/abi.md to the headers), so the two can never read a table
differently. No C compiler or preprocessor: C's own rules for line
splicing, comments, string literals and argument splitting are applied
here; #if/#ifdef are not evaluated.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import AxlError, display_path

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
