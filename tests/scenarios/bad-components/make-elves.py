#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the malformed ELF modules of the bad-components scenario.

Each is a small ELF64 executable with exactly one thing wrong, built from
the ELF-64 format (header 64 bytes, program headers 56 bytes). The files
are committed; run this again only to change them:
    python3 tests/scenarios/bad-components/make-elves.py
"""
import os
import struct

PT_LOAD, PF_X, PF_R = 1, 1, 4


def elf(segments, entry=0x401000, machine=62, phnum=None):
    """An ET_EXEC image: header, program headers, then one page of code per segment."""
    phoff = 64
    n = len(segments)
    header = struct.pack('<4sBBBBB7sHHIQQQIHHHHHH', b'\x7fELF', 2, 1, 1, 0, 0, b'\0' * 7,
                         2, machine, 1, entry, phoff, 0, 0, 64, 56,
                         n if phnum is None else phnum, 64, 0, 0)
    phdrs = b''
    for i, (vaddr, memsz) in enumerate(segments):
        offset = 0x1000 * (i + 1)
        phdrs += struct.pack('<IIQQQQQQ', PT_LOAD, PF_R | PF_X, offset + (vaddr & 0xfff), vaddr,
                             vaddr, min(memsz, 0x1000), memsz, 0x1000)
    body = header + phdrs
    body += b'\0' * (0x1000 - len(body))
    for _ in segments:
        body += b'\xeb\xfe' + b'\0' * (0x1000 - 2)  # jmp . : never run, the loader refuses first
    return body


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    good = elf([(0x401000, 0x1000)])
    files = {
        'truncated.elf': good[:40],                                   # cut inside the header
        'wrong-machine.elf': elf([(0x401000, 0x1000)], machine=3),    # EM_386
        'overlap.elf': elf([(0x401000, 0x2000), (0x402000, 0x1000)]),  # segment 1 in segment 0
        'entry-outside.elf': elf([(0x401000, 0x1000)], entry=0x900000),
    }
    for name, data in files.items():
        with open(os.path.join(here, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
