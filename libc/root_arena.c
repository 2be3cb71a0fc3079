/* SPDX-License-Identifier: MIT */
/*
 * root_arena.c: the heap of a program that runs as the root task, which has
 * no process info and no heap untyped: 256 KiB of .bss (see heap.c). Linked
 * only into programs declared AxlUserProgram(..., root_task=True), so that
 * ordinary processes do not carry 64 pages they never use.
 */
#include <stddef.h>

char axl_root_arena[256 * 1024] __attribute__((aligned(16)));
const size_t axl_root_arena_size = sizeof(axl_root_arena);
