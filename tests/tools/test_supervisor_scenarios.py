"""The generated driver-crash-* scenarios match their generator and template."""
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
        kinds = [line.split('"')[1] for line in header.splitlines()
                 if line.strip().startswith("X(") and '"' in line]
        self.assertEqual(len(kinds), 19)
        for kind in kinds:
            self.assertTrue((ROOT / f"tests/scenarios/driver-crash-{kind}/scenario.toml").exists(), kind)


if __name__ == "__main__":
    unittest.main()
