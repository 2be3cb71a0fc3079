"""test_swifi_objdump.py: the SWIFI length decoder agrees with objdump.

servers/supervisor/swifi.c finds instructions by a linear sweep with its own
x86-64 length decoder. Here the sweep (tests/unit/swifi/sweep_main.c, built
with gcc for the host) runs over the .text of real compiler output, extracted
with objcopy, and every instruction boundary and length is compared with
`objdump -d` on the same file: gcc -O2 objects of manifest.c and swifi.c must
agree completely; /usr/bin/true (a distribution binary) must agree on at
least 99% of its instructions. Run from the repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR = ROOT / "servers" / "supervisor"
SWEEP_MAIN = ROOT / "tests" / "unit" / "swifi" / "sweep_main.c"
TOOLS = ("gcc", "objdump", "objcopy")

# "  401000:\tf3 0f 1e fa          \tendbr64" (one line per instruction with --insn-width=15)
INSN_LINE = re.compile(r"^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*(?:\t(.*))?$")


def run(*args):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def text_vma(elf):
    """The address of .text in elf, from objdump -h."""
    for line in run("objdump", "-h", elf).splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[1] == ".text":
            return int(fields[3], 16)
    raise AssertionError(f"{elf} has no .text")


def objdump_insns(elf):
    """[(offset in .text, length)] as objdump decodes it."""
    base = text_vma(elf)
    out = run("objdump", "-d", "-z", "-j", ".text", "--insn-width=15", elf)
    insns = []
    for line in out.splitlines():
        m = INSN_LINE.match(line)
        if m:
            insns.append((int(m.group(1), 16) - base, len(m.group(2).split())))
    return insns


class SwifiObjdumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.sweep = cls.dir / "sweep"
        run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-I", SUPERVISOR,
            SWEEP_MAIN, SUPERVISOR / "swifi.c", "-o", cls.sweep)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def sweep_insns(self, elf):
        """[(offset, length)] of our sweep over elf's .text; length -1 for a skipped byte."""
        raw = self.dir / (Path(elf).name + ".text.bin")
        run("objcopy", "-O", "binary", "--only-section=.text", elf, raw)
        return [tuple(map(int, line.split())) for line in run(self.sweep, raw).splitlines()]

    def compare(self, elf):
        """(agreeing, objdump's count, the first few disagreements)."""
        theirs, ours = objdump_insns(elf), self.sweep_insns(elf)
        self.assertTrue(theirs, f"objdump found no instructions in {elf}")
        ours_set = set(ours)
        agree = sum(1 for insn in theirs if insn in ours_set)
        theirs_set = set(theirs)
        diff = [i for i in theirs if i not in ours_set][:5] + [i for i in ours if i not in theirs_set][:5]
        return agree, len(theirs), len(ours), diff

    def compile(self, source, *flags):
        obj = self.dir / f"{Path(source).stem}{''.join(flags)}.o"
        run("gcc", "-std=c11", *flags, "-I", SUPERVISOR, "-c", source, "-o", obj)
        return obj

    def test_gcc_output_agrees_completely(self):
        for source in (SUPERVISOR / "manifest.c", SUPERVISOR / "swifi.c"):
            for flags in (("-O2",), ("-O0",), ("-Os",), ("-O3", "-fno-pic", "-mno-red-zone")):
                with self.subTest(source=source.name, flags=flags):
                    agree, total, ours, diff = self.compare(self.compile(source, *flags))
                    self.assertEqual((agree, ours), (total, total),
                                     f"(offset, length) only in objdump, then only in ours: {diff}")

    @unittest.skipUnless(Path("/usr/bin/true").exists(), "no /usr/bin/true")
    def test_distribution_binary_mostly_agrees(self):
        agree, total, _, diff = self.compare("/usr/bin/true")
        self.assertGreaterEqual(agree / total, 0.99, f"{agree}/{total}; first differences: {diff}")


# Skip, rather than fail, where the host has no compiler or binutils.
SwifiObjdumpTest = unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                                       "needs gcc, objdump and objcopy")(SwifiObjdumpTest)

if __name__ == "__main__":
    unittest.main()
