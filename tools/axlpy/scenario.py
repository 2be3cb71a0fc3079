"""scenario.py: load and validate tests/scenarios/<name>/scenario.toml.

Imported both by tools/axl and by the SCons build, which does
    sys.path.insert(0, 'tools'); from axlpy import scenario
    for s in scenario.load_all(root):   # uses s.name, s.dir, s.modules
so this module only uses the standard library and has no import-time effects.

Every problem with a scenario file raises ScenarioError naming the file.
The format is summarised in `tools/axl scenarios --help`.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import AxlError, display_path
from . import abi, pstore

SCENARIOS_DIR = Path("tests/scenarios")   # relative to the repository root
SCENARIO_FILE = "scenario.toml"

KNOWN_DEVICES = ("vga", "pvpanic", "erst", "iommu", "edu")  # qemu.DEVICE_ARGS, qemu.argv
DEFAULT_MEMORY = "256M"
DEFAULT_TIMEOUT = 60.0
MAX_REBOOTS = 16

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_BACKREF = re.compile(r"\(\?P=(\w+)\)")


class Backref:
    """An expected line that names what an earlier expected line captured:
    (?P=name) is the text the group (?P<name>...) of an earlier pattern
    matched, e.g. the same address printed twice. bind() gives the regex
    once those captures are known."""

    def __init__(self, text):
        self.pattern = text
        re.compile(_BACKREF.sub("(?:)", text))  # the rest must be a regex

    def bind(self, captures):
        def value(m):
            got = captures.get(m.group(1))
            return re.escape(got) if got is not None else m.group(0)
        return re.compile(_BACKREF.sub(value, self.pattern))
_PROGRAM = re.compile(r"[a-z0-9_-]+\Z")     # env.AxlUserProgram(name, ...)
_MEMORY = re.compile(r"[1-9][0-9]*[KMG]?\Z")   # QEMU -m; bare number = MiB

_TOP_KEYS = ("description", "cmdline", "modules", "devices", "memory",
             "timeout", "icount", "reboots", "tamper", "expect")
_MODULE_KEYS = ("file", "program", "args")
_EXPECT_KEYS = ("exit", "serial", "forbid", "vga", "decoded", "decode-panic",
                "decode-status")


class ScenarioError(AxlError):
    """A scenario file is missing, malformed or inconsistent."""

    def __init__(self, file, problem):
        self.file = display_path(file)
        self.problem = problem
        super().__init__(f"{self.file}: {problem}")


@dataclass(frozen=True)
class Module:
    """One boot module: a file of the scenario, or a user program the build
    makes (build/user/<program>.elf, see tools/scons/axl.py).

    file is the module's path in the scenario image, build/scenarios/<name>/
    (POSIX form), and so also the name the kernel sees: for a file module
    its path inside the scenario dir, for a program "<program>.elf".
    """
    file: str
    args: str = ""      # module command line, after the path
    program: str = ""   # the user program's name; "" for a file module


@dataclass(frozen=True)
class Expect:
    exit: str        # an exit-code name from exit.h (lowercase) or "pvpanic"
    serial: tuple    # compiled regexes, must match serial lines in order
    forbid: tuple    # compiled regexes no serial line may match
    vga: tuple       # compiled regexes each matching some VGA screen line
    decoded: tuple = ()   # compiled regexes, in order, on the decoder's stdout
    decode_panic: int | None = None    # whose store to decode: panic k,
                                       # 0 = the final store, None = the last
    decode_status: int | None = None   # the decoder's exit status; None = do
                                       # not run it (0 when decoded is given)

    @property
    def decodes(self):
        """Whether the run's store is to be decoded and checked."""
        return self.decode_status is not None


@dataclass(frozen=True)
class Scenario:
    name: str
    dir: str          # absolute path of the scenario's source directory
    file: str         # path of its scenario.toml
    description: str
    cmdline: str
    modules: list     # of Module
    devices: tuple    # of str, each in KNOWN_DEVICES
    memory: str
    timeout: float
    expect: Expect
    reboots: int = 0   # resets after a pvpanic before a panic ends the run
    tamper: tuple = ()  # of pstore.Tamper, in file order
    icount: bool = False  # TCG with -icount (qemu.ICOUNT): virtual time, so
                          # latency bounds the guest asserts are reproducible


_TOML_TYPES = {str: "a string", int: "an integer", float: "a float",
               bool: "a boolean", list: "an array", dict: "a table"}


def _kind(value):
    return _TOML_TYPES.get(type(value), type(value).__name__)


class _Parser:
    """Validates one decoded scenario.toml; every failure names the file."""

    def __init__(self, file, exit_names):
        self.file = file
        self.exit_names = exit_names

    def fail(self, problem):
        raise ScenarioError(self.file, problem)

    def check_keys(self, table, allowed, where):
        for key in table:
            if key not in allowed:
                self.fail(f"unknown key '{key}' in {where} "
                          f"(allowed: {', '.join(allowed)})")

    def get(self, table, key, types, what, default=None, required=False):
        """table[key] checked against types (bool is never a number)."""
        if key not in table:
            if required:
                self.fail(f"missing required key '{key}'")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in types:
            self.fail(f"'{key}' must be {what}, not {_kind(value)}")
        if not isinstance(value, types):
            self.fail(f"'{key}' must be {what}, not {_kind(value)}")
        return value

    def one_line(self, value, key):
        if "\n" in value or "\r" in value:
            self.fail(f"'{key}' must be a single line")
        return value

    def strings(self, table, key):
        items = self.get(table, key, (list,), "an array of strings",
                         default=[])
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.fail(f"'{key}[{i}]' must be a string, not {_kind(item)}")
        return items

    def regexes(self, table, key):
        patterns, named = [], set()
        for i, text in enumerate(self.strings(table, key)):
            refs = [n for n in _BACKREF.findall(text) if n in named]
            try:
                if refs:
                    pattern = Backref(text)  # of an earlier line: compiled when checked
                else:
                    pattern = re.compile(text)
                    named.update(pattern.groupindex)
                patterns.append(pattern)
            except re.error as e:
                self.fail(f"'expect.{key}[{i}]' is not a valid regex "
                          f"{text!r}: {e}")
        return tuple(patterns)

    def module(self, scenario_dir, i, entry):
        where = f"modules[{i}]"
        if not isinstance(entry, dict):
            self.fail(f"'{where}' must be a table like "
                      f"{{ file = \"x.bin\", args = \"...\" }} or "
                      f"{{ program = \"name\" }}, not {_kind(entry)}")
        self.check_keys(entry, _MODULE_KEYS, where)
        args = self.one_line(self.get(entry, "args", (str,), "a string",
                                      default=""), f"{where}.args")
        if ("file" in entry) == ("program" in entry):
            self.fail(f"{where} needs exactly one of 'file' (a file in the "
                      f"scenario directory) or 'program' (a user program "
                      f"the build makes)")
        if "program" in entry:
            return self.program_module(where, entry, args)
        file = self.get(entry, "file", (str,), "a string")
        rel = PurePosixPath(file)
        if not file or rel.is_absolute() or ".." in rel.parts:
            self.fail(f"{where}: file {file!r} must be a relative path "
                      f"inside the scenario directory")
        if any(c.isspace() for c in file):
            self.fail(f"{where}: file {file!r} contains whitespace, which "
                      f"QEMU's -initrd cannot express (it starts the args)")
        if not (Path(scenario_dir) / rel).is_file():
            self.fail(f"{where}: module file {file!r} not found in "
                      f"{display_path(scenario_dir)}")
        return Module(file=str(rel), args=args)

    def program_module(self, where, entry, args):
        """A built user program; whether the build makes it is the
        build's to check (SConstruct), since nothing is built yet here."""
        program = self.get(entry, "program", (str,), "a string")
        if not _PROGRAM.match(program):
            hint = (" (the name without .elf)" if program.endswith(".elf")
                    else "")
            self.fail(f"{where}: program {program!r} must match "
                      f"[a-z0-9_-]+{hint}, the name given to "
                      f"env.AxlUserProgram")
        return Module(file=f"{program}.elf", args=args, program=program)

    def check_module_names(self, modules):
        """Two different sources may not land on one name in the image."""
        seen = {}
        for i, m in enumerate(modules):
            j = seen.setdefault(m.file, i)
            if modules[j].program != m.program:   # a file and a program
                f, p = (j, i) if modules[i].program else (i, j)
                self.fail(f"modules[{f}]: file {m.file!r} has the name "
                          f"modules[{p}] (program {modules[p].program!r}) "
                          f"gets in the image; rename the file")
        return modules

    def devices(self, table):
        devices = self.strings(table, "devices")
        for dev in devices:
            if dev not in KNOWN_DEVICES:
                self.fail(f"unknown device {dev!r} in 'devices' "
                          f"(known: {', '.join(KNOWN_DEVICES)})")
        if len(set(devices)) != len(devices):
            self.fail("'devices' lists a device twice")
        return tuple(devices)

    def expect(self, table, devices, reboots):
        if "expect" not in table:
            self.fail("missing required table [expect]")
        exp = self.get(table, "expect", (dict,), "a table")
        self.check_keys(exp, _EXPECT_KEYS, "[expect]")
        exit_name = self.get(exp, "exit", (str,), "a string", required=True)
        if exit_name not in self.exit_names:
            self.fail(f"expect.exit {exit_name!r} is not an exit name "
                      f"(known: {', '.join(self.exit_names)})")
        if exit_name == abi.PVPANIC and "pvpanic" not in devices:
            self.fail("expect.exit = 'pvpanic' needs \"pvpanic\" in "
                      "'devices'")
        vga = self.regexes(exp, "vga")
        if vga and not {"vga", "pvpanic"} <= set(devices):
            self.fail("expect.vga needs both \"vga\" and \"pvpanic\" in "
                      "'devices' (the screen is read after a pvpanic)")
        decoded, decode_panic, decode_status = self.decoding(exp, devices,
                                                            reboots)
        return Expect(exit=exit_name, serial=self.regexes(exp, "serial"),
                      forbid=self.regexes(exp, "forbid"), vga=vga,
                      decoded=decoded, decode_panic=decode_panic,
                      decode_status=decode_status)

    def decoding(self, exp, devices, reboots):
        """expect.decoded, decode-panic and decode-status."""
        decoded = self.regexes(exp, "decoded")
        status = self.get(exp, "decode-status", (int,), "an integer")
        panic = self.get(exp, "decode-panic", (int,), "an integer")
        if (decoded or status is not None) and "erst" not in devices:
            self.fail("expect.decoded and expect.decode-status need \"erst\" "
                      "in 'devices' (they decode its store)")
        if status is not None and not 0 <= status <= 255:
            self.fail(f"expect.decode-status {status} is not an exit status "
                      f"(0..255)")
        if decoded and status is None:
            status = 0
        if panic is not None:
            if status is None:
                self.fail("expect.decode-panic needs expect.decoded or "
                          "expect.decode-status")
            if panic < 0:
                self.fail(f"expect.decode-panic {panic} must be >= 0 (0: the "
                          f"final store)")
            if panic >= 1 and "pvpanic" not in devices:
                self.fail(f"expect.decode-panic {panic} needs \"pvpanic\" in "
                          f"'devices' (panics are seen through it); use 0 for "
                          f"the final store")
            if panic > reboots + 1:
                self.fail(f"expect.decode-panic {panic}: a run has at most "
                          f"{reboots + 1} panic{'s' if reboots else ''} "
                          f"(reboots = {reboots})")
        return decoded, panic, status

    def reboots(self, table, devices):
        reboots = self.get(table, "reboots", (int,), "an integer", default=0)
        if not 0 <= reboots <= MAX_REBOOTS:
            self.fail(f"'reboots' {reboots} must be 0..{MAX_REBOOTS}")
        if reboots and "pvpanic" not in devices:
            self.fail("'reboots' needs \"pvpanic\" in 'devices' (the machine "
                      "is reset after the panic QEMU reports through it)")
        return reboots

    def tamper(self, table, devices, reboots):
        """The tamper actions, in the order they are applied: by panic
        number, in file order within one panic."""
        actions = []
        for i, text in enumerate(self.strings(table, "tamper")):
            try:
                t = pstore.parse_tamper(text)
            except ValueError as e:
                self.fail(f"'tamper[{i}]' {text!r}: {e}")
            if "erst" not in devices:
                self.fail("'tamper' needs \"erst\" in 'devices' (it changes "
                          "the store file)")
            if t.panic >= 1 and "pvpanic" not in devices:
                self.fail(f"'tamper[{i}]' {text!r} needs \"pvpanic\" in "
                          f"'devices' (K is the panic QEMU reports through "
                          f"it)")
            if t.panic > reboots + 1:
                self.fail(f"'tamper[{i}]' {text!r}: panic {t.panic} never "
                          f"happens (reboots = {reboots}: at most "
                          f"{reboots + 1} panic{'s' if reboots else ''})")
            actions.append((t, i))
        actions.sort(key=lambda item: item[0].panic)   # stable
        snapshot = False
        for t, i in actions:
            if t.action == "replay" and not snapshot:
                self.fail(f"'tamper[{i}]' '{t}' needs a snapshot before it "
                          f"('snapshot@J' with J < {t.panic}, or J = "
                          f"{t.panic} listed before it)")
            snapshot = snapshot or t.action == "snapshot"
        actions = [t for t, _ in actions]
        return tuple(actions)

    def scenario(self, name, scenario_dir, data):
        self.check_keys(data, _TOP_KEYS, "the top level")
        description = self.get(data, "description", (str,), "a string",
                               required=True)
        if not description.strip():
            self.fail("'description' must not be empty")
        memory = self.get(data, "memory", (str,), "a string like \"256M\"",
                          default=DEFAULT_MEMORY)
        if not _MEMORY.match(memory):
            self.fail(f"'memory' {memory!r} is not a size like \"256M\" or "
                      f"\"1G\"")
        timeout = self.get(data, "timeout", (int, float),
                           "a number of seconds", default=DEFAULT_TIMEOUT)
        if not timeout > 0:
            self.fail("'timeout' must be a positive number of seconds")
        icount = self.get(data, "icount", (bool,), "a boolean (true or false)",
                          default=False)
        modules = self.get(data, "modules", (list,), "an array of tables",
                           default=[])
        devices = self.devices(data)
        reboots = self.reboots(data, devices)
        return Scenario(
            name=name,
            dir=str(scenario_dir),
            file=str(self.file),
            description=self.one_line(description, "description"),
            cmdline=self.one_line(self.get(data, "cmdline", (str,),
                                           "a string", default=""),
                                  "cmdline"),
            modules=self.check_module_names(
                [self.module(scenario_dir, i, m)
                 for i, m in enumerate(modules)]),
            devices=devices,
            memory=memory,
            timeout=float(timeout),
            expect=self.expect(data, devices, reboots),
            reboots=reboots,
            tamper=self.tamper(data, devices, reboots),
            icount=icount,
        )


def valid_name(name):
    """Whether name can be a scenario's (its directory's) name."""
    return bool(_NAME.match(name))


def exit_names(codes):
    """Valid values of expect.exit for an abi.ExitCodes table."""
    return tuple(codes.names) + (abi.PVPANIC,)


def load(scenario_dir, codes):
    """Load <scenario_dir>/scenario.toml, validated against exit codes."""
    scenario_dir = Path(scenario_dir).resolve()
    file = scenario_dir / SCENARIO_FILE
    name = scenario_dir.name
    if not _NAME.match(name):
        raise ScenarioError(scenario_dir, "scenario directory name must "
                            "match [A-Za-z0-9][A-Za-z0-9._-]*")
    try:
        with open(file, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ScenarioError(file, f"cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(file, f"invalid TOML: {e}") from None
    return _Parser(file, exit_names(codes)).scenario(name, scenario_dir,
                                                     data)


def load_all(root, codes=None):
    """All scenarios under <root>/tests/scenarios, sorted by name.

    Directories without a scenario.toml are skipped (room for shared files).
    codes defaults to the exit-code table of the same repository.
    """
    root = Path(root)
    if codes is None:
        codes = abi.ExitCodes.for_root(root)
    base = root / SCENARIOS_DIR
    if not base.is_dir():
        return []
    dirs = sorted(d for d in base.iterdir()
                  if d.is_dir() and (d / SCENARIO_FILE).is_file())
    return [load(d, codes) for d in dirs]
