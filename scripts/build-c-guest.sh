#!/usr/bin/env bash
# Builds the C guests in guests/c with GCC and GNU ld (Debian: gcc, binutils; no multilib needed:
# they use no C library) into public/guests/: c-kernel.elf (kernel.c at -O2), c-torture-O0.elf and
# c-torture-O2.elf (torture.c), c-system.elf (system.c), c-torture-64.elf (torture.c in long mode). The outputs are committed (GCC's exact code depends on its version);
# after changing a source, re-run this and record QEMU's output for each NAME (with --64 for
# c-torture-64, which needs qemu-system-x86_64):
#   shared/tools/qemu-ref multiboot public/guests/NAME.elf > guests/expected/NAME.txt; echo $? > guests/expected/NAME.status
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -m32 -c guests/c/boot.S -o "$tmp/boot.o"

build() { # OUTPUT SOURCE GCC-OPTIONS...
  local out=$1 src=$2; shift 2
  gcc -m32 "$@" -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -c "$src" -o "$tmp/k.o"
  ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -T guests/c/link.ld -o "public/guests/$out" "$tmp/boot.o" "$tmp/k.o"
  echo "public/guests/$out: $(stat -c %s "public/guests/$out") bytes"
}
build c-kernel.elf guests/c/kernel.c -O2
build c-torture-O0.elf guests/c/torture.c -O0
build c-torture-O2.elf guests/c/torture.c -O2 -march=i686
build c-system.elf guests/c/system.c -O1

# torture.c once more as 64-bit code: boot64.S switches to long mode (PAE, 4-level paging with 2 MiB
# pages, EFER.LME, CR0.PG, a 64-bit GDT) and calls kmain. Linked as x86-64 and converted to ELF32,
# the format Multiboot v1 loaders (QEMU's -kernel among them) accept.
gcc -m64 -c guests/c/boot64.S -o "$tmp/boot64.o"
gcc -m64 -O2 -mno-red-zone -mgeneral-regs-only -ffreestanding -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -c guests/c/torture.c -o "$tmp/t64.o"
ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments -T guests/c/link64.ld -o "$tmp/t64.elf" "$tmp/boot64.o" "$tmp/t64.o"
objcopy -O elf32-i386 "$tmp/t64.elf" public/guests/c-torture-64.elf
echo "public/guests/c-torture-64.elf: $(stat -c %s public/guests/c-torture-64.elf) bytes"
