"""pstore.py: the ERST crash-record store on the host side.

A scenario with the "erst" device boots with QEMU's acpi-erst backed by
build/pstore/<scenario>.erst (64 KiB, share=on: QEMU mmaps it MAP_SHARED)
and gets the machine key build/pstore/machine.key through fw_cfg.  This
module knows the file's layout (QEMU's ERSTSTOR header, 8 KiB slots, the
CPER records of kernel/include/uapi/axl/pstore.h, whose byte offsets are
normative), lists it, and implements the tamper actions of the crash-record
tests (the attacker model: someone who can write the store while the
machine is off).

Writes go into the existing file in place (os.pwrite, never truncate or
rename): QEMU keeps the file mapped while the guest is paused, and a guest
reset then sees the new bytes.  Standard library only, no import-time
effects (scenario.py imports it for the tamper syntax).
"""

import contextlib
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import AxlError, display_path

# ----------------------------------------------------------- where things are

PSTORE_DIR = "build/pstore"                 # relative to the repository root
KEY_FILE = f"{PSTORE_DIR}/machine.key"      # the machine key (fw_cfg)
KEY_FW_CFG = "opt/axl/pstore-key"           # its fw_cfg name in the guest
KEY_SIZE = 32
DECODER = "build/tools/axl-crash"           # the C decoder (tools/crash/)
DUMP_DIR = "build/crash"                    # `axl boot --dump` memory dumps


def store_path(name):
    """The store of scenario `name`, relative to the repository root."""
    return f"{PSTORE_DIR}/{name}.erst"


def panic_store_path(name, k):
    """The copy of the store taken at panic k (1-based), after the tamper
    actions for panic k: what boot k + 1 reads."""
    return f"{PSTORE_DIR}/{name}.panic{k}.erst"


def pre_tamper_path(name, k):
    """The copy of the store at panic k as the guest left it, taken only
    when tamper actions change it then."""
    return f"{PSTORE_DIR}/{name}.panic{k}.pre-tamper.erst"


# ---------------------------------------------------------------- the layout

# QEMU's backing file (hw/acpi/erst.c, ERSTStorageHeader).
STORE_SIZE = 0x10000                  # -object ...,size=64K
STORE_SIZE_OPTION = "64K"
RECORD_SIZE = 8192                    # acpi-erst's default record_size
ERST_FILE_MAGIC = 0x524F545354535245  # "ERSTSTOR"
ERST_VERSION = 0x0100

# struct axl_erst_file_header: (field, offset, struct format), as QEMU's
# ERSTStorageHeader lays it out.
HEADER_FIELDS = (
    ("magic", 0, "Q"),
    ("record_size", 8, "I"),
    ("storage_offset", 12, "I"),
    ("version", 16, "H"),
    ("reserved", 18, "H"),
    ("record_count", 20, "I"),
)
HEADER_SIZE = 24
MAP_OFFSET = 24                       # map[i]: record id in slot i, 0 free

# struct axl_cper_header
CPER_FIELDS = (
    ("signature", 0, "4s"),
    ("revision", 4, "H"),
    ("signature_end", 6, "I"),
    ("section_count", 10, "H"),
    ("error_severity", 12, "I"),
    ("validation_bits", 16, "I"),
    ("record_length", 20, "I"),
    ("timestamp", 24, "Q"),
    ("platform_id", 32, "16s"),
    ("partition_id", 48, "16s"),
    ("creator_id", 64, "16s"),
    ("notification_type", 80, "16s"),
    ("record_id", 96, "Q"),
    ("flags", 104, "I"),
    ("persistence_info", 108, "Q"),
    ("reserved", 116, "12s"),
)
CPER_HEADER_SIZE = 128

# struct axl_cper_section, at CPER_HEADER_SIZE
SECTION_FIELDS = (
    ("section_offset", 0, "I"),
    ("section_length", 4, "I"),
    ("revision", 8, "H"),
    ("validation_bits", 10, "B"),
    ("reserved", 11, "B"),
    ("flags", 12, "I"),
    ("section_type", 16, "16s"),
    ("fru_id", 32, "16s"),
    ("section_severity", 48, "I"),
    ("fru_text", 52, "20s"),
)
SECTION_SIZE = 72

# struct axl_pstore_body, at BODY_OFFSET
NREGS = 24
BACKTRACE_MAX = 16
BODY_FIELDS = (
    ("magic", 0, "I"),
    ("version", 4, "H"),
    ("kind", 6, "H"),
    ("flags", 8, "I"),
    ("salt", 12, "I"),
    ("counter", 16, "Q"),
    ("boot_count", 24, "Q"),
    ("uptime_ns", 32, "Q"),
    ("panic_tsc", 40, "Q"),
    ("build_id", 48, "20s"),
    ("key_id", 68, "I"),
    ("panic_code", 72, "I"),
    ("vector", 76, "I"),
    ("error_code", 80, "Q"),
    ("regs", 88, f"{NREGS}Q"),
    ("backtrace_count", 280, "I"),
    ("reserved0", 284, "I"),
    ("backtrace", 288, f"{BACKTRACE_MAX}Q"),
    ("idt_base", 416, "Q"),
    ("idt_present", 424, "32s"),
    ("reason", 456, "160s"),
    ("next_counter", 616, "Q"),
    ("last_consumed", 624, "Q"),
    ("log_len", 632, "I"),
    ("reserved1", 636, "I"),
)
BODY_SIZE = 640
BODY_OFFSET = CPER_HEADER_SIZE + SECTION_SIZE   # AXL_PSTORE_BODY_OFFSET
TAG_SIZE = 16

CPER_SIGNATURE = b"CPER"
CPER_REVISION = 0x0101
CPER_SIGNATURE_END = 0xFFFFFFFF
CPER_SEVERITY_FATAL = 1
CPER_SEVERITY_INFO = 3
PSTORE_MAGIC = 0x504C5841             # "AXLP"
KIND_PANIC = 1
KIND_STATE = 2
STATE_ID = 0x4554415453584C41         # "AXLSTATE"
KIND_NAMES = {KIND_PANIC: "panic", KIND_STATE: "state"}

# AXL_PSTORE_REGS: index of each register in body.regs[]
REG_NAMES = ("RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP", "R8",
             "R9", "R10", "R11", "R12", "R13", "R14", "R15", "RIP", "RFLAGS",
             "CS", "SS", "CR0", "CR2", "CR3", "CR4")
REG_CR2 = REG_NAMES.index("CR2")


def guid_bytes(d1, d2, d3, d4):
    """A GUID as pstore.h writes it, {d1, d2, d3, {d4}}, in its 16 bytes."""
    return struct.pack("<IHH8s", d1, d2, d3, bytes(d4))


CREATOR_GUID = guid_bytes(0x6a5c1f0e, 0x3b7d, 0x4c2a,
                          (0x9e, 0x41, 0x5f, 0x0b, 0x8d, 0x27, 0xc3, 0x66))
NOTIFY_GUID = guid_bytes(0x1d2e7a90, 0x64c8, 0x4f3b,
                         (0xa2, 0x5d, 0x70, 0x19, 0xee, 0x4b, 0x06, 0xf1))
SECTION_GUID = guid_bytes(0xc4b83e21, 0x0f6a, 0x47d9,
                          (0x8b, 0x13, 0x2e, 0x95, 0x4a, 0xd0, 0x7c, 0x58))

# What the tamper actions write.
FORGED_CR2 = 0x00000000cafebabe
FOREIGN_CREATOR = b"\x11" * 16
FOREIGN_ID_BASE = 0x1000
FOREIGN_LENGTH = 256


def _field(fields, name):
    for field, offset, fmt in fields:
        if field == name:
            return offset, "<" + fmt
    raise KeyError(name)


def _get(data, fields, name, base=0):
    offset, fmt = _field(fields, name)
    value = struct.unpack_from(fmt, data, base + offset)
    return value[0] if len(value) == 1 else value


def _put(data, fields, name, value, base=0):
    offset, fmt = _field(fields, name)
    values = value if isinstance(value, (tuple, list)) else (value,)
    struct.pack_into(fmt, data, base + offset, *values)


def body_offset(name):
    """Offset of a body field from the start of a record."""
    return BODY_OFFSET + _field(BODY_FIELDS, name)[0]


CR2_OFFSET = body_offset("regs") + 8 * REG_CR2   # in a record


class StoreError(AxlError):
    """A store file is missing, malformed, or cannot be tampered as asked."""


# ----------------------------------------------------------------- records

@dataclass(frozen=True)
class Record:
    """What one used slot holds, as far as it can be parsed."""
    slot: int
    map_id: int             # the id in the file's map
    length: int             # CPER record_length (as written; may be bogus)
    record_id: int          # CPER record id
    creator: bytes          # CPER creator GUID (16 bytes)
    severity: int
    ours: bool              # Axolotl's creator GUID and body magic
    kind: int | None        # body.kind (ours only)
    counter: int | None     # body.counter (ours only)
    boot_count: int | None
    is_cper: bool           # signature "CPER"

    @property
    def kind_name(self):
        if not self.is_cper:
            return "not-cper"
        if not self.ours:
            return "foreign"
        return KIND_NAMES.get(self.kind, f"kind-{self.kind}")


def parse_record(slot, map_id, data):
    """A Record from the bytes of one slot."""
    cper = data[:4] == CPER_SIGNATURE
    length = _get(data, CPER_FIELDS, "record_length")
    creator = bytes(_get(data, CPER_FIELDS, "creator_id"))
    ours = (cper and creator == CREATOR_GUID
            and len(data) >= BODY_OFFSET + BODY_SIZE
            and _get(data, BODY_FIELDS, "magic", BODY_OFFSET) == PSTORE_MAGIC)
    kind = counter = boot_count = None
    if ours:
        kind = _get(data, BODY_FIELDS, "kind", BODY_OFFSET)
        counter = _get(data, BODY_FIELDS, "counter", BODY_OFFSET)
        boot_count = _get(data, BODY_FIELDS, "boot_count", BODY_OFFSET)
    return Record(slot=slot, map_id=map_id, length=length,
                  record_id=_get(data, CPER_FIELDS, "record_id"),
                  creator=creator,
                  severity=_get(data, CPER_FIELDS, "error_severity"),
                  ours=ours, kind=kind, counter=counter,
                  boot_count=boot_count, is_cper=cper)


def foreign_record(record_id):
    """A minimal valid CPER record of another creator: header, one section
    descriptor, a zero section body, FOREIGN_LENGTH bytes in all."""
    rec = bytearray(FOREIGN_LENGTH)
    for name, value in (("signature", CPER_SIGNATURE),
                        ("revision", CPER_REVISION),
                        ("signature_end", CPER_SIGNATURE_END),
                        ("section_count", 1),
                        ("error_severity", CPER_SEVERITY_INFO),
                        ("record_length", FOREIGN_LENGTH),
                        ("creator_id", FOREIGN_CREATOR),
                        ("notification_type", FOREIGN_CREATOR),
                        ("record_id", record_id)):
        _put(rec, CPER_FIELDS, name, value)
    for name, value in (("section_offset", BODY_OFFSET),
                        ("section_length", FOREIGN_LENGTH - BODY_OFFSET),
                        ("revision", CPER_REVISION),
                        ("flags", 1),
                        ("section_type", FOREIGN_CREATOR),
                        ("section_severity", CPER_SEVERITY_INFO),
                        ("fru_text", b"foreign")):
        _put(rec, SECTION_FIELDS, name, value, CPER_HEADER_SIZE)
    return bytes(rec)


# ------------------------------------------------------------------ stores

def new_store():
    """The bytes QEMU writes into a missing 64 KiB store: the ERSTSTOR
    header (record_size and storage offset 0x2000, version 0x0100, no
    records), zeros everywhere else."""
    data = bytearray(STORE_SIZE)
    for name, value in (("magic", ERST_FILE_MAGIC),
                        ("record_size", RECORD_SIZE),
                        ("storage_offset", RECORD_SIZE),
                        ("version", ERST_VERSION)):
        _put(data, HEADER_FIELDS, name, value)
    return bytes(data)


class Store:
    """A store file's bytes, parsed; change them, then write() in place."""

    def __init__(self, data, name="store"):
        self.name = str(name)
        self.data = bytearray(data)
        self._validate()

    @classmethod
    def read(cls, path):
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise StoreError(f"{display_path(path)}: cannot read: "
                             f"{e.strerror}") from None
        return cls(data, display_path(path))

    def write(self, path):
        """Write the bytes back into the existing file, in place."""
        try:
            fd = os.open(path, os.O_WRONLY)
        except OSError as e:
            raise StoreError(f"{display_path(path)}: cannot write: "
                             f"{e.strerror}") from None
        try:
            done = 0
            while done < len(self.data):
                done += os.pwrite(fd, self.data[done:], done)
        finally:
            os.close(fd)

    def fail(self, problem):
        raise StoreError(f"{self.name}: {problem}")

    def _validate(self):
        if len(self.data) < HEADER_SIZE:
            self.fail(f"{len(self.data)} bytes, too short for an ERST store")
        if self.header("magic") != ERST_FILE_MAGIC:
            self.fail(f"not an ERST store (magic "
                      f"0x{self.header('magic'):016x}, expected "
                      f"0x{ERST_FILE_MAGIC:016x} \"ERSTSTOR\")")
        size, offset = self.header("record_size"), self.header(
            "storage_offset")
        if size < CPER_HEADER_SIZE or size & (size - 1):
            self.fail(f"record size {size} is not a power of two >= 128")
        if len(self.data) % size or offset % size or offset == 0:
            self.fail(f"file size {len(self.data)} and storage offset "
                      f"{offset} must be multiples of the record size "
                      f"{size}")
        if MAP_OFFSET + 8 * self.slot_count > offset:
            self.fail("the slot map does not fit before the first slot")

    def header(self, name):
        return _get(self.data, HEADER_FIELDS, name)

    def set_header(self, name, value):
        _put(self.data, HEADER_FIELDS, name, value)

    @property
    def record_size(self):
        return self.header("record_size")

    @property
    def slot_count(self):
        """Slots in the file, the header's included."""
        return len(self.data) // self.header("record_size")

    @property
    def slots(self):
        """Indices of the record slots (1..7 in a 64 KiB store)."""
        return range(self.header("storage_offset") // self.record_size,
                     self.slot_count)

    def map_id(self, slot):
        return struct.unpack_from("<Q", self.data, MAP_OFFSET + 8 * slot)[0]

    def set_map_id(self, slot, record_id):
        struct.pack_into("<Q", self.data, MAP_OFFSET + 8 * slot, record_id)

    def slot_view(self, slot):
        """A writable memoryview of one slot's bytes."""
        start = slot * self.record_size
        return memoryview(self.data)[start:start + self.record_size]

    def free_slots(self):
        return [i for i in self.slots if self.map_id(i) == 0]

    def records(self):
        """Every used slot, in slot order."""
        return [parse_record(i, self.map_id(i), bytes(self.slot_view(i)))
                for i in self.slots if self.map_id(i) != 0]

    def newest_panic(self):
        """The panic record with the highest counter, or None."""
        panics = [r for r in self.records()
                  if r.ours and r.kind == KIND_PANIC]
        return max(panics, key=lambda r: r.counter, default=None)

    def put_record(self, slot, record):
        """Write a record into a free slot (0xFF after it) and count it."""
        if len(record) > self.record_size:
            self.fail(f"a record of {len(record)} bytes does not fit a "
                      f"{self.record_size}-byte slot")
        view = self.slot_view(slot)
        view[:] = bytes(record) + b"\xff" * (self.record_size - len(record))
        self.set_map_id(slot, _get(record, CPER_FIELDS, "record_id"))
        self.set_header("record_count", self.header("record_count") + 1)


def create_store(path):
    """Create a fresh store file (as QEMU would) at path."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(new_store())


# ------------------------------------------------------------------ tamper

ACTIONS = ("snapshot", "replay", "forge", "tear", "fill-foreign")
BEFORE_BOOT = ("fill-foreign",)     # the actions allowed at @0
ACTION_HELP = {
    "snapshot": "remember the newest panic record (for a later replay)",
    "replay": "write the remembered record into a free slot again",
    "forge": f"set CR2 (regs[{REG_CR2}]) of the newest panic record to "
             f"0x{FORGED_CR2:016x}, tag unchanged",
    "tear": "overwrite the newest panic record with 0xFF from half its "
            "length to the end of its slot (an interrupted write)",
    "fill-foreign": "fill every free slot with a CPER record of another "
                    "creator (ids 0x1000 + slot)",
}


@dataclass(frozen=True)
class Tamper:
    """One tamper action of a scenario: do `action` at panic `panic`
    (0: before QEMU starts)."""
    action: str
    panic: int

    def __str__(self):
        return f"{self.action}@{self.panic}"


def parse_tamper(text):
    """Tamper from "ACTION@K"; ValueError with the reason otherwise."""
    action, at, k = text.partition("@")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: "
                         f"{', '.join(ACTIONS)})")
    if not at or not k.isdigit() or not k.isascii():
        raise ValueError("must be ACTION@K, K the panic number (an integer "
                         ">= 1, or 0 for before the first boot)")
    panic = int(k)
    if panic == 0 and action not in BEFORE_BOOT:
        raise ValueError(f"{action}@0: only {', '.join(BEFORE_BOOT)} can "
                         f"happen before the first boot (K >= 1 is a panic "
                         f"number)")
    return Tamper(action, panic)


class TamperState:
    """What the actions of one run remember: the snapshot."""

    def __init__(self):
        self.record = None      # bytes of the snapshot record
        self.slot = None        # the slot it was taken from


def _newest_panic(store, action):
    rec = store.newest_panic()
    if rec is None:
        store.fail(f"{action}: no panic record in the store")
    if not CPER_HEADER_SIZE <= rec.length <= store.record_size:
        store.fail(f"{action}: the newest panic record (slot {rec.slot}) "
                   f"has record_length {rec.length}, not a slot's worth")
    return rec


def apply(store, action, state):
    """Do one tamper action on a Store; returns what was done (one line).
    Raises StoreError when the action cannot be done."""
    if action == "snapshot":
        rec = _newest_panic(store, action)
        state.record = bytes(store.slot_view(rec.slot)[:rec.length])
        state.slot = rec.slot
        return (f"snapshot: remembered panic record {rec.record_id:#x} "
                f"(counter {rec.counter}) of slot {rec.slot}")
    if action == "replay":
        if state.record is None:
            store.fail("replay: no snapshot taken before it")
        free = store.free_slots()
        if not free:
            store.fail("replay: no free slot")
        store.put_record(free[0], state.record)
        record_id = _get(state.record, CPER_FIELDS, "record_id")
        return (f"replay: record {record_id:#x} (from slot {state.slot}) "
                f"written to slot {free[0]}")
    if action == "forge":
        rec = _newest_panic(store, action)
        struct.pack_into("<Q", store.slot_view(rec.slot), CR2_OFFSET,
                         FORGED_CR2)
        return (f"forge: CR2 of record {rec.record_id:#x} (slot {rec.slot}) "
                f"set to 0x{FORGED_CR2:016x}")
    if action == "tear":
        rec = _newest_panic(store, action)
        view = store.slot_view(rec.slot)
        half = rec.length // 2
        view[half:] = b"\xff" * (len(view) - half)
        return (f"tear: record {rec.record_id:#x} (slot {rec.slot}) 0xFF "
                f"from byte {half} of {rec.length}")
    if action == "fill-foreign":
        free = store.free_slots()
        for slot in free:
            store.put_record(slot, foreign_record(FOREIGN_ID_BASE + slot))
        return (f"fill-foreign: slots {', '.join(map(str, free)) or 'none'}"
                f" filled")
    raise ValueError(f"unknown tamper action {action!r}")


def tamper_file(path, actions, state):
    """Apply actions (names) to the store file at path, in order, and
    write it back in place; returns one line per action."""
    store = Store.read(path)
    done = [apply(store, action, state) for action in actions]
    store.write(path)
    return done


# ------------------------------------------------------------ run set-up

def prepare_store(root, name, keep=False):
    """Make build/pstore/ and, unless keep, delete the scenario's store (QEMU
    then creates a fresh one); always delete the copies of its last run.  A kept
    store must have QEMU's size.  Returns the store's absolute path."""
    root = Path(root)
    path = root / store_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    copy = re.compile(re.escape(name) + r"\.panic\d+(\.pre-tamper)?\.erst")
    for old in path.parent.iterdir():
        if copy.fullmatch(old.name):
            old.unlink(missing_ok=True)
    if not keep:
        path.unlink(missing_ok=True)
    elif path.exists() and path.stat().st_size != STORE_SIZE:
        raise StoreError(f"{display_path(path)} is {path.stat().st_size} "
                         f"bytes, QEMU needs exactly {STORE_SIZE} "
                         f"({STORE_SIZE_OPTION}): delete it or run without "
                         f"--keep-pstore")
    return path


def ensure_key(root):
    """The machine key file, created once (32 random bytes, mode 0600) and
    never overwritten; a key file of the wrong size is an error.  Safe
    when several runs start at once.  Returns its absolute path."""
    path = Path(root) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under a temporary name (mkstemp: mode 0600), then
        # linked: a run that starts at the same moment sees no key or all
        # of it, and link() never replaces a key.
        fd, tmp = tempfile.mkstemp(prefix=".machine.key.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(KEY_SIZE))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    size = path.stat().st_size
    if size != KEY_SIZE:
        raise StoreError(f"{display_path(path)} is {size} bytes, a machine "
                         f"key is {KEY_SIZE}: delete it to make a new one "
                         f"(records sealed with the old key will no longer "
                         f"verify)")
    return path


# ----------------------------------------------------------------- listing

def format_listing(store):
    """Lines describing a store for `axl pstore list`."""
    lines = [f"{store.name}: {len(store.data)} bytes, {len(store.slots)} "
             f"slots of {store.record_size} bytes, record_count "
             f"{store.header('record_count')}"]
    rows = [("slot", "id", "kind", "counter", "boot", "length", "severity")]
    for i in store.slots:
        map_id = store.map_id(i)
        if map_id == 0:
            rows.append((str(i), "-", "free", "", "", "", ""))
            continue
        r = parse_record(i, map_id, bytes(store.slot_view(i)))
        shown_id = f"{map_id:#x}"
        if r.record_id != map_id:
            shown_id += f" (record says {r.record_id:#x})"
        rows.append((str(i), shown_id, r.kind_name,
                     "" if r.counter is None else str(r.counter),
                     "" if r.boot_count is None else str(r.boot_count),
                     str(r.length),
                     {CPER_SEVERITY_FATAL: "fatal",
                      CPER_SEVERITY_INFO: "info"}.get(r.severity,
                                                      str(r.severity))))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for row in rows:
        lines.append("  ".join(cell.ljust(w)
                               for cell, w in zip(row, widths)).rstrip())
    used = sum(1 for i in store.slots if store.map_id(i) != 0)
    if used != store.header("record_count"):
        lines.append(f"warning: record_count is "
                     f"{store.header('record_count')} but {used} slots are "
                     f"used (QEMU stops looking after record_count)")
    return lines
