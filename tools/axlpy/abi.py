"""abi.py: the guest -> host exit-code ABI, read from the C header.

kernel/include/uapi/axl/exit.h is the single definition of the exit codes
(rows `X(0x10, PASS, "...")` inside `#define AXL_EXIT_CODES(X)`); this module
reads it with uapi.py, the project's one header reader, and never repeats
the numbers.  A guest that writes value V to the
isa-debug-exit port makes QEMU exit with status (V << 1) | 1.
"""

from dataclasses import dataclass
from pathlib import Path

from . import AxlError, uapi

# Relative to the repository root.
EXIT_HEADER = Path("kernel/include/uapi/axl/exit.h")

# Result names that do not come from the header.
TIMEOUT = "timeout"
PVPANIC = "pvpanic"  # the guest wrote the pvpanic port (see runner.py)

# isa-debug-exit exit statuses are 8 bits wide: (V << 1) | 1 must fit.
_MAX_VALUE = 0x7F


@dataclass(frozen=True)
class ExitCode:
    value: int     # what the guest writes to the debug-exit port
    name: str      # lowercase NAME from the header, e.g. "boot_error"
    meaning: str


def _meaning(fields):
    """The row's third field, a string literal, without its quotes."""
    text = fields[2] if len(fields) > 2 else ""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


class ExitCodes:
    """The exit-code table plus the mapping from QEMU exit statuses."""

    def __init__(self, codes, source="<exit codes>"):
        self.source = str(source)
        self.by_value = {}
        self.by_name = {}
        for code in codes:
            self._add(code)

    def _add(self, code):
        if not 0 < code.value <= _MAX_VALUE:
            raise AxlError(f"{self.source}: exit code {code.name.upper()} = "
                           f"{code.value:#x} is outside 0x01..{_MAX_VALUE:#x}")
        if code.value in self.by_value or code.name in self.by_name:
            raise AxlError(f"{self.source}: duplicate exit code "
                           f"{code.name.upper()} = {code.value:#x}")
        self.by_value[code.value] = code
        self.by_name[code.name] = code

    @classmethod
    def from_text(cls, text, source="<exit codes>"):
        header = uapi.parse_header(Path(source), text)
        table = next((t for t in header.tables if t.macro == "AXL_EXIT_CODES"), None)
        if table is None:
            raise AxlError(f"{source}: no '#define AXL_EXIT_CODES(X)' table")
        problems = [p.message for p in header.problems]
        for fields, line in table.rows:
            uapi.add_row(table, fields, line, problems.append, None)
        if problems:
            raise AxlError(f"{source}: {problems[0]}")
        if not table.entries:
            raise AxlError(f"{source}: AXL_EXIT_CODES(X) has no X(...) rows")
        return cls([ExitCode(e.value, e.name.lower(), _meaning(e.fields)) for e in table.entries],
                   source)

    @classmethod
    def from_header(cls, path):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise AxlError(f"{path}: cannot read exit-code header: "
                           f"{e.strerror}") from None
        return cls.from_text(text, path)

    @classmethod
    def for_root(cls, root):
        """The table of the repository rooted at root."""
        return cls.from_header(Path(root) / EXIT_HEADER)

    @property
    def names(self):
        """Exit-code names in header order."""
        return list(self.by_name)

    def describe(self, status):
        """Name the result behind a QEMU exit status (Popen.returncode)."""
        if status < 0:
            return f"qemu-killed-by-signal-{-status}"
        if status == 0:
            return "qemu-exit-0 (triple fault/poweroff)"
        if status == 1:
            # Also what a guest writing 0 gets; the header never uses 0.
            return "qemu-error"
        if status == 134:
            return "qemu-abort"
        if status % 2 == 0:
            return f"qemu-exit-{status}"
        value = status >> 1
        code = self.by_value.get(value)
        return code.name if code else f"unknown-guest-code-{value:#04x}"
