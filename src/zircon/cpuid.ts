/**
 * CPUID as Zircon answers it (`arch/x86/hypervisor/vmexit.cc` handle_cpuid; zircon-hypervisor.md §4.6).
 *
 * Zircon runs the host's CPUID and edits the result. A browser has no host CPUID, so HOST below is a
 * plausible Intel-like 64-bit host whose feature bits are exactly the ones src/x86 implements; the
 * edits Zircon makes are then applied on top, so a guest sees what a Zircon E2 guest would.
 */

const KVM_SIGNATURE = [0x4b4d564b, 0x564b4d56, 0x4d]; // "KVMKVMKVM\0\0\0"
/** KVM_FEATURE_CLOCKSOURCE | NOP_IO_DELAY | CLOCKSOURCE2 (§4.6). */
const KVM_FEATURES = 0xb;

function str4(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
}
function brandLeaves(brand: string): number[][] {
  const b = brand.padEnd(48, "\0");
  const out: number[][] = [];
  for (let leaf = 0; leaf < 3; leaf++) {
    const q = b.slice(leaf * 16, leaf * 16 + 16);
    out.push([str4(q.slice(0, 4)), str4(q.slice(4, 8)), str4(q.slice(8, 12)), str4(q.slice(12, 16))]);
  }
  return out;
}

// Leaf 1 feature bits (Intel SDM Vol. 2A, CPUID, Table 3-10 / 3-11).
const EDX1 = {
  FPU: 1 << 0, PSE: 1 << 3, TSC: 1 << 4, MSR: 1 << 5, PAE: 1 << 6, CX8: 1 << 8, APIC: 1 << 9,
  SEP: 1 << 11, PGE: 1 << 13, CMOV: 1 << 15, PAT: 1 << 16, PSE36: 1 << 17, CLFSH: 1 << 19, FXSR: 1 << 24, SSE: 1 << 25, SSE2: 1 << 26,
  ACPI: 1 << 22, MMX: 1 << 23, TM: 1 << 29,
};
const ECX1 = {
  SSE3: 1 << 0, MONITOR: 1 << 3, VMX: 1 << 5, TM2: 1 << 8, SSSE3: 1 << 9, CX16: 1 << 13, PDCM: 1 << 15, MOVBE: 1 << 22,
  X2APIC: 1 << 21, POPCNT: 1 << 23, TSC_DEADLINE: 1 << 24, HYPERVISOR: 1 << 31,
};

/**
 * The synthetic host: max basic leaf 0xD, max extended leaf 0x80000008. Feature bits = what src/x86
 * executes today (checked against src/x86/exec-*.ts): FPU (the full x87, exec-x87.ts), TSC, MSR, PSE,
 * PAE, CX8, APIC, SEP, PGE, CMOV, PAT, CLFSH (CLFLUSH: nothing to flush), MMX (exec-mmx.ts), FXSR, SSE, SSE2, SSE3 (exec-sse*.ts),
 * SSSE3 (exec-ssse3.ts), CX16 (CMPXCHG16B), MOVBE, POPCNT, LZCNT; no SSE4, XSAVE, AVX or BMI. MONITOR is set here as on
 * a real host and hidden by Zircon's edit below, so MONITOR/MWAIT raise #UD in the guest (Intel SDM
 * Vol. 2B MONITOR: #UD if CPUID.01H:ECX.MONITOR = 0). Keep in step with the CPU when it grows.
 */
/** The synthetic host: max basic leaf 0xD, max extended leaf 0x80000008, family 6 model 0x55-like. */
const MAX_BASIC = 0xd;
const MAX_EXTENDED = 0x80000008;
const HOST: Record<number, number[]> = {
  0x0: [MAX_BASIC, str4("Genu"), str4("ntel"), str4("ineI")],
  // Family 6, model 0x5E, stepping 3 (a Skylake signature); 64-byte CLFLUSH line. The host has VMX
  // (it is a hypervisor host), which Zircon hides from the guest.
  0x1: [
    0x000506e3,
    0x00010800,
    (ECX1.SSE3 | ECX1.SSSE3 | ECX1.CX16 | ECX1.MOVBE | ECX1.POPCNT | ECX1.VMX | ECX1.MONITOR | ECX1.PDCM) >>> 0,
    (EDX1.FPU | EDX1.PSE | EDX1.TSC | EDX1.MSR | EDX1.PAE | EDX1.CX8 | EDX1.APIC | EDX1.SEP | EDX1.PGE |
      EDX1.CMOV | EDX1.PAT | EDX1.PSE36 | EDX1.CLFSH | EDX1.MMX | EDX1.FXSR | EDX1.SSE | EDX1.SSE2) >>> 0,
  ],
  0x5: [0x40, 0x40, 0x3, 0x11142120],
  0x6: [0x77, 0x2, 0x9, 0x0],
  // EBX: SMEP (bit 7) and SMAP (bit 20), enforced by machine.ts's page walk.
  0x7: [0, ((1 << 7) | (1 << 20)) >>> 0, 0, 0],
  0xa: [0x07300404, 0, 0, 0x603],
  0xb: [1, 2, 0x100, 0],
  0xd: [0, 0, 0, 0],
  0x80000000: [MAX_EXTENDED, 0, 0, 0],
  // ECX: LAHF/SAHF in 64-bit mode, ABM (LZCNT). EDX: SYSCALL/SYSRET, NX, 1 GiB pages (machine.ts maps
  // PS PDPTEs), RDTSCP (exec-system.ts; Zircon's VMCS enables it), long mode.
  0x80000001: [0, 0, 0x1 | (1 << 5), ((1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29)) >>> 0],
  0x80000006: [0, 0, 0x01006040, 0],
  0x80000007: [0, 0, 0, 0x100],
  0x80000008: [0x3030, 0, 0, 0],
};
brandLeaves("Hypervisor Playground x86-64 CPU").forEach((v, i) => (HOST[0x80000002 + i] = v));

function hostCpuid(leaf: number): number[] {
  const inBasic = leaf <= MAX_BASIC;
  const inExt = leaf >= 0x80000000 && leaf <= MAX_EXTENDED;
  // Intel: a leaf above the maximum returns the data of the highest basic leaf.
  if (!inBasic && !inExt) return [...(HOST[MAX_BASIC] ?? [0, 0, 0, 0])];
  return [...(HOST[leaf] ?? [0, 0, 0, 0])];
}

/** EAX, EBX, ECX, EDX for CPUID(leaf, subleaf) on the VCPU whose VPID is `vpid`. */
export function cpuid(leaf: number, _subleaf: number, vpid: number): [number, number, number, number] {
  leaf >>>= 0;
  if (leaf === 0x40000000) return [0x40000001, ...KVM_SIGNATURE] as [number, number, number, number];
  if (leaf === 0x40000001) return [KVM_FEATURES, 0, 0, 0];
  const r = hostCpuid(leaf);
  switch (leaf) {
    case 0x1:
      // Initial APIC ID = VPID − 1; hide VMX, PDCM, MONITOR/MWAIT, TM2, TM, ACPI; advertise the
      // hypervisor, x2APIC, SEP, and TSC-deadline (E3 sets it; the playground implements the mode).
      r[1] = ((r[1] & 0x00ffffff) | ((vpid - 1) << 24)) >>> 0;
      r[2] = ((r[2] | ECX1.HYPERVISOR | ECX1.X2APIC | ECX1.TSC_DEADLINE) & ~(ECX1.VMX | ECX1.PDCM | ECX1.MONITOR | ECX1.TM2)) >>> 0;
      r[3] = ((r[3] | EDX1.SEP) & ~(EDX1.TM | EDX1.ACPI)) >>> 0;
      break;
    case 0x5:
      return [0, 0, 0, 0];
    case 0x6:
      r[0] &= ~((1 << 0) | (1 << 1) | (1 << 4) | (1 << 6) | (0xf << 7) | (1 << 14));
      r[2] &= ~((1 << 0) | (1 << 3));
      break;
    case 0x7:
      r[1] &= ~((1 << 10) | (1 << 25));
      r[3] &= ~((1 << 26) | (1 << 27) | (1 << 28) | (1 << 29) | (1 << 31));
      break;
    case 0xa:
      return [0, 0x7f, 0, 0];
    case 0xb:
      return [0, 0, 0, (vpid - 1) >>> 0];
  }
  return [r[0] >>> 0, r[1] >>> 0, r[2] >>> 0, r[3] >>> 0];
}
