"""test_bench_avail.py: tests of `axl bench availability`
(tools/axlpy/bench_avail.py and its wiring in tools/axl).

No QEMU: availclient's lines on synthetic serial logs (with the console's
prefix), the pairing of crashes with recoveries in both modes, clipping at
the end, the model, the refusals, the CSV and JSON, the smoke check, the
plot script, and the runs and the command end to end with the boot
replaced by a fake that feeds the watcher what the guest would print.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import contextlib
import csv
import io
import json
import os
import shutil
import sys
import unittest
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from tests.tools import fake_repo  # noqa: E402
from axlpy import abi, bench, bench_avail, campaign, qemu, runner  # noqa: E402

from tests.tools.test_axl import load_cli                           # noqa: E402

ba = bench_avail
HZ = 1_000_000_000
S = HZ          # ticks per second at HZ


def say(text):
    return f"[availclient] avail: {text}"


def start(t, mode="user", boot=1, hz=HZ):
    return say(f"start mode={mode} boot={boot} lambda=1 seed=1 period=10000 "
               f"dma=200 kind=null-read tsc_hz={hz} t={t}")


def window(t, req=100, ok=100, fail=0, fact=99, fact_lat=99 * 12000,
           fact_max=30000, dma=1, dma_lat=200_000_000):
    return say(f"window t={t} req={req} ok={ok} fail={fail} fact={fact} "
               f"fact_lat_ns={fact_lat} fact_max_ns={fact_max} dma={dma} "
               f"dma_lat_ns={dma_lat} dma_max_ns={dma_lat}")


def run_lines(mode, t0, duration, crashes, hz=HZ, step=0.5, tail=True):
    """Serial lines of a run: start at t0 - 0.1 s, up at t0, a window line
    every step seconds up to past the end, and each crash (time, downtime
    in seconds; downtime None: never recovered) with its window line
    before it and its recovery: `back` (user) or a panic, a new boot and
    its `up` (kernel).  Times are seconds; hz ticks per second."""
    tick = lambda s: round(s * hz)   # noqa: E731
    timed = [(t0 - 0.1, 0, start(tick(t0 - 0.1), mode, 1, hz)),
             (t0, 1, say(f"up t={tick(t0)}"))]
    s = t0 + step
    while s <= t0 + duration + (step if tail else 0) + 1e-9:
        timed.append((s, 2, window(tick(s))))
        s += step
    boot = 1
    for k, (tc, down) in enumerate(crashes):
        timed.append((tc, 3, window(tick(tc), req=7, ok=7, fact=7,
                                    fact_lat=7 * 12000, dma=0, dma_lat=0)))
        timed.append((tc, 4, say(f"crash k={k} t={tick(tc)} ttf_us=1")))
        if down is None:
            continue
        if mode == "user":
            timed.append((tc + down, 5, say(f"back k={k} t={tick(tc + down)} "
                                            f"down_us={round(down * 1e6)}")))
        else:
            boot += 1
            timed.append((tc, 5, "KERNEL PANIC P01 TRAP: exception 14 "
                                 "(page fault) in edu"))
            timed.append((tc + down / 2, 5, "[    0.000046] INFO  time: TSC"))
            timed.append((tc + down / 2, 6, start(tick(tc + down / 2), mode,
                                                  boot, hz)))
            timed.append((tc + down, 7, say(f"up t={tick(tc + down)}")))
    timed.sort(key=lambda x: (x[0], x[1]))
    return ["[supervisor] avail.manifest: 6 components, 6 to start"] + \
        [text for _, _, text in timed]


def price_lines(done=True):
    lines = [start(5, "user"),
             say("price kind=factorial n=200 median_ns=12000 p99_ns=15000 "
                 "mean_ns=12500 total_ns=2500000 per_s=80000.0"),
             say("price kind=dma n=10 median_ns=100000000 p99_ns=100500000 "
                 "mean_ns=100100000 total_ns=1001000000 per_s=9.99")]
    return lines + ([say("price done")] if done else [])


# ------------------------------------------------------------------ parsing

class ParseTest(unittest.TestCase):
    def test_each_line_kind_with_the_prefix(self):
        e = ba.parse_line(start(123, "kernel", 3))
        self.assertEqual((e.kind, e.t, e.fields["tsc_hz"], e.fields["boot"],
                          e.fields["mode"], e.fields["lambda"]),
                         ("start", 123, HZ, 3, "kernel", 1.0))
        self.assertEqual(ba.parse_line(say("up t=77")).t, 77)
        e = ba.parse_line(window(500))
        self.assertEqual((e.kind, e.fields["req"], e.fields["fact_lat_ns"],
                          e.fields["dma_lat_ns"]),
                         ("window", 100, 99 * 12000, 200_000_000))
        e = ba.parse_line(say("crash k=4 t=9 ttf_us=734210"))
        self.assertEqual((e.kind, e.fields["k"], e.t), ("crash", 4, 9))
        e = ba.parse_line(say("back k=4 t=19 down_us=812"))
        self.assertEqual((e.kind, e.fields["k"], e.t), ("back", 4, 19))
        e = ba.parse_line(price_lines()[1])
        self.assertEqual((e.kind, e.fields["kind"], e.fields["n"],
                          e.fields["per_s"]), ("price", "factorial", 200,
                                               80000.0))
        self.assertEqual(ba.parse_line(say("price done")).kind, "price-done")
        e = ba.parse_line(say("error edu: no such device"))
        self.assertEqual((e.kind, e.fields["text"]),
                         ("error", "edu: no such device"))

    def test_any_prefix_order_and_unknown_keys(self):
        for line in ("avail: up t=5", "[  1.0] [availclient] avail: up t=5\r",
                     say("up zzz=hello t=5 more=1")):
            self.assertEqual(ba.parse_line(line).t, 5, line)
        e = ba.parse_line(say("crash t=9 extra=x k=2"))
        self.assertEqual((e.fields["k"], e.t), (2, 9))

    def test_other_lines(self):
        for line in ("", "garbage", "[supervisor] 'edu' generation 2 serving",
                     "notavail: up t=5", "unavail: up t=5",
                     say("somethingnew t=5")):
            self.assertIsNone(ba.parse_line(line), line)

    def test_malformed(self):
        for line in (say("up"), say("up t=x"), say("up t=-5"),
                     say("crash k=1"), say("up t=1 t=2"), say("up t=1 junk"),
                     say("window t=1 req=1 ok=1"),
                     say("price kind=dma n=1 median_ns=1"),
                     say("window t=1 req=1 ok=1 fail=0 fact_lat_ns=1.5")):
            with self.assertRaises(ValueError, msg=line):
                ba.parse_line(line)
        a = ba.analyse(run_lines("user", 1.0, 2.0, []) + [say("up t=x")],
                       "user", 1.0, 2.0)
        self.assertEqual(a.status, "failed")
        self.assertIn("1 avail line could not be read", a.reason)


# ----------------------------------------------------------------- analysis

class UserAnalysisTest(unittest.TestCase):
    def test_hand_computed(self):
        # T0 = 1 s, D = 10 s; two crashes, down 10 ms and 30 ms.
        lines = run_lines("user", 1.0, 10.0, [(3.0, 0.010), (6.0, 0.030)])
        a = ba.analyse(lines, "user", 0.2, 10.0)
        self.assertEqual(a.status, "ok", a.reason)
        self.assertEqual((a.t0_ns, a.t_end_ns), (1e9, 11e9))
        self.assertEqual(a.crashes, 2)
        self.assertEqual([round(d, 9) for d in a.downtimes_s], [0.01, 0.03])
        self.assertAlmostEqual(a.mttr_s, 0.02)
        self.assertAlmostEqual(a.clipped_down_s, 0.04)
        self.assertAlmostEqual(a.availability, 1 - 0.04 / 10)   # 0.996
        self.assertAlmostEqual(a.model_availability, 1 / 1.004)
        self.assertAlmostEqual(a.deviation, (0.996 - 1 / 1.004) * 1.004)
        self.assertTrue(a.agrees)
        self.assertFalse(a.checkable)
        # 20 windows up to T_end (1.5 .. 11.0) of 100, two crash windows of 7
        self.assertEqual((a.ok, a.fail, a.lost), (20 * 100 + 14, 0, 0))
        self.assertEqual(a.success_ratio, 1.0)
        r = ba.result_dict(a, "0.2", "log")
        self.assertEqual((r["downtime_median_s"], r["downtime_p99_s"]),
                         (0.02, 0.03))
        self.assertEqual(r["fact_mean_latency_ns"], 12000.0)
        self.assertEqual(r["dma_mean_latency_ns"], 200_000_000.0)

    def test_failed_requests_and_disagreement(self):
        lines = run_lines("user", 0.5, 2.0, [(1.0, 0.5)])
        lines.insert(3, window(round(0.6 * S), req=10, ok=6, fail=4))
        a = ba.analyse(lines, "user", 0.1, 2.0)
        self.assertEqual((a.ok + a.fail, a.fail), (4 * 100 + 7 + 10, 4))
        self.assertAlmostEqual(a.success_ratio, 413 / 417)
        self.assertAlmostEqual(a.availability, 0.75)
        self.assertAlmostEqual(a.model_availability, 1 / 1.05)
        self.assertFalse(a.agrees)

    def test_back_without_crash_and_repeated_crash(self):
        lines = run_lines("user", 1.0, 2.0, [(1.5, 0.1)])
        a = ba.analyse(lines + [say(f"back k=7 t={9 * S}")], "user", 1.0,
                       2.0)
        self.assertIn("'back k=7'", a.reason)
        lines = run_lines("user", 1.0, 2.0, [(1.5, 0.1)])
        lines.append(say(f"crash k=0 t={9 * S}"))
        a = ba.analyse(lines, "user", 1.0, 2.0)
        self.assertIn("crash k=0 reported twice", a.reason)

    def test_a_panic_in_user_mode_fails(self):
        lines = run_lines("user", 1.0, 2.0, [])
        lines.insert(4, "KERNEL PANIC P01 TRAP: exception 14")
        a = ba.analyse(lines, "user", 1.0, 2.0)
        self.assertEqual(a.status, "failed")
        self.assertIn("the kernel panicked in user mode", a.reason)

    def test_no_up_no_start_error(self):
        self.assertIn("no 'avail: start'", ba.analyse([], "user", 1, 1).reason)
        a = ba.analyse([start(1)], "user", 1, 1)
        self.assertIn("no 'avail: up'", a.reason)
        a = ba.analyse(run_lines("user", 1, 2, []) + [say("error boom")],
                       "user", 1, 2)
        self.assertEqual(a.reason, "the client said: avail: error boom")

    def test_the_run_must_reach_the_end(self):
        a = ba.analyse(run_lines("user", 1.0, 2.0, [])[:6], "user", 1.0, 2.0)
        self.assertEqual(a.status, "failed")
        self.assertRegex(a.reason, r"the run ended at guest time 1\.500 s "
                                   r"of 2 s")

    def test_tsc_rate_converts(self):
        hz = 2_000_000_000
        a = ba.analyse(run_lines("user", 1.0, 4.0, [(2.0, 0.25)], hz=hz),
                       "user", 1.0, 4.0)
        self.assertEqual(a.status, "ok", a.reason)
        self.assertAlmostEqual(a.mttr_s, 0.25)
        self.assertAlmostEqual(a.availability, 1 - 0.25 / 4)


class KernelAnalysisTest(unittest.TestCase):
    def test_crash_pairs_with_the_next_boots_up(self):
        lines = run_lines("kernel", 1.0, 10.0, [(3.0, 0.5), (7.0, 0.7)])
        a = ba.analyse(lines, "kernel", 0.2, 10.0)
        self.assertEqual(a.status, "ok", a.reason)
        self.assertEqual(a.boots, 3)
        self.assertEqual([round(d, 9) for d in a.downtimes_s], [0.5, 0.7])
        self.assertAlmostEqual(a.availability, 1 - 1.2 / 10)
        self.assertAlmostEqual(a.model_availability, 1 / (1 + 0.2 * 0.6))

    def test_lost_requests_count_as_failed(self):
        lines = run_lines("kernel", 1.0, 10.0, [(3.0, 0.5), (7.0, 0.7)])
        a = ba.analyse(lines, "kernel", 0.2, 10.0)
        self.assertEqual((a.lost, a.failed, a.requests),
                         (2, 2, 20 * 100 + 14 + 2))
        self.assertAlmostEqual(a.success_ratio, 2014 / 2016)
        r = ba.result_dict(a, "0.2", "x")
        self.assertEqual((r["failed"], r["requests"], r["lost"]),
                         (2, 2016, 2))

    def test_clipping_at_the_end(self):
        # D = 4: T_end = 5 s. Crash at 4.9 recovered at 5.2 (clipped to
        # 0.1, MTTR sample 0.3); a crash at 5.5 is after the end.
        lines = run_lines("kernel", 1.0, 4.0, [(2.0, 0.1), (4.9, 0.3),
                                               (5.5, 0.1)], step=1.0)
        a = ba.analyse(lines, "kernel", 1.0, 4.0)
        self.assertEqual(a.status, "ok", a.reason)
        self.assertEqual(a.crashes, 2)
        self.assertEqual([round(d, 9) for d in a.downtimes_s], [0.1, 0.3])
        self.assertAlmostEqual(a.clipped_down_s, 0.2)
        self.assertAlmostEqual(a.availability, 1 - 0.2 / 4)
        self.assertEqual(a.lost, 2)

    def test_a_crash_cut_off_by_the_end(self):
        lines = run_lines("kernel", 1.0, 4.0, [(2.0, 0.1), (4.8, None)],
                          step=1.0)
        a = ba.analyse(lines, "kernel", 1.0, 4.0)
        self.assertEqual(a.status, "ok", a.reason)
        self.assertEqual((a.crashes, len(a.downtimes_s), a.cut_off), (2, 1, 1))
        self.assertAlmostEqual(a.clipped_down_s, 0.1 + 0.2)
        self.assertTrue(any("cut off" in n for n in a.notes))
        # two unrecovered crashes are an error
        lines = run_lines("kernel", 1.0, 4.0, [(2.0, None), (4.8, None)])
        self.assertEqual(ba.analyse(lines, "kernel", 1.0, 4.0).status,
                         "failed")

    def test_timestamps_going_backwards(self):
        lines = run_lines("kernel", 1.0, 4.0, [(2.0, 0.5)])
        i = next(i for i, line in enumerate(lines)
                 if "boot=2" in line)
        lines[i] = start(1000, "kernel", 2)   # the TSC restarted (KVM)
        a = ba.analyse(lines, "kernel", 1.0, 4.0)
        self.assertEqual(a.status, "failed")
        self.assertIn("go backwards", a.reason)
        self.assertIn("TSC restarted", a.reason)
        self.assertIsNone(a.availability)

    def test_unexpected_reset_and_panic(self):
        lines = run_lines("kernel", 1.0, 4.0, [])
        i = lines.index(window(2 * S))
        lines.insert(i + 1, start(round(2.1 * S), "kernel", 2))
        a = ba.analyse(lines, "kernel", 1.0, 4.0)
        self.assertIn("without a crash before it", a.reason)
        lines = run_lines("kernel", 1.0, 4.0, [])
        lines.insert(5, "KERNEL PANIC P04 ASSERT: x")
        a = ba.analyse(lines, "kernel", 1.0, 4.0)
        self.assertIn("1 kernel panic but 0 crashes injected", a.reason)


class ModelTest(unittest.TestCase):
    def test_model_and_deviation(self):
        self.assertAlmostEqual(ba.model(10, 0.05), 1 / 1.5)
        self.assertIsNone(ba.model(1, None))
        self.assertAlmostEqual(ba.deviation(0.6, 0.5), 0.2)
        self.assertIsNone(ba.deviation(None, 0.5))

    def test_agreement_and_checkable(self):
        a = ba.Analysis(mode="user", lam=1.0, duration_s=100.0,
                        downtimes_s=[0.1] * 25, crashes=25,
                        clipped_down_s=2.5)
        # measured 0.975, model 1/1.1 = 0.909: +7.25 %
        self.assertAlmostEqual(a.deviation, 0.975 * 1.1 - 1)
        self.assertFalse(a.agrees)
        self.assertTrue(a.checkable)
        a.clipped_down_s = 9.0     # 0.91 against 0.90909
        self.assertTrue(a.agrees)


# ------------------------------------------------------------------ options

class OptionsTest(unittest.TestCase):
    def setUp(self):
        self.kinds = campaign.load_kinds(ROOT)

    def test_lambdas(self):
        self.assertEqual(ba.parse_lambdas("0.1,1,10"),
                         [("0.1", 0.1), ("1", 1.0), ("10", 10.0)])
        self.assertEqual(ba.parse_lambdas(" 2.5 , .5"), [("2.5", 2.5),
                                                         (".5", 0.5)])
        for bad in ("", "0", "0.0", "-1", "x", "1,,2", "1e3", "inf", "nan",
                    "1,1", "1,1.0"):
            with self.assertRaises(ba.BenchAvailError, msg=bad):
                ba.parse_lambdas(bad)

    def test_numbers(self):
        ba.check_options(60.0, 1, 10000, 200, 2000, "tcg")
        for args in ((0, 1, 1, 1, 1, "tcg"), (-1.0, 1, 1, 1, 1, "tcg"),
                     (float("inf"), 1, 1, 1, 1, "tcg"),
                     (1.0, -1, 1, 1, 1, "tcg"), (1.0, 1, 0, 1, 1, "tcg"),
                     (1.0, 1, 1, 0, 1, "tcg"), (1.0, 1, 1, 1, 0, "tcg"),
                     (1.0, 1, 1, 1, 1, "both")):
            with self.assertRaises(ba.BenchAvailError, msg=args):
                ba.check_options(*args)
        with self.assertRaises(ba.BenchAvailError):
            ba.modes_for("all")
        self.assertEqual(ba.modes_for("both"), ["user", "kernel"])

    def test_kinds(self):
        for kind in ba.KERNEL_KINDS:
            self.assertEqual(ba.check_kind(self.kinds, kind, "kernel"), kind)
        with self.assertRaisesRegex(ba.BenchAvailError,
                                    r"--kind exit cannot be used in kernel "
                                    r"mode: .*ring 0.*use one of null-read, "
                                    r"wild-read, divide-by-zero, "
                                    r"invalid-opcode"):
            ba.check_kind(self.kinds, "exit", "kernel")
        self.assertEqual(ba.check_kind(self.kinds, "exit", "user"), "exit")
        for kind in ba.USER_REFUSED:
            with self.assertRaisesRegex(ba.BenchAvailError, "known moment"):
                ba.check_kind(self.kinds, kind, "user")
        swifi = next(k.name for k in self.kinds if k.where != "process")
        with self.assertRaisesRegex(ba.BenchAvailError, "supervisor carries"):
            ba.check_kind(self.kinds, swifi, "user")
        with self.assertRaisesRegex(ba.BenchAvailError, "unknown fault kind"):
            ba.check_kind(self.kinds, "meteor", "user")
        user = ba.usable_kinds(self.kinds, "user")
        self.assertIn("null-read", user)
        self.assertFalse(set(ba.USER_REFUSED) & set(user))

    def test_client_args(self):
        self.assertEqual(ba.client_args("user", "0.1", 1, 10000, 200,
                                        "null-read"),
                         "mode=user lambda=0.1 seed=1 period=10000 dma=200 "
                         "kind=null-read window=1000")
        self.assertEqual(ba.price_args("kernel", 2000),
                         "mode=kernel price=2000")
        with self.assertRaisesRegex(ba.BenchAvailError, "more than its 127"):
            ba.client_args("user", "1." + "1" * 100, 1, 1, 1, "null-read")

    def test_timeouts(self):
        self.assertGreater(ba.default_timeout("kernel", 10, 60),
                           ba.default_timeout("user", 10, 60))
        self.assertGreater(ba.default_timeout("kernel", 10, 60),
                           ba.default_timeout("kernel", 1, 60))


# ---------------------------------------------------------------- the watch

class WatchTest(unittest.TestCase):
    def watch(self, mode, duration=2.0, price=False):
        stops = []
        w = ba.Watch(mode, duration, stops.append, price=price)
        return w, stops

    def feed(self, w, lines, chunk=7):
        data = "".join(line + "\r\n" for line in lines).encode()
        for i in range(0, len(data), chunk):
            w.echo(data[i:i + chunk])
        w.finish()

    def test_stops_at_the_end(self):
        lines = run_lines("user", 1.0, 2.0, [(1.5, 0.1)])
        w, stops = self.watch("user")
        self.feed(w, lines + ["after the end"])
        self.assertEqual(stops, [None])
        self.assertTrue(w.ended)
        self.assertNotIn("after the end", w.lines)
        self.assertEqual(w.lines[-1], window(3 * S))   # t = T0 + 2 s

    def test_waits_for_a_pending_recovery(self):
        lines = run_lines("kernel", 1.0, 2.0, [(2.9, 0.5)])
        w, stops = self.watch("kernel")
        self.feed(w, lines)
        self.assertEqual(stops, [None])
        self.assertEqual(w.lines[-1], say(f"up t={round(3.4 * S)}"))

    def test_stops_on_error_and_user_panic(self):
        w, stops = self.watch("user")
        self.feed(w, [start(1), say("error no edu"), say("up t=2")])
        self.assertEqual(stops, ["the client said: avail: error no edu"])
        self.assertFalse(w.ended)
        w, stops = self.watch("user")
        self.feed(w, [start(1), "KERNEL PANIC P01 TRAP: x"])
        self.assertRegex(stops[0], "the kernel panicked in user mode")
        w, stops = self.watch("kernel")
        self.feed(w, [start(1), "KERNEL PANIC P01 TRAP: x"])
        self.assertEqual(stops, [])

    def test_a_boot_without_avail_lines(self):
        w, stops = self.watch("kernel")
        self.feed(w, [start(1), say("up t=2")])
        w.notify("panic 1: machine reset (reboot 1)")
        self.assertEqual(stops, [])
        w.notify("panic 2: machine reset (reboot 2)")
        self.assertEqual(stops, ["boot 2 panicked before availclient printed "
                                 "any 'avail:' line"])

    def test_price_boot_ends_at_done(self):
        w, stops = self.watch("user", price=True)
        self.feed(w, price_lines() + ["later"])
        self.assertEqual(stops, [None])
        self.assertEqual(w.lines[-1], say("price done"))

    def test_progress_line(self):
        out = io.StringIO()
        bar = ba.ProgressLine("user lambda=1", 10.0, out)
        for s in (0.5, 1.2, 1.3, 5.0, 10.0):
            bar.update(s, 3)
        bar.close()
        text = out.getvalue().splitlines()
        self.assertEqual(len(text), 4)   # tenths 0, 1, 5, 10
        self.assertEqual(text[-1], "  user lambda=1: guest time 10.0/10 s "
                                   "(100%), 3 crashes")


# ------------------------------------------------------------------- price

class PriceTest(unittest.TestCase):
    def test_parse_and_ratios(self):
        figures, found = ba.parse_price(price_lines())
        self.assertEqual(found, [])
        self.assertEqual(figures["factorial"]["median_ns"], 12000)
        kern = {"factorial": dict(figures["factorial"], median_ns=6000,
                                  p99_ns=5000, per_s=160000.0),
                "dma": figures["dma"]}
        r = ba.price_ratios({"user": {"figures": figures},
                             "kernel": {"figures": kern}})
        self.assertEqual(r["factorial"], {"median_user_kernel": 2.0,
                                          "p99_user_kernel": 3.0,
                                          "throughput_kernel_user": 2.0})
        self.assertEqual(r["dma"]["median_user_kernel"], 1.0)
        self.assertEqual(ba.price_ratios({"user": {"figures": figures}}), {})

    def test_incomplete(self):
        _, found = ba.parse_price(price_lines(done=False)[:2])
        self.assertEqual(found, ["no 'avail: price kind=dma' line",
                                 "availclient did not print 'avail: price "
                                 "done'"])


# ------------------------------------------------------------ a fake repo

USER_TOML = """\
description = "availability, user mode (test copy)"
devices = ["edu", "iommu"]
modules = [
    { program = "supervisor" },
    { file = "avail.manifest" },
    { program = "edu" },
    { program = "availclient" },
]
[expect]
exit = "pass"
"""

KERNEL_TOML = """\
description = "availability, kernel mode (test copy)"
devices = ["edu", "pvpanic"]
reboots = 16     # the harness resets forever (RunOptions)
modules = [
    { program = "supervisor" },
    { file = "avail.manifest" },
    { program = "availclient" },
]
[expect]
exit = "pass"
"""

MANIFEST = """\
[component availclient]
module = availclient
priority = 100
# tools/axl bench availability puts args here:
# @ARGS@
"""


class FakeRepo(fake_repo.FakeRepo):
    """A repository root with availability templates and fake builds."""

    def __init__(self):
        super().__init__((ROOT / campaign.INJECT_HEADER).read_text(),
                         "modules = []\n", "")
        for mode, toml in (("user", USER_TOML), ("kernel", KERNEL_TOML)):
            self.write(ba.TEMPLATE_BASE / mode / "scenario.toml", toml)
            self.write(ba.TEMPLATE_BASE / mode / ba.MANIFEST, MANIFEST)
        for p in ("supervisor", "edu", "availclient"):
            self.write(campaign.PROGRAM_DIR / f"{p}.elf", f"ELF {p}")
        self.write(ba.KERNEL_MONO, "kernel with edu")


class FakeBoot:
    """Stands in for bench_avail.boot: feeds the watcher the lines the
    guest would print for the run its serial log names, in small chunks,
    with a reset notice after each kernel panic."""

    def __init__(self, scripts):
        self.scripts = scripts      # log stem ('user-lambda5') -> lines
        self.calls = []

    def __call__(self, scenario, codes, options, logs, echo, supervisor,
                 notify):
        stem = logs.serial.name.removesuffix(".serial.log")
        self.calls.append({"stem": stem, "options": options,
                           "scenario": scenario, "logs": logs})
        panics = 0
        for line in self.scripts[stem]:
            data = (line + "\r\n").encode()
            echo(data[:5])
            echo(data[5:])
            if "KERNEL PANIC" in line:
                panics += 1
                notify(f"panic {panics}: machine reset (reboot {panics})")
        return SimpleNamespace(result="qemu-exit-0 (triple fault/poweroff)",
                               panics=panics)


def smoke_scripts(user_down=0.002, kernel_down=0.4):
    return {
        "user-lambda5": run_lines("user", 1.0, 2.0,
                                  [(1.3, user_down), (2.2, user_down),
                                   (3.2, user_down)]),
        "kernel-lambda5": run_lines("kernel", 1.0, 2.0,
                                    [(1.3, kernel_down), (2.5, kernel_down)]),
        "user-price": price_lines(),
        "kernel-price": [line.replace("median_ns=12000", "median_ns=6000")
                         for line in price_lines()],
    }


class RunTest(unittest.TestCase):
    def setUp(self):
        self.repo = FakeRepo()
        self.root = self.repo.root
        self.codes = abi.ExitCodes.for_root(self.root)
        self.templates = {m: ba.load_template(self.root, m, self.codes)
                          for m in ba.MODES}
        self.kernels = ba.snapshot(self.root, self.templates)
        self.ctx = ba.Context(root=self.root, codes=self.codes,
                              templates=self.templates, kernels=self.kernels,
                              lambdas=ba.parse_lambdas("5"), duration=2.0,
                              price_requests=200, stream=io.StringIO())
        self.patch = mock.patch.object(bench, "qemu_version", lambda: "fake")
        self.patch.start()

    def tearDown(self):
        self.patch.stop()
        self.repo.cleanup()

    def run_with(self, scripts):
        fake, progress = FakeBoot(scripts), []
        with mock.patch.object(ba, "boot", fake):
            results, prices = ba.run(self.ctx, progress.append)
        return results, prices, fake, progress

    def test_both_modes(self):
        results, prices, fake, progress = self.run_with(smoke_scripts())
        self.assertEqual([c["stem"] for c in fake.calls],
                         ["user-lambda5", "user-price", "kernel-lambda5",
                          "kernel-price"])
        for c in fake.calls:
            o = c["options"]
            self.assertEqual(o.extra_qemu, tuple(bench.TCG_ICOUNT))
            mode = c["stem"].split("-")[0]
            self.assertEqual(o.reboots,
                             runner.FOREVER if mode == "kernel" else 0)
            self.assertEqual(Path(o.kernel),
                             (self.root / ba.OUT_DIR / mode / "image" /
                              "kernel.elf32").resolve())
            manifest = (Path(c["scenario"].dir) / ba.MANIFEST).read_text()
            self.assertNotIn("@ARGS@", manifest)
            self.assertEqual(c["logs"].serial.parent,
                             self.root / ba.OUT_DIR / "logs")
        manifest = (Path(fake.calls[0]["scenario"].dir) /
                    ba.MANIFEST).read_text()
        self.assertIn('args = "mode=user lambda=5 seed=1 period=10000 '
                      'dma=200 kind=null-read window=1000"', manifest)
        manifest = (Path(fake.calls[3]["scenario"].dir) /
                    ba.MANIFEST).read_text()
        self.assertIn('args = "mode=kernel price=200"', manifest)
        self.assertEqual(Path(self.kernels["kernel"]).read_text(),
                         "kernel with edu")
        user, kern = results
        self.assertEqual((user["status"], kern["status"]), ("ok", "ok"),
                         (user["reason"], kern["reason"]))
        self.assertEqual((user["crashes"], kern["crashes"]), (2, 2))
        self.assertEqual(user["cut_off"], 0)   # the 3.2 s crash is after T_end
        self.assertAlmostEqual(kern["mttr_s"], 0.4)
        self.assertAlmostEqual(kern["availability"], 1 - 0.8 / 2)
        self.assertEqual(kern["boots"], 3)
        self.assertEqual(prices["user"]["status"], "ok")
        self.assertTrue(any("kernel lambda=5: 2 crashes, availability 60.000"
                            in p for p in progress), progress)

    def test_failures_are_reported(self):
        scripts = smoke_scripts()
        scripts["user-lambda5"] = scripts["user-lambda5"][:5]   # QEMU died
        scripts["kernel-lambda5"].insert(4, say("error driver gone"))
        scripts["kernel-price"] = price_lines(done=False)
        results, prices, _, _ = self.run_with(scripts)
        self.assertEqual(results[0]["status"], "failed")
        self.assertIn("the guest ended with qemu-exit-0", results[0]["reason"])
        self.assertIn("the run ended at guest time", results[0]["reason"])
        self.assertRegex(results[1]["reason"],
                         r"^the client said: avail: error driver gone; see "
                         r".*kernel-lambda5\.serial\.log$")
        self.assertEqual(prices["kernel"]["status"], "failed")
        self.assertIn("did not print 'avail: price done'",
                      prices["kernel"]["reason"])

    def document(self, scripts=None):
        results, prices, _, _ = self.run_with(scripts or smoke_scripts())
        return ba.document(self.ctx, results, prices,
                           date="2026-01-01T00:00:00+00:00")

    def test_document_csv_and_report(self):
        doc = self.document()
        json.dumps(doc)
        for key in ("benchmark", "mode", "unit_note", "seed", "duration_s",
                    "params", "results", "price", "kernel", "qemu", "host"):
            self.assertIn(key, doc)
        self.assertEqual((doc["benchmark"], doc["mode"], doc["status"]),
                         ("availability", "tcg", "ok"))
        for r in doc["results"]:
            for key in ("mode", "lambda", "crashes", "mttr_s",
                        "downtime_median_s", "downtime_p99_s",
                        "availability", "success_ratio", "model_availability",
                        "deviation", "agrees", "checkable", "requests",
                        "failed", "status", "reason", "log"):
                self.assertIn(key, r)
        self.assertEqual(doc["kernel"]["images"]["kernel"]["built_from"],
                         ba.KERNEL_MONO)
        ratios = doc["price"]["ratios"]["factorial"]
        self.assertEqual(ratios["median_user_kernel"], 2.0)
        path = self.root / "out.csv"
        ba.write_csv(path, doc["results"])
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(tuple(rows[0]), ba.RESULT_COLUMNS)
        self.assertEqual([r[0] for r in rows[1:]], ["user", "kernel"])
        self.assertEqual(rows[2][ba.RESULT_COLUMNS.index("availability")],
                         "0.6")
        out, err = [], []
        self.assertEqual(ba.report(doc, out.append, err.append), 0)
        text = "\n".join(out)
        self.assertRegex(text, r"(?m)^kernel +5 +2 +400\.000 +400\.000 "
                               r"+400\.000 +60\.000 ")
        self.assertIn("n<20", text)
        self.assertIn("renewal process", text)
        self.assertRegex(text, r"(?m)^factorial +user/kernel +2\.000x")
        self.assertEqual(err, [])

    def test_smoke_check(self):
        doc = self.document()
        files = {}
        for name in ("json", "csv", "png", "svg"):
            files[name] = self.root / f"s.{name}"
            files[name].write_text("x")
        self.assertEqual(ba.check_smoke(doc, files), [])
        self.assertTrue(ba.smoke_line(doc, []).startswith(
            "availability smoke: ok (user 2 crashes"))
        broken = json.loads(json.dumps(doc))
        broken["results"][1]["availability"] = 1.5
        broken["results"][0]["crashes"] = 0
        broken["price"]["ratios"]["dma"]["median_user_kernel"] = 0
        files["svg"].write_text("")
        found = ba.check_smoke(broken, files)
        self.assertEqual(len(found), 4, found)
        self.assertIn("user lambda=5: not crashes >= 1", found[0])
        self.assertIn("not 0 < availability <= 1", found[1])
        self.assertTrue(ba.smoke_line(broken, found).startswith(
            "availability smoke: FAILED: user lambda=5: not crashes >= 1"))
        unpaired = json.loads(json.dumps(doc))
        unpaired["results"][0]["completed"] = 0
        self.assertRegex(ba.check_smoke(unpaired, files)[0],
                         "every crash has its recovery")
        missing = json.loads(json.dumps(doc))
        del missing["results"][1]
        missing["price"]["modes"].pop("kernel")
        found = ba.check_smoke(missing, files)
        self.assertIn("kernel: 0 results, expected 1", found)
        self.assertIn("no price figures for kernel mode", found)
        failed = self.document(dict(smoke_scripts(),
                                    **{"kernel-lambda5": []}))
        self.assertIn("kernel lambda=5: ", ba.check_smoke(failed, files)[0])


# --------------------------------------------------------------------- plot

def synthetic_results():
    out = []
    for mode, mttr in (("user", 0.002), ("kernel", 0.45)):
        for lam in (0.1, 1.0, 10.0):
            a = ba.model(lam, mttr) * (1.01 if lam == 1 else 0.995)
            out.append({"mode": mode, "lambda": lam, "lambda_text": str(lam),
                        "status": "ok", "availability": min(a, 1.0),
                        "mttr_s": mttr})
    return out


class PlotTest(unittest.TestCase):
    def test_script(self):
        script = ba.plot_script(synthetic_results(), "svg", "/tmp/x.svg")
        self.assertIn("set logscale x", script)
        self.assertIn("set xrange [0.05:20]", script)
        self.assertIn("100/(1+x*0.45)", script)
        self.assertIn("$data_user << EOD", script)
        self.assertIn('set output "/tmp/x.svg"', script)
        empty = ba.plot_script([], "svg", "y.svg")
        self.assertIn("plot NaN notitle", empty)

    def test_missing_gnuplot(self):
        with mock.patch.object(shutil, "which", lambda name: None):
            paths, warning = ba.write_plots(synthetic_results(), "/tmp/none")
        self.assertEqual(paths, [])
        self.assertIn("gnuplot-nox", warning)

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
    def test_gnuplot_makes_png_and_svg(self):
        with contextlib.ExitStack() as stack:
            import tempfile
            d = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            paths, warning = ba.write_plots(synthetic_results(), d / "a.png")
            self.assertIsNone(warning)
            self.assertEqual([p.suffix for p in paths], [".png", ".svg"])
            self.assertTrue((d / "a.png").read_bytes().startswith(
                b"\x89PNG"))
            self.assertIn("<svg", (d / "a.svg").read_text())

    def test_output_paths(self):
        p = ba.output_paths("r/x.json", "o")
        self.assertEqual((p["json"], p["csv"], p["png"], p["svg"]),
                         (Path("r/x.json"), Path("r/x.csv"), Path("r/x.png"),
                          Path("r/x.svg")))
        p = ba.output_paths(None, "o")
        self.assertEqual((p["json"], p["csv"]),
                         (None, Path("o/availability.csv")))


# ---------------------------------------------------------------------- CLI

class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def parse(self, *argv):
        return self.cli.build_parser().parse_args(list(argv))

    def test_defaults_and_options(self):
        a = self.parse("bench", "availability")
        self.assertEqual((a.mode, a.lambdas, a.duration, a.seed, a.accel,
                          a.period_us, a.dma_every, a.kind, a.price_requests,
                          a.json, a.timeout, a.no_build, a.smoke),
                         ("both", [("0.1", 0.1), ("1", 1.0), ("10", 10.0)],
                          60.0, 1, "tcg", 10000, 200, "null-read", 2000, None,
                          None, False, False))
        self.assertIs(a.func, self.cli.cmd_bench_availability)
        a = self.parse("bench", "availability", "--mode", "kernel",
                       "--lambda", "2,0.5", "--duration", "5", "--seed", "9",
                       "--period-us", "500", "--dma-every", "3", "--kind",
                       "wild-read", "--price-requests", "7", "--json", "f",
                       "--timeout", "30", "--smoke", "--no-build")
        self.assertEqual((a.mode, a.lambdas, a.duration, a.seed, a.period_us,
                          a.dma_every, a.kind, a.price_requests, a.json,
                          a.timeout, a.smoke, a.no_build),
                         ("kernel", [("2", 2.0), ("0.5", 0.5)], 5.0, 9, 500,
                          3, "wild-read", 7, "f", 30.0, True, True))

    def test_refusals_exit_2(self):
        for argv in (["--lambda", "0"], ["--lambda", "x"], ["--lambda", ""],
                     ["--duration", "0"], ["--duration", "-3"],
                     ["--seed", "-1"], ["--mode", "all"],
                     ["--period-us", "0"], ["--accel", "both"]):
            with self.assertRaises(SystemExit, msg=argv) as cm, \
                    mock.patch("sys.stderr"):
                self.parse("bench", "availability", *argv)
            self.assertEqual(cm.exception.code, 2)


class CommandTest(fake_repo.CommandCase):
    """`axl bench availability` end to end, with the boot faked."""

    BOOT_MODULE = ba

    def make_repo(self):
        return FakeRepo()

    def extra_patches(self):
        return [
            mock.patch.object(bench, "qemu_version", lambda: "fake"),
            mock.patch.object(ba, "write_plots", self.fake_plots),
        ]

    def fake_plots(self, results, stem):
        made = [Path(stem).with_suffix(s) for s in (".png", ".svg")]
        for p in made:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("plot")
        return made, None

    def axl(self, *argv, scripts=None):
        fake = FakeBoot(scripts or smoke_scripts())
        return self.run_axl(fake, argv)

    def test_end_to_end(self):
        path = self.root / "res" / "a.json"
        status, out, err, fake = self.axl(
            "bench", "availability", "--lambda", "5", "--duration", "2",
            "--price-requests", "200", "--json", str(path))
        self.assertEqual(status, 0, err)
        self.assertEqual(self.built, [[
            "kernel", "build/user/supervisor.elf", "build/user/edu.elf",
            "build/user/availclient.elf", ba.KERNEL_MONO]])
        self.assertEqual(len(fake.calls), 4)
        doc = json.loads(path.read_text())
        self.assertEqual([r["mode"] for r in doc["results"]],
                         ["user", "kernel"])
        for suffix in (".csv", ".png", ".svg"):
            self.assertTrue(path.with_suffix(suffix).is_file(), suffix)
        self.assertIn("availability under crashes: 2 s of guest time", out)
        self.assertIn("price of isolation", out)
        self.assertIn("written: ", err)
        self.assertNotRegex(out, r"\d+ passed, \d+ failed")

    def test_without_json(self):
        status, _, err, _ = self.axl(
            "bench", "availability", "--mode", "user", "--lambda", "5",
            "--duration", "2", "--no-build")
        self.assertEqual(status, 0, err)
        out_dir = self.root / ba.OUT_DIR
        self.assertTrue((out_dir / "availability.csv").is_file())
        self.assertFalse((out_dir / "availability.json").exists())
        self.assertEqual(self.built, [])

    def test_smoke(self):
        status, out, err, fake = self.axl("bench", "availability", "--smoke",
                                          "--no-build", "--lambda", "99")
        self.assertEqual(status, 0, err)
        self.assertRegex(out, r"^availability smoke: ok \(user 2 crashes "
                              r".*; kernel 2 crashes .*\)\n$")
        self.assertTrue((self.root / ba.OUT_DIR / "smoke.json").is_file())
        self.assertEqual([c["stem"] for c in fake.calls],
                         ["user-lambda5", "user-price", "kernel-lambda5",
                          "kernel-price"])
        scripts = smoke_scripts()
        scripts["kernel-lambda5"] = run_lines("kernel", 1.0, 2.0, [])
        status, out, _, _ = self.axl("bench", "availability", "--smoke",
                                     "--no-build", scripts=scripts)
        self.assertEqual(status, 1)
        self.assertRegex(out, r"^availability smoke: FAILED: kernel "
                              r"lambda=5: not crashes >= 1")
        self.assertNotRegex(out, r"\d+ passed, \d+ failed")

    def test_failed_run_exits_1(self):
        scripts = smoke_scripts()
        scripts["user-lambda5"] = scripts["user-lambda5"][:4]
        status, _, err, _ = self.axl("bench", "availability", "--mode",
                                     "user", "--lambda", "5", "--duration",
                                     "2", "--no-build", scripts=scripts)
        self.assertEqual(status, 1)
        self.assertIn("error: user lambda=5: the guest ended with", err)

    def test_setup_errors_exit_2(self):
        (self.root / ba.KERNEL_MONO).unlink()
        status, _, err, fake = self.axl("bench", "availability", "--no-build")
        self.assertEqual(status, 2)
        self.assertIn("build/kernel-mono/kernel.elf32 not found", err)
        self.assertEqual(fake.calls, [])
        status, _, err, _ = self.axl("bench", "availability", "--mode",
                                     "kernel", "--kind", "exit")
        self.assertEqual(status, 2)
        self.assertIn("cannot be used in kernel mode", err)
        shutil.rmtree(self.root / ba.TEMPLATE_BASE / "user")
        status, _, err, _ = self.axl("bench", "availability", "--mode",
                                     "user")
        self.assertEqual(status, 2)
        self.assertIn("the user-mode system of the availability benchmark "
                      "is missing", err)


if __name__ == "__main__":
    unittest.main()
