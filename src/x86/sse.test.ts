/**
 * SSE/SSE2 unit tests. Oracles: the host's IEEE 754 double arithmetic and Math.fround (round to
 * nearest), DataView float encodings, and integer arithmetic written out per element here. The
 * whole FP family is also compared with QEMU by guests/sse.asm (src/cli/cli.test.ts).
 */
import { describe, it, expect } from "vitest";
import { Runner } from "./testing/runner";
import { EXIT_HLT } from "./vtx";
import { F32, F64, env, setEnv, fAdd, fMul, fDiv, fSqrt } from "./sse-float";

const ENTRY = 0x2000;
const DATA = 0x3000;

function gate(r: Runner, vector: number, target: number): void {
  r.w32(0x5000 + vector * 16, (0x28 << 16) | (target & 0xffff));
  r.w32(0x5000 + vector * 16 + 4, (target & 0xffff0000) | 0x8e00);
}

/** 64-bit guest with CR4.OSFXSR (and OSXMMEXCPT when xm) set; exceptions 6, 13, 19 put their vector in RBX. */
function long(src: string, xm = true): Runner {
  const r = new Runner().asm(`bits 64\norg ${ENTRY}\n${src}\ntimes 0x400-($-$$) db 0\nmov rbx, 6\nhlt\nalign 16\nmov rbx, 13\nhlt\nalign 16\nmov rbx, 19\nhlt`, ENTRY).long64(ENTRY);
  r.cpu.cr4 = 0x220 | (xm ? 0x400 : 0);
  gate(r, 6, ENTRY + 0x400);
  gate(r, 13, ENTRY + 0x410);
  gate(r, 19, ENTRY + 0x420);
  return r;
}
const LIDT = "mov rsp, 0x8000\nlidt [rel idtr]\n";
const IDTR = "idtr: dw 16*256-1\n dq 0x5000\n";

const dv = new DataView(new ArrayBuffer(8));
function f64bits(x: number): bigint {
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
}
function f32bits(x: number): bigint {
  dv.setFloat32(0, x, true);
  return BigInt(dv.getUint32(0, true));
}

function rnd64(seed: { s: number }): number {
  // xorshift; mixes exponents widely (including denormals) to exercise every path
  const next = () => {
    seed.s ^= seed.s << 13;
    seed.s ^= seed.s >>> 17;
    seed.s ^= seed.s << 5;
    return seed.s >>> 0;
  };
  dv.setUint32(0, next(), true);
  dv.setUint32(4, (next() & 0x800fffff) | ((next() % 2046) << 20), true);
  return dv.getFloat64(0, true);
}

describe("sse-float against the host's IEEE arithmetic (round to nearest)", () => {
  it("double add/sub/mul/div/sqrt are correctly rounded", () => {
    const seed = { s: 12345 };
    setEnv(0x1f80);
    for (let k = 0; k < 3000; k++) {
      const a = rnd64(seed), b = rnd64(seed);
      expect(fAdd(f64bits(a), f64bits(b), F64, false)).toBe(f64bits(a + b));
      expect(fAdd(f64bits(a), f64bits(b), F64, true)).toBe(f64bits(a - b));
      expect(fMul(f64bits(a), f64bits(b), F64)).toBe(f64bits(a * b));
      expect(fDiv(f64bits(a), f64bits(b), F64)).toBe(f64bits(a / b));
      expect(fSqrt(f64bits(Math.abs(a)), F64)).toBe(f64bits(Math.sqrt(Math.abs(a))));
    }
  });

  it("single add/mul/div/sqrt equal Math.fround of the double result", () => {
    const seed = { s: 777 };
    setEnv(0x1f80);
    for (let k = 0; k < 3000; k++) {
      const a = Math.fround(rnd64(seed) % 1e30), b = Math.fround(rnd64(seed) % 1e30);
      expect(fAdd(f32bits(a), f32bits(b), F32, false)).toBe(f32bits(Math.fround(a + b)));
      expect(fMul(f32bits(a), f32bits(b), F32)).toBe(f32bits(Math.fround(a * b)));
      expect(fDiv(f32bits(a), f32bits(b), F32)).toBe(f32bits(Math.fround(a / b)));
      expect(fSqrt(f32bits(Math.abs(a)), F32)).toBe(f32bits(Math.fround(Math.sqrt(Math.abs(a)))));
    }
  });

  it("directed rounding brackets the exact result within one ulp (1/3 in double)", () => {
    setEnv(0x3f80); // RC = down
    const down = fDiv(f64bits(1), f64bits(3), F64);
    expect(env.flags).toBe(32); // PE
    setEnv(0x5f80); // RC = up
    const up = fDiv(f64bits(1), f64bits(3), F64);
    expect(up - down).toBe(1n);
    // 1/3 is below the double nearest to it (0x3FD5555555555555 = 1/3 − 2^−56/3), so nearest = down.
    expect(down).toBe(f64bits(1 / 3));
  });
});

describe("SSE instructions", () => {
  it("sets DE for a denormal operand (which QEMU 7.2 does not model) and not under DAZ", () => {
    const r = long(`
      ldmxcsr [rel m1]
      movss xmm0, [rel den]
      addss xmm0, xmm0
      stmxcsr [0x3000]
      ldmxcsr [rel m2]
      movss xmm1, [rel den]
      addss xmm1, xmm1
      stmxcsr [0x3004]
      movd eax, xmm0
      movd ecx, xmm1
      hlt
    m1: dd 0x1f80
    m2: dd 0x1fc0
    den: dd 1`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(0)).toBe(2);
    expect(r.r32(1)).toBe(0);
    const out = DATA;
    expect(r.u32(out) & 0x3f).toBe(2);
    expect(r.u32(out + 4) & 0x3f).toBe(0);
  });

  it("raises #XM for an unmasked exception with OSXMMEXCPT, #UD without, leaving the destination", () => {
    for (const xm of [true, false]) {
      const r = long(`${LIDT}
        ldmxcsr [rel m]
        movss xmm0, [rel one]
        xorps xmm1, xmm1
        divss xmm0, xmm1
        hlt
      m: dd 0x1d80
      one: dd 0x3f800000
      ${IDTR}`, xm);
      expect(r.run()).toBe(EXIT_HLT);
      expect(r.r32(3)).toBe(xm ? 19 : 6);
      expect(r.cpu.mxcsr & 0x3f).toBe(4);
      expect(r.cpu.xmm.slice(0, 4)).toEqual(new Uint8Array([0, 0, 0x80, 0x3f]));
    }
  });

  it("#GP on a misaligned packed memory operand", () => {
    const r = long(`${LIDT}
      addps xmm0, [rel buf+4]
      hlt
      align 16
    buf: times 32 db 0
      ${IDTR}`);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r32(3)).toBe(13);
  });

  it("RCPPS/RSQRTPS are within the SDM's bound |rel err| <= 1.5*2^-12 (left out of the QEMU guest: it computes them exactly)", () => {
    const vals = [1, 3, 0.1, 7e-30, 1e30, 2.5e-38, 12345.678, 1 / 3];
    for (const v of vals) {
      const f = Math.fround(v);
      const r = long(`
        movss xmm1, [rel x]
        rcpss xmm0, xmm1
        rsqrtss xmm2, xmm1
        movd eax, xmm0
        movd ecx, xmm2
        hlt
      x: dd ${f32bits(f)}`);
      expect(r.run()).toBe(EXIT_HLT);
      dv.setUint32(0, r.r32(0), true);
      const rcp = dv.getFloat32(0, true);
      dv.setUint32(0, r.r32(1), true);
      const rsq = dv.getFloat32(0, true);
      expect(Math.abs(rcp * f - 1)).toBeLessThanOrEqual(1.5 * 2 ** -12);
      expect(Math.abs(rsq * Math.sqrt(f) - 1)).toBeLessThanOrEqual(1.5 * 2 ** -12);
      expect(r.cpu.mxcsr).toBe(0x1f80); // no flags
    }
  });

  it("CVTSD2SI/CVTTSS2SI with REX.W, and the 64-bit integer indefinite", () => {
    const r = long(`
      movsd xmm0, [rel big]
      cvtsd2si rax, xmm0
      movss xmm1, [rel neg]
      cvttss2si rcx, xmm1
      movsd xmm2, [rel huge]
      cvtsd2si rdx, xmm2
      mov rsi, -3
      cvtsi2sd xmm3, rsi
      movq rdi, xmm3
      hlt
    big: dq 0x43e0000000000000 - 1  ; 2^63 - 1024
    neg: dd 0xc0f00000               ; -7.5
    huge: dq 0x43e0000000000000      ; 2^63: out of range
    `);
    expect(r.run()).toBe(EXIT_HLT);
    expect(r.r(0)).toBe(2n ** 63n - 1024n);
    expect(r.r(1)).toBe(BigInt.asUintN(64, -7n));
    expect(r.r(2)).toBe(1n << 63n);
    expect(r.r(7)).toBe(f64bits(-3));
    expect(r.cpu.mxcsr & 1).toBe(1);
  });

  it("integer SSE2: saturation, multiplies, PSADBW, shifts, packs, PSHUFLW, PEXTRW/PINSRW", () => {
    const a = Array.from({ length: 16 }, (_, i) => (i * 37 + 100) & 0xff);
    const b = Array.from({ length: 16 }, (_, i) => (i * 91 + 7) & 0xff);
    const run = (op: string) => {
      const r = long(`
        movdqu xmm0, [rel va]
        movdqu xmm1, [rel vb]
        ${op}
        movdqu [0x3000], xmm0
        hlt
      va: db ${a.join(",")}
      vb: db ${b.join(",")}
`);
      expect(r.run()).toBe(EXIT_HLT);
      return Array.from(r.ram.slice(DATA, DATA + 16));
    };
    const s8 = (x: number) => (x << 24) >> 24;
    const w = (arr: number[], i: number) => arr[2 * i] | (arr[2 * i + 1] << 8);
    const sw = (arr: number[], i: number) => (w(arr, i) << 16) >> 16;
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
    expect(run("paddsb xmm0, xmm1")).toEqual(a.map((x, i) => clamp(s8(x) + s8(b[i]), -128, 127) & 0xff));
    expect(run("psubusb xmm0, xmm1")).toEqual(a.map((x, i) => Math.max(0, x - b[i])));
    expect(run("pavgb xmm0, xmm1")).toEqual(a.map((x, i) => (x + b[i] + 1) >> 1));
    const words = (f: (i: number) => number) => Array.from({ length: 8 }, (_, i) => f(i) & 0xffff).flatMap((v) => [v & 0xff, v >> 8]);
    expect(run("pmulhw xmm0, xmm1")).toEqual(words((i) => (sw(a, i) * sw(b, i)) >> 16));
    expect(run("pmulhuw xmm0, xmm1")).toEqual(words((i) => Math.floor((w(a, i) * w(b, i)) / 65536)));
    expect(run("pmullw xmm0, xmm1")).toEqual(words((i) => sw(a, i) * sw(b, i)));
    expect(run("psraw xmm0, 3")).toEqual(words((i) => sw(a, i) >> 3));
    expect(run("pminsw xmm0, xmm1")).toEqual(words((i) => Math.min(sw(a, i), sw(b, i))));
    const sad = (h: number) => a.slice(8 * h, 8 * h + 8).reduce((s, x, i) => s + Math.abs(x - b[8 * h + i]), 0);
    expect(run("psadbw xmm0, xmm1")).toEqual([sad(0) & 0xff, sad(0) >> 8, 0, 0, 0, 0, 0, 0, sad(1) & 0xff, sad(1) >> 8, 0, 0, 0, 0, 0, 0]);
    expect(run("pslldq xmm0, 5")).toEqual([0, 0, 0, 0, 0, ...a.slice(0, 11)]);
    expect(run("psrldq xmm0, 3")).toEqual([...a.slice(3), 0, 0, 0]);
    expect(run("packsswb xmm0, xmm1")).toEqual([...Array.from({ length: 8 }, (_, i) => clamp(sw(a, i), -128, 127) & 0xff), ...Array.from({ length: 8 }, (_, i) => clamp(sw(b, i), -128, 127) & 0xff)]);
    expect(run("packuswb xmm0, xmm1")).toEqual([...Array.from({ length: 8 }, (_, i) => clamp(sw(a, i), 0, 255)), ...Array.from({ length: 8 }, (_, i) => clamp(sw(b, i), 0, 255))]);
    expect(run("pshuflw xmm0, xmm1, 0x1b")).toEqual([...b.slice(6, 8), ...b.slice(4, 6), ...b.slice(2, 4), ...b.slice(0, 2), ...b.slice(8)]);
    expect(run("punpckhbw xmm0, xmm1")).toEqual(a.slice(8).flatMap((x, i) => [x, b[8 + i]]));
    expect(run("pcmpgtw xmm0, xmm1")).toEqual(words((i) => (sw(a, i) > sw(b, i) ? -1 : 0)));
    expect(run("pmaddwd xmm0, xmm1")).toEqual(Array.from({ length: 4 }, (_, i) => sw(a, 2 * i) * sw(b, 2 * i) + sw(a, 2 * i + 1) * sw(b, 2 * i + 1)).flatMap((v) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]));
    expect(run("pextrw eax, xmm1, 5\n pinsrw xmm0, eax, 0")).toEqual([b[10], b[11], ...a.slice(2)]);
    const q = (arr: number[], i: number) => arr.slice(8 * i, 8 * i + 8).reduceRight((s, x) => (s << 8n) | BigInt(x), 0n);
    const qb = (v: bigint) => Array.from({ length: 8 }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn));
    expect(run("pmuludq xmm0, xmm1")).toEqual([0, 1].flatMap((i) => qb((q(a, i) & 0xffffffffn) * (q(b, i) & 0xffffffffn))));
    expect(run("psllq xmm0, xmm1")).toEqual([0, 1].flatMap((i) => qb(q(b, 0) >= 64n ? 0n : BigInt.asUintN(64, q(a, i) << q(b, 0)))));
  });
});
