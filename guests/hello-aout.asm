; hello-aout.asm — the default guest built as a flat a.out-kludge Multiboot kernel (no ELF headers):
; the loader must take the load and entry addresses from the Multiboot header's address fields.
; Its output is the same as hello's.
%define MULTIBOOT_AOUT
%include "hello.asm"
