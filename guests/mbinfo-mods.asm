%include "mbinfo.asm"
