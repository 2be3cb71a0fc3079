"""test_ps.py: tools/axl ps and tools/axlpy/ps.py, the process report read
back from the ps-json lines of a serial log.  Pure Python, no QEMU."""

import contextlib
import io
import json
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import ps  # noqa: E402

from tests.tools.test_axl import load_cli  # noqa: E402

BEGIN = ('[supervisor] ps-json {"kind":"begin","seq":%d,"tsc":123456789,'
         '"tsc_hz":1000000000,"free":123731968}')
END = '[supervisor] ps-json {"kind":"end","seq":%d}'
DOMAIN = ('[supervisor] ps-json {"kind":"domain","name":"bomb",'
          '"memory":2097152,"used":1835008,"free":262144,"procs":7,'
          '"max_procs":8,"threads":7,"restarts":0,"spawned":6,'
          '"refused_nomem":0,"refused_limit":41,"killed":0}')
PROC = ('[supervisor] ps-json {"kind":"proc","pid":17,"name":"forkbomb",'
        '"domain":"bomb","parent":6,"state":"running","priority":50,'
        '"caps":21,"mem":180224,"quota":65536,"generation":1,"restarts":0}')
PROC2 = ('[supervisor] ps-json {"kind":"proc","pid":3,"name":"console",'
         '"domain":"system","parent":0,"state":"blocked","priority":200,'
         '"caps":9,"mem":81920,"quota":65536,"generation":2,"restarts":1}')

LOG = [
    "[    0.001118] INFO  boot: Axolotl",
    "[supervisor]  pid name state",          # the text report: not JSON
    BEGIN % 1, DOMAIN, PROC, END % 1,
    "[hello] Hello",
    BEGIN % 2, DOMAIN, PROC, PROC2, END % 2,
]


class ParseTest(unittest.TestCase):
    def test_groups_reports(self):
        parsed = ps.parse(LOG)
        self.assertEqual((parsed.errors, parsed.warnings), ([], []))
        self.assertEqual([r.seq for r in parsed.reports], [1, 2])
        last = parsed.reports[-1]
        self.assertEqual(last.line, 8)
        self.assertEqual(last.begin, {"seq": 2, "tsc": 123456789,
                                      "tsc_hz": 1000000000,
                                      "free": 123731968})
        self.assertEqual([p["pid"] for p in last.procs], [17, 3])
        self.assertEqual(last.domains[0]["refused_limit"], 41)
        self.assertNotIn("kind", last.domains[0])
        self.assertEqual(len(parsed.reports[0].procs), 1)

    def test_marker_anywhere_and_kernel_prefix(self):
        lines = ['[    0.5] INFO  sup: x ps-json {"kind":"begin","seq":7}',
                 'ps-json {"kind":"end","seq":7}   ']
        parsed = ps.parse(lines)
        self.assertEqual([r.seq for r in parsed.reports], [7])
        self.assertEqual(parsed.errors, [])

    def test_unknown_kinds_and_fields_are_kept(self):
        lines = [BEGIN % 1,
                 'ps-json {"kind":"proc","pid":1,"colour":"red"}',
                 'ps-json {"kind":"irq","vector":33}',
                 'ps-json {"kind":"end","seq":1,"extra":true}']
        parsed = ps.parse(lines)
        report = parsed.reports[0]
        self.assertEqual(report.procs, [{"pid": 1, "colour": "red"}])
        self.assertEqual(report.other, [{"kind": "irq", "vector": 33}])
        doc = report.to_json()
        self.assertEqual(doc["other"], [{"kind": "irq", "vector": 33}])
        self.assertNotIn("other", ps.parse(LOG).reports[0].to_json())

    def test_incomplete_report_is_skipped_with_a_warning(self):
        parsed = ps.parse(LOG + [BEGIN % 3, PROC])   # the log was cut
        self.assertEqual([r.seq for r in parsed.reports], [1, 2])
        self.assertEqual(parsed.errors, [])
        self.assertEqual(len(parsed.warnings), 1)
        number, message = parsed.warnings[0]
        self.assertEqual(number, len(LOG) + 1)
        self.assertIn("report seq 3", message)
        self.assertIn("has no end", message)

    def test_begin_before_end_and_mismatched_end(self):
        parsed = ps.parse([BEGIN % 1, PROC, BEGIN % 2, PROC, END % 2,
                           BEGIN % 3, END % 4, END % 5, PROC])
        self.assertEqual([r.seq for r in parsed.reports], [2])
        self.assertEqual(len(parsed.reports[0].procs), 1)
        messages = [m for _, m in parsed.warnings]
        self.assertEqual(len(messages), 4)
        self.assertIn("has no end before the begin at line 3", messages[0])
        self.assertIn("ends with seq 4 at line 7", messages[1])
        self.assertIn("end of report seq 5 without its begin", messages[2])
        self.assertIn("'proc' line outside a report", messages[3])

    def test_bad_lines_are_errors_with_their_number(self):
        lines = [BEGIN % 1, PROC,
                 '[supervisor] ps-json {"kind":"proc", bad',
                 'ps-json [1, 2]',
                 'ps-json {"pid": 3}',
                 'ps-json {"kind":"end"}',
                 END % 1]
        parsed = ps.parse(lines)
        self.assertEqual([n for n, _ in parsed.errors], [3, 4, 5, 6])
        self.assertIn("bad JSON after 'ps-json'", parsed.errors[0][1])
        self.assertIn("column 38", parsed.errors[0][1])
        self.assertIn('string "kind"', parsed.errors[1][1])
        self.assertIn("integer \"seq\"", parsed.errors[3][1])
        # the rest still parsed: the report is complete
        self.assertEqual([r.seq for r in parsed.reports], [1])
        self.assertEqual(len(parsed.reports[0].procs), 1)

    def test_no_marker_no_report(self):
        parsed = ps.parse(["hello", "ps-json", "ps-jsonx {}"])
        self.assertEqual((parsed.reports, parsed.errors, parsed.warnings),
                         ([], [], []))


class FormatTest(unittest.TestCase):
    def test_tables(self):
        lines = ps.format_report(ps.parse(LOG).reports[-1])
        self.assertEqual(lines[0], "report seq 2, at 0.123 s, "
                                   "120832 KiB free")
        self.assertEqual(lines[1].split(),
                         ["domain", "memory", "KiB", "used", "KiB", "free",
                          "KiB", "procs/max", "threads", "restarts",
                          "spawned", "refused", "nomem/limit", "killed"])
        self.assertEqual(lines[2].split(),
                         ["bomb", "2048", "1792", "256", "7/8", "7", "0",
                          "6", "0/41", "0"])
        self.assertEqual(lines[3], "")
        self.assertEqual(lines[4].split(),
                         ["pid", "name", "domain", "parent", "state", "prio",
                          "caps", "mem", "KiB", "quota", "KiB", "gen",
                          "restarts"])
        self.assertEqual(lines[5].split(),
                         ["17", "forkbomb", "bomb", "6", "running", "50",
                          "21", "176", "64", "1", "0"])
        self.assertEqual(lines[6].split(),
                         ["3", "console", "system", "0", "blocked", "200",
                          "9", "80", "64", "2", "1"])
        # aligned: numbers right, names left, every row as wide as needed
        self.assertEqual(lines[5].index("forkbomb"), lines[6].index("console"))
        self.assertEqual(lines[4].index("pid") + 3, lines[5].index("17") + 2)
        self.assertEqual(len(lines), 7)

    def test_missing_fields_and_odd_sizes(self):
        report = ps.parse(['ps-json {"kind":"begin","seq":1}',
                           'ps-json {"kind":"proc","pid":2,"mem":1536}',
                           'ps-json {"kind":"end","seq":1}']).reports[0]
        lines = ps.format_report(report)
        self.assertEqual(lines[0], "report seq 1")
        self.assertEqual(lines[1], "no domains")
        self.assertEqual(lines[4].split(),
                         ["2", "-", "-", "-", "-", "-", "-", "1.5", "-", "-",
                          "-"])

    def test_document(self):
        doc = ps.document("x.log", ps.parse(LOG).reports[-1:])
        self.assertEqual(doc["source"], "x.log")
        self.assertEqual(len(doc["reports"]), 1)
        self.assertEqual(set(doc["reports"][0]),
                         {"seq", "tsc", "tsc_hz", "free", "domains", "procs"})
        json.dumps(doc)


class CommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def log(self, lines, name="s.serial.log"):
        path = self.dir / name
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    def axl(self, *argv):
        """(exit status, stdout, stderr) of tools/axl ARGV."""
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                status = self.cli.main(list(argv))
            except SystemExit as e:
                status = e.code
        return status, out.getvalue(), err.getvalue()

    def test_last_report_by_default(self):
        status, out, err = self.axl("ps", self.log(LOG))
        self.assertEqual((status, err), (0, ""))
        self.assertTrue(out.startswith("report seq 2, "))
        self.assertNotIn("report seq 1", out)
        self.assertIn("console", out)

    def test_all_reports(self):
        status, out, _ = self.axl("ps", self.log(LOG), "--all")
        self.assertEqual(status, 0)
        self.assertEqual([line for line in out.splitlines()
                          if line.startswith("report seq")],
                         ["report seq 1, at 0.123 s, 120832 KiB free",
                          "report seq 2, at 0.123 s, 120832 KiB free"])

    def test_json_file(self):
        log = self.log(LOG)
        target = self.dir / "ps.json"
        status, out, err = self.axl("ps", log, "--json", str(target))
        self.assertEqual(status, 0)
        self.assertIn("report seq 2", out)
        self.assertIn("written to", err)
        doc = json.loads(target.read_text())
        self.assertEqual([r["seq"] for r in doc["reports"]], [2])
        self.assertTrue(doc["source"].endswith("s.serial.log"))
        self.assertEqual(doc["reports"][0]["procs"][0]["name"], "forkbomb")
        self.assertEqual(doc["reports"][0]["free"], 123731968)
        status, _, _ = self.axl("ps", log, "--all", "--json", str(target))
        self.assertEqual([r["seq"] for r in
                          json.loads(target.read_text())["reports"]], [1, 2])

    def test_json_to_stdout_replaces_the_tables(self):
        status, out, _ = self.axl("ps", self.log(LOG), "--json", "-")
        self.assertEqual(status, 0)
        self.assertEqual([r["seq"] for r in json.loads(out)["reports"]], [2])

    def test_bad_line_exit_1_but_prints(self):
        log = self.log(LOG[:-1] + ['[supervisor] ps-json {"kind":', END % 2,
                                   BEGIN % 3])
        status, out, err = self.axl("ps", log)
        self.assertEqual(status, 1)
        self.assertIn("report seq 2", out)
        self.assertRegex(err, r"axl: ps: error: .*s\.serial\.log:12: bad "
                              r"JSON after 'ps-json'")
        self.assertRegex(err, r"axl: ps: warning: .*s\.serial\.log:14: "
                              r"report seq 3 .*has no end")

    def test_incomplete_only_warns(self):
        status, out, err = self.axl("ps", self.log(LOG + [BEGIN % 3]))
        self.assertEqual(status, 0)
        self.assertIn("report seq 2", out)
        self.assertIn("warning:", err)

    def test_no_report_exit_1(self):
        status, out, err = self.axl("ps", self.log(["boot", BEGIN % 1]))
        self.assertEqual((status, out), (1, ""))
        self.assertIn("axl: ps: error: no complete process report in", err)

    def test_scenario_log(self):
        logdir = self.dir / "test-logs"
        logdir.mkdir()
        (logdir / "demo.serial.log").write_text("\n".join(LOG) + "\n")
        old = self.cli.DEFAULT_LOGDIR
        self.cli.DEFAULT_LOGDIR = logdir
        try:
            status, out, _ = self.axl("ps", "--scenario", "demo")
            self.assertEqual(status, 0)
            self.assertIn("forkbomb", out)
            status, _, err = self.axl("ps", "--scenario", "other")
            self.assertEqual(status, 2)
            self.assertIn("--scenario other: no log", err)
        finally:
            self.cli.DEFAULT_LOGDIR = old

    def test_bad_arguments(self):
        log = self.log(LOG)
        for argv, message in ((["ps"], "give a serial log LOG or --scenario"),
                              (["ps", log, "--scenario", "x"],
                               "one of them"),
                              (["ps", "--scenario", "../etc"],
                               "not a scenario name"),
                              (["ps", log, "--json"], "expected one argument"),
                              (["ps", log, "--bogus"], "unrecognized")):
            with self.subTest(argv):
                status, _, err = self.axl(*argv)
                self.assertEqual(status, 2)
                self.assertIn(message, err)
        status, _, err = self.axl("ps", str(self.dir / "missing.log"))
        self.assertEqual(status, 2)
        self.assertIn("cannot read", err)
        status, out, _ = self.axl("ps", "--help")
        self.assertEqual(status, 0)
        self.assertIn("ps-json", out)


if __name__ == "__main__":
    unittest.main()
