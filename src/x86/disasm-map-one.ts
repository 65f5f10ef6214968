/**
 * Disassembler table text: the one-byte opcode map (Intel SDM Vol. 2 Table A-2, groups in Table A-6)
 * and the x87 escapes D8-DF (Tables ). Notation: see disasm-tables.ts.
 */
export const MAP_ONE_BYTE = `
# ---- One-byte map (Intel SDM Vol. 2 Table A-2)
00 add Eb,Gb | lock
01 add Ev,Gv | lock
02 add Gb,Eb
03 add Gv,Ev
04 add AL,Ib
05 add rAX,Iz
06 push ES | !64 os
07 pop ES | !64 os
08 or Eb,Gb | lock
09 or Ev,Gv | lock
0a or Gb,Eb
0b or Gv,Ev
0c or AL,Ib
0d or rAX,Iz
0e push CS | !64 os
10 adc Eb,Gb | lock
11 adc Ev,Gv | lock
12 adc Gb,Eb
13 adc Gv,Ev
14 adc AL,Ib
15 adc rAX,Iz
16 push SS | !64 os
17 pop SS | !64 os
18 sbb Eb,Gb | lock
19 sbb Ev,Gv | lock
1a sbb Gb,Eb
1b sbb Gv,Ev
1c sbb AL,Ib
1d sbb rAX,Iz
1e push DS | !64 os
1f pop DS | !64 os
20 and Eb,Gb | lock
21 and Ev,Gv | lock
22 and Gb,Eb
23 and Gv,Ev
24 and AL,Ib
25 and rAX,Iz
27 daa | !64
28 sub Eb,Gb | lock
29 sub Ev,Gv | lock
2a sub Gb,Eb
2b sub Gv,Ev
2c sub AL,Ib
2d sub rAX,Iz
2f das | !64
30 xor Eb,Gb | lock
31 xor Ev,Gv | lock
32 xor Gb,Eb
33 xor Gv,Ev
34 xor AL,Ib
35 xor rAX,Iz
37 aaa | !64
38 cmp Eb,Gb
39 cmp Ev,Gv
3a cmp Gb,Eb
3b cmp Gv,Ev
3c cmp AL,Ib
3d cmp rAX,Iz
3f aas | !64
40-47 inc Zv | !64
48-4f dec Zv | !64
50-57 push Zv | d64
58-5f pop Zv | d64
60 pusha | !64 osn
61 popa | !64 osn
62 bound Gv,M | !64
63 arpl Ew,Gw | !64
63 movsxd Gv,Emx | #64
68 push Iz | d64 os64
69 imul Gv,Ev,Iz | imul
6a push Ibs | d64 os
6b imul Gv,Ev,Ibs | imul
6c insb | str esdi
6d insw|insd | str esdi
6e outsb | str
6f outsw|outsd | str
70 jo Jb | bnd jcc f64
71 jno Jb | bnd jcc f64
72 jb Jb | bnd jcc f64
73 jae Jb | bnd jcc f64
74 je Jb | bnd jcc f64
75 jne Jb | bnd jcc f64
76 jbe Jb | bnd jcc f64
77 ja Jb | bnd jcc f64
78 js Jb | bnd jcc f64
79 jns Jb | bnd jcc f64
7a jp Jb | bnd jcc f64
7b jnp Jb | bnd jcc f64
7c jl Jb | bnd jcc f64
7d jge Jb | bnd jcc f64
7e jle Jb | bnd jcc f64
7f jg Jb | bnd jcc f64
80/0 add Eb!,Ib | lock
80/1 or Eb!,Ib | lock
80/2 adc Eb!,Ib | lock
80/3 sbb Eb!,Ib | lock
80/4 and Eb!,Ib | lock
80/5 sub Eb!,Ib | lock
80/6 xor Eb!,Ib | lock
80/7 cmp Eb!,Ib
81/0 add Ev!,Iz | lock
81/1 or Ev!,Iz | lock
81/2 adc Ev!,Iz | lock
81/3 sbb Ev!,Iz | lock
81/4 and Ev!,Iz | lock
81/5 sub Ev!,Iz | lock
81/6 xor Ev!,Iz | lock
81/7 cmp Ev!,Iz
82/0 add Eb!,Ib | lock !64
82/1 or Eb!,Ib | lock !64
82/2 adc Eb!,Ib | lock !64
82/3 sbb Eb!,Ib | lock !64
82/4 and Eb!,Ib | lock !64
82/5 sub Eb!,Ib | lock !64
82/6 xor Eb!,Ib | lock !64
82/7 cmp Eb!,Ib | !64
83/0 add Ev!,Ibs | lock
83/1 or Ev!,Ibs | lock
83/2 adc Ev!,Ibs | lock
83/3 sbb Ev!,Ibs | lock
83/4 and Ev!,Ibs | lock
83/5 sub Ev!,Ibs | lock
83/6 xor Ev!,Ibs | lock
83/7 cmp Ev!,Ibs
84 test Eb,Gb
85 test Ev,Gv
86 xchg Gb,Eb | lock xchg
87 xchg Gv,Ev | lock xchg
88 mov Eb,Gb | xrel
89 mov Ev,Gv | xrel
8a mov Gb,Eb
8b mov Gv,Ev
8c mov Rvw,Sw | osm
8d lea Gv,M | noseg
8e mov Sw,Rvw | osm
8f/0 pop Ev! | d64
90@f3 pause
90 nop | nop90
90-97 xchg Zv,rAX
98 cbw|cwde|cdqe
99 cwd|cdq|cqo
9a call Ap | !64
9b wait
9c pushf | d64 osn
9d popf | d64 osn
9e sahf
9f lahf
a0 mov AL,Ob
a1 mov rAX,Ov
a2 mov Ob,AL
a3 mov Ov,rAX
a4 movsb | str
a5 movsw|movsd|movsq | str
a6 cmpsb | strz
a7 cmpsw|cmpsd|cmpsq | strz
a8 test AL,Ib
a9 test rAX,Iz
aa stosb | str esdi
ab stosw|stosd|stosq | str esdi
ac lodsb | str
ad lodsw|lodsd|lodsq | str
ae scasb | strz esdi
af scasw|scasd|scasq | strz esdi
b0-b7 mov Zb,Ib
b8-bf mov Zv,Iv
c0/0 rol Eb!,Ib
c0/1 ror Eb!,Ib
c0/2 rcl Eb!,Ib
c0/3 rcr Eb!,Ib
c0/4 shl Eb!,Ib
c0/5 shr Eb!,Ib
c0/6 sal Eb!,Ib
c0/7 sar Eb!,Ib
c1/0 rol Ev!,Ib
c1/1 ror Ev!,Ib
c1/2 rcl Ev!,Ib
c1/3 rcr Ev!,Ib
c1/4 shl Ev!,Ib
c1/5 shr Ev!,Ib
c1/6 sal Ev!,Ib
c1/7 sar Ev!,Ib
c2 ret Iw | f64 bnd osn
c3 ret | f64 bnd osn repret
c4 les Gv,Mp | !64
c5 lds Gv,Mp | !64
c6/0 mov Eb!,Ib | xrel
c7/0 mov Ev!,Iz | xrel
c8 enter Iw,Ib2 | d64 os
c9 leave | d64 os
ca retf Iw | osn
cb retf | osn
cc int3
cd int Ib
ce into | !64
cf iret | osn
d0/0 rol Eb!,I1
d0/1 ror Eb!,I1
d0/2 rcl Eb!,I1
d0/3 rcr Eb!,I1
d0/4 shl Eb!,I1
d0/5 shr Eb!,I1
d0/6 sal Eb!,I1
d0/7 sar Eb!,I1
d1/0 rol Ev!,I1
d1/1 ror Ev!,I1
d1/2 rcl Ev!,I1
d1/3 rcr Ev!,I1
d1/4 shl Ev!,I1
d1/5 shr Ev!,I1
d1/6 sal Ev!,I1
d1/7 sar Ev!,I1
d2/0 rol Eb!,CL
d2/1 ror Eb!,CL
d2/2 rcl Eb!,CL
d2/3 rcr Eb!,CL
d2/4 shl Eb!,CL
d2/5 shr Eb!,CL
d2/6 sal Eb!,CL
d2/7 sar Eb!,CL
d3/0 rol Ev!,CL
d3/1 ror Ev!,CL
d3/2 rcl Ev!,CL
d3/3 rcr Ev!,CL
d3/4 shl Ev!,CL
d3/5 shr Ev!,CL
d3/6 sal Ev!,CL
d3/7 sar Ev!,CL
d4 aam Ib10 | !64
d5 aad Ib10 | !64
d6 salc | !64
d7 xlatb | xlat
e0 loopne Jb | loop f64
e1 loope Jb | loop f64
e2 loop Jb | loop f64
e3 jcxz Jb | jcxz f64
e4 in AL,Ib
e5 in eAX,Ib
e6 out Ib,AL
e7 out Ib,eAX
e8 call Jz | f64 bnd
e9 jmp Jz | f64 bnd
ea jmp Ap | !64
eb jmp Jb | f64 jmps
ec in AL,DX
ed in eAX,DX
ee out DX,AL
ef out DX,eAX
f1 int1
f4 hlt
f5 cmc
f6/0 test Eb!,Ib
f6/1 test Eb!,Ib
f6/2 not Eb! | lock
f6/3 neg Eb! | lock
f6/4 mul Eb!
f6/5 imul Eb!
f6/6 div Eb!
f6/7 idiv Eb!
f7/0 test Ev!,Iz
f7/1 test Ev!,Iz
f7/2 not Ev! | lock
f7/3 neg Ev! | lock
f7/4 mul Ev!
f7/5 imul Ev!
f7/6 div Ev!
f7/7 idiv Ev!
f8 clc
f9 stc
fa cli
fb sti
fc cld
fd std
fe/0 inc Eb! | lock
fe/1 dec Eb! | lock
ff/0 inc Ev! | lock
ff/1 dec Ev! | lock
ff/2 call Ev! | f64 bnd nt
ff/3.m call Mf | far
ff/4 jmp Ev! | f64 bnd nt
ff/5.m jmp Mf | far
ff/6 push Ev! | d64

# ---- x87 escapes D8-DF (Tables A-7 to A-22)
d8/0.m fadd Md!
d8/1.m fmul Md!
d8/2.m fcom Md!
d8/3.m fcomp Md!
d8/4.m fsub Md!
d8/5.m fsubr Md!
d8/6.m fdiv Md!
d8/7.m fdivr Md!
d8/0.r fadd STi
d8/1.r fmul STi
d8/2.r fcom STi | fpst1
d8/3.r fcomp STi | fpst1
d8/4.r fsub STi
d8/5.r fsubr STi
d8/6.r fdiv STi
d8/7.r fdivr STi
d9/0.m fld Md!
d9/2.m fst Md!
d9/3.m fstp Md!
d9/4.m fldenv M | os w32
d9/5.m fldcw M
d9/6.m fnstenv M | os w32
d9/7.m fnstcw M
d9/0.r fld STi
d9/1.r fxch STi | fpst1
d9=d0 fnop
d9/3.r fstpnce STi
d9=e0 fchs
d9=e1 fabs
d9=e4 ftst
d9=e5 fxam
d9=e8 fld1
d9=e9 fldl2t
d9=ea fldl2e
d9=eb fldpi
d9=ec fldlg2
d9=ed fldln2
d9=ee fldz
d9=f0 f2xm1
d9=f1 fyl2x
d9=f2 fptan
d9=f3 fpatan
d9=f4 fxtract
d9=f5 fprem1
d9=f6 fdecstp
d9=f7 fincstp
d9=f8 fprem
d9=f9 fyl2xp1
d9=fa fsqrt
d9=fb fsincos
d9=fc frndint
d9=fd fscale
d9=fe fsin
d9=ff fcos
da/0.m fiadd Md!
da/1.m fimul Md!
da/2.m ficom Md!
da/3.m ficomp Md!
da/4.m fisub Md!
da/5.m fisubr Md!
da/6.m fidiv Md!
da/7.m fidivr Md!
da/0.r fcmovb STi
da/1.r fcmove STi
da/2.r fcmovbe STi
da/3.r fcmovu STi
da=e9 fucompp
db/0.m fild Md!
db/1.m fisttp Md!
db/2.m fist Md!
db/3.m fistp Md!
db/5.m fld Mt!
db/7.m fstp Mt!
db/0.r fcmovnb STi
db/1.r fcmovne STi
db/2.r fcmovnbe STi
db/3.r fcmovnu STi
db=e0 fneni
db=e1 fndisi
db=e2 fnclex
db=e3 fninit
db=e4 fnsetpm
db/5.r fucomi STi
db/6.r fcomi STi
dc/0.m fadd Mq!
dc/1.m fmul Mq!
dc/2.m fcom Mq!
dc/3.m fcomp Mq!
dc/4.m fsub Mq!
dc/5.m fsubr Mq!
dc/6.m fdiv Mq!
dc/7.m fdivr Mq!
dc/0.r fadd STi | to
dc/1.r fmul STi | to
dc/2.r fcom STi | fpst1
dc/3.r fcomp STi | fpst1
dc/4.r fsubr STi | to
dc/5.r fsub STi | to
dc/6.r fdivr STi | to
dc/7.r fdiv STi | to
dd/0.m fld Mq!
dd/1.m fisttp Mq!
dd/2.m fst Mq!
dd/3.m fstp Mq!
dd/4.m frstor M | os w32
dd/6.m fnsave M | os w32
dd/7.m fnstsw M
dd/0.r ffree STi
dd/1.r fxch STi | fpst1
dd/2.r fst STi
dd/3.r fstp STi
dd/4.r fucom STi | fpst1
dd/5.r fucomp STi | fpst1
de/0.m fiadd Mw!
de/1.m fimul Mw!
de/2.m ficom Mw!
de/3.m ficomp Mw!
de/4.m fisub Mw!
de/5.m fisubr Mw!
de/6.m fidiv Mw!
de/7.m fidivr Mw!
de/0.r faddp STi | fpst1
de/1.r fmulp STi | fpst1
de/2.r fcomp STi | fpst1
de=d9 fcompp
de/4.r fsubrp STi | fpst1
de/5.r fsubp STi | fpst1
de/6.r fdivrp STi | fpst1
de/7.r fdivp STi | fpst1
df/0.m fild Mw!
df/1.m fisttp Mw!
df/2.m fist Mw!
df/3.m fistp Mw!
df/4.m fbld Mt!
df/5.m fild Mq!
df/6.m fbstp Mt!
df/7.m fistp Mq!
df/0.r ffreep STi
df/1.r fxch STi | fpst1
df/2.r fstp STi
df/3.r fstp STi
df=e0 fnstsw AX
df/5.r fucomip STi
df/6.r fcomip STi

`;
