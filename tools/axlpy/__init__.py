"""axlpy: host-side Python support for Axolotl (scenario files, QEMU, QMP).

Used by tools/axl and imported by the SCons build (axlpy.scenario), so
importing this package must stay cheap and free of side effects.
"""

from pathlib import Path


class AxlError(Exception):
    """A user-facing error: the CLI prints 'axl: error: <message>', exit 2."""


def display_path(path):
    """path relative to the working directory when inside it, else as is."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
