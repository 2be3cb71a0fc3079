"""qemu.py: how axl invokes qemu-system-x86_64 (argv, accelerators, VGA).

All QEMU command-line knowledge lives in argv(); paths in it are relative to
the repository root, which is the working directory QEMU is started in.
See /work/shared/reference/qemu-hardware.md (sections 0, 2, 3, 6.1, 7, 8)
for the facts behind the choices here.
"""

import os
import shlex
import shutil
import socket

from . import AxlError, pstore

QEMU = "qemu-system-x86_64"
ACCELS = ("tcg", "kvm")

# -cpu for each accelerator.  Under KVM, `-cpu host` and `-cpu max` abort on
# this machine (kvm-pvm host: "failed to set MSR 0x10a"); qemu64 boots, and
# its one warning (host lacks "pni", which kvm-pvm does not report) goes away
# when that feature is switched off explicitly.  TCG: everything it can do.
CPU_MODEL = {"tcg": "max", "kvm": "qemu64,pni=off"}

# Build outputs (written by the SCons build; relative to the repo root).
KERNEL = "build/kernel/kernel.elf32"          # what -kernel loads
KERNEL_SYMBOLS = "build/kernel/kernel.elf"    # full symbols, for gdb
BUILD_SCENARIOS = "build/scenarios"           # <name>/<module file>

# -icount shift=0: every guest instruction advances virtual time by 1 ns,
# and RDTSC under icount reads that clock, so TSC deltas count guest
# instructions (user and kernel).  sleep=off: an idle guest jumps to the
# next timer deadline instead of waiting for it in real time.  TCG only:
# a scenario with `icount = true` runs under TCG whatever accel is asked.
ICOUNT = ["-icount", "shift=0,sleep=off"]

DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"
EDU_DEVICE = "edu,addr=0x10,dma_mask=0xffffffffffffffff"   # PCI 00:10.0

# Extra flags per scenario device set (scenario.KNOWN_DEVICES).  pvpanic also
# needs a QMP socket, added by argv() because its path is per run; erst's
# flags name per-scenario files, so argv() adds them all (erst_args()).
DEVICE_ARGS = {
    "vga": ["-vga", "std"],
    # pause on panic so the harness can read the screen over QMP
    "pvpanic": ["-device", "pvpanic", "-action", "panic=pause"],
    "erst": [],
    # Intel VT-d (q35 only). Interrupt remapping off: the kernel does DMA remapping only, and
    # QEMU's default (on under TCG, off under KVM) would differ between the two accelerators.
    "iommu": ["-device", "intel-iommu,intremap=off"],
    # QEMU's educational PCI device (reference section 4), in a fixed slot so that manifests can
    # name it as pci = 00:10.0. dma_mask: by default edu ANDs every RAM address with 2^28 - 1 and
    # silently moves a DMA above 256 MiB onto low memory, where the kernel lives (printing the
    # warning on the serial stream); with the full mask the device uses the address the driver
    # gave it, as real bus-master hardware does, at any guest memory size, and IOVAs will not be
    # limited to 28 bits once the kernel programs VT-d.
    "edu": ["-device", EDU_DEVICE],
}

# The VGA text screen: 80x25 cells of (character, attribute) at 0xB8000.
VGA_TEXT_ADDR = 0xB8000
VGA_COLS, VGA_ROWS = 80, 25
VGA_TEXT_SIZE = VGA_COLS * VGA_ROWS * 2


def find_qemu():
    """Path of the QEMU binary, or AxlError with the package to install."""
    path = shutil.which(QEMU)
    if path is None:
        raise AxlError(f"{QEMU} not found: install the Debian package "
                       f"'qemu-system-x86'")
    return path


def check_kvm(device="/dev/kvm"):
    """Raise AxlError unless the KVM device can be opened read-write."""
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        raise AxlError(f"--accel kvm: {device} is not usable "
                       f"({e.strerror})") from None
    os.close(fd)


def module_path(scenario, module):
    """Where the build puts a scenario module (relative to the repo root)."""
    return f"{BUILD_SCENARIOS}/{scenario.name}/{module.file}"


def _initrd_item(path, args):
    # QEMU splits -initrd at commas (",," is a literal comma) and takes the
    # text after the first space as the module's arguments, so a path cannot
    # contain a space.
    if " " in path:
        raise AxlError(f"module path {path!r} contains a space, which "
                       f"-initrd cannot express")
    item = f"{path} {args}" if args else path
    return item.replace(",", ",,")


def initrd_spec(items):
    """The -initrd value for (path, args) pairs, or None when empty."""
    if not items:
        return None
    return ",".join(_initrd_item(path, args) for path, args in items)


def _no_comma(path, what):
    # QEMU option values are split at commas.
    if "," in str(path):
        raise AxlError(f"{what} path {str(path)!r} contains a comma, which a "
                       f"QEMU option value cannot hold")
    return str(path)


def erst_args(store, key):
    """The acpi-erst store (memory-backend-file, share=on so that QEMU's
    writes reach the file) and the machine key in fw_cfg."""
    store = _no_comma(store, "ERST store")
    key = _no_comma(key, "machine key")
    return ["-object", f"memory-backend-file,id=erst,mem-path={store},"
                       f"size={pstore.STORE_SIZE_OPTION},share=on",
            "-device", "acpi-erst,memdev=erst",
            "-fw_cfg", f"name={pstore.KEY_FW_CFG},file={key}"]


def scenario_accel(scenario, accel):
    """The accelerator a scenario really runs under: TCG when it has
    `icount = true` (QEMU's -icount needs TCG), else accel."""
    return "tcg" if scenario.icount else accel


def with_icount(args):
    """args with ICOUNT appended, unless they already have -icount."""
    return list(args) if "-icount" in args else list(args) + ICOUNT


def extra_args(scenario, extra):
    """extra QEMU arguments for a run of scenario: as given, but without a
    "-icount X" pair when the scenario's own icount already put one in
    argv() (a benchmark asks for icount of every TCG run)."""
    extra = list(extra)
    if scenario.icount and "-icount" in extra:
        i = extra.index("-icount")
        del extra[i:i + 2]
    return extra


def argv(scenario, *, accel="tcg", kernel=KERNEL, extra_append="",
         qmp_socket=None, gdb_port=None, qemu=QEMU, reboot=None,
         erst_store=None, erst_key=pstore.KEY_FILE):
    """The full QEMU command line for booting one scenario.

    qmp_socket is required when the scenario has the pvpanic device;
    gdb_port makes QEMU wait for a debugger (-S) on 127.0.0.1:gdb_port.
    reboot=True drops -no-reboot, so that a QMP system_reset resets the
    machine instead of ending QEMU (a guest triple fault then resets too);
    the default is to drop it only when the scenario has reboots.
    erst_store (default build/pstore/<name>.erst) and erst_key are used
    when the scenario has the erst device.  A scenario with icount runs
    under TCG with ICOUNT, even when accel is "kvm" (scenario_accel).
    """
    if accel not in ACCELS:
        raise AxlError(f"unknown accelerator {accel!r} "
                       f"(known: {', '.join(ACCELS)})")
    accel = scenario_accel(scenario, accel)
    if reboot is None:
        reboot = scenario.reboots > 0
    cmdline = " ".join(p for p in (scenario.cmdline, extra_append) if p)
    args = [qemu, "-M", "q35", "-m", scenario.memory, "-nodefaults",
            "-display", "none", *([] if reboot else ["-no-reboot"]),
            "-serial", "stdio",
            "-device", DEBUG_EXIT,
            "-kernel", kernel, "-append", cmdline]
    initrd = initrd_spec([(module_path(scenario, m), m.args)
                          for m in scenario.modules])
    if initrd is not None:
        args += ["-initrd", initrd]
    args += ["-accel", accel, "-cpu", CPU_MODEL[accel]]
    if scenario.icount:
        args += ICOUNT
    for device in scenario.devices:
        args += DEVICE_ARGS[device]
    if "pvpanic" in scenario.devices:
        if qmp_socket is None:
            raise ValueError("a pvpanic scenario needs a QMP socket path")
        if "," in str(qmp_socket):
            raise AxlError(f"QMP socket path {qmp_socket!r} contains a comma")
        args += ["-qmp", f"unix:{qmp_socket},server=on,wait=off"]
    if "erst" in scenario.devices:
        args += erst_args(erst_store or pstore.store_path(scenario.name),
                          erst_key)
    if gdb_port is not None:
        args += ["-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"]
    return args


def free_tcp_port():
    """A TCP port on 127.0.0.1 that is free right now (for -gdb)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gdb_command(port, symbols=KERNEL_SYMBOLS):
    """The shell command that attaches gdb to a QEMU started with -gdb."""
    return shlex.join(["gdb", "-q", symbols,
                       "-ex", "set architecture i386:x86-64",
                       "-ex", f"target remote 127.0.0.1:{port}"])


def decode_vga_text(data):
    """The 25 lines of a VGA text-mode dump: characters only, rstripped."""
    if len(data) < VGA_TEXT_SIZE:
        raise AxlError(f"VGA dump is {len(data)} bytes, expected "
                       f"{VGA_TEXT_SIZE}")
    chars = bytes(data[0:VGA_TEXT_SIZE:2])  # skip the attribute bytes
    # cp437 is the VGA ROM font; NUL cells (never written) read as blanks.
    text = chars.replace(b"\0", b" ").decode("cp437")
    return [text[row * VGA_COLS:(row + 1) * VGA_COLS].rstrip()
            for row in range(VGA_ROWS)]
