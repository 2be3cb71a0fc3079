"""test_bench_dma.py: tests of `axl bench dma`
(tools/axlpy/bench_dma.py and its wiring in tools/axl).

No QEMU: edubench's and the driver's lines on synthetic serial logs, the
statistics, the refusals, the options, the scenario directory made from a
fake repository holding the real template, and the command end to end with
the boot replaced by a fake that prints what the guest would.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import json
import os
import shutil
import sys
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from tests.tools import fake_repo  # noqa: E402
from axlpy import AxlError, abi, bench, bench_dma, campaign, qemu  # noqa: E402

from tests.tools.test_axl import load_cli                           # noqa: E402

bd = bench_dma


def says(text):
    return f"[edubench] {text}"


SERVING_ON = ("edu: instance 1 serving; DMA buffer at physical 0x61c000, "
              "mapped at IO address 0x10000000 in the device's IO space")
SERVING_OFF = ("edu: instance 1 serving; DMA buffer at physical 0x61c000, "
               "given to the device as it is (no IO space: DMA remapping is "
               "off)")


def guest(config, rounds=200, transfers=10, map_median=1407, copy=100_000_000,
          tsc=1_000_000_000, end=True):
    """The serial lines of one boot of the benchmark."""
    lines = ["[    0.000046] INFO  time: TSC runs at 999999 kHz",
             SERVING_ON if config == "on" else SERVING_OFF]
    if config == "on":
        lines.append(says(f"map-unmap: rounds {rounds} median {map_median} "
                          f"min {map_median - 7} max {map_median + 900}"))
    else:
        lines.append(says("map-unmap: unavailable: AXL_E_ILLEGAL_OPERATION"))
    for size in bd.SIZES:
        for direction in bd.DIRECTIONS:
            lines.append(says(f"{direction}: {size} bytes, {transfers} "
                              f"transfers: median {copy + size} min "
                              f"{copy - 5} max {copy + 9000}"))
    lines.append(says(f"tsc_hz {tsc}"))
    if end:
        lines.append(says("done"))
    return lines


class ParseTest(unittest.TestCase):
    def test_a_run_with_remapping_on(self):
        out = bd.parse_output(guest("on"))
        self.assertTrue(out.remapping)
        self.assertEqual(out.iova, "0x10000000")
        self.assertEqual(out.map_unmap, bd.Figures(1407, 1400, 2307, 200))
        self.assertIsNone(out.map_unavailable)
        self.assertEqual(len(out.copies), 6)
        self.assertEqual(out.copies[("copy-out", 896)],
                         bd.Figures(100_000_896, 99_999_995, 100_009_000, 10))
        self.assertEqual((out.tsc_hz, out.done), (1_000_000_000, True))
        self.assertEqual(bd.problems(out, "on", 200, 10), [])

    def test_a_run_with_remapping_off(self):
        out = bd.parse_output(guest("off"))
        self.assertIs(out.remapping, False)
        self.assertIsNone(out.map_unmap)
        self.assertEqual(out.map_unavailable, "AXL_E_ILLEGAL_OPERATION")
        self.assertEqual(bd.problems(out, "off", 200, 10), [])

    def test_the_configuration_is_checked(self):
        self.assertIn("the driver gave the device physical addresses with "
                      "remapping on",
                      bd.problems(bd.parse_output(guest("off")), "on", 200, 10))
        found = bd.problems(bd.parse_output(guest("on")), "off", 200, 10)
        self.assertIn("map-unmap figures with remapping off", found)
        self.assertIn("the driver gave the device an IO address with "
                      "remapping off (iommu=off)", found)
        lines = [x for x in guest("on") if not x.startswith("edu: ")]
        self.assertIn("the edu driver printed no serving line",
                      bd.problems(bd.parse_output(lines), "on", 200, 10))

    def test_missing_and_wrong_counts(self):
        lines = [x for x in guest("on", transfers=3)
                 if "copy-in: 512" not in x and "tsc_hz" not in x]
        found = bd.problems(bd.parse_output(lines), "on", 50, 3)
        self.assertIn("map-unmap: 200 rounds, 50 asked for", found)
        self.assertIn("no copy-in figures for 512 bytes", found)
        self.assertIn("edubench printed no tsc_hz", found)
        found = bd.problems(bd.parse_output(guest("on", end=False)), "on",
                            200, 4)
        self.assertIn("copy-out 64 bytes: 10 transfers, 4 asked for", found)
        self.assertIn("edubench did not print 'done'", found)
        lines = guest("off")
        lines.remove(says("map-unmap: unavailable: AXL_E_ILLEGAL_OPERATION"))
        lines.insert(2, says("map-unmap: unavailable: AXL_E_NO_MEMORY"))
        self.assertIn("no map-unmap figures (EDU_BENCH_MAP answered "
                      "AXL_E_NO_MEMORY)",
                      bd.problems(bd.parse_output(lines), "on", 200, 10))

    def test_failures_and_malformed_lines(self):
        lines = guest("on")[:4] + [says("FAIL copy-in 64 bytes, transfer 2: "
                                        "AXL_E_OK, checksum 0x1 (expected "
                                        "0x2)")]
        found = bd.problems(bd.parse_output(lines), "on", 200, 10)
        self.assertEqual(found[0], "edubench said: FAIL copy-in 64 bytes, "
                                   "transfer 2: AXL_E_OK, checksum 0x1 "
                                   "(expected 0x2)")
        self.assertNotIn("edubench did not print 'done'", found)
        for bad in ("map-unmap: rounds 3 median 9 min 10 max 11",  # order
                    "copy-in: 64 bytes, 0 transfers: median 1 min 1 max 1",
                    "copy-in: 64 bytes: median 1",
                    "tsc_hz fast"):
            out = bd.parse_output([SERVING_ON, says(bad)])
            self.assertEqual(out.malformed, [says(bad)], bad)
        out = bd.parse_output(guest("on") + [guest("on")[2]])
        self.assertEqual(len(out.malformed), 1)
        self.assertRegex(bd.problems(out, "on", 200, 10)[0],
                         r"^1 edubench line\(s\) could not be read or repeat")
        # another program's lines and text around them are not edubench's
        out = bd.parse_output(["[educlient] copy-in: 64 bytes, 1 transfers: "
                               "median 1 min 1 max 1", "garbage"])
        self.assertEqual(out.copies, {})


class StatisticsTest(unittest.TestCase):
    def outputs(self, config, medians):
        return [bd.parse_output(guest(config, map_median=m, copy=c))
                for m, c in medians]

    def test_median_of_runs(self):
        on = bd.summarise(self.outputs("on", [(1400, 100), (1500, 300),
                                              (1450, 200)]))
        self.assertEqual(on["map_unmap"], {"median": 1450, "min": 1393,
                                           "max": 2400,
                                           "run_medians": [1400, 1500, 1450]})
        first = on["copies"][0]
        self.assertEqual((first["direction"], first["bytes"], first["median"],
                          first["min"], first["max"]),
                         ("copy-in", 64, 264, 95, 9300))
        self.assertEqual([(c["direction"], c["bytes"]) for c in on["copies"]],
                         [(d, s) for d in bd.DIRECTIONS for s in bd.SIZES])
        self.assertEqual(on["tsc_hz"], 1_000_000_000)
        self.assertAlmostEqual(first["latency_us"], 0.264)
        self.assertAlmostEqual(first["bytes_per_s"], 64 * 1e9 / 264)
        off = bd.summarise(self.outputs("off", [(0, 100), (0, 100)]))
        self.assertIsNone(off["map_unmap"])
        self.assertEqual(off["map_unmap_unavailable"],
                         "AXL_E_ILLEGAL_OPERATION")
        r = bd.ratios({"on": on, "off": off})
        self.assertEqual(r[0], {"direction": "copy-in", "bytes": 64,
                                "on_off": 264 / 164})

    def test_throughput(self):
        self.assertEqual(bd.throughput(1000, 500, 1_000_000), 2_000_000)
        self.assertIsNone(bd.throughput(1000, 0, 1_000_000))
        self.assertIsNone(bd.throughput(1000, 5, None))


class OptionsTest(unittest.TestCase):
    def test_counts_and_accelerator(self):
        bd.check_options(1, 1, 1, "tcg")
        bd.check_options(3, bd.ROUNDS_MAX, bd.TRANSFERS_MAX, "kvm")
        for args, message in (((0, 1, 1, "tcg"), r"--runs must be at least 1"),
                              ((1, 0, 1, "tcg"), r"--rounds must be 1\.\.1024"),
                              ((1, 1025, 1, "tcg"), r"--rounds must be"),
                              ((1, 1, 101, "tcg"), r"--transfers must be 1\.\.100"),
                              ((1, 1, "2", "tcg"), r"--transfers must be"),
                              ((1, 1, 1, "both"), r"--accel must be one of")):
            with self.assertRaisesRegex(bd.BenchDmaError, message):
                bd.check_options(*args)

    def test_limits_match_the_guest(self):
        edu_h = (ROOT / "libipc/include/axl/edu.h").read_text()
        self.assertIn(f"#define AXL_EDU_BENCH_ROUNDS_MAX {bd.ROUNDS_MAX}u",
                      edu_h)
        self.assertIn(f"#define AXL_EDU_XFER_MAX {max(bd.SIZES)}u", edu_h)
        client = (ROOT / "apps/edubench/main.c").read_text()
        self.assertIn(f"#define TRANSFERS_MAX {bd.TRANSFERS_MAX}u", client)

    def test_timeout_grows(self):
        self.assertGreater(bd.default_timeout("tcg", 200, 20),
                           bd.default_timeout("tcg", 200, 10))
        self.assertGreater(bd.default_timeout("kvm", 200, 10),
                           bd.default_timeout("tcg", 200, 10))


class FakeRepo(fake_repo.FakeRepo):
    """A repository root with the real tools/bench/dma/ and fake builds."""

    def __init__(self):
        super().__init__("", "modules = []\n", "")
        shutil.copytree(ROOT / bd.TEMPLATE_DIR, self.root / bd.TEMPLATE_DIR)
        for p in ("supervisor", "name", "uart16550", "console", "edu",
                  "edubench"):
            self.write(campaign.PROGRAM_DIR / f"{p}.elf", f"ELF {p}")


class ScenarioTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)

    def tearDown(self):
        self.repo.cleanup()

    def test_prepare(self):
        template = bd.load_template(self.root, self.codes)
        self.assertEqual(template.component, "edubench")
        scenario, kernel = bd.prepare(self.root, template, qemu.KERNEL, 7, 3)
        out = self.root / bd.OUT_DIR
        self.assertEqual(Path(kernel), out / "image" / "kernel.elf32")
        manifest = (out / "scenario" / "edu.manifest").read_text()
        self.assertNotIn("@INJECT@", manifest)
        self.assertRegex(manifest, r'\[component edubench\]\n(.*\n)*args = '
                                   r'"7 3"\n')
        on = bd.scenario_for(scenario, "on")
        off = bd.scenario_for(scenario, "off")
        self.assertEqual((on.cmdline, off.cmdline), ("", "iommu=off"))
        for s in (on, off):
            args = bench.guest_argv(s, "tcg", kernel)
            for item in args[args.index("-initrd") + 1].split(","):
                self.assertTrue((self.root / item.split(" ")[0]).is_file(),
                                item)
            self.assertEqual(args[-2:], ["-icount", "shift=0,sleep=off"])
            self.assertIn("intel-iommu", " ".join(args))
        self.assertEqual(bench.guest_argv(off, "tcg", kernel)[
            bench.guest_argv(off, "tcg", kernel).index("-append") + 1],
            "iommu=off")
        self.assertNotIn("-icount", bench.guest_argv(on, "kvm", kernel))

    def test_missing_build_output_and_marker(self):
        template = bd.load_template(self.root, self.codes)
        (self.root / "build/user/edubench.elf").unlink()
        with self.assertRaisesRegex(AxlError, r"edubench.elf not found"):
            bd.prepare(self.root, template, qemu.KERNEL, 1, 1)
        manifest = self.root / bd.TEMPLATE_DIR / bd.MANIFEST
        manifest.write_text(manifest.read_text().replace(
            campaign.MARKER, "# nothing"))
        with self.assertRaisesRegex(bd.BenchDmaError,
                                    r"no '# @INJECT@' line in the \[component "
                                    r"edubench\] section"):
            bd.load_template(self.root, self.codes)


class FakeBoot:
    """Stands in for bench_dma.boot: boot i prints outputs[i]."""

    def __init__(self, outputs):
        self.outputs = list(outputs)   # (result, lines, stopped_by)
        self.calls = []

    def __call__(self, args, root, timeout, serial_log, qemu_log, on_line,
                 supervisor, codes):
        self.calls.append({"args": args, "timeout": timeout,
                           "serial_log": serial_log})
        exit_name, lines, stopped_by = self.outputs[len(self.calls) - 1]
        for line in lines:
            on_line(line)
        return bench.Boot(result=exit_name, elapsed=0.8, lines=lines,
                          stopped_by=stopped_by)


def passing(config, **kw):
    return ("pass", guest(config, **kw), "")


def both(runs, **kw):
    return [passing(c, **kw) for _ in range(runs) for c in bd.CONFIGS]


class RunTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)
        template = bd.load_template(self.root, self.codes)
        scenario, kernel = bd.prepare(self.root, template, qemu.KERNEL, 200,
                                      10)
        self.ctx = bd.Context(root=self.root, scenario=scenario,
                              codes=self.codes, kernel=kernel, runs=2)
        self.qemu_version = mock.patch.object(bench, "qemu_version",
                                              lambda: "QEMU 7.2 (fake)")
        self.qemu_version.start()

    def tearDown(self):
        self.qemu_version.stop()
        self.repo.cleanup()

    def run_with(self, outputs):
        fake, progress = FakeBoot(outputs), []
        with mock.patch.object(bd, "boot", fake):
            res = bd.run(self.ctx, progress.append)
        return res, fake, progress

    def test_both_configurations_in_turn(self):
        res, fake, progress = self.run_with(both(2))
        self.assertEqual(res.status, "ok", res.reason)
        self.assertEqual(len(fake.calls), 4)
        appends = [c["args"][c["args"].index("-append") + 1]
                   for c in fake.calls]
        self.assertEqual(appends, ["", "iommu=off", "", "iommu=off"])
        self.assertTrue(all("-icount" in c["args"] for c in fake.calls))
        self.assertEqual(fake.calls[3]["serial_log"],
                         self.root / bd.OUT_DIR / "logs" /
                         "dma-off-tcg-2.serial.log")
        self.assertEqual(fake.calls[0]["timeout"],
                         bd.default_timeout("tcg", 200, 10))
        self.assertEqual([len(res.outputs[c]) for c in bd.CONFIGS], [2, 2])
        self.assertIn("  tcg run 1/2, remapping on: map-unmap: rounds 200 "
                      "median 1407 min 1400 max 2307", progress)

    def test_the_first_unusable_run_stops(self):
        outputs = [passing("on"), passing("on")]   # the second should be off
        res, fake, _ = self.run_with(outputs)
        self.assertEqual(res.status, "failed")
        self.assertEqual(len(fake.calls), 2)
        self.assertRegex(res.reason, r"^tcg run 1/2, remapping off "
                                     r"\(iommu=off\): .*map-unmap figures "
                                     r"with remapping off")
        res, _, _ = self.run_with([("stopped", guest("on")[:2],
                                    "fault: thread 9: fault")])
        self.assertIn("stopped after the serial line 'fault: thread 9: "
                      "fault'", res.reason)
        res, _, _ = self.run_with([("timeout", [], "")])
        self.assertIn("no end after", res.reason)

    def test_document_and_report(self):
        res, _, _ = self.run_with([passing("on", copy=200), passing("off"),
                                   passing("on", copy=200), passing("off")])
        doc = bd.document(self.ctx, res, date="2025-01-01T00:00:00+00:00")
        json.dumps(doc)
        meta = doc["meta"]
        self.assertEqual((meta["mode"], meta["runs"], meta["rounds"],
                          meta["transfers"], meta["unit"],
                          meta["qemu"]["version"]),
                         ("tcg", 2, 200, 10, "instructions (TCG, icount)",
                          "QEMU 7.2 (fake)"))
        on, off = doc["results"]
        self.assertEqual((on["config"], on["remapping"], on["cmdline"]),
                         ("on", True, ""))
        self.assertEqual((off["config"], off["remapping"], off["cmdline"]),
                         ("off", False, "iommu=off"))
        self.assertEqual(on["map_unmap"]["median"], 1407)
        self.assertEqual(doc["ratios"][0]["on_off"], 264 / 100_000_064)
        out, err = [], []
        self.assertEqual(bd.report(doc, out.append, err.append), 0)
        self.assertEqual(err, [])
        text = "\n".join(out)
        self.assertIn("mode tcg; unit: instructions (TCG, icount)", out[0])
        self.assertIn("map+unmap (remapping on): median 1407, min 1400, max "
                      "2307 (200 rounds per run)", text)
        self.assertIn("map+unmap (remapping off (iommu=off)): unavailable "
                      "(AXL_E_ILLEGAL_OPERATION: no IO space)", text)
        self.assertRegex(text, r"(?m)^copy-out +896 +1096 +100000896 +0\.0000 "
                               r"+817,518,248 +8,960$")
        self.assertIn("bytes per second of virtual time", text)

    def test_kvm_unit_and_failure(self):
        self.ctx.accel = "kvm"
        res, fake, _ = self.run_with([("timeout", [], "")])
        self.assertNotIn("-icount", fake.calls[0]["args"])
        self.assertIn("KVM could not run the guest: no end after", res.reason)
        doc = bd.document(self.ctx, res)
        self.assertEqual(doc["meta"]["unit"],
                         "cycles (KVM, nested: treat with care)")
        self.assertEqual((doc["status"], doc["ratios"]), ("failed", []))
        out, err = [], []
        self.assertEqual(bd.report(doc, out.append, err.append), 1)
        self.assertEqual(out, [])
        self.assertEqual(err[-1], "axl: bench dma: no figures")


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def parse(self, *argv):
        return self.cli.build_parser().parse_args(list(argv))

    def test_defaults_and_options(self):
        a = self.parse("bench", "dma")
        self.assertEqual((a.benchmark, a.runs, a.rounds, a.transfers, a.accel,
                          a.json, a.timeout, a.logdir, a.no_build),
                         ("dma", 3, 200, 10, "tcg", None, None, None, False))
        self.assertIs(a.func, self.cli.cmd_bench_dma)
        a = self.parse("bench", "dma", "--runs", "5", "--rounds", "1024",
                       "--transfers", "1", "--accel", "kvm", "--json", "x",
                       "--logdir", "l", "--no-build")
        self.assertEqual((a.runs, a.rounds, a.transfers, a.accel, a.json,
                          a.logdir, a.no_build),
                         (5, 1024, 1, "kvm", "x", "l", True))

    def test_refusals(self):
        for argv in (["--runs", "0"], ["--rounds", "0"], ["--rounds", "1025"],
                     ["--transfers", "101"], ["--transfers", "x"],
                     ["--accel", "both"], ["--iterations", "100"]):
            with self.assertRaises(SystemExit, msg=argv), \
                    mock.patch("sys.stderr"):
                self.parse("bench", "dma", *argv)


class CommandTest(fake_repo.CommandCase):
    """`axl bench dma` end to end, with the boot faked."""

    BOOT_MODULE = bd

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
        path = self.root / "out" / "d.json"
        status, out, err, fake = self.axl(
            "bench", "dma", "--runs", "1", "--rounds", "50", "--transfers",
            "3", "--json", str(path),
            outputs=both(1, rounds=50, transfers=3))
        self.assertEqual(status, 0, err)
        self.assertEqual(self.built, [["kernel"] + [
            f"build/user/{p}.elf" for p in ("supervisor", "name", "uart16550",
                                             "console", "edu", "edubench")]])
        self.assertEqual(self.checked, ["tcg"])
        self.assertEqual(len(fake.calls), 2)
        doc = json.loads(path.read_text())
        self.assertEqual((doc["benchmark"], doc["meta"]["rounds"],
                          [r["config"] for r in doc["results"]]),
                         ("dma", 50, ["on", "off"]))
        self.assertIn("map+unmap (remapping on): median 1407", out)
        self.assertIn("results written to", err)

    def test_failed_run_exits_1(self):
        status, out, err, _ = self.axl(
            "bench", "dma", "--runs", "1", "--no-build",
            outputs=[("pass", guest("on", end=False)[:3], "")])
        self.assertEqual(status, 1)
        self.assertEqual((self.built, out), ([], ""))
        self.assertIn("error: tcg run 1/1, remapping on: no copy-in figures "
                      "for 64 bytes", err)

    def test_setup_errors_exit_2(self):
        (self.root / "build/user/edu.elf").unlink()
        status, _, err, fake = self.axl("bench", "dma", "--no-build")
        self.assertEqual(status, 2)
        self.assertIn("edu.elf not found", err)
        self.assertEqual(fake.calls, [])


if __name__ == "__main__":
    unittest.main()
