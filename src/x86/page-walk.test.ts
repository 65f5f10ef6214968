/**
 * walkPage against the CPU's own MMU (Machine.translate, machine.ts) as the oracle: the same random
 * page tables and control registers go to both, and the physical address, page size, global bit and
 * user bit — or the #PF error code, or the EPT exit for a table outside RAM — must agree. A few
 * hand-built walks pin the decoded steps (which the CPU does not expose).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Cpu } from "./cpu";
import { FAULT_EXC, FAULT_EXIT, FAULT_NONE } from "./machine";
import { PhysicalMemory } from "./phys-mem";
import { ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE, PERM_EXECUTE, PERM_READ, PERM_WRITE } from "./vtx";
import { type PageAccess, type PagingControl, PF_ID, PF_P, PF_RSVD, PF_U, PF_W, isCanonical48, ramReader, walkPage } from "./page-walk";

const RAM_SIZE = 4 * 1024 * 1024;
const POOL = 0x100000;
const POOL_PAGES = 8;

const CR0_PG = 0x80000000n;
const CR0_WP = 0x10000n;
const CR0_PE = 1n;
const CR4_PSE = 0x10n;
const CR4_PAE = 0x20n;
const CR4_PGE = 0x80n;
const CR4_SMEP = 0x100000n;
const CR4_SMAP = 0x200000n;
const EFER_LME = 0x100n;
const EFER_LMA = 0x400n;
const EFER_NXE = 0x800n;

function machine(): { cpu: Cpu; ram: Uint8Array } {
  const mem = new PhysicalMemory();
  const ram = new Uint8Array(RAM_SIZE);
  mem.map(0, RAM_SIZE, ram, 0, PERM_READ | PERM_WRITE | PERM_EXECUTE);
  return { cpu: new Cpu(mem), ram };
}

function w32(ram: Uint8Array, addr: number, v: bigint): void {
  new DataView(ram.buffer).setUint32(addr, Number(v & 0xffffffffn), true);
}
function w64(ram: Uint8Array, addr: number, v: bigint): void {
  new DataView(ram.buffer).setBigUint64(addr, BigInt.asUintN(64, v), true);
}

/** What the CPU does for the same access: its physical address and page, or its fault. */
interface OracleAnswer {
  physical: number | null;
  shift: number;
  global: boolean;
  userPage: boolean;
  pfCode: number | null;
  eptGpa: number | null;
}

function oracle(cpu: Cpu, ctl: PagingControl, linear: bigint, access: PageAccess): OracleAnswer {
  cpu.cr0 = Number(ctl.cr0);
  cpu.cr4 = Number(ctl.cr4);
  cpu.efer = Number(ctl.efer);
  cpu.cr3 = ctl.cr3;
  cpu.userBit = access.user ? 1 : 0;
  cpu.systemAccess = access.implicit === true;
  cpu.flags = access.ac ? 2 | 0x40000 : 2;
  cpu.flushTlb();
  cpu.fault = FAULT_NONE;
  const kind = access.fetch ? ACCESS_FETCH : access.write ? ACCESS_WRITE : ACCESS_READ;
  // The MMU's walk is private; the test reaches it by name (TypeScript allows element access).
  const lin = Number(BigInt.asIntN(64, linear));
  const ok = cpu["translate"](lin, kind, 1);
  if (ok) {
    return { physical: cpu["walkPhys"], shift: cpu["walkShift"], global: cpu["walkGlobal"], userPage: cpu["walkUserPage"], pfCode: null, eptGpa: null };
  }
  const answer: OracleAnswer = { physical: null, shift: 0, global: false, userPage: false, pfCode: null, eptGpa: null };
  if (cpu.fault === FAULT_EXC) {
    expect(cpu.faultVector).toBe(14);
    expect(cpu.cr2N).toBe(lin);
    answer.pfCode = cpu.faultCode;
  } else {
    expect(cpu.fault).toBe(FAULT_EXIT);
    answer.eptGpa = cpu.exit.gpa;
  }
  return answer;
}

/** Outcomes seen (mode:result), so the test fails if the generator stops reaching some of them. */
const OUTCOMES = new Map<string, number>();

function compare(cpu: Cpu, ram: Uint8Array, ctl: PagingControl, linear: bigint, access: PageAccess): void {
  // walkPage first: the CPU sets A/D bits as it walks, walkPage changes nothing.
  const mine = walkPage(ramReader(ram), ctl, linear, access);
  const theirs = oracle(cpu, ctl, linear, access);
  const outcome = `${mine.mode}:${mine.fault ? mine.fault.kind : mine.pageSize}`;
  OUTCOMES.set(outcome, (OUTCOMES.get(outcome) ?? 0) + 1);
  const where = `linear ${linear.toString(16)} ${JSON.stringify(access)} cr0 ${ctl.cr0.toString(16)} cr4 ${ctl.cr4.toString(16)} efer ${ctl.efer.toString(16)} → ${JSON.stringify(mine.fault)}`;
  if (theirs.physical !== null) {
    expect(mine.fault, where).toBeNull();
    expect(mine.physical, where).toBe(BigInt(theirs.physical));
    expect(mine.pageSize, where).toBe(2 ** theirs.shift);
    expect(mine.global, where).toBe(theirs.global);
    expect(mine.rights?.user, where).toBe(theirs.userPage);
  } else if (theirs.pfCode !== null) {
    expect(mine.fault?.kind, where).toMatch(/^(not-present|reserved|protection)$/);
    expect(mine.fault?.errorCode, where).toBe(theirs.pfCode);
  } else {
    expect(mine.fault?.kind, where).toBe("unreadable");
    expect(mine.steps.at(-1)?.entryAddress, where).toBe(BigInt(theirs.eptGpa!));
  }
}

// ---- random page tables ---------------------------------------------------------------------------

/** One entry along the walk: its flag bits, PS, XD, reserved noise, and where it points. */
const entryArb = fc.record({
  present: fc.nat(9).map((n) => n !== 0),
  /** Bits 11:0 except P and PS. */
  flags: fc.nat(0xfff).map((n) => n & ~0x81),
  ps: fc.nat(2).map((n) => n === 0),
  xd: fc.nat(4).map((n) => n === 0),
  /** Keep bits the walk would reject (PS in a PML4E, PAE PDPTE flag bits) in this entry. */
  odd: fc.nat(9).map((n) => n === 0),
  // Mostly nothing; sometimes bits in 51:48, in 62:52 (ignored), or one of the low bits of a large page.
  noise: fc.oneof(
    { weight: 8, arbitrary: fc.constant(0n) },
    { weight: 1, arbitrary: fc.nat(15).map((n) => BigInt(n) << 48n) },
    { weight: 1, arbitrary: fc.nat(0x7ff).map((n) => BigInt(n) << 52n) },
    { weight: 2, arbitrary: fc.integer({ min: 13, max: 29 }).map((b) => 1n << BigInt(b)) },
  ),
  // A page of the pool (so the walk goes on), or a 4 KiB / 2 MiB / 1 GiB frame below 2^40 (often outside RAM).
  target: fc.oneof(
    { weight: 6, arbitrary: fc.nat(POOL_PAGES - 1).map((k) => BigInt(POOL + k * 4096)) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((v) => v & ~0xfffn) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((v) => v & ~0x1fffffn) },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }).map((v) => v & ~0x3fffffffn) },
  ),
});

const setupArb = fc.record({
  mode: fc.constantFrom("32-bit", "pae", "4-level"),
  pse: fc.boolean(),
  pge: fc.boolean(),
  smep: fc.boolean(),
  smap: fc.boolean(),
  wp: fc.boolean(),
  nxe: fc.boolean(),
  cr3Slot: fc.nat(127),
  garbageSeed: fc.integer(),
  entries: fc.array(entryArb, { minLength: 4, maxLength: 4 }),
  linear: fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
  access: fc.record({
    kind: fc.constantFrom("read", "write", "fetch"),
    user: fc.boolean(),
    ac: fc.boolean(),
    implicit: fc.nat(5).map((n) => n === 0),
  }),
});

/** Fills the pool pages with pseudo-random words (entries off the walk's path). */
function fillGarbage(ram: Uint8Array, seed: number): void {
  let x = seed | 1;
  const words = new Uint32Array(ram.buffer, POOL, (POOL_PAGES * 4096) / 4);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
}

describe("walkPage against the CPU's MMU on random page tables", () => {
  it("agrees on the physical address, the page, or the fault", () => {
    const { cpu, ram } = machine();
    fc.assert(
      fc.property(setupArb, (s) => {
        ram.fill(0, POOL, POOL + POOL_PAGES * 4096);
        fillGarbage(ram, s.garbageSeed);
        const long = s.mode === "4-level";
        const pae = s.mode !== "32-bit";
        const ctl: PagingControl = {
          cr0: CR0_PG | CR0_PE | (s.wp ? CR0_WP : 0n),
          cr3: BigInt(POOL) + (s.mode === "pae" ? BigInt(s.cr3Slot * 32) : 0n),
          cr4: (pae ? CR4_PAE : 0n) | (s.pse ? CR4_PSE : 0n) | (s.pge ? CR4_PGE : 0n) | (s.smep ? CR4_SMEP : 0n) | (s.smap ? CR4_SMAP : 0n),
          efer: (long ? EFER_LME | EFER_LMA : 0n) | (s.nxe ? EFER_NXE : 0n),
        };
        // Canonical 48-bit addresses in 4-level mode (the MMU leaves canonical checks to segmentation).
        const linear = long ? BigInt.asUintN(64, BigInt.asIntN(48, s.linear)) : s.linear & 0xffffffffn;
        // Write the crafted entries along the walk's path, table by table.
        const shifts = s.mode === "32-bit" ? [22n, 12n] : s.mode === "pae" ? [30n, 21n, 12n] : [39n, 30n, 21n, 12n];
        const widths = s.mode === "32-bit" ? [10n, 10n] : s.mode === "pae" ? [2n, 9n, 9n] : [9n, 9n, 9n, 9n];
        let table = s.mode === "32-bit" ? ctl.cr3 & ~0xfffn : s.mode === "pae" ? ctl.cr3 & ~31n : ctl.cr3 & ~0xfffn;
        for (let i = 0; i < shifts.length; i++) {
          const e = s.entries[i];
          const index = (linear >> shifts[i]) & ((1n << widths[i]) - 1n);
          const at = table + index * (pae ? 8n : 4n);
          if (at + 8n > BigInt(RAM_SIZE)) break;
          let value = e.target | BigInt(e.flags) | (e.present ? 1n : 0n) | (e.ps ? 0x80n : 0n);
          if (pae) {
            value |= e.noise | (e.xd ? 1n << 63n : 0n);
            // Keep entries the walk rejects at every level rare, so that it often goes on.
            if (long && i === 0 && !e.odd) value &= ~0x80n;
            if (s.mode === "pae" && i === 0 && !e.odd) value &= ~(0x1e6n | (1n << 63n));
            w64(ram, Number(at), value);
          } else {
            value |= e.noise & 0x3fe000n;
            w32(ram, Number(at), value);
          }
          table = value & 0x000ffffffffff000n;
          if (!pae) table &= 0xfffff000n;
        }
        const access: PageAccess = {
          write: s.access.kind === "write",
          fetch: s.access.kind === "fetch",
          user: s.access.user,
          ac: s.access.ac,
          implicit: !s.access.user && s.access.kind !== "fetch" && s.access.implicit,
        };
        compare(cpu, ram, ctl, linear, access);
      }),
      { numRuns: 10000 },
    );
    const expected = ["32-bit:4096", "32-bit:4194304", "pae:4096", "pae:2097152", "4-level:4096", "4-level:2097152", "4-level:1073741824"];
    for (const mode of ["32-bit", "pae", "4-level"]) {
      for (const kind of ["not-present", "protection", "unreadable", "reserved"]) expected.push(`${mode}:${kind}`);
    }
    expect([...OUTCOMES.keys()]).toEqual(expect.arrayContaining(expected));
  });
});

// ---- hand-built walks -----------------------------------------------------------------------------

describe("walkPage steps", () => {
  it("without paging, physical = linear truncated to 32 bits", () => {
    const r = walkPage(() => 0n, { cr0: 0x11n, cr3: 0n, cr4: 0n, efer: 0n }, 0x1_2345_6789n);
    expect(r).toMatchObject({ mode: "none", physical: 0x2345_6789n, steps: [], fault: null });
  });

  it("32-bit paging: PDE then PTE, with index, entry address and decoded bits", () => {
    const { ram } = machine();
    w32(ram, 0x20000 + 1 * 4, 0x21000n | 0x27n); // P RW US A
    w32(ram, 0x21000 + 0x23 * 4, 0x0030_5000n | 0x161n); // P A D G
    const ctl = { cr0: CR0_PG | 1n, cr3: 0x20000n, cr4: CR4_PGE, efer: 0n };
    const r = walkPage(ramReader(ram), ctl, 0x0042_3abcn);
    expect(r.mode).toBe("32-bit");
    expect(r.steps.map((s) => [s.level, s.index, s.entryAddress])).toEqual([
      ["PDE", 1, 0x20004n],
      ["PTE", 0x23, 0x2108cn],
    ]);
    expect(r.steps[0].bits).toMatchObject({ present: true, writable: true, user: true, accessed: true, address: 0x21000n });
    expect(r.steps[1].bits).toMatchObject({ writable: false, user: false, dirty: true, global: true, address: 0x305000n });
    expect(r).toMatchObject({ physical: 0x305abcn, pageSize: 4096, global: true, rights: { writable: false, user: false, executable: true } });
  });

  it("32-bit paging: a 4 MiB page with PSE-36 high address bits", () => {
    const { ram } = machine();
    w32(ram, 0x20000 + 3 * 4, 0x0c00_0000n | (0x12n << 13n) | 0x83n);
    const r = walkPage(ramReader(ram), { cr0: CR0_PG, cr3: 0x20000n, cr4: CR4_PSE, efer: 0n }, 0x00c1_2345n);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0].leaf).toBe(true);
    expect(r).toMatchObject({ physical: 0x12_0c01_2345n, pageSize: 4 << 20 });
  });

  it("PAE: the PDPTE from CR3 bits 31:5, a 2 MiB page", () => {
    const { ram } = machine();
    w64(ram, 0x20040 + 2 * 8, 0x30000n | 1n);
    w64(ram, 0x30000 + 5 * 8, 0x0060_0000n | 0x83n | (1n << 63n));
    const ctl = { cr0: CR0_PG, cr3: 0x20040n, cr4: CR4_PAE, efer: EFER_NXE };
    const r = walkPage(ramReader(ram), ctl, 0x80a1_2345n);
    expect(r.mode).toBe("pae");
    expect(r.steps.map((s) => [s.level, s.index, s.entryAddress])).toEqual([
      ["PDPTE", 2, 0x20050n],
      ["PDE", 5, 0x30028n],
    ]);
    expect(r).toMatchObject({ physical: 0x0061_2345n, pageSize: 2 << 20, rights: { executable: false } });
    const fetch = walkPage(ramReader(ram), ctl, 0x80a1_2345n, { fetch: true });
    expect(fetch.fault).toMatchObject({ kind: "protection", level: "PDE", errorCode: PF_P | PF_ID });
  });

  it("4-level: a 1 GiB page, and XD is reserved without EFER.NXE", () => {
    const { ram } = machine();
    w64(ram, 0x10000 + 0x1ff * 8, 0x11000n | 7n);
    w64(ram, 0x11000 + 0x1fe * 8, 0x4000_0000n | 0x87n | (1n << 63n));
    const linear = 0xffff_ffff_8012_3456n;
    const ctl = { cr0: CR0_PG, cr3: 0x10000n, cr4: CR4_PAE, efer: EFER_LMA | EFER_NXE };
    const r = walkPage(ramReader(ram), ctl, linear);
    expect(r.steps.map((s) => s.level)).toEqual(["PML4E", "PDPTE"]);
    expect(r).toMatchObject({ physical: 0x4012_3456n, pageSize: 1 << 30 });
    const noNx = walkPage(ramReader(ram), { ...ctl, efer: EFER_LMA }, linear, { write: true, user: true });
    expect(noNx.fault).toMatchObject({ kind: "reserved", level: "PDPTE", errorCode: PF_P | PF_W | PF_U | PF_RSVD });
    expect(noNx.steps[1].reservedBits).toBe(1n << 63n);
  });

  it("4-level: a non-canonical address, a not-present entry, a table outside RAM", () => {
    const { ram } = machine();
    const ctl = { cr0: CR0_PG, cr3: 0x10000n, cr4: CR4_PAE, efer: EFER_LMA };
    expect(isCanonical48(0x0000_8000_0000_0000n)).toBe(false);
    expect(walkPage(ramReader(ram), ctl, 0x0000_8000_0000_0000n).fault?.kind).toBe("non-canonical");
    const absent = walkPage(ramReader(ram), ctl, 0x1000n, { write: true });
    expect(absent.fault).toMatchObject({ kind: "not-present", level: "PML4E", errorCode: PF_W });
    w64(ram, 0x10000, 0x7_0000_0000n | 3n);
    const outside = walkPage(ramReader(ram), ctl, 0x1000n);
    expect(outside.fault).toMatchObject({ kind: "unreadable", level: "PDPTE" });
    expect(outside.steps[1].entryAddress).toBe(0x7_0000_0000n);
  });

  it("the low address bits of a large page are reserved (1 GiB: 29:13, 2 MiB: 20:13), as the CPU says", () => {
    const { cpu, ram } = machine();
    const ctl = { cr0: CR0_PG, cr3: BigInt(POOL), cr4: CR4_PAE, efer: EFER_LMA };
    for (const [level, bit] of [[3, 13n], [3, 20n], [3, 29n], [3, 30n], [2, 13n], [2, 20n], [2, 21n]] as const) {
      ram.fill(0, POOL, POOL + 3 * 4096);
      w64(ram, POOL, BigInt(POOL + 0x1000) | 3n);
      if (level === 3) w64(ram, POOL + 0x1000, (1n << 30n) | (1n << bit) | 0x83n);
      else {
        w64(ram, POOL + 0x1000, BigInt(POOL + 0x2000) | 3n);
        w64(ram, POOL + 0x2000, (1n << 21n) | (1n << bit) | 0x83n);
      }
      const r = walkPage(ramReader(ram), ctl, 0x1234n);
      expect(r.fault?.kind ?? "mapped", `level ${level} bit ${bit}`).toBe(bit < (level === 3 ? 30n : 21n) ? "reserved" : "mapped");
      compare(cpu, ram, ctl, 0x1234n, {});
    }
  });
});
