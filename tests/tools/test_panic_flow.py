"""test_panic_flow.py: what the runner does at a panic, and the crash CLI.

No QEMU: the pvpanic flow (memory dump, store copy, tamper, reset, quit)
against a fake QMP server on a Unix socket, the decoder run with a fake
build/tools/axl-crash, and `axl crash decode` / `axl pstore`.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import contextlib
import io
import json
import os
import re
import socket
import struct
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import pstore, runner  # noqa: E402
from axlpy import scenario as scen         # noqa: E402

from tests.tools.test_axl import load_cli, make_scenario   # noqa: E402
from tests.tools.test_pstore import make_record, make_store  # noqa: E402


class FakeQemu:
    """A QMP server that plays a guest panicking `panics` times: it
    answers query-status with "running" and sends GUEST_PANICKED; after
    `cont` the guest panics again, or, when it has no panics left, QEMU
    exits (the socket closes: a debug-exit).  At each panic it calls
    at_panic(k) first (to change the store as a guest would)."""

    def __init__(self, path, panics, at_panic=None):
        self.path = path
        self.panics_left = panics
        self.at_panic = at_panic or (lambda k: None)
        self.panic_count = 0
        self.commands = []
        self.alive = True
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(path)
        self._server.listen(1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def poll(self):
        return None if self.alive else 0

    def _panic(self, send):
        self.panics_left -= 1
        self.panic_count += 1
        self.at_panic(self.panic_count)
        send({"event": "GUEST_PANICKED", "data": {"action": "pause"}})
        send({"event": "STOP"})

    def _serve(self):
        conn, _ = self._server.accept()
        f = conn.makefile("rwb")

        def send(message):
            f.write(json.dumps(message).encode() + b"\n")
            f.flush()

        send({"QMP": {"version": {}, "capabilities": []}})
        try:
            for line in f:
                message = json.loads(line)
                command = message["execute"]
                args = message.get("arguments", {})
                self.commands.append(command)
                if command == "query-status":
                    send({"return": {"status": "running"}})
                    self._panic(send)
                elif command == "dump-guest-memory":
                    Path(args["protocol"].removeprefix("file:")).write_bytes(
                        b"\x7fELF core")
                    send({"event": "DUMP_COMPLETED",
                          "data": {"result": {"status": "completed"}}})
                    send({"return": {}})
                elif command == "pmemsave":
                    Path(args["filename"]).write_bytes(
                        b"P\x1fA\x1fN\x1fI\x1fC\x1f" + bytes(4000 - 10))
                    send({"return": {}})
                elif command == "cont":
                    send({"return": {}})
                    if self.panics_left > 0:
                        self._panic(send)
                    else:
                        break       # the guest exits through debug-exit
                elif command == "quit":
                    send({"return": {}})
                    break
                else:
                    send({"return": {}})
        finally:
            self.alive = False
            f.close()
            conn.close()
            self._server.close()


class PanicFlowTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name)
        self.sock = str(self.root / "qmp.sock")
        self.store = self.root / "build/pstore/demo.erst"
        self.store.parent.mkdir(parents=True)

    def tearDown(self):
        self._tmp.cleanup()

    def flow(self, scenario, **options):
        notes = []
        opts = runner.RunOptions(root=self.root, **options)
        flow = runner._PanicFlow(scenario, opts, str(self.root),
                                 notes.append)
        return flow, notes

    def guest_writes(self, k):
        """A guest that writes panic record k*3 at each panic."""
        store = pstore.Store.read(self.store)
        free = store.free_slots()[0]
        store.put_record(free, make_record(3 * k, length=1200))
        store.write(self.store)

    def watch(self, flow, panics, at_panic=None):
        qemu = FakeQemu(self.sock, panics, at_panic)
        panicked, deadline = flow.watch(qemu, self.sock,
                                        time.monotonic() + 20)
        qemu._thread.join(timeout=5)
        return qemu, panicked

    def test_reboots_then_a_final_panic(self):
        s = make_scenario(devices=("pvpanic", "erst", "vga"), reboots=1,
                          tamper=(pstore.Tamper("snapshot", 1),
                                  pstore.Tamper("forge", 1),
                                  pstore.Tamper("replay", 2)))
        self.store.write_bytes(pstore.new_store())
        flow, notes = self.flow(s)
        qemu, panicked = self.watch(flow, 2, self.guest_writes)
        self.assertTrue(panicked)
        self.assertEqual(qemu.commands,
                         ["qmp_capabilities", "query-status", "pmemsave",
                          "system_reset", "cont", "pmemsave", "quit"])
        self.assertEqual(flow.panics, 2)
        self.assertEqual(flow.stores, [
            self.root / "build/pstore/demo.panic1.erst",
            self.root / "build/pstore/demo.panic2.erst"])
        # The copy is the store after the panic's tamper actions (what the
        # next boot reads); the guest's own store is kept beside it.
        cr2 = lambda path: struct.unpack_from(  # noqa: E731
            "<Q", pstore.Store.read(path).slot_view(1), pstore.CR2_OFFSET)[0]
        first = pstore.Store.read(flow.stores[0])
        self.assertEqual([r.counter for r in first.records()], [3])
        self.assertEqual(cr2(flow.stores[0]), pstore.FORGED_CR2)
        pre = self.root / "build/pstore/demo.panic1.pre-tamper.erst"
        self.assertEqual(cr2(pre), 0xdeadbeef)
        second = pstore.Store.read(flow.stores[1])
        self.assertEqual([(r.slot, r.counter) for r in second.records()],
                         [(1, 3), (2, 6), (3, 3)])
        self.assertTrue((self.root /
                         "build/pstore/demo.panic2.pre-tamper.erst").exists())
        final = pstore.Store.read(self.store)
        self.assertEqual([(r.slot, r.counter) for r in final.records()],
                         [(1, 3), (2, 6), (3, 3)])   # record 3 replayed
        self.assertEqual(bytes(final.slot_view(3))[:1200],
                         make_record(3, length=1200))
        self.assertEqual(flow.tamper_errors, [])
        self.assertEqual(len(flow.tampered), 3)
        self.assertEqual(flow.screen[0], "PANIC")
        self.assertIn("panic 1: machine reset (reboot 1 of 1)", notes)
        self.assertIn("panic 2: store copied to "
                      f"{self.root}/build/pstore/demo.panic2.erst", notes)

    def test_exit_after_a_reboot(self):
        s = make_scenario(devices=("pvpanic",), reboots=3)
        flow, _ = self.flow(s)
        qemu, panicked = self.watch(flow, 1)
        self.assertFalse(panicked)
        self.assertEqual(flow.panics, 1)
        self.assertEqual(qemu.commands, ["qmp_capabilities", "query-status",
                                         "system_reset", "cont"])
        self.assertEqual(flow.stores, [])

    def test_options_override_the_scenarios_reboots(self):
        s = make_scenario(devices=("pvpanic",), reboots=3)
        flow, _ = self.flow(s, reboots=0)
        qemu, panicked = self.watch(flow, 5)
        self.assertTrue(panicked)
        self.assertEqual(qemu.commands[-1], "quit")
        self.assertEqual(flow.panics, 1)
        flow, notes = self.flow(make_scenario(devices=("pvpanic",)),
                                reboots=runner.FOREVER)
        os.unlink(self.sock)
        qemu, panicked = self.watch(flow, 4)
        self.assertFalse(panicked)    # the guest exits after panic 4
        self.assertEqual(flow.panics, 4)
        self.assertIn("panic 4: machine reset (reboot 4)", notes)

    def test_dump(self):
        s = make_scenario(devices=("pvpanic",))
        old = self.root / "build/crash/demo-1.elf"
        old.parent.mkdir(parents=True)
        old.write_bytes(b"old")
        old.chmod(0o400)
        flow, notes = self.flow(s, dump=True)
        qemu, panicked = self.watch(flow, 1)
        self.assertTrue(panicked)
        self.assertEqual(qemu.commands, ["qmp_capabilities", "query-status",
                                         "dump-guest-memory", "quit"])
        self.assertEqual(flow.dumps, [old.resolve()])
        self.assertEqual(old.read_bytes(), b"\x7fELF core")
        self.assertEqual(notes, ["panic 1: memory dump saved to "
                                 f"{old.resolve()}"])

    def test_tamper_failures_are_recorded(self):
        s = make_scenario(devices=("pvpanic", "erst"),
                          tamper=(pstore.Tamper("forge", 1),
                                  pstore.Tamper("fill-foreign", 1)))
        self.store.write_bytes(pstore.new_store())
        flow, _ = self.flow(s)
        self.watch(flow, 1)
        self.assertEqual(len(flow.tamper_errors), 1)
        self.assertRegex(flow.tamper_errors[0],
                         r"^forge@1: .*demo\.erst: forge: no panic record")
        # the action after the failed one was still done
        self.assertEqual(len(pstore.Store.read(self.store).records()), 7)

    def test_prepare_pstore_and_actions_before_the_boot(self):
        s = make_scenario(devices=("erst",),
                          tamper=(pstore.Tamper("fill-foreign", 0),))
        self.store.write_bytes(b"old store")
        (self.root / "build/pstore/demo.panic3.erst").write_bytes(b"old")
        flow, notes = self.flow(s)
        runner._prepare_pstore(flow, keep=False)
        store = pstore.Store.read(self.store)
        self.assertEqual(store.data[:20], pstore.new_store()[:20])
        self.assertEqual(store.header("record_count"), 7)
        self.assertEqual(len(store.records()), 7)
        self.assertEqual(sorted(os.listdir(self.store.parent)),
                         ["demo.erst", "machine.key"])
        self.assertEqual(notes, ["tamper @0: fill-foreign: slots 1, 2, 3, "
                                 "4, 5, 6, 7 filled"])


FAKE_DECODER = """\
#!/bin/sh
echo "args: $*"
echo "cwd: $(pwd)"
echo "record 3: authentic"
echo "stderr text" >&2
exit ${FAKE_STATUS:-0}
"""


class DecodeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name).resolve()
        self.decoder = self.root / "build/tools/axl-crash"
        self.exp = scen.Expect("pvpanic", (), (), (),
                               decoded=(re.compile("authentic"),),
                               decode_status=0)

    def tearDown(self):
        self._tmp.cleanup()

    def install(self):
        self.decoder.parent.mkdir(parents=True)
        self.decoder.write_text(FAKE_DECODER)
        self.decoder.chmod(0o755)

    def result(self, panics, decode_panic=None):
        exp = scen.Expect(**{**self.exp.__dict__,
                             "decode_panic": decode_panic})
        s = make_scenario(devices=("pvpanic", "erst"), expect=exp, reboots=2)
        stores = [self.root / pstore.panic_store_path("demo", k)
                  for k in range(1, panics + 1)]
        for path in stores + [self.root / pstore.store_path("demo")]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"store")
        return runner.RunResult(s, "pvpanic", 0, 1.0, panics=panics,
                                panic_stores=stores)

    def test_missing_decoder(self):
        decode = runner.decode_run(self.result(1), self.root)
        self.assertEqual(decode.error, "decoder build/tools/axl-crash not "
                                       "found: run scons")

    def test_runs_on_the_last_panic_store_and_saves_stdout(self):
        self.install()
        log = self.root / "logs/demo.decoded.txt"
        decode = runner.decode_run(self.result(2), self.root, log)
        self.assertIsNone(decode.error)
        self.assertEqual(decode.status, 0)
        self.assertEqual(decode.lines, [
            "args: decode build/pstore/demo.panic2.erst --kernel "
            "build/kernel/kernel.elf --key build/pstore/machine.key",
            f"cwd: {self.root}", "record 3: authentic"])
        self.assertEqual(decode.stderr, "stderr text\n")
        self.assertEqual(log.read_text().splitlines(), decode.lines)

    def test_which_store(self):
        self.install()
        for panics, which, store in ((2, 1, "demo.panic1.erst"),
                                     (2, 0, "demo.erst"),
                                     (0, None, "demo.erst")):
            with self.subTest(which=which):
                decode = runner.decode_run(self.result(panics, which),
                                           self.root)
                self.assertIn(f"decode build/pstore/{store} ",
                              decode.lines[0])
        decode = runner.decode_run(self.result(1, 2), self.root)
        self.assertEqual(decode.error, "decode-panic 2: the run had 1 panic")

    def test_status_is_checked(self):
        self.install()
        log = self.root / "demo.decoded.txt"
        with mock.patch.dict(os.environ, {"FAKE_STATUS": "3"}):
            result = self.result(1)
            result.decode = runner.decode_run(result, self.root, log)
        reasons = runner.check(result, runner.Logs(decoded=log))
        self.assertEqual(len(reasons), 1)
        self.assertRegex(reasons[0], r"^decode-status: the decoder exited "
                                     r"with 3 on .*demo\.panic1\.erst, "
                                     r"expected 0 \(stderr text\); see ")


class CrashCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = load_cli()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name).resolve()
        self.patch = mock.patch.object(self.cli, "ROOT", self.root)
        self.patch.start()

    def tearDown(self):
        self.patch.stop()
        self._tmp.cleanup()

    def axl(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = self.cli.main(list(argv))
        return status, out.getvalue(), err.getvalue()

    def test_crash_decode_without_the_decoder(self):
        status, out, err = self.axl("crash", "decode", "x.erst")
        self.assertEqual(status, 2)
        self.assertEqual(err, "axl: error: decoder build/tools/axl-crash "
                              "not found: run scons\n")

    def test_crash_decode_passes_arguments_and_status(self):
        decoder = self.root / "build/tools/axl-crash"
        decoder.parent.mkdir(parents=True)
        record = self.root / "args.txt"
        decoder.write_text(f'#!/bin/sh\necho "$*" > {record}\nexit 5\n')
        decoder.chmod(0o755)
        status, _, _ = self.axl("crash", "decode", "s.erst", "--kernel",
                                "k.elf", "--key", "m.key", "--json")
        self.assertEqual(status, 5)
        self.assertEqual(record.read_text(),
                         "decode s.erst --kernel k.elf --key m.key --json\n")
        status, _, _ = self.axl("crash", "decode", "s.erst")
        self.assertEqual(record.read_text(), "decode s.erst\n")

    def test_crash_help_lists_decode(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), self.assertRaises(SystemExit):
            self.cli.main(["crash", "--help"])
        self.assertRegex(out.getvalue(), r"decode +decode the records")

    def test_pstore_list_and_tamper(self):
        path = self.root / "s.erst"
        path.write_bytes(bytes(make_store({1: make_record(3)}).data))
        status, out, _ = self.axl("pstore", "list", str(path))
        self.assertEqual(status, 0)
        self.assertRegex(out, r"(?m)^1 +0x3 +panic +3 +3 +1000 +fatal$")
        self.assertRegex(out, r"(?m)^2 +- +free$")
        status, out, _ = self.axl("pstore", "tamper", str(path), "forge")
        self.assertEqual(status, 0)
        self.assertIn("forge: CR2 of record 0x3 (slot 1) set to "
                      "0x00000000cafebabe", out)
        old = self.root / "old.erst"
        old.write_bytes(bytes(make_store({2: make_record(9)}).data))
        status, out, _ = self.axl("pstore", "tamper", str(path), "replay",
                                  "--from", str(old))
        self.assertEqual(status, 0)
        self.assertIn("replay: record 0x9 (from slot 2) written to slot 2",
                      out)
        self.assertEqual([r.counter for r in
                          pstore.Store.read(path).records()], [3, 9])

    def test_pstore_errors(self):
        path = self.root / "s.erst"
        path.write_bytes(pstore.new_store())
        for argv, problem in (
                (("tamper", str(path), "replay"), "needs --from STORE"),
                (("tamper", str(path), "tear", "--from", str(path)),
                 "--from is only for replay"),
                (("tamper", str(path), "tear"), "tear: no panic record"),
                (("list", str(self.root / "nope.erst")),
                 r"nope\.erst: cannot read")):
            with self.subTest(argv):
                status, _, err = self.axl("pstore", *argv)
                self.assertEqual(status, 2)
                self.assertRegex(err, f"axl: error: .*{problem}")


if __name__ == "__main__":
    unittest.main()
