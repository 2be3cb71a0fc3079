"""A throw-away repository root for the campaign and bench-restart tests.

It holds the exit-code header (copied), a fault-kind header, a store
template (scenario.toml and store.manifest) and fake build outputs, so the
tools can be driven end to end without a guest build.
"""
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from axlpy import abi, campaign, qemu  # noqa: E402


class FakeRepo:
    def __init__(self, inject_h, scenario_toml, manifest):
        self._tmp = tempfile.TemporaryDirectory()
        self.root = Path(self._tmp.name).resolve()
        for rel in (abi.EXIT_HEADER,):
            (self.root / rel).parent.mkdir(parents=True)
            shutil.copyfile(ROOT / rel, self.root / rel)
        self.write(campaign.INJECT_HEADER, inject_h)
        self.template = self.root / campaign.CAMPAIGN_DIR / "store"
        self.write(self.template / "scenario.toml", scenario_toml)
        self.write(self.template / "store.manifest", manifest)
        for p in ("supervisor", "store", "storeclient"):
            self.write(campaign.PROGRAM_DIR / f"{p}.elf", f"ELF {p}")
        self.write(qemu.KERNEL, "kernel")

    def write(self, rel, text):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def cleanup(self):
        self._tmp.cleanup()
