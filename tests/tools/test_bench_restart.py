"""test_bench_restart.py: tests of `axl bench restart`
(tools/axlpy/bench_restart.py and its wiring in tools/axl).

No QEMU: the two supervisor lines on synthetic serial logs, the
statistics, the refusals, the options, the scenario directory made from a
fake repository, and the command end to end with the boot replaced by a
fake that prints what the guest would.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import json
import os
import sys
import textwrap
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from tests.tools import fake_repo  # noqa: E402
from axlpy import AxlError, abi, bench, bench_restart, campaign, qemu  # noqa: E402

from tests.tools.test_axl import load_cli                           # noqa: E402

br = bench_restart


def sup(text):
    return f"[supervisor] {text}"


def restarted(gen, detect=12, teardown=80, create=300, name="store"):
    return sup(f"restarted '{name}' generation {gen}: detect {detect} us, "
               f"teardown {teardown} us, create {create} us")


def serving(gen, init=150, reconnect=40, downtime=582, name="store"):
    return sup(f"'{name}' generation {gen} serving: init {init} us, first "
               f"request after {reconnect} us, downtime {downtime} us")


def result(requests, failed=0, lost=0, unknown=0):
    ok = requests - failed - lost - unknown
    return (f"[storeclient] result: requests {requests} ok {ok} retried "
            f"{requests} resolved 0 unknown {unknown} failed {failed} lost "
            f"{lost}")


BOOT = ["[    0.000046] INFO  time: TSC runs at 999999 kHz (calibrated "
        "against the PIT)",
        sup("store.manifest: 5 components, 5 to start"),
        "store: instance 1 serving 0 keys kept from before"]


def guest(n, downtime=lambda i: 582 + i, backoff=(), end=True):
    """The serial lines of a run with n restarts (generations 2..n+1);
    restart i (0-based) in backoff is preceded by a backoff line."""
    lines = list(BOOT)
    for i in range(n):
        gen = i + 2
        lines.append(sup(f"component 'store' (pid 4) faulted: #PF: rip "
                         f"0x4017dc"))
        if i in backoff:
            lines.append(sup("backing off 'store': restart in 10 ms "
                             "(failure 2 in this window)"))
        lines.append(restarted(gen, detect=4 + i))
        lines.append(f"name: 'store' registered by pid 4, generation {gen}")
        lines.append(serving(gen, init=200 + i, downtime=downtime(i)))
    if end:
        lines.append(result(n))
        lines.append(sup("component 'storeclient' (pid 5) exited with "
                         "status 0"))
        lines.append(sup("shutting down: pass"))
    return lines


class ParseTest(unittest.TestCase):
    def test_the_two_lines(self):
        self.assertEqual(br.parse_line(restarted(7)),
                         ("restarted", "store", 7, (12, 80, 300)))
        self.assertEqual(br.parse_line(serving(7)),
                         ("serving", "store", 7, (150, 40, 582)))

    def test_other_text_around(self):
        self.assertEqual(
            br.parse_line("[   3.25] junk " + restarted(9) + " (held)"),
            ("restarted", "store", 9, (12, 80, 300)))
        self.assertEqual(br.parse_line("xx" + serving(3) + "\r"),
                         ("serving", "store", 3, (150, 40, 582)))

    def test_garbage_is_not_a_line(self):
        for line in ("", "garbage", "\x00\xff restarted",
                     sup("restarted 'store' generation 7"),
                     sup("restarted 'store' generation 7: detect 12 us, "
                         "teardown 80 us, create 300us"),
                     sup("'store' generation 7 serving: init 150 us"),
                     "restarted 'store' generation 7: detect 12 us, teardown "
                     "80 us, create 300 us",          # not the supervisor's
                     sup("restarted 'store' generation 7: detect -1 us, "
                         "teardown 80 us, create 300 us"),
                     sup("restarted 'store' generation 7: detect 1 us, "
                         "teardown 80 us, create 300 us2")):
            self.assertIsNone(br.parse_line(line), line)

    def test_a_whole_run(self):
        out = br.parse_output(guest(3))
        self.assertEqual(len(out.restarts), 3)
        first = out.restarts[0]
        self.assertEqual((first.component, first.generation), ("store", 2))
        self.assertEqual(first.phases(),
                         {"detect": 4, "teardown": 80, "create": 300,
                          "init": 200, "reconnect": 40, "downtime": 582})
        self.assertEqual([r.generation for r in out.restarts], [2, 3, 4])
        self.assertEqual(out.result["requests"], 3)
        self.assertEqual(out.tsc_khz, 999999)
        self.assertEqual((out.unserved, out.orphans, out.malformed,
                          out.others, out.backoffs, out.gave_up),
                         ([], [], [], {}, 0, False))
        self.assertEqual(br.problems(out, 3), [])
        self.assertEqual(br.notes(out, 3), [])

    def test_serving_line_without_its_restarted_line(self):
        lines = BOOT + [serving(2), restarted(3), serving(3), result(1)]
        out = br.parse_output(lines)
        self.assertEqual([r.generation for r in out.restarts], [3])
        self.assertEqual(out.orphans, [2])
        self.assertIn("1 serving line without a restarted line (not "
                      "counted)", br.notes(out, 1))

    def test_restarted_line_without_serving_line(self):
        lines = BOOT + [restarted(2), restarted(3), serving(3), result(2)]
        out = br.parse_output(lines)
        self.assertEqual([r.generation for r in out.restarts], [3])
        self.assertEqual(out.unserved, [2])
        found = br.problems(out, 2)
        self.assertEqual(len(found), 1)
        self.assertIn("measured 1 of the 2 restarts asked for; 1 restart had "
                      "no serving line (generation 2)", found[0])

    def test_garbage_between_lines_is_skipped(self):
        lines = guest(2)
        lines[4:4] = ["garbage \x01", "", "[supervisor] boot complete",
                      "restarted 'store' generation 99: detect 1 us"]
        out = br.parse_output(lines)
        self.assertEqual(len(out.restarts), 2)
        self.assertEqual(out.malformed, [])

    def test_malformed_supervisor_lines_make_the_run_unusable(self):
        bad = sup("restarted 'store' generation 3: detect x us, teardown "
                  "80 us, create 300 us")
        lines = guest(2) + [bad]
        out = br.parse_output(lines)
        self.assertEqual(out.malformed, [bad])
        self.assertIn("1 supervisor line could not be read",
                      br.problems(out, 2)[0])
        # a generation restarted twice
        out = br.parse_output(guest(2) + [restarted(2)])
        self.assertEqual(len(out.malformed), 1)

    def test_other_components_backoffs_and_giving_up(self):
        lines = guest(3, backoff={1}) + [restarted(2, name="uart"),
                                         serving(2, name="uart")]
        out = br.parse_output(lines)
        self.assertEqual(len(out.restarts), 3)
        self.assertEqual(out.others, {"uart": 1})
        self.assertEqual(out.backoffs, 1)
        self.assertEqual([r.backed_off for r in out.restarts],
                         [False, True, False])
        notes = br.notes(out, 3)
        self.assertTrue(any("backed the store off 1 time" in n
                            for n in notes), notes)
        self.assertIn("'uart' was restarted too (1 time)", notes)
        self.assertEqual(br.problems(out, 3), [])
        out = br.parse_output(guest(1) + [sup("giving up on 'store': 1001 "
                                              "failures in 1 ms")])
        self.assertIn("the supervisor gave up on the store",
                      br.problems(out, 1))

    def test_client_failures(self):
        lines = guest(2, end=False) + [
            "[storeclient] bench: restart 3: AXL_S_FAILED",
            result(3, failed=1)]
        out = br.parse_output(lines)
        self.assertEqual(out.client_said, ["bench: restart 3: AXL_S_FAILED"])
        found = br.problems(out, 3)
        self.assertIn("the client reported failed 1 lost 0 unknown 0 "
                      "(bench: restart 3: AXL_S_FAILED)", found)
        self.assertIn("measured 2 of the 3 restarts asked for", found[-1])
        out = br.parse_output(guest(2, end=False))
        self.assertIn("the client printed no result line",
                      br.problems(out, 2))

    def test_a_fault_that_does_not_always_fail(self):
        lines = guest(2, end=False) + [result(5)]
        found = br.problems(br.parse_output(lines), 5)
        self.assertEqual(len(found), 1)
        self.assertIn("measured 2 of the 5 restarts asked for; the client's 5 "
                      "requests were all answered, so the fault did not make "
                      "the store fail every time", found[0])

    def test_more_restarts_than_asked(self):
        out = br.parse_output(guest(4))
        self.assertEqual(br.problems(out, 3), [])
        self.assertIn("4 restarts measured, 3 asked for: all are counted",
                      br.notes(out, 3))


class StatisticsTest(unittest.TestCase):
    def restarts(self, downtimes):
        return [br.Restart("store", i + 2, 1, 2, 3, 4, 5, d)
                for i, d in enumerate(downtimes)]

    def test_median_p99_count(self):
        s = br.summarise(self.restarts(range(1, 101)))
        self.assertEqual(s["downtime"], {"median": 50.5, "p99": 99,
                                         "count": 100})
        self.assertEqual(s["detect"], {"median": 1, "p99": 1, "count": 100})
        self.assertEqual(list(s), list(br.PHASES))
        s = br.summarise(self.restarts([900, 100, 500]))
        self.assertEqual(s["downtime"], {"median": 500, "p99": 900,
                                         "count": 3})
        s = br.summarise(self.restarts([10, 20]))
        self.assertEqual(s["downtime"]["median"], 15)
        self.assertIsInstance(s["downtime"]["median"], int)

    def test_p99_is_a_measured_sample(self):
        values = list(range(1, 1001)) + [10 ** 6]
        s = br.summarise(self.restarts(values))
        self.assertEqual(s["downtime"]["p99"], 991)   # rank ceil(0.99*1001)
        self.assertEqual(br.summarise(self.restarts([7]))["downtime"],
                         {"median": 7, "p99": 7, "count": 1})

    def test_empty(self):
        self.assertEqual(br.summarise([])["init"],
                         {"median": None, "p99": None, "count": 0})

    def test_samples_keep_the_order(self):
        rs = self.restarts([3, 1, 2])
        self.assertEqual(br.samples(rs)["downtime"], [3, 1, 2])
        self.assertEqual(br.samples(rs)["reconnect"], [5, 5, 5])
        self.assertEqual(br.backed_off(rs), [])


INJECT_H = textwrap.dedent("""\
    #define AXL_INJECT_KINDS(X)                                           \\
        X(1, NULL_READ, "null-read", process, "reads through null")       \\
        X(15, EXIT, "exit", process, "calls exit(3)")                     \\
        X(16, SWIFI_BITFLIP, "swifi-bitflip", supervisor, "a bit flips")
    """)


class OptionsTest(unittest.TestCase):
    def test_kinds(self):
        kinds = campaign.kinds_from_text(INJECT_H)
        self.assertEqual(br.check_kind(kinds, "exit").number, 15)
        with self.assertRaisesRegex(br.BenchRestartError,
                                    r"--kind swifi-bitflip: the supervisor "
                                    r".*does not reliably cause a restart; "
                                    r"use a kind the store carries out "
                                    r"itself: null-read, exit$"):
            br.check_kind(kinds, "swifi-bitflip")
        with self.assertRaisesRegex(br.BenchRestartError,
                                    r"unknown fault kind 'nope' \(known: "
                                    r"null-read, exit;"):
            br.check_kind(kinds, "nope")

    def test_the_real_table(self):
        kinds = campaign.load_kinds(ROOT)
        self.assertEqual(br.check_kind(kinds, br.DEFAULT_KIND).where,
                         "process")
        for k in kinds:
            if k.name.startswith("swifi-"):
                with self.assertRaises(br.BenchRestartError):
                    br.check_kind(kinds, k.name)

    def test_counts_and_accelerator(self):
        br.check_options(1, 1, "tcg")
        br.check_options(100, 3, "kvm")
        for args in ((0, 3, "tcg"), (-5, 3, "tcg"), (100, 0, "tcg"),
                     (100, 3, "both"), (100, 3, "hvf"), ("100", 3, "tcg")):
            with self.assertRaises(br.BenchRestartError, msg=args):
                br.check_options(*args)

    def test_timeout_grows_with_restarts(self):
        self.assertLess(br.default_timeout("tcg", 1),
                        br.default_timeout("tcg", 1000))


MANIFEST = """\
# a comment
[device com1]
ioports = 0x3f8-0x3ff

[component store]
module = store
max-restarts = 5              # a comment
restart-window = 10s
# @INJECT@

[component storeclient]
module = storeclient
args = "300"
shutdown-on-exit = yes
"""

SCENARIO_TOML = """\
description = "campaign template"
modules = [
    { program = "supervisor" },
    { file = "store.manifest" },
    { program = "store" },
    { program = "storeclient" },
]

[expect]
exit = "pass"
"""


def FakeRepo():
    """A repository root with the store template and fake build outputs (fake_repo.py)."""
    return fake_repo.FakeRepo(INJECT_H, SCENARIO_TOML, MANIFEST)


class ScenarioTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)

    def tearDown(self):
        self.repo.cleanup()

    def test_set_keys(self):
        text = br.set_keys(MANIFEST, "store", br.STORE_KEYS)
        self.assertIn("max-restarts = 1000\nrestart-window = 1ms\n", text)
        self.assertNotIn("10s", text)
        text = br.set_keys(text, "storeclient",
                           (("args", '"bench 3 exit"'), ("may-inject", "yes")))
        self.assertTrue(text.endswith('args = "bench 3 exit"\n'
                                      'shutdown-on-exit = yes\n'
                                      'may-inject = yes\n'), text)
        # a key missing in a middle section goes after its last line
        text = br.set_keys(MANIFEST, "store", (("heartbeat", "100ms"),))
        self.assertIn("# @INJECT@\nheartbeat = 100ms\n\n[component "
                      "storeclient]", text)
        # indentation and CRLF are kept; no newline at the end is mended
        self.assertEqual(br.set_keys("[component a]\r\n  k = 1\r\n", "a",
                                     (("k", "2"),)),
                         "[component a]\r\n  k = 2\r\n")
        self.assertEqual(br.set_keys("[component a]\nx = 1", "a",
                                     (("k", "2"),)),
                         "[component a]\nx = 1\nk = 2\n")
        with self.assertRaisesRegex(br.BenchRestartError,
                                    r"no \[component nope\] section"):
            br.set_keys(MANIFEST, "nope", (("k", "v"),))

    def test_prepare(self):
        template = br.load_template(self.root, self.codes)
        scenario, kernel = br.prepare(self.root, template, qemu.KERNEL, 7,
                                      "exit")
        out = self.root / br.OUT_DIR
        self.assertEqual(Path(kernel), out / "image" / "kernel.elf32")
        self.assertEqual(Path(scenario.dir), out / "scenario")
        manifest = (out / "scenario" / "store.manifest").read_text()
        self.assertNotIn("@INJECT@", manifest)
        self.assertNotRegex(manifest, r"(?m)^\s*inject\s*=")
        self.assertIn("[component store]\nmodule = store\nmax-restarts = "
                      "1000\nrestart-window = 1ms\n", manifest)
        self.assertIn('args = "bench 7 exit"\nshutdown-on-exit = yes\n'
                      'may-inject = yes\n', manifest)
        # every module QEMU would be given exists
        args = bench.guest_argv(scenario, "tcg", kernel)
        for item in args[args.index("-initrd") + 1].split(","):
            self.assertTrue((self.root / item).is_file(), item)
        self.assertEqual(args[-2:], ["-icount", "shift=0,sleep=off"])
        self.assertNotIn("-icount", bench.guest_argv(scenario, "kvm", kernel))
        # the template itself is untouched
        self.assertEqual((self.repo.template / "store.manifest").read_text(),
                         MANIFEST)

    def test_missing_build_output_and_client(self):
        template = br.load_template(self.root, self.codes)
        (self.root / "build/user/store.elf").unlink()
        with self.assertRaisesRegex(AxlError, r"store.elf not found"):
            br.prepare(self.root, template, qemu.KERNEL, 1, "exit")
        self.repo.write(self.repo.template / "store.manifest",
                        MANIFEST.split("[component storeclient]")[0])
        with self.assertRaisesRegex(br.BenchRestartError,
                                    r"no \[component storeclient\] section"):
            br.load_template(self.root, self.codes)


class FakeBoot:
    """Stands in for bench_restart.boot: run i prints outputs[i]."""

    def __init__(self, outputs):
        self.outputs = list(outputs)   # (result, lines, stopped_by)
        self.calls = []

    def __call__(self, args, root, timeout, serial_log, qemu_log, on_line,
                 supervisor, codes):
        self.calls.append({"args": args, "timeout": timeout,
                           "serial_log": serial_log})
        exit_name, lines, stopped_by = self.outputs[len(self.calls) - 1]
        serial_log.parent.mkdir(parents=True, exist_ok=True)
        serial_log.write_text("\n".join(lines) + "\n")
        for line in lines:
            on_line(line)
        return bench.Boot(result=exit_name, elapsed=1.5, lines=lines,
                          stopped_by=stopped_by)


def passing(n, **kw):
    return ("pass", guest(n, **kw), "")


class RunTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)
        template = br.load_template(self.root, self.codes)
        scenario, kernel = br.prepare(self.root, template, qemu.KERNEL, 3,
                                      "null-read")
        self.ctx = br.Context(root=self.root, scenario=scenario,
                              codes=self.codes, kernel=kernel, restarts=3,
                              runs=2)
        self.qemu_version = mock.patch.object(bench, "qemu_version",
                                              lambda: "QEMU 7.2 (fake)")
        self.qemu_version.start()

    def tearDown(self):
        self.qemu_version.stop()
        self.repo.cleanup()

    def run_with(self, outputs, **changes):
        for k, v in changes.items():
            setattr(self.ctx, k, v)
        fake, progress = FakeBoot(outputs), []
        with mock.patch.object(br, "boot", fake):
            res = br.run(self.ctx, progress.append)
        return res, fake, progress

    def test_two_runs(self):
        res, fake, progress = self.run_with(
            [passing(3), passing(3, downtime=lambda i: 1000 * (i + 1))])
        self.assertEqual(res.status, "ok", res.reason)
        self.assertEqual(len(res.restarts), 6)
        self.assertEqual(len(fake.calls), 2)
        self.assertIn("-icount", fake.calls[0]["args"])
        self.assertEqual(fake.calls[0]["timeout"],
                         br.default_timeout("tcg", 3))
        self.assertEqual(fake.calls[1]["serial_log"],
                         self.root / br.OUT_DIR / "logs" /
                         "restart-tcg-2.serial.log")
        self.assertIn("  tcg run 1/2: 3/3 restarts, downtime 584 virtual us",
                      progress)
        doc = br.document(self.ctx, res, date="2026-11-23T00:00:00+00:00")
        self.assertEqual(doc["phases"]["downtime"],
                         {"median": 792, "p99": 3000, "count": 6})
        self.assertEqual(doc["samples"]["downtime"],
                         [582, 583, 584, 1000, 2000, 3000])

    def test_too_few_restarts_are_refused(self):
        short = ("pass", guest(2, end=False) + [result(2)], "")
        res, fake, progress = self.run_with([passing(3), short, passing(3)])
        self.assertEqual(res.status, "failed")
        self.assertEqual(len(fake.calls), 2)     # stops at the bad run
        self.assertRegex(res.reason, r"^tcg run 2/2: measured 2 of the 3 "
                                     r"restarts asked for; see .*"
                                     r"restart-tcg-2.serial.log$")
        doc = br.document(self.ctx, res)
        self.assertEqual((doc["status"], doc["phases"], doc["samples"]),
                         ("failed", {}, {}))
        err = []
        self.assertEqual(br.report(doc, self.fail, err.append), 1)
        self.assertIn("measured 2 of the 3 restarts", err[0])
        self.assertEqual(err[-1], "axl: bench restart: no figures")

    def test_kvm_that_cannot_run_the_guest(self):
        lines = ["[    7.52] ERROR fault: the root task (supervisor, thread "
                 "1) took fault 1 at rip 0xffffffff80103177: nothing "
                 "supervises it; rebooting the system"]
        res, fake, _ = self.run_with([("reboot", lines, "")], accel="kvm",
                                     runs=1)
        self.assertNotIn("-icount", fake.calls[0]["args"])
        self.assertEqual(res.status, "failed")
        self.assertIn("KVM could not run the guest: the guest ended with "
                      "reboot after the serial line '[    7.52] ERROR fault: "
                      "the root task", res.reason)
        res, _, _ = self.run_with([("timeout", BOOT, "")], accel="kvm",
                                  runs=1, timeout=5)
        self.assertIn("KVM could not run the guest: no end after 5 s",
                      res.reason)
        stop = "WARN  fault: thread 1: fault 1 at rip 0x1, no fault endpoint"
        res, _, _ = self.run_with([("stopped", BOOT + [stop], stop)],
                                  accel="kvm", runs=1)
        self.assertIn(f"stopped after the serial line {stop!r}", res.reason)
        doc = br.document(self.ctx, res)
        self.assertEqual((doc["mode"], doc["unit"], doc["phases"]),
                         ("kvm", "us", {}))

    def test_a_guest_that_fails_under_tcg(self):
        res, _, _ = self.run_with([("fail", guest(3), "")], runs=1)
        self.assertIn("tcg run 1/1: the guest ended with fail", res.reason)
        self.assertNotIn("KVM", res.reason)

    def test_document_and_report(self):
        res, _, _ = self.run_with([passing(3, backoff={2}), passing(3)])
        doc = br.document(self.ctx, res, date="2026-11-23T00:00:00+00:00")
        for key, value in (("benchmark", "restart"), ("mode", "tcg"),
                           ("unit", "virtual us (TCG, icount)"),
                           ("kind", "null-read"), ("restarts_per_run", 3),
                           ("runs", 2), ("status", "ok"),
                           ("comparison", {"minix3_restart_delay_us": 1000000,
                                           "hubris_min_restart_delay_us":
                                           50000})):
            self.assertEqual(doc[key], value, key)
        self.assertEqual(list(doc["phases"]), list(br.PHASES))
        self.assertEqual(list(doc["samples"]), list(br.PHASES))
        for p in br.PHASES:
            self.assertEqual(set(doc["phases"][p]), {"median", "p99", "count"})
            self.assertEqual(len(doc["samples"][p]), 6)
        self.assertEqual(doc["phases"]["detect"],
                         {"median": 5, "p99": 6, "count": 6})
        self.assertEqual(doc["backed_off_samples"], [2])
        self.assertIn("NOT wall-clock", doc["unit_note"])
        self.assertIn("1000.0 MHz", doc["unit_note"])
        self.assertEqual([r["restarts_measured"] for r in doc["run_details"]],
                         [3, 3])
        self.assertEqual(doc["run_details"][0]["client"]["failed"], 0)
        json.loads(json.dumps(doc))              # serialisable as it is
        out, err = [], []
        self.assertEqual(br.report(doc, out.append, err.append), 0)
        self.assertEqual(err, [])
        text = "\n".join(out)
        self.assertIn("unit: virtual us (TCG, icount)", out[0])
        self.assertRegex(text, r"(?m)^downtime +583 +584 +6$")
        self.assertRegex(text, r"(?m)^phase +median +p99 +count$")
        self.assertIn("NOT wall-clock", text)
        self.assertIn("client: 6 requests, 6 ok, 6 retried, 0 failed, 0 lost",
                      text)
        self.assertIn("note: run 1: the supervisor backed the store off 1 "
                      "time", text)
        self.assertTrue(out[-1].startswith(
            "comparison: median downtime 583 virtual us is 1,715 times "
            "shorter than MINIX 3's 1 s restart delay and 86 times shorter "
            "than Hubris's 50 ms minimum"), out[-1])
        self.assertIn("from their sources", out[-1])

    def test_kvm_figures_are_microseconds(self):
        res, _, _ = self.run_with([passing(3)], accel="kvm", runs=1)
        doc = br.document(self.ctx, res)
        self.assertEqual(doc["unit"], "us")
        self.assertIn("nested", doc["unit_note"])
        out = []
        br.report(doc, out.append, self.fail)
        self.assertIn("median downtime 583 us is", out[-1])
        self.assertNotIn("virtual", out[-1])


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def parse(self, *argv):
        return self.cli.build_parser().parse_args(list(argv))

    def test_defaults(self):
        a = self.parse("bench", "restart")
        self.assertEqual((a.benchmark, a.restarts, a.kind, a.runs, a.accel,
                          a.json, a.timeout, a.no_build),
                         ("restart", 100, "null-read", 3, "tcg", None, None,
                          False))
        self.assertIs(a.func, self.cli.cmd_bench_restart)
        a = self.parse("bench", "ipc")           # unchanged
        self.assertEqual((a.benchmark, a.iterations), ("ipc", 10000))
        self.assertIs(a.func, self.cli.cmd_bench)

    def test_options(self):
        a = self.parse("bench", "restart", "--restarts", "1", "--kind", "exit",
                       "--runs", "5", "--accel", "kvm", "--json", "x.json",
                       "--timeout", "30", "--no-build")
        self.assertEqual((a.restarts, a.kind, a.runs, a.accel, a.json,
                          a.timeout, a.no_build),
                         (1, "exit", 5, "kvm", "x.json", 30.0, True))

    def test_refusals(self):
        for argv in (["bench", "restart", "--restarts", "0"],
                     ["bench", "restart", "--restarts", "x"],
                     ["bench", "restart", "--runs", "0"],
                     ["bench", "restart", "--accel", "both"],
                     ["bench", "restart", "--timeout", "0"],
                     ["bench", "restart", "--iterations", "100"],
                     ["bench", "ipc", "--restarts", "5"],
                     ["bench"]):
            with self.assertRaises(SystemExit, msg=argv), \
                    mock.patch("sys.stderr"):
                self.parse(*argv)


class CommandTest(fake_repo.CommandCase):
    """`axl bench restart` end to end, with the boot faked."""

    BOOT_MODULE = br

    def make_repo(self):
        return FakeRepo()

    def extra_patches(self):
        return [
            mock.patch.object(bench, "qemu_version", lambda: "fake"),
        ]

    def axl(self, *argv, outputs=()):
        fake = FakeBoot(outputs)
        return self.run_axl(fake, argv)

    def test_end_to_end(self):
        path = self.root / "out" / "r.json"
        status, out, err, fake = self.axl(
            "bench", "restart", "--restarts", "4", "--runs", "2", "--json",
            str(path), outputs=[passing(4), passing(4)])
        self.assertEqual(status, 0, err)
        self.assertEqual(self.built, [["kernel", "build/user/supervisor.elf",
                                       "build/user/store.elf",
                                       "build/user/storeclient.elf"]])
        self.assertEqual(self.checked, ["tcg"])
        self.assertEqual(len(fake.calls), 2)
        manifest = (self.root / br.OUT_DIR / "scenario" /
                    "store.manifest").read_text()
        self.assertIn('args = "bench 4 null-read"', manifest)
        doc = json.loads(path.read_text())
        self.assertEqual((doc["benchmark"], doc["restarts_per_run"],
                          doc["runs"], doc["phases"]["downtime"]["count"]),
                         ("restart", 4, 2, 8))
        self.assertRegex(out, r"(?m)^create +300 +300 +8$")
        self.assertTrue(out.rstrip().splitlines()[-1].startswith(
            "comparison: median downtime"))
        self.assertIn("results written to", err)

    def test_failed_run_exits_1(self):
        status, out, err, _ = self.axl(
            "bench", "restart", "--restarts", "4", "--runs", "1",
            "--no-build", outputs=[passing(3)])
        self.assertEqual(status, 1)
        self.assertEqual(self.built, [])
        self.assertEqual(out, "")
        self.assertIn("error: tcg run 1/1: measured 3 of the 4 restarts", err)

    def test_setup_errors_exit_2(self):
        for argv, message in (
                (["--kind", "swifi-bitflip"], "does not reliably cause a "
                                              "restart"),
                (["--kind", "nope"], "unknown fault kind 'nope'")):
            status, _, err, fake = self.axl("bench", "restart", *argv)
            self.assertEqual(status, 2, argv)
            self.assertIn(message, err)
            self.assertEqual(fake.calls, [])
        self.assertEqual(self.built, [])
        (self.root / "build/user/store.elf").unlink()
        status, _, err, _ = self.axl("bench", "restart", "--no-build")
        self.assertEqual(status, 2)
        self.assertIn("store.elf not found", err)


if __name__ == "__main__":
    unittest.main()
