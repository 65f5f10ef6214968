/**
 * One-line hover documentation for the editor: instruction mnemonics (every one src/asm accepts gets
 * a line, written here or built from its family: Jcc/SETcc/CMOVcc/FCMOVcc and the SSE arithmetic
 * grid), registers and the directives. Pure data, no Monaco: instruction-docs.test.ts checks that
 * every mnemonic used in guests/*.asm is covered.
 */

/** "MNEMONIC description" lines, hand-written. Aliases are resolved through ALIASES below. */
const WRITTEN = `
aaa ASCII adjust AL after addition (unpacked BCD)
aad ASCII adjust AX before division: AL = AH * base + AL, AH = 0
aam ASCII adjust AX after multiplication: AH = AL / base, AL = AL mod base
aas ASCII adjust AL after subtraction (unpacked BCD)
adc Add with carry: dest = dest + src + CF
add Add: dest = dest + src; sets CF, OF, SF, ZF, AF, PF
and Bitwise AND; clears CF and OF
arpl Adjust the RPL of a segment selector to be at least another's
bound Check that a signed index lies within bounds in memory (#BR if not)
bsf Bit scan forward: index of the lowest set bit (ZF = 1 if the source is 0)
bsr Bit scan reverse: index of the highest set bit (ZF = 1 if the source is 0)
bswap Reverse the byte order of a 32- or 64-bit register
bt Bit test: CF = the selected bit
btc Bit test and complement: CF = the bit, then flip it
btr Bit test and reset: CF = the bit, then clear it
bts Bit test and set: CF = the bit, then set it
call Call a procedure: push the return address and jump
cbw Sign-extend AL into AX
cwde Sign-extend AX into EAX
cdqe Sign-extend EAX into RAX
cwd Sign-extend AX into DX:AX
cdq Sign-extend EAX into EDX:EAX
cqo Sign-extend RAX into RDX:RAX
clac Clear RFLAGS.AC (allow supervisor access to user pages under SMAP)
stac Set RFLAGS.AC (allow supervisor access to user pages under SMAP)
clc Clear the carry flag
cld Clear the direction flag: string instructions go up
cli Clear the interrupt flag: maskable interrupts are held off
clts Clear CR0.TS (task switched)
cmc Complement the carry flag
stc Set the carry flag
std Set the direction flag: string instructions go down
sti Set the interrupt flag (interrupts are taken after the next instruction)
clflush Flush the cache line containing the address
cmp Compare: computes dest - src for the flags only
cmpsb Compare bytes at [DS:SI] and [ES:DI] and advance both (use with REPE/REPNE)
cmpsw Compare words at [DS:SI] and [ES:DI] and advance both
cmpsq Compare quadwords at [RSI] and [RDI] and advance both
cmpxchg Compare and exchange: if accumulator = dest then dest = src, else accumulator = dest
cmpxchg8b Compare EDX:EAX with a 64-bit memory operand; if equal store ECX:EBX
cmpxchg16b Compare RDX:RAX with a 128-bit memory operand; if equal store RCX:RBX
cpuid CPU identification: EAX (and ECX) select a leaf; the answer is in EAX, EBX, ECX, EDX (a VM exit under a hypervisor)
daa Decimal adjust AL after addition (packed BCD)
das Decimal adjust AL after subtraction (packed BCD)
dec Decrement by 1 (CF unchanged)
inc Increment by 1 (CF unchanged)
div Unsigned divide the accumulator pair by the operand: quotient and remainder (#DE on overflow)
idiv Signed divide the accumulator pair by the operand: quotient and remainder (#DE on overflow)
mul Unsigned multiply the accumulator by the operand into the accumulator pair (e.g. EDX:EAX)
imul Signed multiply (one operand: into the accumulator pair; two or three: truncated into a register)
emms Empty the MMX state (mark the x87 registers free)
enter Make a stack frame for a procedure (push rBP, reserve locals)
leave Tear down a stack frame: rSP = rBP, pop rBP
hlt Halt until the next interrupt (a VM exit; the VMM waits for an interrupt to inject)
icebp Single-byte debug trap (INT1, opcode F1)
int Software interrupt: call the handler of the given vector through the IVT/IDT
int1 Single-byte debug trap (INT1, opcode F1)
int01 Single-byte debug trap (INT1, opcode F1)
int3 Breakpoint trap (#BP, vector 3, opcode CC)
into Interrupt on overflow: #OF if OF = 1 (not in 64-bit mode)
in Read from an I/O port into AL/AX/EAX (a VM exit: the VMM emulates the device)
out Write AL/AX/EAX to an I/O port (a VM exit: the VMM emulates the device)
insb Read a byte from port DX into [ES:DI] and advance DI
insw Read a word from port DX into [ES:DI] and advance DI
insd Read a doubleword from port DX into [ES:DI] and advance DI
outsb Write the byte at [DS:SI] to port DX and advance SI
outsw Write the word at [DS:SI] to port DX and advance SI
outsd Write the doubleword at [DS:SI] to port DX and advance SI
invd Invalidate the caches without writing them back
invlpg Invalidate the TLB entry for the page containing the address
wbinvd Write back and invalidate the caches
iret Return from an interrupt: pop IP, CS, FLAGS (and SS:SP on a privilege change)
iretw Return from an interrupt with a 16-bit frame
iretd Return from an interrupt with a 32-bit frame
iretq Return from an interrupt with a 64-bit frame (always pops SS:RSP)
jcxz Jump if CX is 0
jecxz Jump if ECX is 0
jrcxz Jump if RCX is 0
jmp Jump: near, short, or far (selector:offset, reloading CS)
lahf Load AH from the low flags (SF ZF AF PF CF)
sahf Store AH into the low flags (SF ZF AF PF CF)
lar Load the access rights of a segment selector
lsl Load the segment limit of a selector
lds Load a far pointer into DS and a register
les Load a far pointer into ES and a register
lfs Load a far pointer into FS and a register
lgs Load a far pointer into GS and a register
lss Load a far pointer into SS and a register (interrupts held off for one instruction)
lea Load effective address: the address computed, no memory access
lfence Load fence: earlier loads complete before later instructions start
mfence Memory fence: earlier loads and stores complete before later ones
sfence Store fence: earlier stores become visible before later ones
lgdt Load the GDT register (base and limit) from memory
lidt Load the IDT register (base and limit) from memory
sgdt Store the GDT register (base and limit) to memory
sidt Store the IDT register (base and limit) to memory
lldt Load the LDT register from a selector
sldt Store the LDT register's selector
ltr Load the task register from a TSS selector
str Store the task register's selector
lmsw Load the machine status word (low 4 bits of CR0)
smsw Store the machine status word (low bits of CR0)
lodsb Load the byte at [DS:SI] into AL and advance SI
lodsw Load the word at [DS:SI] into AX and advance SI
lodsd Load the doubleword at [DS:SI] into EAX and advance SI
lodsq Load the quadword at [RSI] into RAX and advance RSI
stosb Store AL at [ES:DI] and advance DI (REP: fill CX bytes)
stosw Store AX at [ES:DI] and advance DI
stosd Store EAX at [ES:DI] and advance DI
stosq Store RAX at [RDI] and advance RDI
movsb Copy the byte at [DS:SI] to [ES:DI] and advance both (REP: copy CX bytes)
movsw Copy the word at [DS:SI] to [ES:DI] and advance both
movsq Copy the quadword at [RSI] to [RDI] and advance both
scasb Compare AL with the byte at [ES:DI] and advance DI (REPNE: search)
scasw Compare AX with the word at [ES:DI] and advance DI
scasd Compare EAX with the doubleword at [ES:DI] and advance DI
scasq Compare RAX with the quadword at [RDI] and advance RDI
loop Decrement CX/ECX/RCX and jump if it is not 0 (flags unchanged)
loope Decrement the count and jump if it is not 0 and ZF = 1
loopne Decrement the count and jump if it is not 0 and ZF = 0
lzcnt Count leading zero bits
tzcnt Count trailing zero bits
popcnt Count the set bits
mov Move (copy) data; also to and from segment, control and debug registers
movbe Move with the byte order reversed (big-endian load or store)
movsx Move with sign extension
movsxd Move a doubleword with sign extension to 64 bits
movzx Move with zero extension
movnti Store a doubleword or quadword without polluting the cache (non-temporal)
neg Two's complement negation: dest = 0 - dest
not One's complement: flip every bit (flags unchanged)
nop No operation
or Bitwise OR; clears CF and OF
xor Bitwise exclusive OR; clears CF and OF (xor r, r zeroes a register)
test Bitwise AND for the flags only
pause Spin-loop hint (a PAUSE exit under some hypervisors)
pop Pop from the stack
push Push onto the stack
popa Pop all 16-bit general registers
popaw Pop all 16-bit general registers
popad Pop all 32-bit general registers
pusha Push all 16-bit general registers
pushaw Push all 16-bit general registers
pushad Push all 32-bit general registers
popf Pop FLAGS from the stack
popfw Pop FLAGS (16 bits) from the stack
popfd Pop EFLAGS from the stack
popfq Pop RFLAGS from the stack
pushf Push FLAGS onto the stack
pushfw Push FLAGS (16 bits) onto the stack
pushfd Push EFLAGS onto the stack
pushfq Push RFLAGS onto the stack
prefetchnta Prefetch a cache line, non-temporal
prefetcht0 Prefetch a cache line into all cache levels
prefetcht1 Prefetch a cache line into level 2 and up
prefetcht2 Prefetch a cache line into level 3 and up
rcl Rotate left through the carry flag
rcr Rotate right through the carry flag
rol Rotate left
ror Rotate right
sal Shift arithmetic left (same as SHL)
shl Shift left; CF = the last bit shifted out
sar Shift arithmetic right: the sign bit is copied in
shr Shift logical right: zeroes come in
shld Double-precision shift left: bits come in from the second operand
shrd Double-precision shift right: bits come in from the second operand
rdmsr Read the model-specific register ECX into EDX:EAX (a VM exit for many MSRs)
wrmsr Write EDX:EAX to the model-specific register ECX
rdpmc Read the performance counter ECX into EDX:EAX
rdtsc Read the time-stamp counter into EDX:EAX
rdtscp Read the time-stamp counter into EDX:EAX and IA32_TSC_AUX into ECX
ret Return from a procedure (near), optionally releasing N bytes of arguments
retn Near return
retw Near return with a 16-bit return address
retd Near return with a 32-bit return address
retq Near return with a 64-bit return address
retnw Near return with a 16-bit return address
retnd Near return with a 32-bit return address
retnq Near return with a 64-bit return address
retf Far return: pop IP and CS
retfw Far return with a 16-bit frame
retfd Far return with a 32-bit frame
retfq Far return with a 64-bit frame
salc Set AL from the carry flag (undocumented: AL = CF ? 0xFF : 0)
sbb Subtract with borrow: dest = dest - src - CF
sub Subtract: dest = dest - src
swapgs Exchange GS.base with the IA32_KERNEL_GS_BASE MSR
syscall Fast system call: RIP to RCX, RFLAGS to R11, jump to IA32_LSTAR at CPL 0
sysret Return from SYSCALL to CPL 3: RIP from RCX, RFLAGS from R11
sysenter Fast system call through the IA32_SYSENTER_* MSRs
sysexit Return from SYSENTER to CPL 3
ud0 Undefined instruction (raises #UD)
ud1 Undefined instruction (raises #UD)
ud2 Undefined instruction (raises #UD): a deliberate trap
verr Verify that a segment is readable (ZF = 1 if so)
verw Verify that a segment is writable (ZF = 1 if so)
wait Wait for pending unmasked x87 exceptions
fwait Wait for pending unmasked x87 exceptions
xadd Exchange and add: temp = dest + src, src = dest, dest = temp
xchg Exchange two operands (with memory: implicitly locked)
xlat Table look-up: AL = [DS:BX + AL]
xlatb Table look-up: AL = [DS:BX + AL]
f2xm1 x87: ST0 = 2^ST0 - 1 (for -1 <= ST0 <= 1)
fabs x87: ST0 = |ST0|
fadd x87: add (ST0 += operand, or STi += ST0 with TO)
faddp x87: STi = STi + ST0, then pop
fiadd x87: ST0 += an integer in memory
fbld x87: push an 80-bit packed BCD number
fbstp x87: store ST0 as 80-bit packed BCD, then pop
fchs x87: ST0 = -ST0
fclex x87: clear the exception flags (after checking pending exceptions)
fnclex x87: clear the exception flags without waiting
fcom x87: compare ST0 with the operand into C3 C2 C0
fcomp x87: compare ST0 with the operand into C3 C2 C0, then pop
fcompp x87: compare ST0 with ST1, then pop twice
fcomi x87: compare ST0 with STi into ZF PF CF
fcomip x87: compare ST0 with STi into ZF PF CF, then pop
fucom x87: unordered compare ST0 with STi into C3 C2 C0
fucomp x87: unordered compare, then pop
fucompp x87: unordered compare ST0 with ST1, then pop twice
fucomi x87: unordered compare ST0 with STi into ZF PF CF
fucomip x87: unordered compare into ZF PF CF, then pop
ficom x87: compare ST0 with an integer in memory
ficomp x87: compare ST0 with an integer in memory, then pop
ftst x87: compare ST0 with 0.0
fxam x87: classify ST0 (zero, normal, NaN, ...) into C3 C2 C1 C0
fcos x87: ST0 = cos(ST0)
fsin x87: ST0 = sin(ST0)
fsincos x87: ST0 = sin, then push cos
fptan x87: ST0 = tan(ST0), then push 1.0
fpatan x87: ST1 = arctan(ST1 / ST0), then pop
fdecstp x87: decrement the stack-top pointer
fincstp x87: increment the stack-top pointer
fdisi x87: disable interrupts (8087 only; a no-op since)
fndisi x87: disable interrupts without waiting (8087 only; a no-op since)
feni x87: enable interrupts (8087 only; a no-op since)
fneni x87: enable interrupts without waiting (8087 only; a no-op since)
fsetpm x87: set protected mode (80287 only; a no-op since)
fdiv x87: divide (ST0 /= operand, or STi /= ST0 with TO)
fdivp x87: STi = STi / ST0, then pop
fdivr x87: reverse divide (ST0 = operand / ST0)
fdivrp x87: STi = ST0 / STi, then pop
fidiv x87: ST0 /= an integer in memory
fidivr x87: ST0 = an integer in memory / ST0
ffree x87: mark STi empty
ffreep x87: mark STi empty, then pop
fild x87: push an integer from memory
fist x87: store ST0 as an integer (rounded per the control word)
fistp x87: store ST0 as an integer, then pop
fisttp x87: store ST0 as an integer truncated toward zero, then pop (SSE3)
fimul x87: ST0 *= an integer in memory
fisub x87: ST0 -= an integer in memory
fisubr x87: ST0 = an integer in memory - ST0
finit x87: initialise the FPU (after checking pending exceptions)
fninit x87: initialise the FPU without waiting
fld x87: push a float from memory or STi
fld1 x87: push +1.0
fldz x87: push +0.0
fldpi x87: push pi
fldl2e x87: push log2(e)
fldl2t x87: push log2(10)
fldlg2 x87: push log10(2)
fldln2 x87: push ln(2)
fldcw x87: load the control word (rounding, precision, exception masks)
fldenv x87: load the environment (control, status, tag words, pointers)
fmul x87: multiply (ST0 *= operand, or STi *= ST0 with TO)
fmulp x87: STi = STi * ST0, then pop
fnop x87: no operation
fprem x87: partial remainder, truncating (8087 semantics)
fprem1 x87: partial remainder, IEEE round-to-nearest
frndint x87: round ST0 to an integer per the control word
fsave x87: save the whole FPU state to memory, then initialise
fnsave x87: save the whole FPU state without waiting, then initialise
frstor x87: restore the whole FPU state from memory
fscale x87: ST0 = ST0 * 2^trunc(ST1)
fsqrt x87: ST0 = sqrt(ST0)
fst x87: store ST0 to memory or STi
fstp x87: store ST0 to memory or STi, then pop
fstcw x87: store the control word (after checking pending exceptions)
fnstcw x87: store the control word without waiting
fstenv x87: store the environment (after checking pending exceptions)
fnstenv x87: store the environment without waiting
fstsw x87: store the status word to memory or AX
fnstsw x87: store the status word without waiting
fsub x87: subtract (ST0 -= operand, or STi -= ST0 with TO)
fsubp x87: STi = STi - ST0, then pop
fsubr x87: reverse subtract (ST0 = operand - ST0)
fsubrp x87: STi = ST0 - STi, then pop
fxch x87: exchange ST0 and STi
fxtract x87: split ST0 into exponent (ST1) and significand (ST0)
fyl2x x87: ST1 = ST1 * log2(ST0), then pop
fyl2xp1 x87: ST1 = ST1 * log2(ST0 + 1), then pop
fxsave Save the x87, MMX and SSE state (512 bytes)
fxsave64 Save the x87, MMX and SSE state with 64-bit pointers (512 bytes)
fxrstor Restore the x87, MMX and SSE state (512 bytes)
fxrstor64 Restore the x87, MMX and SSE state with 64-bit pointers (512 bytes)
ldmxcsr Load MXCSR (SSE control and status) from memory
stmxcsr Store MXCSR (SSE control and status) to memory
lddqu SSE3: load 128 unaligned bits (may read a whole cache line)
maskmovdqu SSE2: store the bytes of an XMM register selected by a mask to [DI]
maskmovq MMX: store the bytes of an MMX register selected by a mask to [DI]
movapd SSE2: move aligned packed doubles (128 bits; #GP if unaligned)
movaps SSE: move aligned packed singles (128 bits; #GP if unaligned)
movupd SSE2: move unaligned packed doubles (128 bits)
movups SSE: move unaligned packed singles (128 bits)
movd Move a doubleword between a general register or memory and an MMX/XMM register
movq Move a quadword to or from an MMX/XMM register
movdqa SSE2: move aligned 128 bits of integers
movdqu SSE2: move unaligned 128 bits of integers
movdq2q SSE2: move the low quadword of an XMM register to an MMX register
movq2dq SSE2: move an MMX register to the low quadword of an XMM register
movddup SSE3: duplicate the low double into both halves
movshdup SSE3: duplicate the odd singles
movsldup SSE3: duplicate the even singles
movhlps SSE: move the high two singles of the source to the low half of the destination
movlhps SSE: move the low two singles of the source to the high half of the destination
movhpd SSE2: move a double to or from the high half of an XMM register
movhps SSE: move two singles to or from the high half of an XMM register
movlpd SSE2: move a double to or from the low half of an XMM register
movlps SSE: move two singles to or from the low half of an XMM register
movmskpd SSE2: the sign bits of two doubles into a general register
movmskps SSE: the sign bits of four singles into a general register
movntdq SSE2: store 128 bits non-temporally (bypass the cache)
movntpd SSE2: store packed doubles non-temporally
movntps SSE: store packed singles non-temporally
movntq MMX: store 64 bits non-temporally
movss SSE: move a scalar single (register to register keeps the upper bits)
cmpsd Compare doublewords at [DS:SI] and [ES:DI] (string) — or, with XMM operands, SSE2 compare scalar doubles by a predicate
movsd Copy the doubleword at [DS:SI] to [ES:DI] (string) — or, with XMM operands, SSE2 move a scalar double
cmpps SSE: compare packed singles by a predicate into all-ones / all-zeros masks
cmppd SSE2: compare packed doubles by a predicate into masks
cmpss SSE: compare scalar singles by a predicate into a mask
comiss SSE: compare scalar singles into ZF PF CF (signals on QNaN)
comisd SSE2: compare scalar doubles into ZF PF CF (signals on QNaN)
ucomiss SSE: unordered compare of scalar singles into ZF PF CF
ucomisd SSE2: unordered compare of scalar doubles into ZF PF CF
addsubpd SSE3: subtract in the even lane, add in the odd lane (doubles)
addsubps SSE3: subtract in even lanes, add in odd lanes (singles)
haddpd SSE3: horizontal add of adjacent doubles
haddps SSE3: horizontal add of adjacent singles
hsubpd SSE3: horizontal subtract of adjacent doubles
hsubps SSE3: horizontal subtract of adjacent singles
rcpps SSE: approximate reciprocals of packed singles
rcpss SSE: approximate reciprocal of a scalar single
rsqrtps SSE: approximate reciprocal square roots of packed singles
rsqrtss SSE: approximate reciprocal square root of a scalar single
shufpd SSE2: shuffle doubles from two sources by an immediate
shufps SSE: shuffle singles from two sources by an immediate
unpckhpd SSE2: interleave the high doubles of two sources
unpckhps SSE: interleave the high singles of two sources
unpcklpd SSE2: interleave the low doubles of two sources
unpcklps SSE: interleave the low singles of two sources
cvtdq2pd SSE2: convert two int32 to doubles
cvtdq2ps SSE2: convert four int32 to singles
cvtpd2dq SSE2: convert two doubles to int32 (rounded)
cvtpd2pi SSE2: convert two doubles to int32 in an MMX register
cvtpd2ps SSE2: convert two doubles to singles
cvtpi2pd SSE2: convert two int32 in an MMX register to doubles
cvtpi2ps SSE: convert two int32 in an MMX register to singles
cvtps2dq SSE2: convert four singles to int32 (rounded)
cvtps2pd SSE2: convert two singles to doubles
cvtps2pi SSE: convert two singles to int32 in an MMX register
cvtsd2si SSE2: convert a scalar double to an integer (rounded)
cvtsd2ss SSE2: convert a scalar double to a single
cvtsi2sd SSE2: convert an integer to a scalar double
cvtsi2ss SSE: convert an integer to a scalar single
cvtss2sd SSE2: convert a scalar single to a double
cvtss2si SSE: convert a scalar single to an integer (rounded)
cvttpd2dq SSE2: convert two doubles to int32, truncating
cvttpd2pi SSE2: convert two doubles to int32 in an MMX register, truncating
cvttps2dq SSE2: convert four singles to int32, truncating
cvttps2pi SSE: convert two singles to int32 in an MMX register, truncating
cvttsd2si SSE2: convert a scalar double to an integer, truncating
cvttss2si SSE: convert a scalar single to an integer, truncating
pabsb SSSE3: absolute value of packed bytes
pabsw SSSE3: absolute value of packed words
pabsd SSSE3: absolute value of packed doublewords
packssdw Pack doublewords into words with signed saturation
packsswb Pack words into bytes with signed saturation
packuswb Pack signed words into bytes with unsigned saturation
paddb Add packed bytes (wrapping)
paddw Add packed words (wrapping)
paddd Add packed doublewords (wrapping)
paddq Add packed quadwords (wrapping)
paddsb Add packed signed bytes with saturation
paddsw Add packed signed words with saturation
paddusb Add packed unsigned bytes with saturation
paddusw Add packed unsigned words with saturation
palignr SSSE3: concatenate two registers and extract a byte-aligned window
pand Bitwise AND of packed integers
pandn Bitwise AND NOT: dest = ~dest & src
por Bitwise OR of packed integers
pxor Bitwise XOR of packed integers (pxor r, r zeroes it)
pavgb Average packed unsigned bytes (rounded up)
pavgw Average packed unsigned words (rounded up)
pcmpeqb Compare packed bytes for equality into masks
pcmpeqw Compare packed words for equality into masks
pcmpeqd Compare packed doublewords for equality into masks
pcmpgtb Compare packed signed bytes for greater-than into masks
pcmpgtw Compare packed signed words for greater-than into masks
pcmpgtd Compare packed signed doublewords for greater-than into masks
pextrw Extract a word selected by an immediate into a general register
pinsrw Insert a word into the lane selected by an immediate
phaddw SSSE3: horizontal add of adjacent words
phaddd SSSE3: horizontal add of adjacent doublewords
phaddsw SSSE3: horizontal add of adjacent words with signed saturation
phsubw SSSE3: horizontal subtract of adjacent words
phsubd SSSE3: horizontal subtract of adjacent doublewords
phsubsw SSSE3: horizontal subtract of adjacent words with signed saturation
pmaddubsw SSSE3: multiply unsigned by signed bytes, add adjacent pairs into saturated words
pmaddwd Multiply packed words and add adjacent pairs into doublewords
pmaxsw Maximum of packed signed words
pmaxub Maximum of packed unsigned bytes
pminsw Minimum of packed signed words
pminub Minimum of packed unsigned bytes
pmovmskb The sign bits of the packed bytes into a general register
pmulhrsw SSSE3: multiply packed signed words, round and keep the high halves (scaled)
pmulhuw Multiply packed unsigned words, keep the high 16 bits
pmulhw Multiply packed signed words, keep the high 16 bits
pmullw Multiply packed words, keep the low 16 bits
pmuludq Multiply the even unsigned doublewords into quadwords
psadbw Sum of absolute differences of packed unsigned bytes
pshufb SSSE3: shuffle bytes by the indexes in the source
pshufd SSE2: shuffle doublewords by an immediate
pshufhw SSE2: shuffle the high four words by an immediate
pshuflw SSE2: shuffle the low four words by an immediate
pshufw Shuffle the words of an MMX register by an immediate
psignb SSSE3: negate, zero or keep packed bytes by the sign of the source
psignw SSSE3: negate, zero or keep packed words by the sign of the source
psignd SSSE3: negate, zero or keep packed doublewords by the sign of the source
psllw Shift packed words left (logical)
pslld Shift packed doublewords left (logical)
psllq Shift packed quadwords left (logical)
pslldq SSE2: shift the whole 128-bit register left by bytes
psraw Shift packed words right (arithmetic)
psrad Shift packed doublewords right (arithmetic)
psrlw Shift packed words right (logical)
psrld Shift packed doublewords right (logical)
psrlq Shift packed quadwords right (logical)
psrldq SSE2: shift the whole 128-bit register right by bytes
psubb Subtract packed bytes (wrapping)
psubw Subtract packed words (wrapping)
psubd Subtract packed doublewords (wrapping)
psubq Subtract packed quadwords (wrapping)
psubsb Subtract packed signed bytes with saturation
psubsw Subtract packed signed words with saturation
psubusb Subtract packed unsigned bytes with saturation
psubusw Subtract packed unsigned words with saturation
punpckhbw Interleave the high bytes of two sources
punpckhwd Interleave the high words of two sources
punpckhdq Interleave the high doublewords of two sources
punpckhqdq SSE2: interleave the high quadwords of two sources
punpcklbw Interleave the low bytes of two sources
punpcklwd Interleave the low words of two sources
punpckldq Interleave the low doublewords of two sources
punpcklqdq SSE2: interleave the low quadwords of two sources
`;

/** NASM's alternative spellings → the name documented above. */
const ALIASES: Record<string, string> = {
  loopz: "loope", loopnz: "loopne",
};

/** Jcc / SETcc / CMOVcc condition suffixes: what they test. */
export const CONDITIONS: Record<string, string> = {
  o: "overflow (OF = 1)",
  no: "not overflow (OF = 0)",
  b: "below, unsigned < (CF = 1)",
  c: "carry (CF = 1)",
  nae: "not above or equal, unsigned < (CF = 1)",
  ae: "above or equal, unsigned >= (CF = 0)",
  nb: "not below, unsigned >= (CF = 0)",
  nc: "not carry (CF = 0)",
  e: "equal (ZF = 1)",
  z: "zero (ZF = 1)",
  ne: "not equal (ZF = 0)",
  nz: "not zero (ZF = 0)",
  be: "below or equal, unsigned <= (CF = 1 or ZF = 1)",
  na: "not above, unsigned <= (CF = 1 or ZF = 1)",
  a: "above, unsigned > (CF = 0 and ZF = 0)",
  nbe: "not below or equal, unsigned > (CF = 0 and ZF = 0)",
  s: "sign (SF = 1)",
  ns: "not sign (SF = 0)",
  p: "parity even (PF = 1)",
  pe: "parity even (PF = 1)",
  np: "parity odd (PF = 0)",
  po: "parity odd (PF = 0)",
  l: "less, signed < (SF != OF)",
  nge: "not greater or equal, signed < (SF != OF)",
  ge: "greater or equal, signed >= (SF = OF)",
  nl: "not less, signed >= (SF = OF)",
  le: "less or equal, signed <= (ZF = 1 or SF != OF)",
  ng: "not greater, signed <= (ZF = 1 or SF != OF)",
  g: "greater, signed > (ZF = 0 and SF = OF)",
  nle: "not less or equal, signed > (ZF = 0 and SF = OF)",
};

/** x87 FCMOVcc conditions (from the flags FCOMI sets). */
const FCMOV_CONDITIONS: Record<string, string> = {
  b: "below (CF = 1)", nb: "not below (CF = 0)", e: "equal (ZF = 1)", ne: "not equal (ZF = 0)",
  be: "below or equal (CF = 1 or ZF = 1)", nbe: "not below or equal (CF = 0 and ZF = 0)",
  u: "unordered (PF = 1)", nu: "not unordered (PF = 0)",
};

/** The SSE arithmetic grid: OP + PS/PD/SS/SD. */
const SSE_OPS: Record<string, string> = {
  add: "add", sub: "subtract", mul: "multiply", div: "divide", min: "minimum of", max: "maximum of",
  sqrt: "square root of", and: "bitwise AND of", andn: "bitwise AND NOT of", or: "bitwise OR of", xor: "bitwise XOR of",
};
const SSE_KINDS: Record<string, [string, string]> = {
  ps: ["SSE", "packed singles (4 x float32)"],
  pd: ["SSE2", "packed doubles (2 x float64)"],
  ss: ["SSE", "the scalar single (low float32)"],
  sd: ["SSE2", "the scalar double (low float64)"],
};

function buildTable(): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of WRITTEN.split("\n")) {
    const m = /^(\S+) (.+)$/.exec(line.trim());
    if (m) table.set(m[1], m[2]);
  }
  for (const [cc, what] of Object.entries(CONDITIONS)) {
    table.set(`j${cc}`, `Jump if ${what}`);
    table.set(`set${cc}`, `Set the byte to 1 if ${what}, else 0`);
    table.set(`cmov${cc}`, `Move if ${what}`);
  }
  for (const [cc, what] of Object.entries(FCMOV_CONDITIONS)) table.set(`fcmov${cc}`, `x87: ST0 = STi if ${what}`);
  for (const [op, verb] of Object.entries(SSE_OPS)) {
    for (const [suffix, [ext, what]] of Object.entries(SSE_KINDS)) {
      const logical = op === "and" || op === "andn" || op === "or" || op === "xor";
      if (logical && (suffix === "ss" || suffix === "sd")) continue;
      table.set(`${op}${suffix}`, `${ext}: ${verb} ${what}`);
    }
  }
  for (const [alias, name] of Object.entries(ALIASES)) {
    const text = table.get(name);
    if (text && !table.has(alias)) table.set(alias, text);
  }
  return table;
}

const TABLE = buildTable();

/** The instruction family of a mnemonic without a line of its own, or null. */
export function instructionFamily(mnemonic: string): string | null {
  const m = mnemonic.toLowerCase();
  if (/^f/.test(m)) return "x87 floating-point instruction";
  if (/^cvt/.test(m)) return "SSE conversion";
  if (/(ps|pd|ss|sd)$/.test(m)) return "SSE floating-point instruction";
  if (/^p/.test(m)) return "MMX/SSE packed-integer instruction";
  if (/^(mov|cmov)/.test(m)) return "data movement";
  if (/^(j|loop)/.test(m)) return "control transfer";
  return null;
}

/** One line describing an instruction, or null when nothing is known about it. */
export function instructionDoc(mnemonic: string): string | null {
  const m = mnemonic.toLowerCase();
  return TABLE.get(m) ?? instructionFamily(m);
}

/** The mnemonics with a line of their own (for tests). */
export function documentedMnemonics(): string[] {
  return [...TABLE.keys()];
}

// ---- registers ---------------------------------------------------------------------------------

const REGISTER_LINES = `
rax Accumulator (64-bit): return values, MUL/DIV, IN/OUT, string compares
rbx Base register (64-bit), callee-saved
rcx Count register (64-bit): LOOP, REP, shift counts; SYSCALL saves RIP here
rdx Data register (64-bit): high half of MUL/DIV, the port number of IN/OUT
rsi Source index (64-bit) for string instructions
rdi Destination index (64-bit) for string instructions
rbp Base (frame) pointer (64-bit)
rsp Stack pointer (64-bit)
rip Instruction pointer (64-bit): the address of the next instruction
rflags Flags register (64-bit)
cr0 Control register 0: PE (protected mode), MP, EM, TS, WP, NE, CD, NW, PG (paging)
cr2 Control register 2: the linear address of the last page fault
cr3 Control register 3: page-directory (PML4) base and PCID
cr4 Control register 4: PSE, PAE, PGE, OSFXSR, OSXMMEXCPT, VMXE, SMEP, SMAP, ...
cr8 Control register 8: the task-priority register (64-bit mode)
cs Code segment: selector and hidden base/limit/rights; its D/L bits set the code size
ds Data segment: the default for most memory operands
es Extra segment: the destination of string instructions
fs Extra segment FS (its base is an MSR in 64-bit mode, often thread-local storage)
gs Extra segment GS (its base is an MSR in 64-bit mode; SWAPGS exchanges it)
ss Stack segment: used by PUSH/POP and [rBP]/[rSP] addressing
dr0 Debug register 0: breakpoint linear address
dr1 Debug register 1: breakpoint linear address
dr2 Debug register 2: breakpoint linear address
dr3 Debug register 3: breakpoint linear address
dr6 Debug status: which breakpoint or single-step condition fired
dr7 Debug control: enables and kinds of the four breakpoints
st0 x87 stack top (80-bit extended precision)
`;

const REGISTERS = new Map<string, string>();
for (const line of REGISTER_LINES.split("\n")) {
  const m = /^(\S+) (.+)$/.exec(line.trim());
  if (m) REGISTERS.set(m[1], m[2]);
}
const GPR_WORDS: Record<string, [string, string, string, string]> = {
  // 32-bit, 16-bit, low byte, high byte
  a: ["eax", "ax", "al", "ah"], b: ["ebx", "bx", "bl", "bh"], c: ["ecx", "cx", "cl", "ch"], d: ["edx", "dx", "dl", "dh"],
};
for (const [k, [e, w, l, h]] of Object.entries(GPR_WORDS)) {
  const base = REGISTERS.get(`r${k}x`)!.replace(" (64-bit)", "");
  REGISTERS.set(e, `${base} — low 32 bits of R${k.toUpperCase()}X (writing it zeroes the upper half in 64-bit mode)`);
  REGISTERS.set(w, `${base} — low 16 bits of R${k.toUpperCase()}X`);
  REGISTERS.set(l, `Low byte of ${w.toUpperCase()}`);
  REGISTERS.set(h, `High byte of ${w.toUpperCase()} (bits 15:8)`);
}
for (const r of ["si", "di", "bp", "sp"]) {
  const base = REGISTERS.get(`r${r}`)!.replace(" (64-bit)", "");
  REGISTERS.set(`e${r}`, `${base} — low 32 bits of R${r.toUpperCase()}`);
  REGISTERS.set(r, `${base} — low 16 bits of R${r.toUpperCase()}`);
  REGISTERS.set(`${r}l`, `${base} — low byte (64-bit mode, with REX)`);
}
REGISTERS.set("eip", "Instruction pointer (32-bit)");
REGISTERS.set("ip", "Instruction pointer (16-bit): the offset in CS");
REGISTERS.set("eflags", "Flags register (32-bit)");
for (let i = 8; i <= 15; i++) {
  REGISTERS.set(`r${i}`, `General register R${i} (64-bit mode only)`);
  REGISTERS.set(`r${i}d`, `Low 32 bits of R${i}`);
  REGISTERS.set(`r${i}w`, `Low 16 bits of R${i}`);
  REGISTERS.set(`r${i}b`, `Low byte of R${i}`);
}
for (let i = 0; i < 8; i++) {
  REGISTERS.set(`st${i}`, i === 0 ? REGISTERS.get("st0")! : `x87 stack register ${i} below the top (80-bit)`);
  REGISTERS.set(`mm${i}`, `MMX register ${i} (64-bit, aliases the x87 register's significand)`);
}
for (let i = 0; i < 16; i++) REGISTERS.set(`xmm${i}`, `SSE register ${i} (128-bit)${i >= 8 ? ", 64-bit mode only" : ""}`);

/** Every register name the tokenizer colours. */
export const REGISTER_NAMES: readonly string[] = [...REGISTERS.keys(), "st"];

export function registerDoc(name: string): string | null {
  const n = name.toLowerCase();
  return REGISTERS.get(n) ?? (n === "st" ? "x87 register stack (st0 is the top)" : null);
}

// ---- directives --------------------------------------------------------------------------------

const DIRECTIVE_LINES = `
bits The code size to assemble for: 16, 32 or 64
use16 Assemble 16-bit code (BITS 16)
use32 Assemble 32-bit code (BITS 32)
use64 Assemble 64-bit code (BITS 64)
org The address the image's first byte will have at run time
section Start or continue a section (bin format: .text, .data, .bss, with align= and start=)
segment Start or continue a section (same as SECTION)
absolute Define labels at addresses without emitting bytes
times Repeat the rest of the line N times
align Pad with NOPs (code) or zeros up to a multiple of N
alignb Reserve space up to a multiple of N (in a BSS section)
db Define bytes (numbers, characters, strings)
dw Define words (16-bit)
dd Define doublewords (32-bit; also float32)
dq Define quadwords (64-bit; also float64)
dt Define ten-byte values (80-bit floats, packed BCD)
do Define octowords (128-bit)
dy Define 256-bit values
dz Define 512-bit values
resb Reserve N bytes (uninitialised)
resw Reserve N words
resd Reserve N doublewords
resq Reserve N quadwords
rest Reserve N ten-byte values
reso Reserve N octowords
resy Reserve N 256-bit values
resz Reserve N 512-bit values
equ Define a constant: the label takes this value
incbin Include a binary file's bytes
struc Start a structure definition (offsets of its fields)
endstruc End a structure definition
istruc Start an instance of a structure
at Set a field of a structure instance
iend End a structure instance
default Set defaults (DEFAULT REL: RIP-relative addresses in 64-bit mode)
`;

const DIRECTIVES = new Map<string, string>();
for (const line of DIRECTIVE_LINES.split("\n")) {
  const m = /^(\S+) (.+)$/.exec(line.trim());
  if (m) DIRECTIVES.set(m[1], m[2]);
}

export const DIRECTIVE_NAMES: readonly string[] = [...DIRECTIVES.keys()];

export function directiveDoc(name: string): string | null {
  return DIRECTIVES.get(name.toLowerCase()) ?? null;
}
