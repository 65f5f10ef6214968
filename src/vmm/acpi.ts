/**
 * The ACPI tables the VMM gives a Linux guest, as Fuchsia's VMM does (src/virtualization/bin/vmm/arch/
 * x64/acpi.cc: RSDP at 0xE0000, an RSDT, a FADT with PM1 event/control blocks at ports 0x1000/0x2000, a
 * DSDT and a MADT with the local APICs and the IO-APIC). Layout and field offsets from the ACPI
 * specification 6.4 (§5.2.5 RSDP, §5.2.7/8 RSDT/XSDT, §5.2.9 FADT, §5.2.12 MADT).
 *
 * Why Linux needs them: Zircon's local APIC is an x2APIC that the "BIOS" has already enabled, and Linux
 * switches its APIC driver to the x2APIC one only while parsing the MADT. Without a MADT it keeps the
 * xAPIC (MMIO at 0xFEE00000) driver and faults reading the APIC ID through a mapping it never made.
 *
 * Beyond Fuchsia: an RSDP of revision 2 with an XSDT as well as the RSDT (Linux prefers the XSDT), and
 * the two interrupt source overrides every PC's MADT carries (QEMU's too): ISA IRQ 0 (the PIT) on
 * IO-APIC pin 2, as this machine wires it (devices/ioapic.ts isaIrqToPin), and IRQ 9 (the SCI)
 * level-triggered, active high. The DSDT holds no AML: the machine has no devices to enumerate there.
 */

/** Where the tables go: in the BIOS area Linux scans for the RSDP (0xE0000-0xFFFFF), reserved in the E820 map. */
export const ACPI_BASE = 0xe0000;
/** The PM1 register blocks the FADT names (Fuchsia's kPm1EventPort / kPm1ControlPort). */
export const PM1_EVENT_PORT = 0x1000;
export const PM1_CONTROL_PORT = 0x2000;
export const LOCAL_APIC_ADDRESS = 0xfee00000;
/** The SCI's ISA IRQ (as on PCs and QEMU). */
export const SCI_IRQ = 9;

const OEM_ID = "HVPLAY";
const OEM_TABLE_ID = "HVPLAYPC";
const HEADER = 36;

export interface AcpiConfig {
  ioApicAddress: number;
  ioApicId: number;
  /** One local APIC per CPU; APIC ID = processor UID = index. */
  cpus: number;
}

/** Sum of `bytes` mod 256 (a table is valid when the sum over its whole length is 0). */
export function acpiSum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

function ascii(out: Uint8Array, at: number, text: string, width: number): void {
  for (let i = 0; i < width; i++) out[at + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}

/** A system description table: the 36-byte header (§5.2.6) then `body`, checksummed. */
function table(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const t = new Uint8Array(HEADER + body.length);
  const dv = new DataView(t.buffer);
  ascii(t, 0, signature, 4);
  dv.setUint32(4, t.length, true);
  t[8] = revision;
  ascii(t, 10, OEM_ID, 6);
  ascii(t, 16, OEM_TABLE_ID, 8);
  dv.setUint32(24, 1, true); // OEM revision
  ascii(t, 28, "HVPL", 4); // creator ID
  dv.setUint32(32, 1, true); // creator revision
  t.set(body, HEADER);
  t[9] = (0x100 - acpiSum(t)) & 0xff;
  return t;
}

/** Generic Address Structure (§5.2.3.2): system I/O space, `bits` wide, at `port`. */
function gas(dv: DataView, at: number, bits: number, port: number): void {
  dv.setUint8(at, 1); // address space: system I/O
  dv.setUint8(at + 1, bits);
  dv.setUint8(at + 2, 0);
  dv.setUint8(at + 3, bits === 32 ? 3 : bits === 16 ? 2 : 1); // access size: dword / word / byte
  dv.setBigUint64(at + 4, BigInt(port), true);
}

/** FADT revision 6 (276 bytes, §5.2.9 Table 5.9): PM1a event and control blocks, no PM timer, no GPEs. */
function fadt(dsdt: number): Uint8Array {
  const body = new Uint8Array(276 - HEADER);
  const dv = new DataView(body.buffer);
  const o = (off: number) => off - HEADER; // offsets below are the specification's, from the table start
  dv.setUint32(o(40), dsdt, true); // DSDT
  body[o(45)] = 0; // preferred PM profile: unspecified
  dv.setUint16(o(46), SCI_IRQ, true); // SCI_INT
  dv.setUint32(o(48), 0, true); // SMI_CMD = 0: ACPI mode is always on (no SMM to hand over from)
  dv.setUint32(o(56), PM1_EVENT_PORT, true); // PM1a_EVT_BLK
  dv.setUint32(o(64), PM1_CONTROL_PORT, true); // PM1a_CNT_BLK
  body[o(88)] = 4; // PM1_EVT_LEN: status + enable, 2 bytes each
  body[o(89)] = 2; // PM1_CNT_LEN
  dv.setUint16(o(109), 0x0003, true); // IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042
  // Flags: WBINVD (0), PROC_C1 (2), PWR_BUTTON and SLP_BUTTON (4, 5: no fixed-feature buttons).
  dv.setUint32(o(112), (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5), true);
  body[o(131)] = 4; // FADT minor version 4 → with revision 6: ACPI 6.4
  dv.setBigUint64(o(140), BigInt(dsdt), true); // X_DSDT
  gas(dv, o(148), 32, PM1_EVENT_PORT); // X_PM1a_EVT_BLK
  gas(dv, o(172), 16, PM1_CONTROL_PORT); // X_PM1a_CNT_BLK
  return table("FACP", 6, body);
}

/** MADT revision 4 (§5.2.12): local APICs, the IO-APIC, and the PC's two interrupt source overrides. */
function madt(cfg: AcpiConfig): Uint8Array {
  const entries: number[][] = [];
  for (let id = 0; id < cfg.cpus; id++) entries.push([0, 8, id, id, 1, 0, 0, 0]); // processor local APIC, enabled
  const a = cfg.ioApicAddress;
  entries.push([1, 12, cfg.ioApicId, 0, a & 0xff, (a >>> 8) & 0xff, (a >>> 16) & 0xff, a >>> 24, 0, 0, 0, 0]); // IO-APIC, GSI base 0
  entries.push([2, 10, 0, 0, 2, 0, 0, 0, 0, 0]); // ISA IRQ 0 → GSI 2, conforming polarity and trigger
  entries.push([2, 10, 0, SCI_IRQ, SCI_IRQ, 0, 0, 0, 0x0d, 0]); // IRQ 9 → GSI 9, active high (01), level (11 << 2)
  const body = new Uint8Array(8 + entries.reduce((n, e) => n + e.length, 0));
  const dv = new DataView(body.buffer);
  dv.setUint32(0, LOCAL_APIC_ADDRESS, true);
  dv.setUint32(4, 1, true); // PCAT_COMPAT: the machine also has the dual 8259A
  let at = 8;
  for (const e of entries) {
    body.set(e, at);
    at += e.length;
  }
  return table("APIC", 4, body);
}

/**
 * The tables as one block to write at `base` (ACPI_BASE): RSDP, XSDT, RSDT, FADT, DSDT, MADT, each
 * 16-byte aligned. Returns the bytes and the RSDP's address (for boot_params.acpi_rsdp_addr).
 */
export function buildAcpiTables(cfg: AcpiConfig, base = ACPI_BASE): { bytes: Uint8Array; rsdp: number } {
  const align = (n: number) => (n + 15) & ~15;
  const rsdpAt = base;
  const xsdtAt = align(rsdpAt + 36);
  const rsdtAt = align(xsdtAt + HEADER + 8 * 2);
  const fadtAt = align(rsdtAt + HEADER + 4 * 2);
  const dsdtAt = align(fadtAt + 276);
  const dsdt = table("DSDT", 2, new Uint8Array(0));
  const madtAt = align(dsdtAt + dsdt.length);
  const m = madt(cfg);

  const xsdtBody = new Uint8Array(16);
  new DataView(xsdtBody.buffer).setBigUint64(0, BigInt(fadtAt), true);
  new DataView(xsdtBody.buffer).setBigUint64(8, BigInt(madtAt), true);
  const rsdtBody = new Uint8Array(8);
  new DataView(rsdtBody.buffer).setUint32(0, fadtAt, true);
  new DataView(rsdtBody.buffer).setUint32(4, madtAt, true);

  // RSDP revision 2 (§5.2.5.3): 20-byte ACPI 1.0 part with its own checksum, then length, XSDT, extended checksum.
  const rsdp = new Uint8Array(36);
  const rdv = new DataView(rsdp.buffer);
  ascii(rsdp, 0, "RSD PTR ", 8);
  ascii(rsdp, 9, OEM_ID, 6);
  rsdp[15] = 2;
  rdv.setUint32(16, rsdtAt, true);
  rdv.setUint32(20, 36, true);
  rdv.setBigUint64(24, BigInt(xsdtAt), true);
  rsdp[8] = (0x100 - acpiSum(rsdp.subarray(0, 20))) & 0xff;
  rsdp[32] = (0x100 - acpiSum(rsdp)) & 0xff;

  const parts: Array<[number, Uint8Array]> = [
    [rsdpAt, rsdp], [xsdtAt, table("XSDT", 1, xsdtBody)], [rsdtAt, table("RSDT", 1, rsdtBody)],
    [fadtAt, fadt(dsdtAt)], [dsdtAt, dsdt], [madtAt, m],
  ];
  const bytes = new Uint8Array(madtAt + m.length - base);
  for (const [at, b] of parts) bytes.set(b, at - base);
  return { bytes, rsdp: rsdpAt };
}
