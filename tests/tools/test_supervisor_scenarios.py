"""The generated driver-crash-* scenarios match their generator and template."""
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class GeneratedScenariosTest(unittest.TestCase):
    def test_up_to_date(self):
        r = subprocess.run([sys.executable, str(ROOT / "tests/campaign/make-scenarios.py"), "--check"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_one_per_kind(self):
        header = (ROOT / "libipc/include/axl/inject.h").read_text()
        rows = re.findall(r'X\(\d+,\s*\w+,\s*"([a-z0-9-]+)",\s*(\w+)', header)
        kinds = [k for k, where in rows if where != "device"]
        self.assertEqual(len(kinds), 19)
        for kind in kinds:
            self.assertTrue((ROOT / f"tests/scenarios/driver-crash-{kind}/scenario.toml").exists(), kind)
        # The DMA attacks need a DMA driver: each has a scenario of its own name (docs/iommu.md).
        device = [k for k, where in rows if where == "device"]
        self.assertEqual(len(device), 5)
        for kind in device:
            self.assertTrue((ROOT / f"tests/scenarios/{kind}/scenario.toml").exists(), kind)


if __name__ == "__main__":
    unittest.main()
