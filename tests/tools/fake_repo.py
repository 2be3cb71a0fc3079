"""A throw-away repository root for the campaign and bench tests, and the
scaffolding (CommandCase) that runs a tools/axl command in one.

It holds the exit-code header (copied), a fault-kind header, a store
template (scenario.toml and store.manifest) and fake build outputs, so the
tools can be driven end to end without a guest build.
"""
import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

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


class CommandCase(unittest.TestCase):
    """A `tools/axl` command run end to end in a FakeRepo, QEMU never started.

    ROOT is the fake repository, the build and the tool check are recorded
    (self.built, self.checked) instead of run. A subclass names the module
    whose boot() its fake replaces (BOOT_MODULE), how to make its repository
    (make_repo) and anything else to patch (extra_patches).
    """
    BOOT_MODULE = None

    @classmethod
    def setUpClass(cls):
        from tests.tools.test_axl import load_cli  # late: test_axl is a test module too
        cls.cli = load_cli()

    def make_repo(self):
        raise NotImplementedError

    def extra_patches(self):
        return []

    def setUp(self):
        self.repo = self.make_repo()
        self.root = self.repo.root
        self.env = mock.patch.dict(os.environ)
        self.env.start()
        os.environ.pop("AXL_KERNEL", None)
        self.built, self.checked = [], []
        self.patches = [
            mock.patch.object(self.cli, "ROOT", self.root),
            mock.patch.object(self.cli, "check_tools", self.checked.append),
            mock.patch.object(self.cli, "build", self.built.append),
        ] + self.extra_patches()
        for p in self.patches:
            p.start()

    def tearDown(self):
        for p in reversed(self.patches):
            p.stop()
        self.env.stop()
        self.repo.cleanup()

    def run_axl(self, fake, argv):
        """(exit status, stdout, stderr, fake) of `axl ARGV` with BOOT_MODULE.boot = fake."""
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(self.BOOT_MODULE, "boot", fake), \
                contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                status = self.cli.main(list(argv))
            except SystemExit as e:
                status = e.code
        return status, out.getvalue(), err.getvalue(), fake
