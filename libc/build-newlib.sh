#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds newlib, the C library of user programs, from Debian's newlib-source
# tarball, with newlib's own configure and make. Called by libc/SConscript:
#
#   libc/build-newlib.sh TARBALL OUT JOBS CFLAGS...
#
# leaves OUT/include/ (the headers), OUT/lib/libc.a and OUT/lib/libm.a, and
# OUT/include.sum (a checksum of every header, which user objects depend on).
# The whole output goes to OUT/build.log; only a failure prints, with the end
# of the log. Each build starts from an empty OUT: SCons decides when to rerun
# (the tarball, this script or the flags changed), never make. Two builds of
# one tree at once (two scons runs) take turns on OUT.lock, and the second
# finds the first's result in place (OUT/inputs names what it was built from).
#
# The target is a bare x86_64-elf with host gcc as its compiler: newlib then
# has no system-call layer of its own and calls plain write(), sbrk(), ...
# (MISSING_SYSCALL_NAMES), which libc/ provides. -nostdinc keeps the host's
# glibc headers out; the compiler's own (stddef.h, stdarg.h, float.h, limits.h)
# stay on the path after newlib's.
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 TARBALL OUT JOBS CFLAGS..." >&2
    exit 2
fi
tarball=$(realpath "$1")
out=$2
jobs=$3
shift 3
cflags="$* -nostdinc -isystem $(gcc -print-file-name=include)"

mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
inputs=$({ md5sum <"$tarball"; md5sum <"$0"; echo "$cflags"; } | md5sum)
if [ -f "$out/lib/libc.a" ] && [ "$(cat "$out/inputs" 2>/dev/null)" = "$inputs" ]; then
    exit 0
fi

rm -rf "$out"
mkdir -p "$out/src" "$out/obj"
out=$(realpath "$out")
log=$out/build.log

# From here on everything goes to the log; a failing step (set -e) shows the
# log's first error (make -j goes on a while after it) and its end.
failed() {
    echo "error: newlib build failed; the first error and the end of $log:"
    grep -m 1 'error:' "$log" || true
    echo ...
    tail -n 20 "$log"
}
exec 4>&2 >"$log" 2>&1
trap '[ $? -eq 0 ] || failed >&4' EXIT

tar -xJf "$tarball" -C "$out/src" --strip-components=1

# newlib 3.3.0's x86_64 longjmp passes a value of 0 on to setjmp's caller,
# where C11 (7.13.2.1) wants 1: after it loads the value, make 0 a 1.
setjmp_s=$out/src/newlib/libc/machine/x86_64/setjmp.S
sed -i 's|^\( *movq *rsi, rax .*\)$|\1\n  testq rax, rax\n  jnz 1f\n  incq rax\n1:|' "$setjmp_s"
grep -q 'incq rax' "$setjmp_s" || { echo "the longjmp fix does not apply to $setjmp_s"; exit 1; }

# Options beyond the defaults: printf and scanf with %lld and the C99 formats
# (%zu, %hhd, %jd, %td); one thread per process, so no locks; no libgloss (its
# system calls would be some board's, ours are in libc/).
cd "$out/obj"
"$out/src/configure" --target=x86_64-elf --prefix="$out/stage" \
    --disable-multilib --disable-libgloss --disable-nls \
    --disable-newlib-supplied-syscalls --disable-newlib-multithread \
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
    CC_FOR_TARGET=gcc AS_FOR_TARGET=as AR_FOR_TARGET=ar LD_FOR_TARGET=ld \
    NM_FOR_TARGET=nm RANLIB_FOR_TARGET=ranlib OBJDUMP_FOR_TARGET=objdump \
    READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip \
    CFLAGS_FOR_TARGET="$cflags"
make -j"$jobs" all-target-newlib
make install-target-newlib

cd "$out"
mv stage/x86_64-elf/include include
mkdir lib
mv stage/x86_64-elf/lib/libc.a stage/x86_64-elf/lib/libm.a lib/
# The sources and objects are only needed to build; after a failure they stay, to look at.
rm -rf src obj stage
find include -type f | LC_ALL=C sort | xargs md5sum >include.sum
echo "$inputs" >inputs
