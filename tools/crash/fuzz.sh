#!/bin/sh
# SPDX-License-Identifier: MIT
# Fuzzes the crash decoder (tools/crash/fuzz_decode.c) with libFuzzer, then keeps a minimised
# corpus in tests/crash-corpus/, which `scons test` replays (test_crash_corpus).
#
#   tools/crash/fuzz.sh [SECONDS]     default 600
#
# Needs clang with libFuzzer (Debian: clang-14, libclang-rt-14-dev); CC overrides the compiler.
# Work files go to build/fuzz-crash/: the fuzzer binary, the run's corpus, fuzz.log, merge.log.
# Seeds (seed-* files, written by tools/crash/mkseeds.c when none are there) are never removed;
# everything else in tests/crash-corpus/ is replaced by the merge (-merge=1 into a fresh
# directory), which keeps the smallest inputs that together reach every edge found. The merge
# counts edges only (-use_counters=0), not hit-count buckets: that keeps ~200 inputs, not ~800.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-600}
case $secs in *[!0-9]* | '') echo "usage: tools/crash/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac
CC=${CC:-clang-14}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

out=build/fuzz-crash
corpus=tests/crash-corpus
mkdir -p "$out" "$corpus"
CFLAGS="-std=c11 -g -O1 -Wall -Wextra -Werror -DAXL_HOST_TEST -Ikernel/include -Ikernel/arch/x86_64/include -Itools/crash"
LIB="tools/crash/store.c tools/crash/record.c tools/crash/dump.c tools/crash/elfsym.c tools/crash/report.c
     kernel/lib/pstore_record.c kernel/lib/aead.c kernel/arch/x86_64/trapinfo.c kernel/lib/fmt.c"

echo "fuzz.sh: building $out/fuzz_decode"
# shellcheck disable=SC2086
"$CC" $CFLAGS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    tools/crash/fuzz_decode.c $LIB -o "$out/fuzz_decode"

if ! ls "$corpus"/seed-* >/dev/null 2>&1; then
    echo "fuzz.sh: writing seeds to $corpus"
    # shellcheck disable=SC2086
    "$CC" $CFLAGS tools/crash/mkseeds.c tools/crash/synth.c tools/crash/fuzz_decode.c $LIB \
        -o "$out/mkseeds"
    "$out/mkseeds" "$corpus"
fi

mkdir -p "$out/corpus"
echo "fuzz.sh: fuzzing for $secs s"
"$out/fuzz_decode" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$out/corpus" "$corpus" 2>&1 | tee "$out/fuzz.log"

echo "fuzz.sh: minimising into a fresh directory"
rm -rf "$out/merged"
mkdir "$out/merged"
"$out/fuzz_decode" -merge=1 -use_counters=0 "$out/merged" "$corpus" "$out/corpus" 2>&1 |
    tee "$out/merge.log"
# the merged inputs are named by the SHA-1 of their contents: drop copies of the seeds
for s in "$corpus"/seed-*; do
    rm -f "$out/merged/$(sha1sum "$s" | cut -d' ' -f1)"
done
find "$corpus" -type f ! -name 'seed-*' -delete
cp "$out/merged"/* "$corpus"/ 2>/dev/null || true
echo "fuzz.sh: $corpus now holds $(find "$corpus" -type f | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
