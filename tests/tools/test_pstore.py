"""test_pstore.py: the ERST store on the host (tools/axlpy/pstore.py).

No QEMU needed: the layout constants against kernel/include/uapi/axl/
pstore.h (compiled with gcc, skipped without it), parsing and listing of
synthetic stores, the byte effect of every tamper action, the key and
store set-up.  One test compares new_store() with a store QEMU makes; it is
skipped when qemu-system-x86_64 is missing.
Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import mmap
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import AxlError, pstore  # noqa: E402

PSTORE_H = ROOT / "kernel" / "include" / "uapi" / "axl" / "pstore.h"

# The header QEMU 7.2 writes into a missing 64 KiB store (acpi-erst with
# the default record_size), read from a file it made: "ERSTSTOR", 0x2000,
# 0x2000, version 0x0100, reserved 0, record_count 0; zeros after it.
QEMU_HEADER = bytes.fromhex("4552535453544f52" "00200000" "00200000"
                            "0001" "0000" "00000000")


def make_record(counter, kind=pstore.KIND_PANIC, length=1000,
                record_id=None, cr2=0xdeadbeef):
    """A record shaped like the kernel's (no valid tag: the host tools
    here never check tags)."""
    rec = bytearray(length)
    for name, value in (("signature", pstore.CPER_SIGNATURE),
                        ("revision", pstore.CPER_REVISION),
                        ("signature_end", pstore.CPER_SIGNATURE_END),
                        ("section_count", 1),
                        ("error_severity", pstore.CPER_SEVERITY_FATAL),
                        ("record_length", length),
                        ("creator_id", pstore.CREATOR_GUID),
                        ("notification_type", pstore.NOTIFY_GUID),
                        ("record_id", counter if record_id is None
                         else record_id)):
        pstore._put(rec, pstore.CPER_FIELDS, name, value)
    body = pstore.BODY_OFFSET
    for name, value in (("magic", pstore.PSTORE_MAGIC), ("version", 1),
                        ("kind", kind), ("counter", counter),
                        ("boot_count", counter)):
        pstore._put(rec, pstore.BODY_FIELDS, name, value, body)
    struct.pack_into("<Q", rec, pstore.CR2_OFFSET, cr2)
    for i in range(body + pstore.BODY_SIZE, length - pstore.TAG_SIZE):
        rec[i] = i & 0xff   # "log" bytes
    rec[length - pstore.TAG_SIZE:] = b"\xab" * pstore.TAG_SIZE
    return bytes(rec)


def make_store(records):
    """A store with records {slot: bytes}, as QEMU would have written
    them (0xFF after each record, map and record_count set)."""
    store = pstore.Store(pstore.new_store())
    for slot, rec in records.items():
        store.put_record(slot, rec)
    return store


def state_record(counter):
    return make_record(counter, kind=pstore.KIND_STATE, length=856,
                       record_id=pstore.STATE_ID)


# ------------------------------------------------------------------ layout

C_PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include <uapi/axl/pstore.h>
#define FIELD(S, f) printf("field %s %s %zu %zu\n", #S, #f, \
    offsetof(struct S, f), sizeof(((struct S *)0)->f));
#define OFFSET(S, f) printf("field %s %s %zu -\n", #S, #f, \
    offsetof(struct S, f));
#define SIZE(S) printf("size %s %zu\n", #S, sizeof(struct S));
#define CONST(c) printf("const %s %llu\n", #c, (unsigned long long)(c));
#define REG(i, name) printf("reg %s %d\n", #name, i);
static void guid(const char *name, struct axl_guid g)
{
    const unsigned char *b = (const unsigned char *)&g;
    printf("guid %s ", name);
    for (int i = 0; i < 16; i++)
        printf("%02x", b[i]);
    printf("\n");
}
int main(void)
{
@FIELDS@
    SIZE(axl_erst_file_header) SIZE(axl_cper_header)
    SIZE(axl_cper_section) SIZE(axl_pstore_body) SIZE(axl_guid)
    CONST(AXL_ERST_FILE_MAGIC) CONST(AXL_CPER_REVISION)
    CONST(AXL_CPER_SIGNATURE_END) CONST(AXL_CPER_SEVERITY_FATAL)
    CONST(AXL_CPER_SEVERITY_INFO) CONST(AXL_PSTORE_MAGIC)
    CONST(AXL_PSTORE_TAG_SIZE) CONST(AXL_PSTORE_RECORD_MAX)
    CONST(AXL_PSTORE_BODY_OFFSET) CONST(AXL_PSTORE_BACKTRACE_MAX)
    CONST(AXL_PSTORE_STATE_ID) CONST(AXL_PSTORE_KIND_PANIC)
    CONST(AXL_PSTORE_KIND_STATE) CONST(AXL_PSTORE_NREGS)
    printf("const AXL_CPER_SIGNATURE %s\n", AXL_CPER_SIGNATURE);
    AXL_PSTORE_REGS(REG)
    guid("creator", (struct axl_guid)AXL_PSTORE_CREATOR_GUID);
    guid("notify", (struct axl_guid)AXL_PSTORE_NOTIFY_GUID);
    guid("section", (struct axl_guid)AXL_PSTORE_SECTION_GUID);
    return 0;
}
"""

STRUCTS = (("axl_cper_header", pstore.CPER_FIELDS),
           ("axl_cper_section", pstore.SECTION_FIELDS),
           ("axl_pstore_body", pstore.BODY_FIELDS))


@unittest.skipUnless(PSTORE_H.is_file(), f"{PSTORE_H} not in the tree")
class LayoutTest(unittest.TestCase):
    """Every offset, size and constant pstore.py hard-codes, against what
    gcc makes of pstore.h."""

    @classmethod
    def setUpClass(cls):
        gcc = shutil.which("gcc")
        if gcc is None:
            raise unittest.SkipTest("gcc not found: cannot cross-check "
                                    "pstore.py's offsets against pstore.h")
        fields = [f"    FIELD({s}, {name})" for s, table in STRUCTS
                  for name, _, _ in table]
        fields += [f"    FIELD(axl_erst_file_header, {name})" for name in
                   ("magic", "record_size", "storage_offset", "version",
                    "reserved", "record_count")]
        fields.append("    OFFSET(axl_erst_file_header, map)")
        with tempfile.TemporaryDirectory() as tmp:
            src, exe = Path(tmp, "layout.c"), Path(tmp, "layout")
            src.write_text(C_PROGRAM.replace("@FIELDS@", "\n".join(fields)))
            subprocess.run([gcc, "-std=c11", "-Wall", "-Werror",
                            "-I", str(ROOT / "kernel" / "include"),
                            "-o", str(exe), str(src)], check=True,
                           capture_output=True)
            out = subprocess.run([str(exe)], check=True, capture_output=True,
                                 text=True).stdout
        cls.fields, cls.sizes, cls.consts = {}, {}, {}
        cls.regs, cls.guids = {}, {}
        for line in out.splitlines():
            kind, *rest = line.split()
            if kind == "field":
                struct_name, name, offset, size = rest
                cls.fields[struct_name, name] = (
                    int(offset), None if size == "-" else int(size))
            elif kind == "size":
                cls.sizes[rest[0]] = int(rest[1])
            elif kind == "const":
                cls.consts[rest[0]] = rest[1]
            elif kind == "reg":
                cls.regs[rest[0]] = int(rest[1])
            elif kind == "guid":
                cls.guids[rest[0]] = bytes.fromhex(rest[1])

    def test_record_fields(self):
        for struct_name, table in STRUCTS:
            for name, offset, fmt in table:
                with self.subTest(f"{struct_name}.{name}"):
                    self.assertEqual(self.fields[struct_name, name],
                                     (offset, struct.calcsize("<" + fmt)))

    def test_struct_sizes(self):
        self.assertEqual(self.sizes["axl_cper_header"],
                         pstore.CPER_HEADER_SIZE)
        self.assertEqual(self.sizes["axl_cper_section"], pstore.SECTION_SIZE)
        self.assertEqual(self.sizes["axl_pstore_body"], pstore.BODY_SIZE)
        self.assertEqual(self.sizes["axl_erst_file_header"],
                         pstore.HEADER_SIZE)
        self.assertEqual(self.sizes["axl_guid"], 16)

    def test_file_header(self):
        h = "axl_erst_file_header"
        for name in ("magic", "record_size", "storage_offset", "version",
                     "reserved", "record_count"):
            with self.subTest(name):
                offset, fmt = pstore._field(pstore.HEADER_FIELDS, name)
                self.assertEqual(self.fields[h, name],
                                 (offset, struct.calcsize(fmt)))
        self.assertEqual(self.fields[h, "map"][0], pstore.MAP_OFFSET)

    def test_constants(self):
        c = {k: int(v) for k, v in self.consts.items() if v.isdigit()}
        self.assertEqual(c["AXL_ERST_FILE_MAGIC"], pstore.ERST_FILE_MAGIC)
        self.assertEqual(c["AXL_CPER_REVISION"], pstore.CPER_REVISION)
        self.assertEqual(c["AXL_CPER_SIGNATURE_END"],
                         pstore.CPER_SIGNATURE_END)
        self.assertEqual(c["AXL_CPER_SEVERITY_FATAL"],
                         pstore.CPER_SEVERITY_FATAL)
        self.assertEqual(c["AXL_CPER_SEVERITY_INFO"],
                         pstore.CPER_SEVERITY_INFO)
        self.assertEqual(c["AXL_PSTORE_MAGIC"], pstore.PSTORE_MAGIC)
        self.assertEqual(c["AXL_PSTORE_TAG_SIZE"], pstore.TAG_SIZE)
        self.assertEqual(c["AXL_PSTORE_RECORD_MAX"], pstore.RECORD_SIZE)
        self.assertEqual(c["AXL_PSTORE_BODY_OFFSET"], pstore.BODY_OFFSET)
        self.assertEqual(c["AXL_PSTORE_BACKTRACE_MAX"],
                         pstore.BACKTRACE_MAX)
        self.assertEqual(c["AXL_PSTORE_STATE_ID"], pstore.STATE_ID)
        self.assertEqual(c["AXL_PSTORE_KIND_PANIC"], pstore.KIND_PANIC)
        self.assertEqual(c["AXL_PSTORE_KIND_STATE"], pstore.KIND_STATE)
        self.assertEqual(c["AXL_PSTORE_NREGS"], pstore.NREGS)
        self.assertEqual(self.consts["AXL_CPER_SIGNATURE"].encode(),
                         pstore.CPER_SIGNATURE)

    def test_registers_and_guids(self):
        self.assertEqual(self.regs, {name: i for i, name
                                     in enumerate(pstore.REG_NAMES)})
        self.assertEqual(self.regs["CR2"], pstore.REG_CR2)
        self.assertEqual(self.guids["creator"], pstore.CREATOR_GUID)
        self.assertEqual(self.guids["notify"], pstore.NOTIFY_GUID)
        self.assertEqual(self.guids["section"], pstore.SECTION_GUID)


class NewStoreTest(unittest.TestCase):
    def test_header_as_qemu_writes_it(self):
        data = pstore.new_store()
        self.assertEqual(len(data), 0x10000)
        self.assertEqual(data[:24], QEMU_HEADER)
        self.assertEqual(data[24:], bytes(len(data) - 24))
        store = pstore.Store(data)
        self.assertEqual(list(store.slots), list(range(1, 8)))
        self.assertEqual(store.records(), [])
        self.assertEqual(store.free_slots(), list(range(1, 8)))

    @unittest.skipUnless(shutil.which("qemu-system-x86_64"),
                         "qemu-system-x86_64 not found")
    def test_same_bytes_as_qemu(self):
        """QEMU creates a missing store file and writes its header."""
        with tempfile.TemporaryDirectory() as tmp:
            store = Path(tmp, "s.erst")
            proc = subprocess.Popen(
                ["qemu-system-x86_64", "-M", "q35", "-nodefaults",
                 "-display", "none", "-S", "-monitor", "none",
                 "-serial", "none", "-object",
                 f"memory-backend-file,id=erst,mem-path={store},size=64K,"
                 f"share=on", "-device", "acpi-erst,memdev=erst"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
            try:
                give_up = time.monotonic() + 20
                while time.monotonic() < give_up and proc.poll() is None:
                    if store.is_file() and store.read_bytes()[:8] == \
                            b"ERSTSTOR":
                        break
                    time.sleep(0.05)
            finally:
                proc.kill()
                _, err = proc.communicate()
            if not store.is_file() or store.read_bytes()[:8] != b"ERSTSTOR":
                self.skipTest(f"QEMU made no store: {err.decode()[-200:]}")
            self.assertEqual(store.read_bytes(), pstore.new_store())


# ----------------------------------------------------------------- parsing

class ParseTest(unittest.TestCase):
    def test_records_and_newest_panic(self):
        store = make_store({1: state_record(7), 2: make_record(3),
                            3: make_record(6, length=2000),
                            5: pstore.foreign_record(0x1005)})
        recs = store.records()
        self.assertEqual([(r.slot, r.map_id, r.kind_name, r.counter)
                          for r in recs],
                         [(1, pstore.STATE_ID, "state", 7),
                          (2, 3, "panic", 3), (3, 6, "panic", 6),
                          (5, 0x1005, "foreign", None)])
        self.assertEqual(store.header("record_count"), 4)
        self.assertEqual(store.free_slots(), [4, 6, 7])
        newest = store.newest_panic()
        self.assertEqual((newest.slot, newest.length, newest.record_id),
                         (3, 2000, 6))
        self.assertIsNone(make_store({1: state_record(1)}).newest_panic())

    def test_slot_bytes_after_a_record_are_ff(self):
        store = make_store({2: make_record(3, length=900)})
        slot = bytes(store.slot_view(2))
        self.assertEqual(slot[:900], make_record(3, length=900))
        self.assertEqual(set(slot[900:]), {0xff})
        self.assertEqual(store.map_id(2), 3)

    def test_not_cper_and_listing(self):
        store = make_store({1: make_record(3)})
        store.set_map_id(4, 0x99)       # a used slot of zeros
        lines = pstore.format_listing(store)
        self.assertIn("7 slots of 8192 bytes, record_count 1", lines[0])
        self.assertRegex(lines[1], r"^slot +id +kind +counter +boot +length")
        self.assertRegex(lines[2], r"^1 +0x3 +panic +3 +3 +1000 +fatal$")
        self.assertRegex(lines[5], r"^4 +0x99 \(record says 0x0\) +not-cper")
        self.assertRegex(lines[-1], "warning: record_count is 1 but 2 "
                                    "slots are used")

    def test_rejects_what_is_not_a_store(self):
        cases = {
            "too short": (b"ERSTSTOR", "too short"),
            "magic": (b"\0" * 0x10000, "not an ERST store"),
            "record size": (QEMU_HEADER[:8] + struct.pack("<I", 1000)
                            + QEMU_HEADER[12:] + bytes(0x10000 - 24),
                            "record size 1000"),
            "file size": (pstore.new_store()[:0x9000], "multiples"),
        }
        for what, (data, problem) in cases.items():
            with self.subTest(what), \
                    self.assertRaisesRegex(pstore.StoreError, problem):
                pstore.Store(data, "x.erst")

    def test_read_names_the_file(self):
        with self.assertRaisesRegex(AxlError, r"nope\.erst: cannot read"):
            pstore.Store.read("/nonexistent/nope.erst")


# ------------------------------------------------------------------ tamper

class TamperTest(unittest.TestCase):
    def setUp(self):
        self.store = make_store({1: state_record(7), 2: make_record(3),
                                 3: make_record(6, length=2000)})
        self.before = bytes(self.store.data)
        self.state = pstore.TamperState()

    def changed(self):
        """Offsets of the bytes that differ from before."""
        return [i for i, (a, b) in enumerate(zip(self.before,
                                                 self.store.data)) if a != b]

    def slot_offset(self, slot):
        return slot * pstore.RECORD_SIZE

    def test_snapshot_changes_nothing(self):
        line = pstore.apply(self.store, "snapshot", self.state)
        self.assertEqual(self.changed(), [])
        self.assertEqual(self.state.record, make_record(6, length=2000))
        self.assertEqual(self.state.slot, 3)
        self.assertIn("record 0x6 (counter 6) of slot 3", line)

    def test_replay_puts_the_record_in_a_free_slot(self):
        pstore.apply(self.store, "snapshot", self.state)
        pstore.apply(self.store, "replay", self.state)
        slot = bytes(self.store.slot_view(4))
        self.assertEqual(slot[:2000], make_record(6, length=2000))
        self.assertEqual(set(slot[2000:]), {0xff})
        self.assertEqual(self.store.map_id(4), 6)
        self.assertEqual(self.store.header("record_count"), 4)
        # nothing else: the count, map[4] and slot 4
        off4 = self.slot_offset(4)
        self.assertTrue(all(i in range(20, 24) or i in range(56, 64)
                            or off4 <= i < off4 + pstore.RECORD_SIZE
                            for i in self.changed()))

    def test_replay_needs_a_snapshot_and_a_free_slot(self):
        with self.assertRaisesRegex(pstore.StoreError, "no snapshot"):
            pstore.apply(self.store, "replay", self.state)
        pstore.apply(self.store, "snapshot", self.state)
        pstore.apply(self.store, "fill-foreign", self.state)
        with self.assertRaisesRegex(pstore.StoreError, "no free slot"):
            pstore.apply(self.store, "replay", self.state)

    def test_forge_changes_cr2_only(self):
        pstore.apply(self.store, "forge", self.state)
        base = self.slot_offset(3) + pstore.CR2_OFFSET
        # 0xdeadbeef -> 0xcafebabe: only the low four bytes differ
        self.assertEqual(self.changed(), [base, base + 1, base + 2,
                                          base + 3])
        self.assertEqual(struct.unpack_from("<Q", self.store.data, base)[0],
                         0x00000000cafebabe)
        self.assertEqual(pstore.CR2_OFFSET, 200 + 88 + 21 * 8)

    def test_tear_erases_from_half_to_the_slot_end(self):
        pstore.apply(self.store, "tear", self.state)
        start, end = self.slot_offset(3), self.slot_offset(4)
        data = self.store.data
        self.assertEqual(data[start:start + 1000],
                         make_record(6, length=2000)[:1000])
        self.assertEqual(set(data[start + 1000:end]), {0xff})
        self.assertTrue(all(start + 1000 <= i < end for i in self.changed()))
        self.assertEqual(self.store.map_id(3), 6)
        self.assertEqual(self.store.header("record_count"), 3)

    def test_fill_foreign(self):
        line = pstore.apply(self.store, "fill-foreign", self.state)
        self.assertEqual(line, "fill-foreign: slots 4, 5, 6, 7 filled")
        self.assertEqual(self.store.header("record_count"), 7)
        self.assertEqual(self.store.free_slots(), [])
        for slot in (4, 5, 6, 7):
            data = bytes(self.store.slot_view(slot))
            rec = pstore.parse_record(slot, self.store.map_id(slot), data)
            self.assertEqual((rec.map_id, rec.record_id, rec.length),
                             (0x1000 + slot, 0x1000 + slot, 256))
            self.assertEqual(rec.creator, b"\x11" * 16)
            self.assertEqual(rec.severity, pstore.CPER_SEVERITY_INFO)
            self.assertTrue(rec.is_cper)
            self.assertFalse(rec.ours)
            self.assertEqual(set(data[256:]), {0xff})
            self.assertEqual(pstore._get(data, pstore.CPER_FIELDS,
                                         "section_count"), 1)
            self.assertEqual(pstore._get(data, pstore.SECTION_FIELDS,
                                         "section_length", 128), 56)
        # the records already there are untouched
        for slot in (1, 2, 3):
            self.assertEqual(
                bytes(self.store.slot_view(slot)),
                self.before[self.slot_offset(slot):
                            self.slot_offset(slot + 1)])

    def test_fill_foreign_on_a_fresh_store(self):
        store = pstore.Store(pstore.new_store())
        pstore.apply(store, "fill-foreign", self.state)
        self.assertEqual([r.record_id for r in store.records()],
                         [0x1000 + i for i in range(1, 8)])

    def test_actions_need_a_panic_record(self):
        store = make_store({1: state_record(2)})
        for action in ("snapshot", "forge", "tear"):
            with self.subTest(action), \
                    self.assertRaisesRegex(pstore.StoreError,
                                           f"{action}: no panic record"):
                pstore.apply(store, action, self.state)

    def test_tamper_file_writes_in_place(self):
        """The file keeps its inode and size, and a MAP_SHARED mapping of
        it (what QEMU has) sees the change."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "s.erst")
            path.write_bytes(bytes(self.store.data))
            inode = path.stat().st_ino
            with open(path, "r+b") as f, \
                    mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED) as m:
                done = pstore.tamper_file(path, ["forge"], self.state)
                base = self.slot_offset(3) + pstore.CR2_OFFSET
                self.assertEqual(struct.unpack_from("<Q", m, base)[0],
                                 pstore.FORGED_CR2)
            self.assertEqual((path.stat().st_ino, path.stat().st_size),
                             (inode, 0x10000))
            self.assertEqual(len(done), 1)

    def test_parse_tamper(self):
        self.assertEqual(pstore.parse_tamper("forge@1"),
                         pstore.Tamper("forge", 1))
        self.assertEqual(str(pstore.parse_tamper("fill-foreign@0")),
                         "fill-foreign@0")
        self.assertEqual(pstore.parse_tamper("tear@12").panic, 12)
        bad = {"forge": "must be ACTION@K", "forge@": "must be ACTION@K",
               "forge@-1": "must be ACTION@K", "forge@x": "ACTION@K",
               "forge@1@2": "ACTION@K", "smash@1": "unknown action 'smash'",
               "tear@0": "only fill-foreign can happen before the first",
               "@1": "unknown action ''"}
        for text, problem in bad.items():
            with self.subTest(text), self.assertRaisesRegex(ValueError,
                                                            problem):
                pstore.parse_tamper(text)


# ------------------------------------------------------------------- set-up

class SetupTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()

    def test_key_is_made_once(self):
        path = pstore.ensure_key(self.root)
        self.assertEqual(path, self.root / "build/pstore/machine.key")
        key = path.read_bytes()
        self.assertEqual(len(key), 32)
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        self.assertEqual(pstore.ensure_key(self.root).read_bytes(), key)
        self.assertEqual(os.listdir(path.parent), ["machine.key"])

    def test_key_of_the_wrong_size(self):
        path = self.root / "build/pstore/machine.key"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"short")
        with self.assertRaisesRegex(pstore.StoreError,
                                    r"machine\.key is 5 bytes, a machine key "
                                    r"is 32: delete it"):
            pstore.ensure_key(self.root)
        self.assertEqual(path.read_bytes(), b"short")

    def test_prepare_store(self):
        d = self.root / "build/pstore"
        d.mkdir(parents=True)
        for name in ("s.erst", "s.panic1.erst", "s.panic12.erst",
                     "s.panic2.pre-tamper.erst", "s.panicky.erst",
                     "other.erst", "other.panic1.erst"):
            (d / name).write_bytes(b"x" * 0x10000)
        path = pstore.prepare_store(self.root, "s", keep=True)
        self.assertEqual(path, d / "s.erst")
        self.assertEqual(sorted(os.listdir(d)),
                         ["other.erst", "other.panic1.erst", "s.erst",
                          "s.panicky.erst"])
        pstore.prepare_store(self.root, "s")
        self.assertFalse(path.exists())
        path.write_bytes(b"x" * 100)
        with self.assertRaisesRegex(pstore.StoreError,
                                    "is 100 bytes, QEMU needs exactly 65536 "
                                    r"\(64K\)"):
            pstore.prepare_store(self.root, "s", keep=True)

    def test_paths(self):
        self.assertEqual(pstore.store_path("kernel-pf"),
                         "build/pstore/kernel-pf.erst")
        self.assertEqual(pstore.panic_store_path("kernel-pf", 2),
                         "build/pstore/kernel-pf.panic2.erst")
        self.assertEqual(pstore.pre_tamper_path("kernel-pf", 2),
                         "build/pstore/kernel-pf.panic2.pre-tamper.erst")


if __name__ == "__main__":
    unittest.main()
