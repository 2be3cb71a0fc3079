"""Self-tests of the host-side Python tools (tools/axl, tools/axlpy)."""
