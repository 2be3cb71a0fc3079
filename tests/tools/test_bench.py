"""test_bench.py: tests of `axl bench` (tools/axlpy/bench.py) without QEMU.

The guest's result lines, their parsing and checking, the statistics over
runs, the table, the scenario and QEMU command line, the CLI's arguments,
and the boot loop itself driven by a shell script standing in for QEMU.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import json
import shlex
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import AxlError, abi, bench, runner  # noqa: E402
from axlpy import scenario as scen              # noqa: E402

from tests.tools.test_axl import load_cli       # noqa: E402

LINE = ("bench: name=call_reply_rt median=812 p10=810 p90=815 min=809 "
        "max=9120 mean=830 n=10000")


def result_line(name, median, n=100, spread=0):
    return (f"bench: name={name} median={median} p10={median - spread} "
            f"p90={median + spread} min={median - spread} "
            f"max={median + spread} mean={median} n={n}")


def guest_lines(values=None, n=100):
    """A complete guest output: header, every measurement, done."""
    values = values or {}
    lines = ["[    0.019] INFO  boot: root task 'bench-ipc.elf': entry 0x400000",
             f"bench: ipc iterations={n} warmup=100 tsc_hz=999999914 clock_hz=100",
             "bench: server space: 8 pages copied from bench-ipc.elf"]
    for i, name in enumerate(bench.MEASUREMENT_NAMES):
        lines.append(result_line(name, values.get(name, 100 + i), n))
    return lines + ["bench: done"]


def figs(name, median, p10=None, p90=None, minimum=None, n=100):
    return bench.Figures(name=name, median=median,
                         p10=median if p10 is None else p10,
                         p90=median if p90 is None else p90,
                         min=median if minimum is None else minimum, n=n)


class ParseFieldsTest(unittest.TestCase):
    def test_pairs(self):
        self.assertEqual(bench.parse_fields(" a=1  b=x=y "),
                         {"a": "1", "b": "x=y"})

    def test_rejects_words_without_value_and_repeats(self):
        for text in ("a=1 b", "a=", "=1", "a=1 a=2"):
            with self.assertRaises(ValueError, msg=text):
                bench.parse_fields(text)


class ResultLineTest(unittest.TestCase):
    def test_full_line(self):
        f = bench.parse_result_line(LINE)
        self.assertEqual(f, bench.Figures(name="call_reply_rt", median=812,
                                          p10=810, p90=815, min=809, n=10000,
                                          max=9120, mean=830))
        self.assertEqual(f.as_dict()["max"], 9120)
        self.assertNotIn("name", f.as_dict())

    def test_minimal_line_and_unknown_keys(self):
        f = bench.parse_result_line(
            "bench: name=x median=5 p10=5 p90=6 min=4 n=3 future=yes")
        self.assertEqual((f.median, f.max, f.mean), (5, None, None))
        self.assertNotIn("max", f.as_dict())

    def test_other_lines_are_not_results(self):
        for line in ("bench: done", "bench: ipc iterations=10", "",
                     "ok KT-SYS-001", " bench: name=x median=1 p10=1 p90=1 min=1 n=1",
                     "[ 0.1] INFO  bench: name=x"):
            self.assertIsNone(bench.parse_result_line(line), line)

    def test_bad_lines(self):
        bad = [
            "bench: name=x median=5 p10=5 p90=5 n=3",              # no min
            "bench: name=x median=5 p10=5 p90=5 min=5 n=3 n=4",    # repeated key
            "bench: name=x median=5.5 p10=5 p90=6 min=5 n=3",      # not an integer
            "bench: name=x median=-1 p10=0 p90=6 min=0 n=3",       # negative
            "bench: name=x median=5 p10=6 p90=7 min=5 n=3",        # p10 > median
            "bench: name=x median=5 p10=4 p90=7 min=5 n=3",        # min > p10
            "bench: name=x median=5 p10=5 p90=7 min=5 max=6 n=3",  # max < p90
            "bench: name=x median=5 p10=5 p90=5 min=5 n=0",        # no samples
            "bench: name=x median=5 p10=5 p90=5 min=5 n=3 junk",   # not key=value
        ]
        for line in bad:
            with self.assertRaises(bench.BenchError, msg=line):
                bench.parse_result_line(line)


class ParseOutputTest(unittest.TestCase):
    def test_complete_output(self):
        out = bench.parse_output(guest_lines({"call_oneway": 673}))
        self.assertTrue(out.done)
        self.assertEqual(out.errors, [])
        self.assertEqual(out.header["iterations"], 100)
        self.assertEqual(out.header["tsc_hz"], 999999914)
        self.assertEqual(list(out.figures), list(bench.MEASUREMENT_NAMES))
        self.assertEqual(out.figures["call_oneway"].median, 673)
        self.assertEqual(bench.problems(out), [])

    def test_errors_and_missing_measurements(self):
        lines = guest_lines()[:4] + ["bench: error: call_oneway: CALL: AXL_E_ABORTED"]
        out = bench.parse_output(lines)
        self.assertFalse(out.done)
        self.assertEqual(out.errors, ["call_oneway: CALL: AXL_E_ABORTED"])
        found = bench.problems(out)
        self.assertIn("the guest reported an error: call_oneway: CALL: "
                      "AXL_E_ABORTED", found)
        self.assertTrue(any(p.startswith("no figures for null_syscall,")
                            for p in found))
        self.assertIn("the guest did not print 'bench: done'", found)

    def test_a_measurement_twice_is_an_error(self):
        with self.assertRaises(bench.BenchError):
            bench.parse_output([LINE, LINE])

    def test_malformed_header(self):
        with self.assertRaises(bench.BenchError):
            bench.parse_output(["bench: ipc iterations"])


class MedianTest(unittest.TestCase):
    def test_odd_even_unsorted(self):
        self.assertEqual(bench.median([3]), 3)
        self.assertEqual(bench.median([9, 1, 5]), 5)
        self.assertEqual(bench.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(bench.median([10, 10]), 10)

    def test_empty(self):
        with self.assertRaises(ValueError):
            bench.median([])


class SummariseTest(unittest.TestCase):
    def test_median_of_medians(self):
        runs = [{"a": figs("a", 100, 90, 120, 80)},
                {"a": figs("a", 104, 96, 130, 85)},
                {"a": figs("a", 101, 95, 110, 70)}]
        s = bench.summarise(runs)["a"]
        self.assertEqual((s.median, s.p10, s.p90, s.min), (101, 95, 120, 70))
        self.assertEqual(s.run_medians, (100, 104, 101))
        self.assertEqual((s.runs, s.n), (3, 100))
        self.assertEqual(s.as_dict()["run_medians"], [100, 104, 101])

    def test_even_number_of_runs(self):
        s = bench.summarise([{"a": figs("a", 100)}, {"a": figs("a", 103)}])["a"]
        self.assertEqual(s.median, 101.5)

    def test_names_fix_the_order_and_must_be_in_every_run(self):
        runs = [{"b": figs("b", 2), "a": figs("a", 1)}]
        self.assertEqual(list(bench.summarise(runs, ["a", "b"])), ["a", "b"])
        with self.assertRaises(bench.BenchError):
            bench.summarise(runs + [{"a": figs("a", 1)}], ["a", "b"])

    def test_sample_counts_must_agree(self):
        with self.assertRaises(bench.BenchError):
            bench.summarise([{"a": figs("a", 1, n=100)}, {"a": figs("a", 1, n=200)}])

    def test_no_runs(self):
        with self.assertRaises(bench.BenchError):
            bench.summarise([])


class TableTest(unittest.TestCase):
    def test_layout(self):
        a = bench.summarise([{"null_syscall": figs("null_syscall", 226)}])
        b = bench.summarise([{"call_reply_rt": figs("call_reply_rt", 1283, 1200, 1300)},
                             {"call_reply_rt": figs("call_reply_rt", 1284, 1200, 1301)}])
        text = bench.format_table([("tcg", "instructions", a["null_syscall"]),
                                   ("kvm", "cycles", b["call_reply_rt"])])
        lines = text.splitlines()
        self.assertEqual(lines[0].split(), list(bench.TABLE_HEADER))
        self.assertEqual(lines[1].split(),
                         ["null_syscall", "tcg", "instructions", "226", "226-226", "1"])
        self.assertEqual(lines[2].split(),
                         ["call_reply_rt", "kvm", "cycles", "1283.5", "1200-1300.5", "2"])
        # numbers are right-aligned: every row ends at the same column
        self.assertEqual(len({len(line) for line in lines}), 1)

    def test_number(self):
        self.assertEqual(bench.number(12.0), "12")
        self.assertEqual(bench.number(12), "12")
        self.assertEqual(bench.number(12.25), "12.2")


class ScenarioTest(unittest.TestCase):
    def test_bench_scenario(self):
        s = bench.load_scenario(ROOT, iterations=250)
        self.assertEqual(s.name, bench.SCENARIO_NAME)
        self.assertEqual(s.modules[0].program, "bench-ipc")
        self.assertEqual(s.modules[0].args, "iterations=250")
        self.assertEqual(s.expect.exit, "pass")

    def test_not_a_test_scenario(self):
        """Benchmarks are not tests: `axl test` and `scons test` never boot it."""
        names = [s.name for s in scen.load_all(ROOT)]
        self.assertNotIn(bench.SCENARIO_NAME, names)
        self.assertNotIn("ipc", names)

    def test_qemu_command_lines(self):
        s = bench.load_scenario(ROOT)
        tcg = bench.guest_argv(s, "tcg", "k.elf32")
        kvm = bench.guest_argv(s, "kvm", "k.elf32")
        self.assertEqual(tcg[-2:], ["-icount", "shift=0,sleep=off"])
        self.assertNotIn("-icount", kvm)
        self.assertIn("build/scenarios/bench-ipc/bench-ipc.elf iterations=10000",
                      tcg)

    def test_accels(self):
        self.assertEqual(bench.accels_for("both"), ["tcg", "kvm"])
        self.assertEqual(bench.accels_for("kvm"), ["kvm"])
        with self.assertRaises(AxlError):
            bench.accels_for("hvf")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def parse(self, *argv):
        return self.cli.build_parser().parse_args(list(argv))

    def test_defaults(self):
        a = self.parse("bench", "ipc")
        self.assertEqual((a.benchmark, a.accel, a.runs, a.iterations, a.json),
                         ("ipc", "tcg", 3, 10000, None))
        self.assertIs(a.func, self.cli.cmd_bench)

    def test_options(self):
        a = self.parse("bench", "ipc", "--accel", "both", "--runs", "5",
                       "--iterations", "100", "--json", "x.json", "--no-build")
        self.assertEqual((a.accel, a.runs, a.iterations, a.json, a.no_build),
                         ("both", 5, 100, "x.json", True))

    def test_refusals(self):
        for argv in (["bench", "nope"], ["bench", "ipc", "--iterations", "99"],
                     ["bench", "ipc", "--iterations", "100001"],
                     ["bench", "ipc", "--runs", "0"], ["bench", "ipc", "--accel", "hvf"]):
            with self.assertRaises(SystemExit, msg=argv), \
                    mock.patch("sys.stderr"):
                self.parse(*argv)


def fake_qemu(lines, status=33, then_sleep=0):
    """A command that prints lines like the guest and exits like QEMU
    after a debug-exit write (33 = pass)."""
    script = "".join(f"echo {shlex.quote(line)}\n" for line in lines)
    if then_sleep:
        script += f"sleep {then_sleep}\n"
    return ["sh", "-c", script + f"exit {status}"]


class BootTest(unittest.TestCase):
    """The boot loop with a shell script in QEMU's place."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.codes = abi.ExitCodes.for_root(ROOT)

    def tearDown(self):
        self.tmp.cleanup()

    def boot(self, args, timeout=20):
        seen = []
        b = bench.boot(args, self.dir, timeout, self.dir / "s.log",
                       self.dir / "q.log", seen.append, runner.Supervisor(),
                       self.codes)
        return b, seen

    def test_pass(self):
        b, seen = self.boot(fake_qemu(guest_lines()))
        self.assertEqual(b.result, "pass")
        self.assertEqual(seen, b.lines)
        self.assertIn("bench: done", (self.dir / "s.log").read_text())
        self.assertTrue((self.dir / "q.log").read_text().startswith("$ sh -c"))

    def test_fatal_line_stops_at_once(self):
        fault = ("[    7.59] WARN  fault: thread 1: fault 1 at rip 0xffffffff80103175 "
                 "addr 0xffffffff80103175, no fault endpoint: suspended")
        b, _ = self.boot(fake_qemu(["bench: ipc iterations=100", fault], then_sleep=30))
        self.assertEqual(b.result, "stopped")
        self.assertEqual(b.stopped_by, fault)
        self.assertLess(b.elapsed, 10)

    def test_timeout(self):
        b, _ = self.boot(fake_qemu([], then_sleep=30), timeout=0.5)
        self.assertEqual(b.result, "timeout")


class RunModeTest(unittest.TestCase):
    """run_mode and the JSON document, with fake guests."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.codes = abi.ExitCodes.for_root(ROOT)
        self.ctx = bench.Context(root=ROOT, scenario=bench.load_scenario(ROOT, self.codes),
                                 codes=self.codes, kernel="build/kernel/kernel.elf32",
                                 runs=3, iterations=100, timeout=20,
                                 logdir=Path(self.tmp.name))

    def tearDown(self):
        self.tmp.cleanup()

    def run_with(self, outputs, accel="tcg"):
        """run_mode where boot i prints outputs[i] (lines, exit status)."""
        commands = iter(fake_qemu(lines, status) for lines, status in outputs)
        real_boot, progress = bench.boot, []

        def boot(args, *rest):
            self.assertIn("-accel", args)     # what QEMU would have run
            return real_boot(next(commands), *rest)

        with mock.patch.object(bench, "boot", boot):
            res = bench.run_mode(self.ctx, accel, progress.append)
        return res, progress

    def test_three_runs(self):
        outputs = [(guest_lines({"call_reply_rt": m}), 33) for m in (1283, 1290, 1280)]
        res, progress = self.run_with(outputs)
        self.assertEqual(res.status, "ok")
        self.assertEqual(res.summary["call_reply_rt"].median, 1283)
        self.assertEqual(res.summary["call_reply_rt"].run_medians, (1283, 1290, 1280))
        self.assertEqual(len(res.runs), 3)
        self.assertTrue(any("tcg run 3/3: done" in p for p in progress))
        self.assertTrue(any("call_reply_rt" in p and "1290" in p for p in progress))
        self.assertIn("instructions", bench.mode_note(res))

        with mock.patch.object(bench, "git_revision", lambda root: "abc-dirty"), \
                mock.patch.object(bench, "qemu_version", lambda: "QEMU 7.2"):
            doc = bench.document(self.ctx, [res], date="2026-01-01T00:00:00+00:00")
        doc = json.loads(json.dumps(doc))     # it is plain JSON
        self.assertEqual(doc["kernel"]["revision"], "abc-dirty")
        self.assertEqual(doc["qemu"]["version"], "QEMU 7.2")
        self.assertEqual(doc["date"], "2026-01-01T00:00:00+00:00")
        mode = doc["modes"][0]
        self.assertEqual((mode["mode"], mode["unit"], mode["status"]),
                         ("tcg", "instructions", "ok"))
        self.assertEqual(mode["summary"]["call_reply_rt"]["run_medians"], [1283, 1290, 1280])
        self.assertEqual(mode["runs"][1]["measurements"]["call_reply_rt"]["median"], 1290)
        self.assertEqual(mode["runs"][0]["guest"]["iterations"], 100)
        self.assertEqual(set(doc["measurements"]), set(bench.MEASUREMENT_NAMES))

    def test_stops_at_the_first_failed_run(self):
        incomplete = guest_lines()[:5]
        outputs = [(guest_lines(), 33), (incomplete, 35), (guest_lines(), 33)]
        res, _ = self.run_with(outputs)
        self.assertEqual(res.status, "failed")
        self.assertEqual(len(res.runs), 2)
        self.assertIn("the guest ended with fail", res.reason)
        self.assertIn("ipc-tcg-2.serial.log", res.reason)
        self.assertEqual(res.summary, {})
        self.assertTrue(bench.mode_note(res).startswith("FAILED: "))

    def test_a_pass_without_every_figure_fails(self):
        res, _ = self.run_with([(guest_lines()[:-2] + ["bench: done"], 33)])
        self.assertEqual(res.status, "failed")
        self.assertIn("no figures for signal_wakeup", res.reason)

    def test_kvm_skipped_when_unusable_with_both(self):
        with mock.patch.object(bench, "kvm_problem", lambda: "no /dev/kvm"):
            results = bench.run_all(self.ctx, ["kvm"], lambda m: None,
                                    skip_unusable_kvm=True)
            self.assertEqual((results[0].status, results[0].reason),
                             ("skipped", "no /dev/kvm"))
            with self.assertRaises(AxlError):
                bench.run_all(self.ctx, ["kvm"], lambda m: None, skip_unusable_kvm=False)


class WriteJsonTest(unittest.TestCase):
    def test_writes_and_creates_the_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sub" / "r.json"
            bench.write_json(path, {"a": 1})
            self.assertEqual(json.loads(path.read_text()), {"a": 1})


if __name__ == "__main__":
    unittest.main()
