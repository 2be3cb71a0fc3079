"""test_libipc.py: libipc keeps up with the ABI headers.

Every system call (AXL_SYSCALLS) and every object operation
(AXL_INVOCATIONS) must have its C function, named axl_<name in lower
case>, so that a row added to a table without its wrapper fails here
rather than in the first program that needs it. The tables are read with
tools/axlpy/uapi.py, the same reader the ABI check uses. Run from the
repository root:
    python3 -m unittest discover -s tests/tools -t .
"""

import re
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import uapi  # noqa: E402

UAPI = ROOT / "kernel" / "include" / "uapi" / "axl"
LIBIPC = ROOT / "libipc"
LIBIPC_HEADERS = LIBIPC / "include" / "axl"


def names(table):
    return [e.name for e in uapi.load_headers(UAPI).tables[table].entries]


def defined(text, function):
    """True if text defines (not just mentions) function: a body follows."""
    return re.search(rf"\b{function}\s*\([^;{{]*\)\s*\{{", text) is not None


def declared(text, function):
    return re.search(rf"\b{function}\s*\([^;{{]*\)\s*[;{{]", text) is not None


def body(text, function):
    """The text of function's definition: its one line, or every line up
    to the closing brace in column 0."""
    head = rf"\b{function}\s*\([^;{{]*\)\s*\{{"
    m = (re.search(head + r"([^\n]*)\}$", text, re.M)
         or re.search(head + r"\n(.*?)^\}", text, re.S | re.M))
    return m.group(1) if m else ""


class LibipcTest(unittest.TestCase):
    def test_every_syscall_has_a_wrapper(self):
        sys_h = (LIBIPC_HEADERS / "sys.h").read_text()
        missing = [n for n in names("AXL_SYSCALLS")
                   if not declared(sys_h, f"axl_{n.lower()}")]
        self.assertEqual(missing, [], "system calls without a function "
                         "axl_<name> in libipc/include/axl/sys.h")

    def test_every_invocation_has_a_wrapper(self):
        header = (LIBIPC_HEADERS / "invoke.h").read_text()
        source = (LIBIPC / "invoke.c").read_text()
        for name in names("AXL_INVOCATIONS"):
            function = f"axl_{name.lower()}"
            with self.subTest(name):
                self.assertTrue(declared(header, function),
                                f"{function} is not declared in invoke.h")
                self.assertTrue(defined(source, function),
                                f"{function} is not defined in invoke.c")
                # ... and invokes its own label, not a neighbour's.
                self.assertRegex(body(source, function),
                                 rf"\bAXL_INV_{name}\b|INVOKE\(\w+, {name},")

    def test_headers_do_not_shadow_the_abi(self):
        # Both directories are on the include path as <axl/...>: a libipc
        # header named like an ABI header would hide one of them.
        ours = {p.name for p in LIBIPC_HEADERS.glob("*.h")}
        abi = {p.name for p in UAPI.glob("*.h")}
        self.assertEqual(ours & abi, set())

    def test_the_helpers_recognise_definitions(self):
        text = "long axl_f(int a);\nlong axl_g(void)\n{\n}\n"
        self.assertTrue(declared(text, "axl_f"))
        self.assertFalse(defined(text, "axl_f"))
        self.assertTrue(defined(text, "axl_g"))
        self.assertFalse(declared(text, "axl_h"))
        text = ("long axl_a(void) { return A; }\nlong axl_b(void)\n{\n"
                "    if (x) {\n    }\n    return B;\n}\n")
        self.assertIn("A", body(text, "axl_a"))
        self.assertNotIn("B", body(text, "axl_a"))
        self.assertIn("B", body(text, "axl_b"))


if __name__ == "__main__":
    unittest.main()
