"""test_campaign.py: tests of `axl campaign` (tools/axlpy/campaign.py).

No QEMU: the classifier on synthetic serial logs, the fault-kind table, the
per-run derivation and sharding, the template and run directories, the JSON
document and merging, and the command end to end with the boot replaced by
a fake that answers from the run's manifest.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import argparse
import io
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from tests.tools import fake_repo  # noqa: E402
from axlpy import AxlError, abi, campaign, qemu, runner  # noqa: E402



def sup(text):
    return f"[supervisor] {text}"


def result(requests=200, unknown=0, failed=0, lost=0, client="storeclient"):
    ok = requests - unknown - failed - lost
    return (f"[{client}] result: requests {requests} ok {ok} retried 2 "
            f"unknown {unknown} failed {failed} lost {lost}")


INJECT = sup("inject: 'store' null-read after 3 seed 12345")
FAULTED = sup("component 'store' (pid 5) faulted: page fault at 0x0 "
              "(read, not present)")
RESTARTED = sup("restarted 'store' generation 2: detect 12 us, teardown "
                "80 us, create 300 us")


def serving(downtime, generation=2):
    return sup(f"'store' generation {generation} serving: init 150 us, "
               f"first request after 40 us, downtime {downtime} us")


BOOT = ["[    0.001] INFO  boot: Axolotl", "[supervisor] store.manifest: 3 "
        "components, 3 to start"]
RECOVERY = [INJECT, FAULTED, RESTARTED, serving(582)]


class ClassifyTest(unittest.TestCase):
    def check(self, exit_name, lines, outcome):
        self.assertEqual(campaign.classify(exit_name, lines), outcome)

    def test_recovered(self):
        lines = BOOT + RECOVERY + [result()]
        self.check("pass", lines, "recovered")
        facts = campaign.analyse("pass", lines)
        self.assertEqual(facts.restarts, 1)
        self.assertEqual(facts.downtime_us, [582])
        self.assertEqual(facts.detected, ["faulted"])
        self.assertEqual(facts.injects, [("store", "null-read", 3, 12345)])
        self.assertEqual(facts.result["requests"], 200)
        self.assertFalse(facts.gave_up)

    def test_recovered_without_any_restart(self):
        # a fault that never fires (after beyond the requests) recovers
        self.check("pass", BOOT + [INJECT, result()], "recovered")

    def test_failed_cleanly(self):
        self.check("fail", BOOT + RECOVERY + [result(failed=3)],
                   "failed_cleanly")
        self.check("pass", BOOT + RECOVERY + [result(unknown=1)],
                   "failed_cleanly")
        gave_up = [INJECT, FAULTED, RESTARTED,
                   sup("giving up on 'store': 5 failures in 1000 ms"),
                   result()]
        self.check("pass", gave_up, "failed_cleanly")
        self.assertTrue(campaign.analyse("pass", gave_up).gave_up)

    def test_data_lost_wins_over_other_trouble(self):
        self.check("pass", RECOVERY + [result(lost=1)], "data_lost")
        self.check("fail", RECOVERY + [
            sup("giving up on 'store': 5 failures in 1000 ms"),
            result(failed=4, unknown=2, lost=7)], "data_lost")

    def test_hung(self):
        self.check("timeout", BOOT + [INJECT, FAULTED], "hung")
        # the timeout wins even over a result line that lost data
        self.check("timeout", BOOT + [result(lost=3)], "hung")
        # the VM ended, but the client never printed its result
        self.check("pass", BOOT + RECOVERY, "hung")
        self.check("fail", BOOT, "hung")
        self.check("unknown-guest-code-0x33", BOOT, "hung")
        self.check("pass", [], "hung")

    def test_kernel_panic(self):
        panic = ["KERNEL PANIC P01 TRAP: exception 14 (#PF page fault) in "
                 "kernel mode at memcpy+0x12", "end of panic report; system "
                 "halted"]
        for exit_name in ("panic", "nested_panic", "pvpanic"):
            with self.subTest(exit_name):
                self.check(exit_name, BOOT + [INJECT] + panic,
                           "kernel_panic")
        # a panic report is a kernel panic however the run ended
        self.check("timeout", BOOT + panic, "kernel_panic")
        self.check("qemu-exit-0 (triple fault/poweroff)",
                   BOOT + ["NESTED PANIC: page fault (vector 14, rip 0x1) "
                           "while panicking; halted"], "kernel_panic")
        # ... but a process printing the words is not
        self.check("pass", BOOT + ["[store] KERNEL PANIC test string",
                                   result()], "recovered")

    def test_vm_died(self):
        for exit_name in ("qemu-abort", "qemu-error", "qemu-exit-2",
                          "qemu-killed-by-signal-9",
                          "qemu-exit-0 (triple fault/poweroff)"):
            with self.subTest(exit_name):
                self.check(exit_name, BOOT + RECOVERY + [result(lost=2)],
                           "vm_died")

    def test_the_runner_names_are_what_the_classifier_expects(self):
        codes = abi.ExitCodes.for_root(ROOT)
        self.assertEqual(codes.describe(134), "qemu-abort")
        self.assertTrue(codes.describe(-9).startswith("qemu-"))
        self.assertTrue(codes.describe(0).startswith("qemu-"))
        for name in ("panic", "nested_panic"):
            self.assertIn(name, codes.names)
            status = (codes.by_name[name].value << 1) | 1
            self.assertEqual(campaign.classify(codes.describe(status), []),
                             "kernel_panic")
        self.assertEqual(abi.TIMEOUT, "timeout")

    def test_the_last_result_line_counts(self):
        self.check("pass", [result(lost=1), result()], "recovered")

    def test_malformed_result_lines_are_not_results(self):
        for line in ("[storeclient] result: requests 200 ok 200",
                     "[storeclient] result: requests 2 ok x lost 0",
                     "storeclient result: requests 200 unknown 0 failed 0 "
                     "lost 0",
                     "[storeclient] result: lost 0 lost 0 failed 0 unknown "
                     "0"):
            with self.subTest(line):
                self.assertIsNone(campaign.parse_result(line))
                self.check("pass", [line], "hung")
        self.assertEqual(campaign.parse_result(result(client="netclient")),
                         {"requests": 200, "ok": 200, "retried": 2,
                          "unknown": 0, "failed": 0, "lost": 0})

    def test_a_result_line_glued_to_garbage_still_counts(self):
        # A mutated component's output without a newline ends where the client's line begins.
        line = "store: instance ??????" + result()
        self.assertEqual(campaign.parse_result(line), campaign.parse_result(result()))
        self.check("pass", [line], "recovered")

    def test_inject_lines(self):
        plan = campaign.Plan(0, "null-read", 3, 12345)
        lines = [INJECT,
                 sup("inject: 'store' swifi-drop seed 77: nop at 0x401234 "
                     "(5 bytes: call)"),
                 sup("inject: 'store' exit: not supported"),
                 sup("component 'store': inject: no fault kind 'bogus'")]
        facts = campaign.analyse("pass", lines)
        self.assertEqual(facts.injects, [("store", "null-read", 3, 12345),
                                         ("store", "swifi-drop", None, 77)])
        self.assertTrue(campaign.is_armed(facts, "store", plan))
        self.assertFalse(campaign.is_armed(facts, "other", plan))
        self.assertFalse(campaign.is_armed(
            facts, "store", campaign.Plan(0, "null-read", 4, 12345)))
        self.assertFalse(campaign.is_armed(
            facts, "store", campaign.Plan(0, "null-read", 3, 1)))
        # the supervisor's own kinds print no `after`: any after matches
        self.assertTrue(campaign.is_armed(
            facts, "store", campaign.Plan(0, "swifi-drop", 9, 77)))

    def test_downtimes_and_restarts(self):
        lines = [INJECT, FAULTED, RESTARTED, serving(500),
                 sup("component 'store' (pid 9) hung: no answer in 500 ms"),
                 RESTARTED.replace("generation 2", "generation 3"),
                 serving(700, 3),
                 sup("'store' generation 4 serving: init 150 us"),  # no figure
                 sup("component 'store' (pid 11) exited with status 3"),
                 sup("component 'store' (pid 12) complained about: bad "
                     "request"),
                 result()]
        facts = campaign.analyse("pass", lines)
        self.assertEqual(facts.restarts, 2)
        self.assertEqual(facts.downtime_us, [500, 700])
        self.assertNotIn(None, facts.downtime_us)
        self.assertEqual(facts.detected,
                         ["faulted", "hung", "exited", "complained"])


# ------------------------------------------------------------ fault kinds

SMALL_HEADER = textwrap.dedent("""\
    /* X(number, NAME, "name", where, "what") */
    #define AXL_INJECT_KINDS(X)                                   \\
        X(1, NULL_READ, "null-read", process, "reads, null")      \\
        X(2, EXIT, "exit", process,                               \\
          "calls exit(3), in the middle")                         \\
        X(3, SWIFI_DROP, "swifi-drop", supervisor, "NOPs")

    #define AXL_X(number, name, text, where, what) AXL_INJECT_##name,
    """)


class KindsTest(unittest.TestCase):
    def test_all_leaves_out_device_kinds(self):
        kinds = campaign.load_kinds(ROOT)
        chosen = campaign.select_kinds(kinds, "all")
        self.assertIn("null-read", chosen)
        self.assertNotIn("dma-attack-kernel", chosen)
        self.assertEqual(campaign.select_kinds(kinds, "dma-attack-kernel"), ["dma-attack-kernel"])

    def test_real_header(self):
        kinds = campaign.load_kinds(ROOT)
        names = [k.name for k in kinds]
        self.assertIn("null-read", names)
        self.assertIn("exit", names)
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(len({k.number for k in kinds}), len(kinds))
        for k in kinds:
            self.assertIn(k.where, ("process", "supervisor", "device"))
            self.assertRegex(k.name, r"^[a-z0-9-]+$")
            self.assertTrue(k.what)
        # as many kinds as rows in the table, continuation lines included
        text = (ROOT / campaign.INJECT_HEADER).read_text()
        table = text[text.index("#define AXL_INJECT_KINDS"):]
        table = table[:table.index("\n\n")]
        self.assertEqual(len(kinds), table.count("X("))

    def test_rows_spanning_lines(self):
        kinds = campaign.kinds_from_text(SMALL_HEADER)
        self.assertEqual(kinds, [
            campaign.FaultKind(1, "null-read", "process", "reads, null"),
            campaign.FaultKind(2, "exit", "process",
                               "calls exit(3), in the middle"),
            campaign.FaultKind(3, "swifi-drop", "supervisor", "NOPs")])

    def test_bad_headers(self):
        row = '#define AXL_INJECT_KINDS(X) X(1, A, "a", process, "x")'
        cases = {
            "no table": ("#define OTHER(X) X(1, A, \"a\", process, \"x\")\n",
                         r"no '#define AXL_INJECT_KINDS\(X\)' table"),
            "no rows": ("#define AXL_INJECT_KINDS(X) /* none */\n",
                        r"has no X\(\.\.\.\) rows"),
            "where": (row.replace("process", "kernel") + "\n",
                      "where is 'kernel'"),
            "name": (row.replace('"a"', "a") + "\n", "string literal"),
            "fields": ('#define AXL_INJECT_KINDS(X) X(1, A, "a")\n',
                       "has 3 fields"),
            "same name": (row + ' \\\n X(2, B, "a", process, "y")\n',
                          "used twice"),
            "same number": (row + ' \\\n X(1, B, "b", process, "y")\n',
                            "has the value of A"),
        }
        for what, (text, message) in cases.items():
            with self.subTest(what), \
                    self.assertRaisesRegex(campaign.CampaignError, message):
                campaign.kinds_from_text(text, "inject.h")

    def test_select(self):
        kinds = campaign.kinds_from_text(SMALL_HEADER)
        self.assertEqual(campaign.select_kinds(kinds, "all"),
                         ["null-read", "exit", "swifi-drop"])
        self.assertEqual(campaign.select_kinds(kinds, "swifi-drop, null-read"),
                         ["swifi-drop", "null-read"])
        with self.assertRaisesRegex(
                AxlError, r"unknown fault kind 'nul-read' \(known: "
                          r"null-read, exit, swifi-drop\)"):
            campaign.select_kinds(kinds, "exit,nul-read")
        for spec, message in (("", "give 'all'"), ("exit,", "give 'all'"),
                              ("exit,exit", "listed twice"),
                              ("all,exit", "cannot be combined")):
            with self.subTest(spec), self.assertRaisesRegex(AxlError,
                                                            message):
                campaign.select_kinds(kinds, spec)


# -------------------------------------------------------------- derivation

KINDS = ["null-read", "exit", "infinite-loop", "wild-write-kernel"]


class DeriveTest(unittest.TestCase):
    def test_deterministic(self):
        for index in (0, 1, 17, 999):
            self.assertEqual(campaign.derive(7, index, KINDS),
                             campaign.derive(7, index, KINDS))
        self.assertNotEqual(campaign.derive(7, 5, KINDS),
                            campaign.derive(8, 5, KINDS))

    def test_pinned(self):
        # Shards of one campaign may be run by different checkouts: the
        # derivation must never change silently.
        self.assertEqual(campaign.derive(1, 0, ["a", "b"]),
                         campaign.Plan(0, "a", 13, 1155604234))
        self.assertEqual(campaign.derive(42, 7, ["a", "b", "c"]),
                         campaign.Plan(7, "b", 15, 3345825238))

    def test_ranges_and_cycling(self):
        plans = campaign.plan_runs(3, 5 * len(KINDS), KINDS)
        self.assertEqual([p.index for p in plans], list(range(20)))
        self.assertEqual([p.kind for p in plans], KINDS * 5)
        for p in plans:
            self.assertTrue(0 <= p.after <= campaign.AFTER_MAX)
            self.assertTrue(1 <= p.seed < 2 ** 32)
        many = campaign.plan_runs(3, 400, KINDS)
        self.assertEqual({p.after for p in many},
                         set(range(campaign.AFTER_MAX + 1)))

    def test_shards_are_disjoint_and_complete(self):
        full = campaign.plan_runs(11, 37, KINDS)
        for n in (1, 2, 3, 5, 8, 40):
            with self.subTest(n=n):
                shards = [campaign.plan_runs(11, 37, KINDS, shard=(i, n))
                          for i in range(1, n + 1)]
                indices = [p.index for s in shards for p in s]
                self.assertEqual(len(indices), len(set(indices)))
                merged = sorted((p for s in shards for p in s),
                                key=lambda p: p.index)
                self.assertEqual(merged, full)
                for i, s in enumerate(shards, 1):
                    self.assertTrue(all(p.index % n == i - 1 for p in s))

    def test_parse_shard(self):
        self.assertEqual(campaign.parse_shard("2/8"), (2, 8))
        self.assertEqual(campaign.parse_shard("1/1"), (1, 1))
        self.assertEqual(campaign.parse_shard(" 3 / 4 "), (3, 4))
        for text in ("0/3", "4/3", "1/0", "3", "a/b", "", "-1/2", "1/2/3",
                     "1.5/2", "1/2x"):
            with self.subTest(text), \
                    self.assertRaisesRegex(campaign.CampaignError,
                                           r"--shard .*(I/N|1\.\.N)"):
                campaign.parse_shard(text)
        with self.assertRaises(argparse.ArgumentTypeError):
            campaign.shard_arg("0/2")

    def test_only(self):
        self.assertEqual(campaign.parse_only("4,1"), [4, 1])
        plans = campaign.plan_runs(5, 10, KINDS, only=[9, 2])
        self.assertEqual(plans, [campaign.derive(5, 2, KINDS),
                                 campaign.derive(5, 9, KINDS)])
        for text in ("", "a", "1,,2", "-1", "2,2"):
            with self.subTest(text), self.assertRaises(campaign.CampaignError):
                campaign.parse_only(text)
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "index 10 is not a run"):
            campaign.plan_runs(5, 10, KINDS, only=[10])
        with self.assertRaisesRegex(campaign.CampaignError, "cannot be "
                                                            "combined"):
            campaign.plan_runs(5, 10, KINDS, shard=(1, 2), only=[1])

    def test_campaign_id(self):
        a = campaign.campaign_id("store", 7, KINDS)
        self.assertEqual(a, campaign.campaign_id("store", 7, list(KINDS)))
        self.assertTrue(a.startswith("store-seed7-"))
        self.assertNotEqual(a, campaign.campaign_id("store", 7, KINDS[::-1]))
        self.assertNotEqual(a, campaign.campaign_id("store", 8, KINDS))

    def test_reproduce_command(self):
        doc = campaign.document(meta(kinds=["exit", "null-read"]), [])
        self.assertEqual(campaign.reproduce_command(doc, [3, 5]),
                         "tools/axl campaign --driver store --faults "
                         "exit,null-read --runs 8 --seed 7 --only 3,5")
        self.assertIn("--faults all ", campaign.reproduce_command(
            doc, [1], all_kinds=["exit", "null-read"]))
        self.assertIn("--faults exit,null-read ", campaign.reproduce_command(
            doc, [1], all_kinds=["null-read", "exit"]))

    def test_inject_line(self):
        self.assertEqual(campaign.Plan(3, "null-read", 4, 99).inject_line(),
                         "inject = null-read after 4 seed 99")


# ---------------------------------------------------------------- template

SCENARIO_TOML = """\
description = "fault campaign for the store driver"
modules = [
    { program = "supervisor" },
    { file = "store.manifest" },
    { program = "store" },
    { program = "storeclient" },
]

[expect]
exit = "pass"
"""

MANIFEST = """\
[component store]             # the driver under test
module = store
priority = 200
    # @INJECT@
restart = yes

[component storeclient]
module = storeclient
shutdown-on-exit = yes
"""

INJECT_H = textwrap.dedent("""\
    #define AXL_INJECT_KINDS(X)                                           \\
        X(1, NULL_READ, "null-read", process, "reads through null")       \\
        X(4, WILD_WRITE_KERNEL, "wild-write-kernel", process, "kernel")   \\
        X(9, INFINITE_LOOP, "infinite-loop", process, "spins")            \\
        X(3, WILD_WRITE_OWN, "wild-write-own", process, "own data")       \\
        X(15, EXIT, "exit", process, "calls exit(3)")                     \\
        X(16, SWIFI_BITFLIP, "swifi-bitflip", supervisor, "a bit flips")
    """)


def FakeRepo():
    """A repository root with the store template and fake build outputs (fake_repo.py)."""
    return fake_repo.FakeRepo(INJECT_H, SCENARIO_TOML, MANIFEST)


class TemplateTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)

    def tearDown(self):
        self.repo.cleanup()

    def test_load(self):
        t = campaign.load_template(self.root, "store", self.codes)
        self.assertEqual((t.manifest, t.marker_line, t.component),
                         ("store.manifest", 4, "store"))
        self.assertEqual(t.programs, ["supervisor", "store", "storeclient"])
        self.assertEqual(campaign.build_targets(t),
                         ["kernel", "build/user/supervisor.elf",
                          "build/user/store.elf", "build/user/storeclient.elf"])
        self.assertEqual(campaign.available_drivers(self.root), ["store"])

    def test_unknown_driver(self):
        self.repo.write(campaign.CAMPAIGN_DIR / "net" / "scenario.toml",
                        SCENARIO_TOML)
        (self.root / campaign.CAMPAIGN_DIR / "shared").mkdir()
        with self.assertRaisesRegex(
                campaign.CampaignError,
                r"unknown driver 'disk': no tests/campaign/disk/scenario.toml"
                r" \(available: net, store\)"):
            campaign.load_template(self.root, "disk", self.codes)
        shutil.rmtree(self.root / campaign.CAMPAIGN_DIR)
        with self.assertRaisesRegex(campaign.CampaignError,
                                    r"\(available: none\)"):
            campaign.load_template(self.root, "store", self.codes)

    def test_marker_problems(self):
        cases = {
            "none": (MANIFEST.replace("# @INJECT@", "# nothing"),
                     "no module file has a line '# @INJECT@'"),
            "twice": (MANIFEST + "# @INJECT@\n",
                      r"must appear once, found at store.manifest:4, "
                      r"store.manifest:10"),
            "outside": ("# @INJECT@\n" + MANIFEST.replace("    # @INJECT@\n",
                                                          ""),
                        r"store.manifest:1: '# @INJECT@' is not inside a "
                        r"\[component NAME\] section"),
            "device": ("[device com1]\n# @INJECT@\n" + MANIFEST.replace(
                "# @INJECT@", ""), "not inside a \\[component NAME\\]"),
        }
        for what, (text, message) in cases.items():
            with self.subTest(what):
                self.repo.write(self.repo.template / "store.manifest", text)
                with self.assertRaisesRegex(campaign.CampaignError, message):
                    campaign.load_template(self.root, "store", self.codes)

    def test_check_built(self):
        t = campaign.load_template(self.root, "store", self.codes)
        campaign.check_built(self.root, t, qemu.KERNEL)
        (self.root / "build/user/store.elf").unlink()
        with self.assertRaisesRegex(campaign.CampaignError,
                                    r"store\.elf not found \(not built\?"):
            campaign.check_built(self.root, t, qemu.KERNEL)

    def test_substitute_marker(self):
        plan = campaign.Plan(0, "exit", 2, 5)
        self.assertEqual(campaign.substitute_marker("a\r\n  # @INJECT@\r\nb",
                                                    plan),
                         "a\r\n  inject = exit after 2 seed 5\r\nb")
        with self.assertRaises(campaign.CampaignError):
            campaign.substitute_marker("a\n", plan)

    def test_prepare_run(self):
        t = campaign.load_template(self.root, "store", self.codes)
        camp = self.root / campaign.BUILD_DIR / "c"
        kernel = campaign.prepare_image(self.root, t, qemu.KERNEL, camp)
        self.assertEqual(Path(kernel).read_text(), "kernel")
        plan = campaign.Plan(3, "null-read", 4, 77)
        run_dir = camp / "run-3"
        s = campaign.prepare_run(self.root, t, plan, run_dir, camp / "image")
        manifest = (run_dir / "store.manifest").read_text()
        self.assertEqual(manifest, MANIFEST.replace(
            "# @INJECT@", "inject = null-read after 4 seed 77"))
        self.assertEqual((self.repo.template / "store.manifest").read_text(),
                         MANIFEST)      # the template is untouched
        self.assertEqual(Path(s.dir), run_dir)
        # Every module QEMU is given exists, as seen from the root (QEMU's
        # working directory), and is the run's own copy.
        args = qemu.argv(s, kernel=kernel)
        items = args[args.index("-initrd") + 1].split(",")
        self.assertEqual(len(items), 4)
        for item in items:
            path = self.root / item
            self.assertTrue(path.is_file(), item)
            self.assertEqual(path.resolve().parent.parent, camp.resolve())
        self.assertEqual((self.root / items[1]).read_text(), manifest)
        self.assertEqual((self.root / items[2]).read_text(), "ELF store")
        # a later rebuild does not change what the campaign boots
        self.repo.write("build/user/store.elf", "ELF store v2")
        self.assertEqual((self.root / items[2]).read_text(), "ELF store")
        # preparing the same run again starts from a clean directory
        (run_dir / "serial.log").write_text("old")
        campaign.prepare_run(self.root, t, plan, run_dir, camp / "image")
        self.assertFalse((run_dir / "serial.log").exists())


# ----------------------------------------------------------- the documents

def record(index, outcome="recovered", downtime=(), kinds=KINDS, seed=7,
           **extra):
    plan = campaign.derive(seed, index, kinds)
    r = {"index": index, "kind": plan.kind, "after": plan.after,
         "seed": plan.seed, "outcome": outcome, "restarts": len(downtime),
         "downtime_us": list(downtime), "seconds": 1.5}
    r.update(extra)
    return r


def meta(shard=None, seed=7, runs=8, driver="store", kinds=KINDS):
    return {"driver": driver, "seed": seed, "runs_requested": runs,
            "shard": shard, "accel": "tcg", "faults": list(kinds)}


OUTCOME_OF = ["recovered", "failed_cleanly", "hung", "recovered",
              "data_lost", "recovered", "vm_died", "kernel_panic"]


def records(indices, seed=7):
    return [record(i, OUTCOME_OF[i], downtime=[100 * (i + 1)] * (i % 3),
                   seed=seed) for i in indices]


class DocumentTest(unittest.TestCase):
    def test_structure(self):
        doc = campaign.document(meta(), list(reversed(records(range(8)))))
        for key in ("driver", "seed", "runs_requested", "shard", "accel",
                    "faults", "outcomes", "runs", "downtime_us"):
            self.assertIn(key, doc)
        self.assertEqual(list(doc["outcomes"]), list(campaign.OUTCOMES))
        self.assertEqual(doc["outcomes"], {
            "recovered": 3, "failed_cleanly": 1, "hung": 1,
            "kernel_panic": 1, "vm_died": 1, "data_lost": 1})
        self.assertEqual([r["index"] for r in doc["runs"]], list(range(8)))
        for r in doc["runs"]:
            for key in ("index", "kind", "after", "seed", "outcome",
                        "restarts", "downtime_us", "seconds"):
                self.assertIn(key, r)
        # downtimes: 200 (i=1), 300 x2 (i=2), 500 (4), 600 x2 (5), 800 (7)
        self.assertEqual(doc["downtime_us"],
                         {"median": 500, "p99": 800, "count": 7})
        json.dumps(doc)   # serialisable as it is

    def test_statistics(self):
        self.assertIsNone(campaign.median([]))
        self.assertEqual(campaign.median([3, 1, 2]), 2)
        self.assertEqual(campaign.median([1, 2, 3, 4]), 2.5)
        self.assertEqual(campaign.median([2, 4]), 3)
        self.assertIsNone(campaign.percentile([], 99))
        self.assertEqual(campaign.percentile([5], 99), 5)
        values = list(range(1, 201))
        self.assertEqual(campaign.percentile(values, 99), 198)
        self.assertEqual(campaign.percentile(values, 50), 100)
        empty = campaign.document(meta(), [record(0)])
        self.assertEqual(empty["downtime_us"],
                         {"median": None, "p99": None, "count": 0})

    def test_table(self):
        doc = campaign.document(meta(), records(range(8)))
        table = campaign.format_table(doc)
        lines = table.splitlines()
        self.assertEqual(lines[0].split(), ["outcome", "runs", "share"])
        self.assertEqual(lines[1].split(), ["recovered", "3", "37.5%"])
        header = next(ln for ln in lines if ln.startswith("fault"))
        self.assertEqual(header.split()[:8], ["fault", "runs", *campaign.OUTCOMES])
        row = next(ln for ln in lines if ln.startswith("null-read"))
        # null-read is run 0 (recovered, no downtime) and 4 (data_lost, 500)
        self.assertEqual(row.split(), ["null-read", "2", "1", "0", "0", "0",
                                       "0", "1", "500"])
        row = next(ln for ln in lines if ln.startswith("all "))
        self.assertEqual(row.split()[1:3], ["8", "3"])
        self.assertIn("downtime: median 500 us, p99 800 us, over 7 restarts",
                      table)

    def test_verdict(self):
        good = campaign.document(meta(), [record(0), record(1,
                                                            "failed_cleanly"),
                                          record(2, "vm_died")])
        self.assertEqual(campaign.verdict(good), [])
        bad = campaign.document(meta(), records(range(8)))
        self.assertEqual(campaign.verdict(bad), [
            "1 run ended kernel_panic: 7", "1 run ended hung: 2",
            "1 run ended data_lost: 4"])
        err = campaign.document(meta(), [record(0, "vm_died", error="boom")])
        self.assertEqual(campaign.verdict(err),
                         ["1 run had harness errors: 0"])

    def test_json_round_trip(self):
        doc = campaign.document(meta(), records(range(8)))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sub" / "c.json"
            campaign.write_json(path, doc)
            self.assertEqual(campaign.load_document(path), doc)
            path.write_text("{")
            with self.assertRaisesRegex(campaign.CampaignError, "not JSON"):
                campaign.load_document(path)
            path.write_text(json.dumps({"driver": "store"}))
            with self.assertRaisesRegex(campaign.CampaignError,
                                        "no 'seed'"):
                campaign.load_document(path)


class MergeTest(unittest.TestCase):
    def shard(self, i, n, **kw):
        return campaign.document(meta(shard=f"{i}/{n}", **kw),
                                 records(range(i - 1, 8, n)))

    def test_merge(self):
        full = campaign.document(meta(), records(range(8)))
        merged = campaign.merge([("a.json", self.shard(2, 3)),
                                 ("b.json", self.shard(1, 3)),
                                 ("c.json", self.shard(3, 3))])
        self.assertEqual(merged["runs"], full["runs"])
        self.assertEqual(merged["outcomes"], full["outcomes"])
        self.assertEqual(merged["downtime_us"], full["downtime_us"])
        self.assertIsNone(merged["shard"])
        self.assertEqual(merged["shards"], ["2/3", "1/3", "3/3"])
        self.assertEqual(merged["merged_from"], ["a.json", "b.json",
                                                 "c.json"])
        for key in ("driver", "seed", "runs_requested", "faults", "accel"):
            self.assertEqual(merged[key], full[key])
        self.assertEqual(campaign.warnings(merged), [])

    def test_partial_merge_warns(self):
        merged = campaign.merge([("a", self.shard(1, 2))])
        self.assertEqual(campaign.warnings(merged),
                         ["4 of 8 runs are missing: 1, 3, 5, 7"])

    def test_mismatched_campaigns(self):
        a = self.shard(1, 2)
        cases = {
            "seed": campaign.document(meta(seed=8), records([1], seed=8)),
            "driver": campaign.document(meta(driver="net"), records([1])),
            "runs_requested": campaign.document(meta(runs=9), records([1])),
            "faults": campaign.document(meta(kinds=KINDS[::-1]), []),
        }
        for key, other in cases.items():
            with self.subTest(key), self.assertRaisesRegex(
                    campaign.CampaignError,
                    f"merge: b.json is not of the campaign of a.json: "
                    f"{key} is"):
                campaign.merge([("a.json", a), ("b.json", other)])

    def test_duplicates(self):
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "run 0 is in both a.json and b.json"):
            campaign.merge([("a.json", self.shard(1, 2)),
                            ("b.json", self.shard(1, 4))])
        doc = campaign.document(meta(), records([3, 3]))
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "run 3 is twice in a.json"):
            campaign.merge([("a.json", doc)])

    def test_runs_must_be_the_campaigns(self):
        doc = self.shard(1, 2)
        doc["runs"][1]["after"] += 1
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "a.json: run 2 .* is not what the "
                                    "campaign derives"):
            campaign.merge([("a.json", doc)])
        doc = campaign.document(meta(runs=8), [record(9)])
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "run 9 is outside the campaign's 8"):
            campaign.merge([("a.json", doc)])
        doc = self.shard(1, 2)
        doc["runs"][0]["outcome"] = "fine"
        with self.assertRaisesRegex(campaign.CampaignError,
                                    "unknown outcome 'fine'"):
            campaign.merge([("a.json", doc)])


class ProgressTest(unittest.TestCase):
    def test_lines_when_not_a_terminal(self):
        out = io.StringIO()
        p = campaign.Progress(out, 2, tty=False)
        p.begin()
        p.finished(dict(record(0, downtime=[582]), exit="pass", log=None))
        p.finished(dict(record(1, "hung"), exit="timeout",
                        log="build/campaign/x/run-1/serial.log"))
        p.end()
        lines = out.getvalue().splitlines()
        plan = campaign.derive(7, 0, KINDS)
        self.assertEqual(lines[0], (
            f"axl: campaign: run 0: null-read after {plan.after} seed "
            f"{plan.seed}: recovered, 1 restart, downtime 582 us, exit pass, "
            f"1.5 s"))
        self.assertTrue(lines[1].endswith(
            "hung, 0 restarts, exit timeout, 1.5 s; see "
            "build/campaign/x/run-1/serial.log"))
        self.assertNotIn("\r", out.getvalue())

    def test_bar_on_a_terminal(self):
        out = io.StringIO()
        clock = iter([0.0, 10.0, 20.0, 30.0]).__next__
        p = campaign.Progress(out, 4, tty=True, clock=clock)
        p.begin()
        p.finished(dict(record(0), exit="pass", log=None))
        self.assertIn("] 1/4 runs, 0 not recovered, about 30 s left",
                      out.getvalue())
        p.finished(dict(record(1, "hung"), exit="timeout", log="x.log"))
        text = out.getvalue()
        self.assertIn("\r\x1b[Kaxl: campaign: run 1:", text)
        self.assertIn("] 2/4 runs, 1 not recovered", text)
        self.assertNotIn("run 0:", text)   # recovered runs stay quiet
        p.end()
        self.assertTrue(out.getvalue().endswith("\r\x1b[K"))


# ------------------------------------------------------------ end to end

# What the fake guest does for each kind.
SCRIPT = {"null-read": "recovered", "exit": "failed_cleanly",
          "infinite-loop": "hung", "wild-write-kernel": "kernel_panic",
          "swifi-bitflip": "vm_died", "wild-write-own": "data_lost"}


def guest(kind, after, seed, outcome):
    """(exit name, serial lines) of a fake run."""
    if kind.startswith("swifi-"):
        armed = sup(f"inject: 'store' {kind} seed {seed}: flipped bit 3 at "
                    f"0x401000")
    else:
        armed = sup(f"inject: 'store' {kind} after {after} seed {seed}")
    lines = BOOT + [armed]
    if outcome == "recovered":
        return "pass", lines + [FAULTED, RESTARTED, serving(400 + after),
                                result()]
    if outcome == "failed_cleanly":
        return "fail", lines + [
            sup("component 'store' (pid 5) exited with status 3"),
            RESTARTED, serving(900), result(failed=1)]
    if outcome == "hung":
        return "timeout", lines + [sup("component 'store' (pid 5) hung: no "
                                       "answer")]
    if outcome == "kernel_panic":
        return "panic", lines + ["KERNEL PANIC P01 TRAP: exception 13"]
    if outcome == "vm_died":
        return "qemu-abort", lines
    return "fail", lines + [FAULTED, RESTARTED, serving(300),
                            result(lost=2)]


class FakeBoot:
    """Stands in for campaign.boot: answers from the run's manifest."""

    def __init__(self, test, root, script=SCRIPT, barrier=None):
        self.test, self.root, self.script = test, root, script
        self.barrier = barrier
        self.lock = threading.Lock()
        self.calls = []

    def __call__(self, scenario, codes, options, logs, supervisor):
        # what QEMU would be given exists and says what the run is
        args = qemu.argv(scenario, accel=options.accel, kernel=options.kernel)
        for item in args[args.index("-initrd") + 1].split(","):
            self.test.assertTrue((self.root / item).is_file(), item)
        self.test.assertTrue(Path(options.kernel).is_file())
        self.test.assertEqual(options.root, self.root)
        manifest = (Path(scenario.dir) / "store.manifest").read_text()
        line = next(ln for ln in manifest.splitlines()
                    if ln.strip().startswith("inject ="))
        _, _, kind, _, after, _, seed = line.split()
        with self.lock:
            self.calls.append((kind, int(after), int(seed), options))
        if self.barrier is not None:
            self.barrier.wait()       # proves two runs are in flight at once
        exit_name, lines = guest(kind, int(after), int(seed),
                                 self.script[kind])
        logs.serial.parent.mkdir(parents=True, exist_ok=True)
        logs.serial.write_text("\n".join(lines) + "\n")
        return runner.RunResult(scenario=scenario, result=exit_name,
                                status=None, elapsed=2.0, serial=lines)


class CommandTest(fake_repo.CommandCase):

    BOOT_MODULE = campaign

    def make_repo(self):
        return FakeRepo()

    def axl(self, *argv, fake=None):
        fake = fake or FakeBoot(self, self.root)
        return self.run_axl(fake, argv)

    def start(self, *extra, faults="all", runs="12", seed="5", fake=None):
        return self.axl("campaign", "--driver", "store", "--faults", faults,
                        "--runs", runs, "--seed", seed, *extra, fake=fake)

    def test_end_to_end_with_two_jobs(self):
        out_json = self.root / "results" / "c.json"
        fake = FakeBoot(self, self.root, barrier=threading.Barrier(2,
                                                                   timeout=10))
        status, out, err, _ = self.start("--jobs", "2", "--json",
                                         str(out_json), "--timeout", "9",
                                         "--accel", "kvm", fake=fake)
        self.assertEqual(status, 1, err)
        self.assertEqual(len(fake.calls), 12)
        self.assertEqual({c[3].timeout for c in fake.calls}, {9.0})
        self.assertEqual({c[3].accel for c in fake.calls}, {"kvm"})
        self.assertEqual(self.built, [["kernel", "build/user/supervisor.elf",
                                       "build/user/store.elf",
                                       "build/user/storeclient.elf"]])
        doc = json.loads(out_json.read_text())
        kinds = ["null-read", "wild-write-kernel", "infinite-loop",
                 "wild-write-own", "exit", "swifi-bitflip"]
        self.assertEqual(doc["faults"], kinds)
        self.assertEqual((doc["driver"], doc["seed"], doc["runs_requested"],
                          doc["shard"], doc["accel"]),
                         ("store", 5, 12, None, "kvm"))
        self.assertEqual(doc["outcomes"], {o: 2 for o in campaign.OUTCOMES})
        self.assertEqual([r["index"] for r in doc["runs"]], list(range(12)))
        for r in doc["runs"]:
            plan = campaign.derive(5, r["index"], kinds)
            self.assertEqual((r["kind"], r["after"], r["seed"]),
                             (plan.kind, plan.after, plan.seed))
            self.assertEqual(r["outcome"], SCRIPT[r["kind"]])
            self.assertTrue(r["armed"])
            self.assertEqual(r["seconds"], 2.0)
            run_dir = self.root / "build" / "campaign" / doc["id"] / \
                f"run-{r['index']}"
            if r["outcome"] == "recovered":
                self.assertEqual(r["downtime_us"], [400 + r["after"]])
                self.assertEqual(r["restarts"], 1)
                self.assertIsNone(r["log"])
                self.assertFalse(run_dir.exists())
            else:
                self.assertEqual(r["log"], str(run_dir.relative_to(self.root)
                                               / "serial.log"))
                self.assertTrue((self.root / r["log"]).is_file())
        # the table on stdout, progress and the verdict on stderr
        self.assertRegex(out, r"(?m)^recovered +2 +16\.7%$")
        self.assertRegex(out, r"(?m)^exit +2 +0 +2 +0 +0 +0 +0 +900$")
        self.assertEqual(len(re.findall(r"(?m)^axl: campaign: run \d+: ",
                                        err)), 12)
        # how to run the failing ones again
        self.assertIn("axl: campaign: to run these again: tools/axl campaign "
                      "--driver store --faults all --runs 12 --seed 5 --only "
                      "1,2,3,7,8,9\n", err)
        self.assertIn("FAILED: 2 runs ended kernel_panic", err)
        self.assertNotIn("warning", err)

    def test_passing_campaign_and_keep_logs(self):
        status, out, err, fake = self.start(
            "--no-build", "--keep-logs", faults="null-read,exit", runs="4")
        self.assertEqual(status, 0, err)
        self.assertEqual(self.built, [])
        self.assertEqual(sorted(c[0] for c in fake.calls),
                         ["exit", "exit", "null-read", "null-read"])
        self.assertIn("no kernel panic, no hung run, no data lost", err)
        camp = next((self.root / "build" / "campaign").iterdir())
        self.assertEqual(sorted(p.name for p in camp.iterdir()),
                         ["image", "run-0", "run-1", "run-2", "run-3"])

    def test_shards_then_merge(self):
        full_json = self.root / "full.json"
        self.start("--no-build", "--json", str(full_json))
        shards = []
        for i in (1, 2, 3):
            path = self.root / f"shard-{i}.json"
            status, _, err, fake = self.start("--no-build", "--shard",
                                              f"{i}/3", "--json", str(path))
            self.assertEqual(len(fake.calls), 4)
            self.assertEqual(json.loads(path.read_text())["shard"], f"{i}/3")
            shards.append(str(path))
        merged_json = self.root / "merged.json"
        status, out, err, _ = self.axl("campaign", "merge", *shards,
                                       "--json", str(merged_json))
        self.assertEqual(status, 1, err)
        self.assertRegex(out, r"(?m)^all +12 +2 +2 +2 +2 +2 +2")
        full = json.loads(full_json.read_text())
        merged = json.loads(merged_json.read_text())
        self.assertEqual(merged["runs"], full["runs"])
        self.assertEqual(merged["outcomes"], full["outcomes"])
        self.assertEqual(merged["downtime_us"], full["downtime_us"])
        # the same shard twice
        status, _, err, _ = self.axl("campaign", "merge", shards[0],
                                     shards[0])
        self.assertEqual(status, 2)
        self.assertIn("shard-1.json is given twice", err)

    def test_only_reruns_one_run(self):
        path = self.root / "one.json"
        status, _, err, fake = self.start("--no-build", "--only", "7",
                                          "--json", str(path))
        doc = json.loads(path.read_text())
        self.assertEqual([r["index"] for r in doc["runs"]], [7])
        self.assertEqual(doc["only"], [7])
        self.assertEqual(len(fake.calls), 1)

    def test_harness_error_is_recorded(self):
        def broken(*args):
            raise AxlError("QMP: no answer")
        path = self.root / "e.json"
        status, _, err, _ = self.start("--no-build", "--json", str(path),
                                       faults="null-read", runs="2",
                                       fake=broken)
        self.assertEqual(status, 1)
        doc = json.loads(path.read_text())
        self.assertEqual([r["outcome"] for r in doc["runs"]],
                         ["vm_died", "vm_died"])
        self.assertEqual(doc["runs"][0]["error"], "QMP: no answer")
        self.assertIn("2 runs had harness errors", err)

    def test_unarmed_runs_are_reported(self):
        class Unarmed(FakeBoot):
            def __call__(self, *args):
                res = super().__call__(*args)
                res.serial = [ln for ln in res.serial if "inject:" not in ln]
                return res
        status, _, err, _ = self.start("--no-build", faults="null-read",
                                       runs="2",
                                       fake=Unarmed(self, self.root))
        self.assertEqual(status, 0)
        self.assertIn("warning: 2 runs never printed the supervisor's inject "
                      "line", err)

    def test_setup_errors_exit_2(self):
        cases = [
            (["--driver", "disk"], "unknown driver 'disk'.*available: store"),
            (["--faults", "nope"], "unknown fault kind 'nope' \\(known: "
                                   "null-read, wild-write-kernel"),
            (["--shard", "3/2"], "argument --shard: '3/2'"),
            (["--shard", "x"], "argument --shard: 'x': expected I/N"),
            (["--runs", "0"], "argument --runs"),
            (["--seed", "-1"], "argument --seed"),
            (["--only", "12"], "index 12 is not a run"),
            (["--shard", "1/2", "--only", "1"], "cannot be combined"),
        ]
        for extra, message in cases:
            with self.subTest(extra):
                args = dict(zip(["--driver", "--faults", "--runs", "--seed"],
                                ["store", "all", "12", "5"]))
                rest = []
                for flag, value in zip(extra[::2], extra[1::2]):
                    if flag in args:
                        args[flag] = value
                    else:
                        rest += [flag, value]
                argv = [x for kv in args.items() for x in kv] + rest
                status, _, err, fake = self.axl("campaign", *argv,
                                                "--no-build")
                self.assertEqual(status, 2, err)
                self.assertRegex(err, message)
                self.assertEqual(fake.calls, [])
        status, _, err, _ = self.axl("campaign", "--driver", "store")
        self.assertEqual(status, 2)
        self.assertIn("required: --faults, --runs, --seed", err)

    def test_missing_build_output(self):
        (self.root / "build/user/storeclient.elf").unlink()
        status, _, err, fake = self.start("--no-build")
        self.assertEqual(status, 2)
        self.assertIn("storeclient.elf not found (not built?", err)
        self.assertEqual(fake.calls, [])

    def test_merge_errors(self):
        a = self.root / "a.json"
        self.start("--no-build", "--shard", "1/2", "--json", str(a))
        b = self.root / "b.json"
        self.start("--no-build", "--shard", "2/2", "--json", str(b),
                   seed="6")
        status, _, err, _ = self.axl("campaign", "merge", str(a), str(b))
        self.assertEqual(status, 2)
        self.assertIn("is not of the campaign of", err)
        self.assertIn("seed is 6, not 5", err)


if __name__ == "__main__":
    unittest.main()
