/**
 * Disassembler table text: the two-byte map 0F (Intel SDM Vol. 2 Table A-3, groups in Table A-6) and
 * the three-byte maps 0F 38 / 0F 3A (Tables) as far as our CPU implements them (SSE to
 * SSSE3, MMX, MOVBE). Notation: see disasm-tables.ts.
 */
export const MAP_0F = `
# ---- Two-byte map 0F (Table A-3) and its groups (Table A-6)
0f00/0 sldt Rvw | osm
0f00/1 str Rvw | osm
0f00/2 lldt Ew | os
0f00/3 ltr Ew | os
0f00/4 verr Ew | os
0f00/5 verw Ew | os
0f01/0.m sgdt M | os f64
0f01/1.m sidt M | os f64
0f01/2.m lgdt M | os f64
0f01/3.m lidt M | os f64
0f01/4 smsw Rvw | osm
0f01/6 lmsw Ew | os
0f01/7.m invlpg M
0f01=ca clac | np
0f01=cb stac | np
0f01=f8 swapgs | #64
0f01=f9 rdtscp
0f02 lar Gv,Rvw
0f03 lsl Gv,Rvw
0f05 syscall
0f06 clts
0f07 sysret | os w64
0f08 invd
0f09@f3 wbnoinvd
0f09 wbinvd
0f0b ud2
# Hint space 0F 0D / 0F 18-1F (Table A-3 note): prefetches and CET hints are NOPs where not supported,
# which is how the CPU executes them; shown under their names, as iced-x86 does.
0f0d/1.m prefetchw M
0f0d/2.m prefetchwt1 M
0f0d/3.m prefetchw M
0f0d.m prefetch M
0f0d nop Ev,Gv
0f10@np movups Vx,Wx
0f10@66 movupd Vx,Wx
0f10@f3 movss Vx,Wx
0f10@f2 movsd Vx,Wx
0f11@np movups Wx,Vx
0f11@66 movupd Wx,Vx
0f11@f3 movss Wx,Vx
0f11@f2 movsd Wx,Vx
0f12@np.r movhlps Vx,Ux
0f12@np.m movlps Vx,M
0f12@66.m movlpd Vx,M
0f12@f3 movsldup Vx,Wx
0f12@f2 movddup Vx,Wx
0f13@np.m movlps M,Vx
0f13@66.m movlpd M,Vx
0f14@np unpcklps Vx,Wx
0f14@66 unpcklpd Vx,Wx
0f15@np unpckhps Vx,Wx
0f15@66 unpckhpd Vx,Wx
0f16@np.r movlhps Vx,Ux
0f16@np.m movhps Vx,M
0f16@66.m movhpd Vx,M
0f16@f3 movshdup Vx,Wx
0f17@np.m movhps M,Vx
0f17@66.m movhpd M,Vx
0f18/0.m prefetchnta M
0f18/1.m prefetcht0 M
0f18/2.m prefetcht1 M
0f18/3.m prefetcht2 M
0f18/6.m prefetchit1 M
0f18/7.m prefetchit0 M
0f18 nop Ev,Gv
0f19 nop Ev,Gv
0f1a nop Ev,Gv
0f1b nop Ev,Gv
0f1c/0.m cldemote M | np
0f1c nop Ev,Gv
0f1d nop Ev,Gv
0f1e@f3=fa endbr64
0f1e@f3=fb endbr32
0f1e@f3/1.r w1 rdsspq Rq
0f1e@f3/1.r rdsspd Rd
0f1e nop Ev,Gv
0f1f/0 nop Ev!
0f1f nop Ev,Gv
0f20 mov Ry,Cd
0f21 mov Ry,Dd
0f22 mov Cd,Ry
0f23 mov Dd,Ry
0f28@np movaps Vx,Wx
0f28@66 movapd Vx,Wx
0f29@np movaps Wx,Vx
0f29@66 movapd Wx,Vx
0f2a@np cvtpi2ps Vx,Qq
0f2a@66 cvtpi2pd Vx,Qq
0f2a@f3 cvtsi2ss Vx,Ey!
0f2a@f2 cvtsi2sd Vx,Ey!
0f2b@np.m movntps M,Vx
0f2b@66.m movntpd M,Vx
0f2c@np cvttps2pi Pq,Wx
0f2c@66 cvttpd2pi Pq,Wx
0f2c@f3 cvttss2si Gy,Wx
0f2c@f2 cvttsd2si Gy,Wx
0f2d@np cvtps2pi Pq,Wx
0f2d@66 cvtpd2pi Pq,Wx
0f2d@f3 cvtss2si Gy,Wx
0f2d@f2 cvtsd2si Gy,Wx
0f2e@np ucomiss Vx,Wx
0f2e@66 ucomisd Vx,Wx
0f2f@np comiss Vx,Wx
0f2f@66 comisd Vx,Wx
0f30 wrmsr
0f31 rdtsc
0f32 rdmsr
0f33 rdpmc
0f34 sysenter
0f35 sysexit | os w64
0f40 cmovo Gv,Ev
0f41 cmovno Gv,Ev
0f42 cmovb Gv,Ev
0f43 cmovae Gv,Ev
0f44 cmove Gv,Ev
0f45 cmovne Gv,Ev
0f46 cmovbe Gv,Ev
0f47 cmova Gv,Ev
0f48 cmovs Gv,Ev
0f49 cmovns Gv,Ev
0f4a cmovp Gv,Ev
0f4b cmovnp Gv,Ev
0f4c cmovl Gv,Ev
0f4d cmovge Gv,Ev
0f4e cmovle Gv,Ev
0f4f cmovg Gv,Ev
0f50@np.r movmskps Gy,Ux
0f50@66.r movmskpd Gy,Ux
0f51@np sqrtps Vx,Wx
0f51@66 sqrtpd Vx,Wx
0f51@f3 sqrtss Vx,Wx
0f51@f2 sqrtsd Vx,Wx
0f52@np rsqrtps Vx,Wx
0f52@f3 rsqrtss Vx,Wx
0f53@np rcpps Vx,Wx
0f53@f3 rcpss Vx,Wx
0f54@np andps Vx,Wx
0f54@66 andpd Vx,Wx
0f55@np andnps Vx,Wx
0f55@66 andnpd Vx,Wx
0f56@np orps Vx,Wx
0f56@66 orpd Vx,Wx
0f57@np xorps Vx,Wx
0f57@66 xorpd Vx,Wx
0f58@np addps Vx,Wx
0f58@66 addpd Vx,Wx
0f58@f3 addss Vx,Wx
0f58@f2 addsd Vx,Wx
0f59@np mulps Vx,Wx
0f59@66 mulpd Vx,Wx
0f59@f3 mulss Vx,Wx
0f59@f2 mulsd Vx,Wx
0f5a@np cvtps2pd Vx,Wx
0f5a@66 cvtpd2ps Vx,Wx
0f5a@f3 cvtss2sd Vx,Wx
0f5a@f2 cvtsd2ss Vx,Wx
0f5b@np cvtdq2ps Vx,Wx
0f5b@66 cvtps2dq Vx,Wx
0f5b@f3 cvttps2dq Vx,Wx
0f5c@np subps Vx,Wx
0f5c@66 subpd Vx,Wx
0f5c@f3 subss Vx,Wx
0f5c@f2 subsd Vx,Wx
0f5d@np minps Vx,Wx
0f5d@66 minpd Vx,Wx
0f5d@f3 minss Vx,Wx
0f5d@f2 minsd Vx,Wx
0f5e@np divps Vx,Wx
0f5e@66 divpd Vx,Wx
0f5e@f3 divss Vx,Wx
0f5e@f2 divsd Vx,Wx
0f5f@np maxps Vx,Wx
0f5f@66 maxpd Vx,Wx
0f5f@f3 maxss Vx,Wx
0f5f@f2 maxsd Vx,Wx
0f60@np punpcklbw Pq,Qq
0f60@66 punpcklbw Vx,Wx
0f61@np punpcklwd Pq,Qq
0f61@66 punpcklwd Vx,Wx
0f62@np punpckldq Pq,Qq
0f62@66 punpckldq Vx,Wx
0f63@np packsswb Pq,Qq
0f63@66 packsswb Vx,Wx
0f64@np pcmpgtb Pq,Qq
0f64@66 pcmpgtb Vx,Wx
0f65@np pcmpgtw Pq,Qq
0f65@66 pcmpgtw Vx,Wx
0f66@np pcmpgtd Pq,Qq
0f66@66 pcmpgtd Vx,Wx
0f67@np packuswb Pq,Qq
0f67@66 packuswb Vx,Wx
0f68@np punpckhbw Pq,Qq
0f68@66 punpckhbw Vx,Wx
0f69@np punpckhwd Pq,Qq
0f69@66 punpckhwd Vx,Wx
0f6a@np punpckhdq Pq,Qq
0f6a@66 punpckhdq Vx,Wx
0f6b@np packssdw Pq,Qq
0f6b@66 packssdw Vx,Wx
0f6c@66 punpcklqdq Vx,Wx
0f6d@66 punpckhqdq Vx,Wx
0f6e@np w1 movq Pq,Ey
0f6e@np movd Pq,Ey
0f6e@66 w1 movq Vx,Ey
0f6e@66 movd Vx,Ey
0f6f@np movq Pq,Qq
0f6f@66 movdqa Vx,Wx
0f6f@f3 movdqu Vx,Wx
0f70@np pshufw Pq,Qq,Ib
0f70@66 pshufd Vx,Wx,Ib
0f70@f3 pshufhw Vx,Wx,Ib
0f70@f2 pshuflw Vx,Wx,Ib
0f71@np/2.r psrlw Nq,Ib
0f71@66/2.r psrlw Ux,Ib
0f71@np/4.r psraw Nq,Ib
0f71@66/4.r psraw Ux,Ib
0f71@np/6.r psllw Nq,Ib
0f71@66/6.r psllw Ux,Ib
0f72@np/2.r psrld Nq,Ib
0f72@66/2.r psrld Ux,Ib
0f72@np/4.r psrad Nq,Ib
0f72@66/4.r psrad Ux,Ib
0f72@np/6.r pslld Nq,Ib
0f72@66/6.r pslld Ux,Ib
0f73@np/2.r psrlq Nq,Ib
0f73@66/2.r psrlq Ux,Ib
0f73@66/3.r psrldq Ux,Ib
0f73@np/6.r psllq Nq,Ib
0f73@66/6.r psllq Ux,Ib
0f73@66/7.r pslldq Ux,Ib
0f74@np pcmpeqb Pq,Qq
0f74@66 pcmpeqb Vx,Wx
0f75@np pcmpeqw Pq,Qq
0f75@66 pcmpeqw Vx,Wx
0f76@np pcmpeqd Pq,Qq
0f76@66 pcmpeqd Vx,Wx
0f77@np emms
0f7c@66 haddpd Vx,Wx
0f7c@f2 haddps Vx,Wx
0f7d@66 hsubpd Vx,Wx
0f7d@f2 hsubps Vx,Wx
0f7e@np w1 movq Ey,Pq
0f7e@np movd Ey,Pq
0f7e@66 w1 movq Ey,Vx
0f7e@66 movd Ey,Vx
0f7e@f3 movq Vx,Wx
0f7f@np movq Qq,Pq
0f7f@66 movdqa Wx,Vx
0f7f@f3 movdqu Wx,Vx
0f80 jo Jz | f64 bnd jcc
0f81 jno Jz | f64 bnd jcc
0f82 jb Jz | f64 bnd jcc
0f83 jae Jz | f64 bnd jcc
0f84 je Jz | f64 bnd jcc
0f85 jne Jz | f64 bnd jcc
0f86 jbe Jz | f64 bnd jcc
0f87 ja Jz | f64 bnd jcc
0f88 js Jz | f64 bnd jcc
0f89 jns Jz | f64 bnd jcc
0f8a jp Jz | f64 bnd jcc
0f8b jnp Jz | f64 bnd jcc
0f8c jl Jz | f64 bnd jcc
0f8d jge Jz | f64 bnd jcc
0f8e jle Jz | f64 bnd jcc
0f8f jg Jz | f64 bnd jcc
0f90 seto Eb
0f91 setno Eb
0f92 setb Eb
0f93 setae Eb
0f94 sete Eb
0f95 setne Eb
0f96 setbe Eb
0f97 seta Eb
0f98 sets Eb
0f99 setns Eb
0f9a setp Eb
0f9b setnp Eb
0f9c setl Eb
0f9d setge Eb
0f9e setle Eb
0f9f setg Eb
0fa0 push FS | d64 os
0fa1 pop FS | d64 os
0fa2 cpuid
0fa3 bt Ev,Gv
0fa4 shld Ev,Gv,Ib
0fa5 shld Ev,Gv,CL
0fa8 push GS | d64 os
0fa9 pop GS | d64 os
0fab bts Ev,Gv | lock
0fac shrd Ev,Gv,Ib
0fad shrd Ev,Gv,CL
0fae@np/0.m w1 fxsave64 M
0fae@np/0.m fxsave M
0fae@np/1.m w1 fxrstor64 M
0fae@np/1.m fxrstor M
0fae@np/2.m ldmxcsr M
0fae@np/3.m stmxcsr M
0fae@np/7.m clflush M
0fae@np/5.r lfence
0fae@np/6.r mfence
0fae@np/7.r sfence
0faf imul Gv,Ev
0fb0 cmpxchg Eb,Gb | lock
0fb1 cmpxchg Ev,Gv | lock
0fb2 lss Gv,Mp
0fb3 btr Ev,Gv | lock
0fb4 lfs Gv,Mp
0fb5 lgs Gv,Mp
0fb6 movzx Gv,Eb!
0fb7 movzx Gv,Ew!
0fb8@f3 popcnt Gv,Ev
0fb9 ud1 Gv,Ev
0fba/4 bt Ev!,Ib
0fba/5 bts Ev!,Ib | lock
0fba/6 btr Ev!,Ib | lock
0fba/7 btc Ev!,Ib | lock
0fbb btc Ev,Gv | lock
0fbc@f3 tzcnt Gv,Ev
0fbc bsf Gv,Ev
0fbd@f3 lzcnt Gv,Ev
0fbd bsr Gv,Ev
0fbe movsx Gv,Eb!
0fbf movsx Gv,Ew!
0fc0 xadd Eb,Gb | lock
0fc1 xadd Ev,Gv | lock
0fc2@np cmpps Vx,Wx,Ib | cmpcc
0fc2@66 cmppd Vx,Wx,Ib | cmpcc
0fc2@f3 cmpss Vx,Wx,Ib | cmpcc
0fc2@f2 cmpsd Vx,Wx,Ib | cmpcc
0fc3@np.m movnti M,Gy
0fc4@np pinsrw Pq,Edw,Ib
0fc4@66 pinsrw Vx,Eyw,Ib
0fc5@np.r pextrw Gd,Nq,Ib
0fc5@66.r pextrw Gy,Ux,Ib
0fc6@np shufps Vx,Wx,Ib
0fc6@66 shufpd Vx,Wx,Ib
0fc7/1.m w1 cmpxchg16b M | lock
0fc7/1.m cmpxchg8b M | lock
0fc8-0fcf bswap Zv
0fd0@66 addsubpd Vx,Wx
0fd0@f2 addsubps Vx,Wx
0fd1@np psrlw Pq,Qq
0fd1@66 psrlw Vx,Wx
0fd2@np psrld Pq,Qq
0fd2@66 psrld Vx,Wx
0fd3@np psrlq Pq,Qq
0fd3@66 psrlq Vx,Wx
0fd4@np paddq Pq,Qq
0fd4@66 paddq Vx,Wx
0fd5@np pmullw Pq,Qq
0fd5@66 pmullw Vx,Wx
0fd6@66 movq Wx,Vx
0fd6@f3.r movq2dq Vx,Nq
0fd6@f2.r movdq2q Pq,Ux
0fd7@np.r pmovmskb Gd,Nq
0fd7@66.r pmovmskb Gd,Ux
0fd8@np psubusb Pq,Qq
0fd8@66 psubusb Vx,Wx
0fd9@np psubusw Pq,Qq
0fd9@66 psubusw Vx,Wx
0fda@np pminub Pq,Qq
0fda@66 pminub Vx,Wx
0fdb@np pand Pq,Qq
0fdb@66 pand Vx,Wx
0fdc@np paddusb Pq,Qq
0fdc@66 paddusb Vx,Wx
0fdd@np paddusw Pq,Qq
0fdd@66 paddusw Vx,Wx
0fde@np pmaxub Pq,Qq
0fde@66 pmaxub Vx,Wx
0fdf@np pandn Pq,Qq
0fdf@66 pandn Vx,Wx
0fe0@np pavgb Pq,Qq
0fe0@66 pavgb Vx,Wx
0fe1@np psraw Pq,Qq
0fe1@66 psraw Vx,Wx
0fe2@np psrad Pq,Qq
0fe2@66 psrad Vx,Wx
0fe3@np pavgw Pq,Qq
0fe3@66 pavgw Vx,Wx
0fe4@np pmulhuw Pq,Qq
0fe4@66 pmulhuw Vx,Wx
0fe5@np pmulhw Pq,Qq
0fe5@66 pmulhw Vx,Wx
0fe6@66 cvttpd2dq Vx,Wx
0fe6@f3 cvtdq2pd Vx,Wx
0fe6@f2 cvtpd2dq Vx,Wx
0fe7@np.m movntq M,Pq
0fe7@66.m movntdq M,Vx
0fe8@np psubsb Pq,Qq
0fe8@66 psubsb Vx,Wx
0fe9@np psubsw Pq,Qq
0fe9@66 psubsw Vx,Wx
0fea@np pminsw Pq,Qq
0fea@66 pminsw Vx,Wx
0feb@np por Pq,Qq
0feb@66 por Vx,Wx
0fec@np paddsb Pq,Qq
0fec@66 paddsb Vx,Wx
0fed@np paddsw Pq,Qq
0fed@66 paddsw Vx,Wx
0fee@np pmaxsw Pq,Qq
0fee@66 pmaxsw Vx,Wx
0fef@np pxor Pq,Qq
0fef@66 pxor Vx,Wx
0ff0@f2.m lddqu Vx,M
0ff1@np psllw Pq,Qq
0ff1@66 psllw Vx,Wx
0ff2@np pslld Pq,Qq
0ff2@66 pslld Vx,Wx
0ff3@np psllq Pq,Qq
0ff3@66 psllq Vx,Wx
0ff4@np pmuludq Pq,Qq
0ff4@66 pmuludq Vx,Wx
0ff5@np pmaddwd Pq,Qq
0ff5@66 pmaddwd Vx,Wx
0ff6@np psadbw Pq,Qq
0ff6@66 psadbw Vx,Wx
0ff7@np.r maskmovq Pq,Nq | segpfx
0ff7@66.r maskmovdqu Vx,Ux | segpfx
0ff8@np psubb Pq,Qq
0ff8@66 psubb Vx,Wx
0ff9@np psubw Pq,Qq
0ff9@66 psubw Vx,Wx
0ffa@np psubd Pq,Qq
0ffa@66 psubd Vx,Wx
0ffb@np psubq Pq,Qq
0ffb@66 psubq Vx,Wx
0ffc@np paddb Pq,Qq
0ffc@66 paddb Vx,Wx
0ffd@np paddw Pq,Qq
0ffd@66 paddw Vx,Wx
0ffe@np paddd Pq,Qq
0ffe@66 paddd Vx,Wx
0fff ud0 Gv,Ev

# ---- Three-byte maps 0F 38 / 0F 3A (Tables A-4, A-5): SSSE3 and MOVBE
0f3800@np pshufb Pq,Qq
0f3800@66 pshufb Vx,Wx
0f3801@np phaddw Pq,Qq
0f3801@66 phaddw Vx,Wx
0f3802@np phaddd Pq,Qq
0f3802@66 phaddd Vx,Wx
0f3803@np phaddsw Pq,Qq
0f3803@66 phaddsw Vx,Wx
0f3804@np pmaddubsw Pq,Qq
0f3804@66 pmaddubsw Vx,Wx
0f3805@np phsubw Pq,Qq
0f3805@66 phsubw Vx,Wx
0f3806@np phsubd Pq,Qq
0f3806@66 phsubd Vx,Wx
0f3807@np phsubsw Pq,Qq
0f3807@66 phsubsw Vx,Wx
0f3808@np psignb Pq,Qq
0f3808@66 psignb Vx,Wx
0f3809@np psignw Pq,Qq
0f3809@66 psignw Vx,Wx
0f380a@np psignd Pq,Qq
0f380a@66 psignd Vx,Wx
0f380b@np pmulhrsw Pq,Qq
0f380b@66 pmulhrsw Vx,Wx
0f381c@np pabsb Pq,Qq
0f381c@66 pabsb Vx,Wx
0f381d@np pabsw Pq,Qq
0f381d@66 pabsw Vx,Wx
0f381e@np pabsd Pq,Qq
0f381e@66 pabsd Vx,Wx
0f38f0@nr.m movbe Gv,M
0f38f1@nr.m movbe M,Gv
0f3a0f@np palignr Pq,Qq,Ib
0f3a0f@66 palignr Vx,Wx,Ib
`;
