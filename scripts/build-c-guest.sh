#!/usr/bin/env bash
# Builds guests/c (a Multiboot kernel in C) into public/guests/c-kernel.elf with GCC and GNU ld
# (Debian: gcc, binutils; no multilib needed: the kernel uses no C library). The output is
# committed; re-run this after changing the sources, then record QEMU's output:
#   shared/tools/qemu-ref multiboot public/guests/c-kernel.elf > guests/expected/c-kernel.txt; echo $? > guests/expected/c-kernel.status
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -m32 -O2 -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -c guests/c/kernel.c -o "$tmp/kernel.o"
gcc -m32 -c guests/c/boot.S -o "$tmp/boot.o"
ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -T guests/c/link.ld -o public/guests/c-kernel.elf "$tmp/boot.o" "$tmp/kernel.o"
echo "public/guests/c-kernel.elf: $(stat -c %s public/guests/c-kernel.elf) bytes"
