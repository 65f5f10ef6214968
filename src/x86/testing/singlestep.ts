/**
 * Runner for the SingleStepTests 80286 real-mode vectors (see /work/shared/testdata/README.md):
 * load registers and RAM, run until the HLT after the instruction, compare registers, flags (undefined
 * flags masked per metadata.json, bits 12-15 masked because the 286 reads them as 0 in real mode) and
 * memory (including the FLAGS image an exception pushed).
 */
import { readFileSync, existsSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { Runner } from "./runner";
import { EXIT_HLT, EXIT_IO, SegmentState } from "../vtx";
import { Decoded, decode, MODE_16 } from "../decode";
import { lockable } from "../exec-main";

const scratchDecoded = new Decoded();

export interface SsRegs {
  ax: number; bx: number; cx: number; dx: number; cs: number; ss: number; ds: number; es: number;
  sp: number; bp: number; si: number; di: number; ip: number; flags: number;
}

export interface SsTest {
  idx: number;
  name: string;
  bytes: number[];
  initial: { regs: SsRegs; ram: [number, number][] };
  final: { regs: Partial<SsRegs>; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash: string;
}

interface OpMeta {
  status?: string;
  arch?: string;
  "flags-mask"?: number;
  reg?: Record<string, OpMeta>;
}

export interface SsSuite {
  dir: string;
  opcodes: Record<string, OpMeta>;
  revoked: Set<string>;
}

export function loadSuite(dir: string): SsSuite | undefined {
  if (!existsSync(join(dir, "metadata.json"))) return undefined;
  const meta = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8")) as { opcodes: Record<string, OpMeta> };
  const revPath = join(dir, "revocation_list.txt");
  const revoked = new Set<string>();
  if (existsSync(revPath)) {
    for (const line of readFileSync(revPath, "utf8").split("\n")) {
      const s = line.trim();
      if (s && !s.startsWith("#")) revoked.add(s);
    }
  }
  return { dir, opcodes: meta.opcodes, revoked };
}

export function listFiles(suite: SsSuite): string[] {
  return readdirSync(suite.dir).filter((f) => f.endsWith(".json.gz")).map((f) => f.slice(0, -8)).sort();
}

/** Metadata entry for a file name like "80.3" or "F6". */
export function metaFor(suite: SsSuite, name: string): OpMeta | undefined {
  const [op, reg] = name.split(".");
  const m = suite.opcodes[op];
  if (!m) return undefined;
  if (reg !== undefined) return m.reg?.[reg] ?? m;
  return m;
}

/**
 * Why a form is skipped, or undefined to run it. Reasons follow the data's README: forms that are
 * undefined or undocumented on the 286, 286-only system forms (0F page: LOADALL and protected-mode
 * descriptor instructions whose real-mode behaviour differs), x87 escapes (no FPU is modelled here).
 */
export function skipReason(suite: SsSuite, name: string): string | undefined {
  const m = metaFor(suite, name);
  if (!m) return "not described by metadata.json";
  if (name.startsWith("0F")) return "0F page: 286-only forms (LOADALL, 286 descriptor semantics)";
  if (["6C", "6D", "6E", "6F"].includes(name)) {
    return "INS/OUTS exit to the VMM before executing (as VMX does); Zircon refuses string I/O, so the CPU never performs it";
  }
  switch (m.status) {
    case "undefined": return "metadata marks the form undefined on the 286";
    case "undocumented": return "undocumented 286 form (behaviour differs on later CPUs)";
    case "fpu": return "x87 escape: no FPU modelled";
    case "prefix": return "a prefix, not an instruction";
    case "extension": return "286 extension page";
  }
  return undefined;
}

export function loadTests(suite: SsSuite, name: string): SsTest[] {
  return JSON.parse(gunzipSync(readFileSync(join(suite.dir, `${name}.json.gz`))).toString("utf8")) as SsTest[];
}

const REG_ORDER: (keyof SsRegs)[] = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const SEG_ORDER: [keyof SsRegs, number][] = [["es", 0], ["cs", 1], ["ss", 2], ["ds", 3]];

/** Runs tests on one reused machine. */
export class SingleStepHarness {
  readonly r = new Runner();

  /**
   * Why a single test does not apply to a modern CPU (the data's README: follow the modern CPU, say
   * why), or undefined.
   */
  static testSkipReason(t: SsTest): string | undefined {
    const b = t.bytes;
    let i = 0;
    while ([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3].includes(b[i])) i++;
    const op = b[i];
    if ((op === 0x8c || op === 0x8e) && ((b[i + 1] >> 3) & 7) >= 4) {
      return "MOV with segment register 4/5: #UD on the 286, FS/GS on a 386 and later";
    }
    if (b.includes(0xf0) && decode(scratchDecoded, Uint8Array.from(b), 0, b.length, MODE_16) > 0 && scratchDecoded.lock && !lockable(scratchDecoded)) {
      return "LOCK on an instruction that cannot be locked: ignored by the 286, #UD on modern CPUs";
    }
    if (t.exception?.number === 13 && b.length - 1 > 10) {
      return "instruction longer than 10 bytes: #GP on the 286, legal up to 15 bytes on later CPUs";
    }
    if (t.exception?.number === 13 && [0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf].includes(op)) {
      return "string instruction faulting on a segment wrap: the 286 has already stepped rSI/rDI, a modern CPU has not";
    }
    return undefined;
  }

  /** Run one test; returns undefined on success, else a description of the first mismatch. */
  run(t: SsTest, flagsMask: number): string | undefined {
    const r = this.r;
    const c = r.cpu;
    for (const [a, v] of t.initial.ram) r.ram[a] = v;
    // The 286 reports a segment overrun at SS as #GP (13); a 386 and later raise #SS (12) (Intel SDM
    // real-address-mode exceptions). Give vector 12 the test's #GP handler so both frames compare.
    const gpEntry = t.exception?.number === 13;
    if (gpEntry) for (let k = 0; k < 4; k++) r.ram[48 + k] = r.ram[52 + k];
    const init = t.initial.regs;
    c.cr0 = 0x10;
    c.efer = 0;
    c.cr4 = 0;
    c.idtrBase = 0n;
    c.idtrLimit = 0x3ff;
    for (const [name, s] of SEG_ORDER) {
      const st: SegmentState = { selector: init[name], base: BigInt(init[name] << 4), limit: 0xffff, accessRights: s === 1 ? 0x9b : 0x93 };
      c.setSegment(s, st);
    }
    c.setSegment(4, { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x93 });
    c.setSegment(5, { selector: 0, base: 0n, limit: 0xffff, accessRights: 0x93 });
    REG_ORDER.forEach((n, i) => c.setRegister(i, BigInt(init[n])));
    c.setRflags(init.flags | 2);
    c.setRip(BigInt(init.ip));
    c.clearInterruptShadow();
    let error: string | undefined;
    let done = false;
    for (let guard = 0; guard < 8 && !done; guard++) {
      const e = c.run(4);
      if (e === EXIT_HLT) {
        c.setRip(c.getRip() + 1n);
        done = true;
      } else if (e === EXIT_IO) {
        // The capture machine's bus reads as all ones.
        if (c.exit.input) {
          if (c.exit.size === 1) c.setRegister(0, (c.getRegister(0) & ~0xffn) | 0xffn);
          else c.setRegister(0, (c.getRegister(0) & ~0xffffn) | 0xffffn);
        }
        c.setRip(c.getRip() + BigInt(c.exit.instructionLength));
      } else if (e !== 0) {
        error = `unexpected exit ${e}`;
        done = true;
      }
    }
    if (!done) error = "did not reach HLT";
    if (!error) {
      const fin = { ...init, ...t.final.regs };
      const got: SsRegs = {
        ax: Number(c.getRegister(0) & 0xffffn), cx: Number(c.getRegister(1) & 0xffffn), dx: Number(c.getRegister(2) & 0xffffn),
        bx: Number(c.getRegister(3) & 0xffffn), sp: Number(c.getRegister(4) & 0xffffn), bp: Number(c.getRegister(5) & 0xffffn),
        si: Number(c.getRegister(6) & 0xffffn), di: Number(c.getRegister(7) & 0xffffn),
        es: c.getSegment(0).selector, cs: c.getSegment(1).selector, ss: c.getSegment(2).selector, ds: c.getSegment(3).selector,
        ip: Number(c.getRip() & 0xffffn), flags: c.getRflags() & 0xffff,
      };
      const fm = flagsMask & 0x0fff;
      for (const k of Object.keys(fin) as (keyof SsRegs)[]) {
        const want = k === "flags" ? fin[k]! & fm : fin[k]!;
        const have = k === "flags" ? got[k] & fm : got[k];
        if (want !== have) {
          error = `${k}: want ${want.toString(16)} got ${have.toString(16)}`;
          break;
        }
      }
      if (!error) {
        // A FLAGS image on the stack (PUSHF, or an exception frame) is compared with bits 12-15 masked
        // too. Its address is SS:SP+4 after an exception (flag_address in the data is word-rounded),
        // SS:SP after PUSHF.
        const pushf = !t.exception && t.name.includes("pushf");
        const fa = t.exception || pushf ? (fin.ss << 4) + ((fin.sp + (pushf ? 0 : 4)) & 0xffff) : undefined;
        for (const [a, v] of t.final.ram) {
          let want = v;
          let have = r.ram[a];
          if (fa !== undefined && (a === fa || a === fa + 1)) {
            const m = a === fa ? fm & 0xff : fm >> 8;
            want &= m;
            have &= m;
          }
          if (want !== have) {
            error = `ram[${a.toString(16)}]: want ${want.toString(16)} got ${have.toString(16)}`;
            break;
          }
        }
      }
    }
    // Clean up every byte the test could have touched.
    for (const [a] of t.initial.ram) r.ram[a] = 0;
    for (const [a] of t.final.ram) r.ram[a] = 0;
    if (gpEntry) for (let k = 0; k < 4; k++) r.ram[48 + k] = 0;
    return error;
  }
}

export function flagsMaskFor(suite: SsSuite, name: string): number {
  return metaFor(suite, name)?.["flags-mask"] ?? 0xffff;
}
