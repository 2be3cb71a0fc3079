"""test_axl.py: self-test of the host tools (tools/axl and tools/axlpy).

Pure Python, no QEMU: exit-code parsing, scenario validation, the QEMU
command line, serial/VGA checking and the CLI's argument parsing.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import contextlib
import io
import re
import sys
import tempfile
import textwrap
import unittest
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import AxlError, abi, qemu, runner  # noqa: E402
from axlpy import scenario as scen             # noqa: E402

HEADER = textwrap.dedent("""\
    #define AXL_EXIT_CODES(X)                    \\
        X(0x10, PASS, "passed")                  \\
        X(0x11, FAIL, "failed")                  \\
        X(0x14, NESTED_PANIC, "panic in panic")

    #define AXL_X(value, name, text) AXL_EXIT_##name = (value),
    """)
CODES = abi.ExitCodes.from_text(HEADER, "exit.h")


def load_cli():
    """tools/axl as a module (it has no .py suffix)."""
    loader = SourceFileLoader("axl_cli", str(ROOT / "tools" / "axl"))
    module = module_from_spec(spec_from_loader("axl_cli", loader))
    loader.exec_module(module)
    return module


class ExitCodeTest(unittest.TestCase):
    def test_parses_rows_in_order(self):
        self.assertEqual(CODES.names, ["pass", "fail", "nested_panic"])
        self.assertEqual(CODES.by_name["nested_panic"].value, 0x14)
        self.assertEqual(CODES.by_value[0x11].meaning, "failed")

    def test_repository_header(self):
        codes = abi.ExitCodes.for_root(ROOT)
        self.assertIn("pass", codes.names)
        self.assertTrue(all(n == n.lower() for n in codes.names))

    def test_describe_statuses(self):
        self.assertEqual(CODES.describe((0x10 << 1) | 1), "pass")
        self.assertEqual(CODES.describe(41), "nested_panic")
        self.assertEqual(CODES.describe(0),
                         "qemu-exit-0 (triple fault/poweroff)")
        self.assertEqual(CODES.describe(1), "qemu-error")
        self.assertEqual(CODES.describe(134), "qemu-abort")
        self.assertEqual(CODES.describe(255), "unknown-guest-code-0x7f")
        self.assertEqual(CODES.describe(11), "unknown-guest-code-0x05")
        self.assertEqual(CODES.describe(2), "qemu-exit-2")
        self.assertEqual(CODES.describe(-9), "qemu-killed-by-signal-9")

    def test_rejects_bad_headers(self):
        bad = {
            "no table": "#define OTHER(X) X(0x10, PASS, \"x\")\n",
            "no rows": "#define AXL_EXIT_CODES(X) /* empty */\n",
            "zero": "#define AXL_EXIT_CODES(X) X(0, PASS, \"x\")\n",
            "too big": "#define AXL_EXIT_CODES(X) X(0x80, PASS, \"x\")\n",
            "duplicate": "#define AXL_EXIT_CODES(X) X(1, A, \"x\") \\\n"
                         "    X(1, B, \"y\")\n",
        }
        for what, text in bad.items():
            with self.subTest(what), self.assertRaises(AxlError):
                abi.ExitCodes.from_text(text, "exit.h")


class ScenarioTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name)
        self.scenarios = self.root / "tests" / "scenarios"

    def tearDown(self):
        self._tmp.cleanup()

    def write(self, name, toml, files=()):
        d = self.scenarios / name
        d.mkdir(parents=True)
        (d / "scenario.toml").write_text(textwrap.dedent(toml))
        for f in files:
            (d / f).parent.mkdir(parents=True, exist_ok=True)
            (d / f).write_bytes(b"x")
        return d

    def load(self, toml, files=(), name="s"):
        return scen.load(self.write(name, toml, files), CODES)

    def assertRejects(self, toml, problem, files=()):
        with self.assertRaises(scen.ScenarioError) as cm:
            self.load(toml, files)
        self.assertTrue(cm.exception.file.endswith("scenario.toml"))
        self.assertRegex(str(cm.exception), r"scenario\.toml: ")
        self.assertIn(problem, cm.exception.problem)

    def test_full_scenario(self):
        s = self.load("""\
            description = "does things"
            cmdline = "a=1"
            modules = [{ file = "m/x.bin", args = "p q" }, { file = "y" }]
            devices = ["vga", "pvpanic"]
            memory = "512M"
            timeout = 5
            [expect]
            exit = "pvpanic"
            serial = ['one', 'two \\d+']
            forbid = ['PANIC']
            vga = ['KERNEL PANIC']
            """, files=["m/x.bin", "y"])
        self.assertEqual(s.name, "s")
        self.assertTrue(Path(s.dir).is_absolute())
        self.assertEqual([(m.file, m.args) for m in s.modules],
                         [("m/x.bin", "p q"), ("y", "")])
        self.assertEqual(s.devices, ("vga", "pvpanic"))
        self.assertEqual((s.memory, s.timeout), ("512M", 5.0))
        self.assertEqual(s.expect.exit, "pvpanic")
        self.assertEqual([p.pattern for p in s.expect.serial],
                         ["one", r"two \d+"])

    def test_backref_to_an_earlier_pattern(self):
        s = self.load('description = "d"\n[expect]\nexit = "pass"\n'
                      "serial = ['at (?P<pa>0x\\w+)', 'same (?P=pa)', '(?P<b>x)(?P=b)']\n")
        self.assertIsInstance(s.expect.serial[1], scen.Backref)
        self.assertIsInstance(s.expect.serial[2], re.Pattern)  # a group of its own line
        with self.assertRaises(scen.ScenarioError) as cm:
            self.load('description = "d"\n[expect]\nexit = "pass"\n'
                      "serial = ['same (?P=nowhere)']\n", name="t")
        self.assertIn("is not a valid regex", cm.exception.problem)

    def test_defaults(self):
        s = self.load('description = "d"\n[expect]\nexit = "pass"\n')
        self.assertEqual((s.cmdline, s.modules, s.devices, s.memory,
                          s.timeout), ("", [], (), "256M", 60.0))
        self.assertEqual(s.expect.serial, ())

    def test_icount(self):
        ok = '[expect]\nexit = "pass"\n'
        self.assertFalse(self.load('description = "d"\n' + ok).icount)
        s = self.load('description = "d"\nicount = true\n' + ok, name="t")
        self.assertTrue(s.icount)
        s = self.load('description = "d"\nicount = false\n' + ok, name="u")
        self.assertFalse(s.icount)
        for value, kind in (('1', "an integer"), ('"yes"', "a string"),
                            ('[true]', "an array")):
            with self.subTest(value):
                self.tearDown()
                self.setUp()
                self.assertRejects(f'description = "d"\nicount = {value}\n'
                                   + ok, f"'icount' must be a boolean (true "
                                         f"or false), not {kind}")
        self.tearDown()
        self.setUp()
        self.assertRejects('description = "d"\n' + ok + 'icount = true\n',
                           "unknown key 'icount' in [expect]")

    def test_rejects_bad_files(self):
        ok = '[expect]\nexit = "pass"\n'
        cases = [
            ('description = "d"\nbogus = 1\n' + ok, "unknown key 'bogus'"),
            ('description = "d"\n[expect]\nexit = "pass"\nsrial = []\n',
             "unknown key 'srial' in [expect]"),
            ('description = "d"\nmodules = [{ file = "y", arg = "" }]\n' + ok,
             "unknown key 'arg' in modules[0]"),
            (ok, "missing required key 'description'"),
            ('description = "d"\n', "missing required table [expect]"),
            ('description = "d"\n[expect]\n', "missing required key 'exit'"),
            ('description = "d"\ntimeout = "5"\n' + ok,
             "'timeout' must be a number of seconds, not a string"),
            ('description = "d"\ntimeout = true\n' + ok, "not a boolean"),
            ('description = "d"\ntimeout = 0\n' + ok, "positive"),
            ('description = "d"\nmemory = "lots"\n' + ok, "'memory'"),
            ('description = 3\n' + ok, "'description' must be a string"),
            ('description = "d"\ndevices = ["gpu"]\n' + ok,
             "unknown device 'gpu'"),
            ('description = "d"\nmodules = [{ file = "nope.bin" }]\n' + ok,
             "module file 'nope.bin' not found"),
            ('description = "d"\nmodules = [{ file = "a b" }]\n' + ok,
             "whitespace"),
            ('description = "d"\nmodules = [{ file = "../y" }]\n' + ok,
             "relative path"),
            ('description = "d"\nmodules = ["y"]\n' + ok, "must be a table"),
            ('description = "d"\n[expect]\nexit = "passed"\n',
             "expect.exit 'passed' is not an exit name"),
            ('description = "d"\n[expect]\nexit = "pass"\nserial = ["(x"]\n',
             "'expect.serial[0]' is not a valid regex"),
            ('description = "d"\n[expect]\nexit = "pass"\nforbid = [1]\n',
             "'forbid[0]' must be a string"),
            ('description = "d"\n[expect]\nexit = "pvpanic"\n',
             "needs \"pvpanic\""),
            ('description = "d"\ndevices = ["vga"]\n[expect]\nexit = "pass"'
             '\nvga = ["x"]\n', "expect.vga needs both"),
            ('description = "d\n', "invalid TOML"),
        ]
        for toml, problem in cases:
            with self.subTest(problem):
                self.tearDown()
                self.setUp()
                self.assertRejects(toml, problem, files=["y"])

    def test_program_modules(self):
        # A program module needs no file: the build makes build/user/NAME.elf.
        s = self.load("""\
            description = "d"
            modules = [{ program = "ktest", args = "a=1" }, { file = "y" },
                       { program = "k_2-x" }]
            [expect]
            exit = "pass"
            """, files=["y"])
        self.assertEqual([(m.file, m.args, m.program) for m in s.modules],
                         [("ktest.elf", "a=1", "ktest"), ("y", "", ""),
                          ("k_2-x.elf", "", "k_2-x")])

    def test_the_same_program_twice_is_allowed(self):
        s = self.load('description = "d"\nmodules = [{ program = "p" }, '
                      '{ program = "p", args = "2" }]\n[expect]\n'
                      'exit = "pass"\n')
        self.assertEqual([m.file for m in s.modules], ["p.elf", "p.elf"])

    def test_rejects_bad_program_modules(self):
        ok = '[expect]\nexit = "pass"\n'
        cases = [
            ('modules = [{ file = "y", program = "p" }]',
             "modules[0] needs exactly one of 'file'"),
            ('modules = [{ args = "x" }]', "modules[0] needs exactly one of"),
            ('modules = [{ program = 3 }]',
             "'program' must be a string, not an integer"),
            ('modules = [{ program = "Ktest" }]',
             "modules[0]: program 'Ktest' must match [a-z0-9_-]+"),
            ('modules = [{ program = "" }]', "must match [a-z0-9_-]+"),
            ('modules = [{ program = "k.elf" }]', "(the name without .elf)"),
            ('modules = [{ program = "../k" }]', "must match"),
            ('modules = [{ program = "p", bogus = 1 }]',
             "unknown key 'bogus' in modules[0] (allowed: file, program, "
             "args)"),
            ('modules = [{ program = "p", args = "a\\nb" }]',
             "'modules[0].args' must be a single line"),
            ('modules = [{ file = "p.elf" }, { program = "p" }]',
             "modules[0]: file 'p.elf' has the name modules[1] (program "
             "'p') gets in the image"),
            ('modules = [{ program = "p" }, { file = "p.elf" }]',
             "modules[1]: file 'p.elf' has the name modules[0]"),
        ]
        for modules, problem in cases:
            with self.subTest(problem):
                self.tearDown()
                self.setUp()
                self.assertRejects(f'description = "d"\n{modules}\n{ok}',
                                   problem, files=["y", "p.elf"])

    def test_load_all_sorted_and_skips_plain_dirs(self):
        (self.root / abi.EXIT_HEADER).parent.mkdir(parents=True)
        (self.root / abi.EXIT_HEADER).write_text(HEADER)
        for name in ("zeta", "alpha"):
            self.write(name, 'description = "d"\n[expect]\nexit = "fail"\n')
        (self.scenarios / "common").mkdir()
        names = [s.name for s in scen.load_all(self.root)]
        self.assertEqual(names, ["alpha", "zeta"])

    def test_known_devices_have_qemu_flags(self):
        self.assertEqual(set(scen.KNOWN_DEVICES), set(qemu.DEVICE_ARGS))

    def test_crash_keys(self):
        s = self.load("""\
            description = "d"
            devices = ["pvpanic", "erst"]
            reboots = 2
            tamper = ["replay@3", "snapshot@1", "fill-foreign@0", "forge@1",
                      "tear@2", "fill-foreign@3"]
            [expect]
            exit = "pvpanic"
            decoded = ['^record 3: authentic', 'CR2=']
            decode-panic = 2
            """)
        self.assertEqual(s.reboots, 2)
        # applied by panic number, in file order within one panic
        self.assertEqual([str(t) for t in s.tamper],
                         ["fill-foreign@0", "snapshot@1", "forge@1",
                          "tear@2", "replay@3", "fill-foreign@3"])
        self.assertEqual([p.pattern for p in s.expect.decoded],
                         ["^record 3: authentic", "CR2="])
        self.assertEqual((s.expect.decode_panic, s.expect.decode_status),
                         (2, 0))
        self.assertTrue(s.expect.decodes)

    def test_crash_key_defaults(self):
        s = self.load('description = "d"\ndevices = ["erst"]\n[expect]\n'
                      'exit = "pass"\n')
        self.assertEqual((s.reboots, s.tamper), (0, ()))
        self.assertEqual((s.expect.decoded, s.expect.decode_panic,
                          s.expect.decode_status), ((), None, None))
        self.assertFalse(s.expect.decodes)
        s = self.load('description = "d"\ndevices = ["erst"]\n[expect]\n'
                      'exit = "pass"\ndecode-status = 1\n', name="t")
        self.assertEqual((s.expect.decoded, s.expect.decode_status), ((), 1))
        s = self.load('description = "d"\ndevices = ["erst"]\n'
                      'tamper = ["fill-foreign@0"]\n[expect]\n'
                      'exit = "pass"\ndecoded = ["x"]\ndecode-panic = 0\n',
                      name="u")
        self.assertEqual([str(t) for t in s.tamper], ["fill-foreign@0"])
        self.assertEqual(s.expect.decode_panic, 0)

    def test_rejects_bad_crash_keys(self):
        both = 'devices = ["pvpanic", "erst"]\n'
        ok = '[expect]\nexit = "pvpanic"\n'
        cases = [
            ('reboots = 1\n[expect]\nexit = "pass"\n',
             "'reboots' needs \"pvpanic\" in 'devices'"),
            (both + 'reboots = 17\n' + ok, "'reboots' 17 must be 0..16"),
            (both + 'reboots = -1\n' + ok, "must be 0..16"),
            (both + 'reboots = "2"\n' + ok,
             "'reboots' must be an integer, not a string"),
            (both + 'reboots = true\n' + ok, "not a boolean"),
            (both + 'reboots = 1.5\n' + ok, "not a float"),
            (both + 'tamper = "forge@1"\n' + ok,
             "'tamper' must be an array of strings"),
            (both + 'tamper = [1]\n' + ok, "'tamper[0]' must be a string"),
            (both + 'tamper = ["smash@1"]\n' + ok,
             "'tamper[0]' 'smash@1': unknown action 'smash' (known: "
             "snapshot, replay, forge, tear, fill-foreign)"),
            (both + 'tamper = ["forge"]\n' + ok,
             "'tamper[0]' 'forge': must be ACTION@K"),
            (both + 'tamper = ["forge@one"]\n' + ok, "must be ACTION@K"),
            (both + 'tamper = ["forge@0"]\n' + ok,
             "forge@0: only fill-foreign can happen before the first boot"),
            (both + 'tamper = ["forge@2"]\n' + ok,
             "'tamper[0]' 'forge@2': panic 2 never happens (reboots = 0: "
             "at most 1 panic)"),
            (both + 'reboots = 1\ntamper = ["tear@1", "forge@3"]\n' + ok,
             "'tamper[1]' 'forge@3': panic 3 never happens (reboots = 1: "
             "at most 2 panics)"),
            ('devices = ["pvpanic"]\ntamper = ["forge@1"]\n' + ok,
             "'tamper' needs \"erst\" in 'devices'"),
            ('devices = ["erst"]\ntamper = ["forge@1"]\n[expect]\n'
             'exit = "pass"\n', "'tamper[0]' 'forge@1' needs \"pvpanic\""),
            (both + 'tamper = ["replay@1"]\n' + ok,
             "'tamper[0]' 'replay@1' needs a snapshot before it"),
            (both + 'tamper = ["replay@1", "snapshot@1"]\n' + ok,
             "'tamper[0]' 'replay@1' needs a snapshot before it"),
            ('devices = ["pvpanic"]\n' + ok + 'decoded = ["x"]\n',
             "expect.decoded and expect.decode-status need \"erst\""),
            ('devices = ["pvpanic"]\n' + ok + 'decode-status = 0\n',
             "need \"erst\""),
            (both + ok + 'decoded = ["(x"]\n',
             "'expect.decoded[0]' is not a valid regex"),
            (both + ok + 'decoded = "x"\n', "'decoded' must be an array"),
            (both + ok + 'decode-status = 256\n',
             "expect.decode-status 256 is not an exit status (0..255)"),
            (both + ok + 'decode-status = "0"\n',
             "'decode-status' must be an integer"),
            (both + ok + 'decode-panic = 1\n',
             "expect.decode-panic needs expect.decoded or "
             "expect.decode-status"),
            (both + ok + 'decoded = ["x"]\ndecode-panic = -1\n',
             "expect.decode-panic -1 must be >= 0"),
            (both + ok + 'decoded = ["x"]\ndecode-panic = 2\n',
             "expect.decode-panic 2: a run has at most 1 panic (reboots "
             "= 0)"),
            ('devices = ["erst"]\n[expect]\nexit = "pass"\ndecoded = ["x"]'
             '\ndecode-panic = 1\n', "expect.decode-panic 1 needs "
             "\"pvpanic\""),
            (both + ok + 'decode_panic = 1\n',
             "unknown key 'decode_panic' in [expect]"),
            (both + 'reboot = 1\n' + ok, "unknown key 'reboot'"),
        ]
        for toml, problem in cases:
            with self.subTest(problem):
                self.tearDown()
                self.setUp()
                self.assertRejects(f'description = "d"\n{toml}', problem)


def make_scenario(**overrides):
    fields = dict(name="demo", dir="/src/demo", file="/src/demo/s.toml",
                  description="d", cmdline="", modules=[], devices=(),
                  memory="256M", timeout=60.0,
                  expect=scen.Expect("pass", (), (), ()))
    fields.update(overrides)
    return scen.Scenario(**fields)


def option(args, flag):
    """The value following flag in an argv list."""
    return args[args.index(flag) + 1]


class ArgvTest(unittest.TestCase):
    def test_baseline(self):
        args = qemu.argv(make_scenario(cmdline="a=1"), extra_append="b=2")
        self.assertEqual(args[:8], ["qemu-system-x86_64", "-M", "q35", "-m",
                                    "256M", "-nodefaults", "-display",
                                    "none"])
        self.assertIn("-no-reboot", args)
        self.assertNotIn("-nographic", args)
        self.assertEqual(option(args, "-serial"), "stdio")
        self.assertEqual(option(args, "-device"),
                         "isa-debug-exit,iobase=0xf4,iosize=0x04")
        self.assertEqual(option(args, "-kernel"), "build/kernel/kernel.elf32")
        self.assertEqual(option(args, "-append"), "a=1 b=2")
        self.assertEqual(option(args, "-accel"), "tcg")
        self.assertEqual(option(args, "-cpu"), "max")
        self.assertNotIn("-initrd", args)
        self.assertNotIn("-qmp", args)

    def test_modules_escape_commas(self):
        mods = [scen.Module("a,b.bin", "x=1,y=2"), scen.Module("sub/c")]
        args = qemu.argv(make_scenario(modules=mods))
        self.assertEqual(option(args, "-initrd"),
                         "build/scenarios/demo/a,,b.bin x=1,,y=2,"
                         "build/scenarios/demo/sub/c")

    def test_program_module_is_booted_from_the_image(self):
        mods = [scen.Module("ktest.elf", "v=1", program="ktest")]
        args = qemu.argv(make_scenario(modules=mods))
        self.assertEqual(option(args, "-initrd"),
                         "build/scenarios/demo/ktest.elf v=1")

    def test_module_path_with_space_is_rejected(self):
        with self.assertRaisesRegex(AxlError, "space"):
            qemu.argv(make_scenario(modules=[scen.Module("a b")]))

    def test_kvm_uses_named_model(self):
        args = qemu.argv(make_scenario(), accel="kvm")
        self.assertEqual(option(args, "-accel"), "kvm")
        self.assertNotIn(option(args, "-cpu"), ("host", "max"))

    def test_icount_runs_under_tcg(self):
        self.assertNotIn("-icount", qemu.argv(make_scenario()))
        s = make_scenario(icount=True)
        for accel in ("tcg", "kvm"):
            with self.subTest(accel):
                args = qemu.argv(s, accel=accel)
                self.assertEqual(option(args, "-icount"), "shift=0,sleep=off")
                self.assertEqual(args.count("-icount"), 1)
                self.assertEqual(option(args, "-accel"), "tcg")
                self.assertEqual(option(args, "-cpu"), "max")
                self.assertEqual(qemu.scenario_accel(s, accel), "tcg")
        self.assertEqual(qemu.scenario_accel(make_scenario(), "kvm"), "kvm")
        # a benchmark's own -icount is not given twice
        self.assertEqual(qemu.with_icount(qemu.argv(s)).count("-icount"), 1)
        self.assertEqual(qemu.with_icount(["q"]), ["q"] + qemu.ICOUNT)
        extra = ["-icount", "shift=0,sleep=off", "-d", "int"]
        self.assertEqual(qemu.extra_args(s, extra), ["-d", "int"])
        self.assertEqual(qemu.extra_args(make_scenario(), extra), extra)

    def test_unknown_accel(self):
        with self.assertRaisesRegex(AxlError, "unknown accelerator 'hvf'"):
            qemu.argv(make_scenario(), accel="hvf")

    def test_devices_qmp_and_gdb(self):
        s = make_scenario(devices=("vga", "pvpanic"))
        args = qemu.argv(s, qmp_socket="/tmp/x/qmp.sock", gdb_port=1234)
        self.assertEqual(option(args, "-vga"), "std")
        self.assertIn("pvpanic", args)
        self.assertEqual(option(args, "-action"), "panic=pause")
        self.assertEqual(option(args, "-qmp"),
                         "unix:/tmp/x/qmp.sock,server=on,wait=off")
        self.assertIn("-S", args)
        self.assertEqual(option(args, "-gdb"), "tcp:127.0.0.1:1234")
        with self.assertRaises(ValueError):
            qemu.argv(s)   # pvpanic without a QMP socket

    def test_edu_in_a_fixed_slot(self):
        args = qemu.argv(make_scenario(devices=("edu",)))
        devices = [args[i + 1] for i, a in enumerate(args) if a == "-device"]
        self.assertEqual(devices[-1], "edu,addr=0x10,dma_mask=0xffffffffffffffff")
        self.assertNotIn(qemu.EDU_DEVICE, qemu.argv(make_scenario()))

    def test_erst_store_and_key(self):
        s = make_scenario(name="crash", devices=("pvpanic", "erst"))
        args = qemu.argv(s, qmp_socket="/tmp/q.sock")
        self.assertEqual(option(args, "-object"),
                         "memory-backend-file,id=erst,mem-path=build/pstore/"
                         "crash.erst,size=64K,share=on")
        self.assertIn("acpi-erst,memdev=erst", args)
        self.assertEqual(option(args, "-fw_cfg"),
                         "name=opt/axl/pstore-key,file=build/pstore/"
                         "machine.key")
        self.assertIn("-no-reboot", args)
        args = qemu.argv(s, qmp_socket="/tmp/q.sock",
                         erst_store="/x/s.erst", erst_key="/x/k")
        self.assertIn("mem-path=/x/s.erst,", option(args, "-object"))
        self.assertEqual(option(args, "-fw_cfg"),
                         "name=opt/axl/pstore-key,file=/x/k")
        self.assertNotIn("-object", qemu.argv(make_scenario()))
        self.assertNotIn("-fw_cfg", qemu.argv(make_scenario()))

    def test_commas_in_erst_paths(self):
        s = make_scenario(devices=("erst",))
        with self.assertRaisesRegex(AxlError, "ERST store path '/a,b.erst' "
                                              "contains a comma"):
            qemu.argv(s, erst_store="/a,b.erst")
        with self.assertRaisesRegex(AxlError, "machine key path 'k,1' "
                                              "contains a comma"):
            qemu.argv(s, erst_key="k,1")

    def test_reboots_drop_no_reboot(self):
        s = make_scenario(devices=("pvpanic",), reboots=2)
        args = qemu.argv(s, qmp_socket="/tmp/q.sock")
        self.assertNotIn("-no-reboot", args)
        self.assertIn("-no-reboot", qemu.argv(s, qmp_socket="/q",
                                              reboot=False))
        self.assertNotIn("-no-reboot", qemu.argv(make_scenario(),
                                                 reboot=True))
        self.assertEqual(args[:7], ["qemu-system-x86_64", "-M", "q35", "-m",
                                    "256M", "-nodefaults", "-display"])

    def test_gdb_command(self):
        self.assertEqual(qemu.gdb_command(1234),
                         "gdb -q build/kernel/kernel.elf -ex 'set "
                         "architecture i386:x86-64' -ex 'target remote "
                         "127.0.0.1:1234'")

    def test_unusable_kvm_device(self):
        with self.assertRaisesRegex(AxlError,
                                    r"--accel kvm: /nonexistent/kvm is not "
                                    r"usable \(No such file"):
            qemu.check_kvm("/nonexistent/kvm")


class CheckTest(unittest.TestCase):
    LINES = ["Axolotl", "memory: 255 MiB", "module 0: a", "done", "Axolotl"]

    def test_serial_in_order(self):
        pats = lambda *p: [re.compile(x) for x in p]  # noqa: E731
        self.assertIsNone(runner.check_serial(self.LINES,
                                              pats("Axo", "module", "Axo")))
        self.assertEqual(
            runner.check_serial(self.LINES, pats("module", "memory")),
            "serial: no line matched 'memory' after line 3")
        self.assertEqual(runner.check_serial(self.LINES, pats("zz")),
                         "serial: no line matched 'zz' (5 lines)")
        # the same line cannot satisfy two consecutive patterns
        self.assertIsNotNone(runner.check_serial(["ab"], pats("a", "b")))

    def test_serial_backref_to_an_earlier_line(self):
        pats = [re.compile(r"buffer at (?P<pa>0x[0-9a-f]+)$"),
                scen.Backref(r"again at (?P=pa): ok$")]
        same = ["buffer at 0x600000", "again at 0x600000: ok"]
        other = ["buffer at 0x600000", "again at 0x601000: ok"]
        self.assertIsNone(runner.check_serial(same, pats))
        self.assertEqual(runner.check_serial(other, pats),
                         "serial: no line matched 'again at (?P=pa): ok$' after line 1")

    def test_forbid_and_vga(self):
        self.assertIn("line 2 matches forbidden 'MiB'",
                      runner.check_forbid(self.LINES, [re.compile("MiB")]))
        self.assertIsNone(runner.check_forbid(self.LINES, []))
        self.assertIn("no screen captured",
                      runner.check_vga(None, [re.compile("x")], "pass"))
        self.assertIsNone(runner.check_vga(["a PANIC"], [re.compile("PAN")],
                                           "pvpanic"))

    def test_check_reports_first_reason_with_log(self):
        s = make_scenario(expect=scen.Expect(
            "pass", (re.compile("done"),), (re.compile("oops"),), ()))
        logs = runner.Logs.in_dir("/logs", "demo")
        good = runner.RunResult(s, "pass", 33, 0.1, serial=["done"])
        self.assertEqual(runner.check(good, logs), [])
        bad = runner.RunResult(s, "timeout", None, 60.2, serial=["oops"])
        reasons = runner.check(bad, logs)
        self.assertEqual(reasons[0], "exit: timeout after 60 s, expected "
                         "pass; see /logs/demo.serial.log")
        self.assertEqual(len(reasons), 3)
        err = runner.RunResult(s, "qemu-error", 1, 0.0, serial=["done"],
                               stderr="qemu: warning\nqemu: bad option\n")
        self.assertEqual(runner.check(err, logs)[0],
                         "exit: got qemu-error, expected pass (qemu: bad "
                         "option); see /logs/demo.qemu.log")

    def test_check_decoded(self):
        exp = scen.Expect("pvpanic", (), (), (),
                          decoded=(re.compile("authentic"),
                                   re.compile("CR2=0x0+deadbeef")),
                          decode_status=0)
        s = make_scenario(name="demo", devices=("pvpanic", "erst"),
                          expect=exp)
        logs = runner.Logs.in_dir("/logs", "demo")
        store = Path("/r/build/pstore/demo.panic1.erst")

        def result(decode, **kw):
            return runner.RunResult(s, "pvpanic", 0, 0.1, decode=decode,
                                    **kw)

        good = runner.Decode(store, 0, ["record 3: authentic",
                                        "CR2=0x00000000deadbeef"])
        self.assertEqual(runner.check(result(good), logs), [])
        self.assertEqual(runner.check(result(runner.Decode(
            None, error="decoder build/tools/axl-crash not found: run "
                        "scons")), logs),
            ["decoded: decoder build/tools/axl-crash not found: run scons"])
        bad = runner.Decode(store, 1, ["record 3: forged"],
                            stderr="axl-crash: 1 record not trusted\n")
        self.assertEqual(runner.check(result(bad), logs), [
            "decode-status: the decoder exited with 1 on "
            "/r/build/pstore/demo.panic1.erst, expected 0 (axl-crash: 1 "
            "record not trusted); see /logs/demo.decoded.txt",
            "decoded: no line matched 'authentic' (1 lines) of "
            "/r/build/pstore/demo.panic1.erst; see /logs/demo.decoded.txt"])
        self.assertEqual(runner.check(result(None), logs),
                         ["decoded: the store was not decoded"])
        torn = runner.RunResult(make_scenario(), "pass", 33, 0.1,
                                tamper_errors=["forge@1: s.erst: forge: no "
                                               "panic record in the store"])
        self.assertEqual(runner.check(torn, logs),
                         ["tamper: forge@1: s.erst: forge: no panic record "
                          "in the store; see /logs/demo.serial.log"])

    def test_check_serial_names_what(self):
        self.assertEqual(runner.check_serial([], [re.compile("x")],
                                             what="decoded"),
                         "decoded: no line matched 'x' (0 lines)")

    def test_serial_capture_splits_lines(self):
        cap = runner.SerialCapture()
        for chunk in (b"hel", b"lo\r", b"\nwor", b"ld\r\n", b"tail"):
            cap.feed(chunk)
        cap.finish()
        self.assertEqual(cap.lines, ["hello", "world", "tail"])

    def test_decode_vga_text(self):
        cells = bytearray(qemu.VGA_TEXT_SIZE)
        for i, ch in enumerate(b"PANIC  "):
            cells[2 * i], cells[2 * i + 1] = ch, 0x1f
        cells[2 * 80 * 24] = ord("z")
        screen = qemu.decode_vga_text(bytes(cells))
        self.assertEqual(len(screen), 25)
        self.assertEqual(screen[0], "PANIC")
        self.assertEqual(screen[1], "")
        self.assertEqual(screen[24], "z")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def parse(self, *argv):
        return self.cli.build_parser().parse_args(list(argv))

    def test_boot_options(self):
        args = self.parse("boot", "hello", "--accel", "kvm", "--timeout",
                          "2.5", "--gdb", "--no-build", "--append", "x=1")
        self.assertEqual((args.scenario, args.accel, args.timeout, args.gdb,
                          args.no_build, args.append),
                         ("hello", "kvm", 2.5, True, True, "x=1"))

    def test_boot_crash_options(self):
        args = self.parse("boot", "x")
        self.assertEqual((args.dump, args.restart, args.keep_pstore),
                         (False, None, False))
        args = self.parse("boot", "x", "--dump", "--restart",
                          "--keep-pstore")
        self.assertEqual((args.dump, args.restart, args.keep_pstore),
                         (True, True, True))
        self.assertIs(self.parse("boot", "x", "--no-restart").restart, False)

    def test_boot_options_need_devices(self):
        args = self.parse("boot", "x", "--dump")
        with self.assertRaisesRegex(AxlError, "--dump: scenario 'demo' has "
                                              "no \"pvpanic\" device"):
            self.cli._boot_checks(args, make_scenario())
        args = self.parse("boot", "x", "--restart")
        with self.assertRaisesRegex(AxlError, "--restart: scenario"):
            self.cli._boot_checks(args, make_scenario(devices=("erst",)))
        args = self.parse("boot", "x", "--keep-pstore")
        with self.assertRaisesRegex(AxlError, "--keep-pstore: scenario "
                                              "'demo' has no \"erst\""):
            self.cli._boot_checks(args, make_scenario(devices=("pvpanic",)))
        args = self.parse("boot", "x", "--dump", "--no-restart",
                          "--keep-pstore")
        self.cli._boot_checks(args, make_scenario(devices=("pvpanic",
                                                           "erst")))

    def test_test_defaults(self):
        args = self.parse("test")
        self.assertEqual((args.patterns, args.accel, args.jobs, args.logdir),
                         ([], "tcg", 2, None))

    def test_bad_arguments_exit_2(self):
        for argv in (["boot", "hello", "--accel", "hvf"],
                     ["test", "--jobs", "0"],
                     ["boot", "hello", "--timeout", "soon"],
                     ["crash"], ["crash", "decode"],
                     ["pstore", "tamper", "f.erst", "smash"],
                     ["pstore", "list"],
                     []):
            with self.subTest(argv), \
                    contextlib.redirect_stderr(io.StringIO()) as err, \
                    self.assertRaises(SystemExit) as cm:
                self.parse(*argv)
            self.assertEqual(cm.exception.code, 2)
            self.assertIn("error:", err.getvalue())

    def test_pattern_selection(self):
        scenarios = [make_scenario(name=n) for n in ("hello", "kernel-pf",
                                                     "kernel-gp")]
        pick = self.cli.select_matching
        self.assertEqual([s.name for s in pick(scenarios, ["kernel-*"])],
                         ["kernel-pf", "kernel-gp"])
        self.assertEqual(len(pick(scenarios, [])), 3)
        with self.assertRaisesRegex(AxlError, "'nope' matches no scenario"):
            pick(scenarios, ["hello", "nope"])
        with self.assertRaisesRegex(AxlError,
                                    r"unknown scenario 'foo' \(known: hello"):
            self.cli.select_one(scenarios, "foo")


if __name__ == "__main__":
    unittest.main()
