import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "../../x86/phys-mem";
import { Clock } from "../clock";
import type { KernelContext } from "../kernel-object";
import {
  ZX_CACHE_POLICY_CACHED,
  ZX_CACHE_POLICY_UNCACHED,
  ZX_CACHE_POLICY_UNCACHED_DEVICE,
  ZX_CACHE_POLICY_WRITE_COMBINING,
  ZX_VM_CAN_MAP_EXECUTE,
  ZX_VM_CAN_MAP_READ,
  ZX_VM_CAN_MAP_SPECIFIC,
  ZX_VM_CAN_MAP_WRITE,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  ZX_VM_SPECIFIC_OVERWRITE,
} from "../constants";
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_STATE,
  ZX_ERR_BUFFER_TOO_SMALL,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_NOT_FOUND,
  ZX_OK,
} from "../status";
import { VmarObject } from "./vmar";
import { VmoObject } from "./vmo";

let koid = 1024n;
const kernel = { allocKoid: () => koid++, clock: new Clock(), runningVcpus: 0, log: () => {} } as unknown as KernelContext;
const ALL = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;
const RWX = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE;
/** Rights of the guest VMAR handle and of an executable VMO handle. */
const VMAR_RIGHTS = 0x801f;
const VMO_RIGHTS = 0xd0ef | 0x10;

function guestAspace() {
  const physmem = new PhysicalMemory();
  const root = new VmarObject(kernel, 0, 2 ** 48, ALL, null, { physmem });
  const vmo = (pages: number) => VmoObject.create(kernel, BigInt(pages * 4096), 0) as VmoObject;
  const map = (vmar: VmarObject, addr: number, v: VmoObject, offset = 0, len = v.size, perms = RWX) =>
    vmar.map(perms | ZX_VM_SPECIFIC, BigInt(addr - vmar.base), v, VMO_RIGHTS, BigInt(offset), BigInt(len), VMAR_RIGHTS);
  const mapped = (gpa: number) => physmem.permissions(gpa) !== 0 && root.findMapping(gpa) !== undefined;
  return { physmem, root, vmo, map, mapped };
}

// §6.5: Zircon's kernel unit tests (hypervisor_unittest.cc) for the guest-physical address space.
describe("hypervisor_unittest (guest physical address space)", () => {
  it("guest_physical_address_space_unmap_range", () => {
    const a = guestAspace();
    expect(a.map(a.root, 0, a.vmo(1)).status).toBe(ZX_OK);
    expect(a.root.unmap(0, 4096, true)).toBe(ZX_OK);
    expect(a.mapped(0)).toBe(false);
  });
  it("guest_physical_address_space_unmap_range_outside_of_mapping", () => {
    const a = guestAspace();
    expect(a.map(a.root, 0, a.vmo(1)).status).toBe(ZX_OK);
    expect(a.root.unmap(32768, 4096, true)).toBe(ZX_OK);
  });
  it("guest_physical_address_space_unmap_range_multiple_mappings", () => {
    const a = guestAspace();
    expect(a.map(a.root, 0, a.vmo(2)).status).toBe(ZX_OK);
    expect(a.map(a.root, 12288, a.vmo(2)).status).toBe(ZX_OK);
    expect(a.root.unmap(4096, 12288, true)).toBe(ZX_OK);
    expect([0, 4096, 8192, 12288, 16384].map(a.mapped)).toEqual([true, false, false, false, true]);
  });
  it("guest_physical_address_space_unmap_range_sub_region", () => {
    const a = guestAspace();
    const sub1 = a.root.allocate(ALL | ZX_VM_SPECIFIC, 0n, 8192n).child!;
    expect(a.map(sub1, 4096, a.vmo(1)).status).toBe(ZX_OK);
    const sub2 = a.root.allocate(ALL | ZX_VM_SPECIFIC, 8192n, 4096n).child!;
    expect(a.map(sub2, 8192, a.vmo(1)).status).toBe(ZX_OK);
    expect(a.map(a.root, 12288, a.vmo(2)).status).toBe(ZX_OK);
    expect(a.root.unmap(4096, 12288, true)).toBe(ZX_OK);
    expect([0, 4096, 8192, 12288, 16384].map(a.mapped)).toEqual([false, false, false, false, true]);
    expect(a.root.children.includes(sub1) && a.root.children.includes(sub2)).toBe(true);
  });
  it("guest_phyiscal_address_single_vmo_multiple_mappings", () => {
    const a = guestAspace();
    const v = a.vmo(4);
    expect(a.map(a.root, 4096, v, 4096, 4096).status).toBe(ZX_OK);
    expect(a.map(a.root, 12288, v, 12288, 4096).status).toBe(ZX_OK);
    expect([0, 4096, 8192, 12288].map(a.mapped)).toEqual([false, true, false, true]);
    // Both mappings share the VMO's memory.
    a.physmem.writeBytes(12288, new Uint8Array([0xab]));
    expect(v.bytes[12288]).toBe(0xab);
  });
  it("guest_physical_address_space_page_fault", () => {
    // No demand paging here: mappings are backed at once, with the mapping's permissions as EPT bits.
    const a = guestAspace();
    const v = a.vmo(4);
    expect(a.map(a.root, 0, v, 0, 4096, RWX).status).toBe(ZX_OK);
    expect(a.map(a.root, 4096, v, 4096, 4096, ZX_VM_PERM_READ).status).toBe(ZX_OK);
    expect(a.map(a.root, 8192, v, 8192, 4096, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE).status).toBe(ZX_OK);
    expect(a.map(a.root, 12288, v, 12288, 4096, ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE).status).toBe(ZX_OK);
    expect([0, 4096, 8192, 12288].map((g) => a.physmem.permissions(g))).toEqual([7, 1, 3, 5]);
  });
  it("guest_physical_address_space_map_interrupt_controller", () => {
    const a = guestAspace();
    expect(a.map(a.root, 0x800001000, a.vmo(1)).status).toBe(ZX_OK);
    expect(a.mapped(0x800001000)).toBe(true);
  });
  // The upstream tests set a cache policy on a VMO and check that it can still be mapped into the
  // guest's address space.
  const cachePolicyCase = (policy: number, gpa: number) => () => {
    const a = guestAspace();
    const v = a.vmo(1);
    expect(v.setCachePolicy(policy)).toBe(ZX_OK);
    expect(a.map(a.root, gpa, v).status).toBe(ZX_OK);
    expect(a.mapped(gpa)).toBe(true);
    // Once mapped the policy is fixed (vmo_set_cache_policy.md: BAD_STATE while mapped).
    expect(v.setCachePolicy(ZX_CACHE_POLICY_CACHED)).toBe(ZX_ERR_BAD_STATE);
    expect(a.root.unmap(gpa, 4096, true)).toBe(ZX_OK);
    expect(v.setCachePolicy(ZX_CACHE_POLICY_CACHED)).toBe(ZX_OK);
  };
  it("guest_physical_address_space_uncached", cachePolicyCase(ZX_CACHE_POLICY_UNCACHED, 0));
  it("guest_physical_address_space_uncached_device", cachePolicyCase(ZX_CACHE_POLICY_UNCACHED_DEVICE, 0));
  it("guest_physical_address_space_write_combining", cachePolicyCase(ZX_CACHE_POLICY_WRITE_COMBINING, 0));
});

describe("VMAR mapping rules (§1.9)", () => {
  it("refuses overlaps without SPECIFIC_OVERWRITE and replaces with it", () => {
    const a = guestAspace();
    const v1 = a.vmo(2), v2 = a.vmo(1);
    expect(a.map(a.root, 0, v1).status).toBe(ZX_OK);
    expect(a.map(a.root, 4096, v2).status).toBe(ZX_ERR_NO_MEMORY);
    const r = a.root.map(RWX | ZX_VM_SPECIFIC_OVERWRITE, 4096n, v2, VMO_RIGHTS, 0n, 4096n, VMAR_RIGHTS);
    expect(r.status).toBe(ZX_OK);
    a.physmem.writeBytes(4096, new Uint8Array([7]));
    expect(v2.bytes[0]).toBe(7);
    expect(v1.bytes[4096]).toBe(0);
  });
  it("checks rights, alignment, and the VMO's size", () => {
    const a = guestAspace();
    const v = a.vmo(1);
    expect(a.root.map(ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC, 0n, v, 0xd0ef, 0n, 4096n, VMAR_RIGHTS).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(a.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0n, v, 0xd0ef & ~0x20, 0n, 4096n, VMAR_RIGHTS).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(a.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0x800n, v, VMO_RIGHTS, 0n, 4096n, VMAR_RIGHTS).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(a.root.map(ZX_VM_PERM_READ, 4096n, v, VMO_RIGHTS, 0n, 4096n, VMAR_RIGHTS).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(a.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0n, v, VMO_RIGHTS, 0n, 0n, VMAR_RIGHTS).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(a.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0n, v, VMO_RIGHTS, 0n, 8192n, VMAR_RIGHTS).status).toBe(ZX_ERR_BUFFER_TOO_SMALL);
    expect(a.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0n, v, VMO_RIGHTS, 4096n, 4096n, VMAR_RIGHTS).status).toBe(ZX_ERR_BUFFER_TOO_SMALL);
  });
  it("splits a mapping on a partial unmap and keeps offsets right", () => {
    const a = guestAspace();
    const v = a.vmo(3);
    v.bytes[8192] = 0x5a;
    expect(a.map(a.root, 0x10000, v).status).toBe(ZX_OK);
    expect(a.root.unmap(0x11000, 4096, false)).toBe(ZX_OK);
    expect([0x10000, 0x11000, 0x12000].map(a.mapped)).toEqual([true, false, true]);
    const buf = new Uint8Array(1);
    a.physmem.readBytes(0x12000, buf);
    expect(buf[0]).toBe(0x5a);
    expect(a.root.findMapping(0x12000)!.vmoOffset).toBe(8192);
  });
  it("refuses a syscall unmap that cuts a child VMAR, and destroys a child it covers", () => {
    const a = guestAspace();
    const sub = a.root.allocate(ALL | ZX_VM_SPECIFIC, 0x4000n, 0x2000n).child!;
    expect(a.map(sub, 0x4000, a.vmo(1)).status).toBe(ZX_OK);
    expect(a.root.unmap(0x5000, 0x2000, false)).toBe(ZX_ERR_INVALID_ARGS);
    expect(a.root.unmap(0x4000, 0x2000, false)).toBe(ZX_OK);
    expect(sub.destroyed).toBe(true);
    expect(a.mapped(0x4000)).toBe(false);
  });
  it("protects within the mapping's maximum permissions, splitting as needed", () => {
    const a = guestAspace();
    expect(a.map(a.root, 0, a.vmo(2), 0, 8192, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE).status).toBe(ZX_OK);
    expect(a.root.protect(ZX_VM_PERM_READ, 4096, 4096, VMAR_RIGHTS)).toBe(ZX_OK);
    expect([a.physmem.permissions(0), a.physmem.permissions(4096)]).toEqual([3, 1]);
    expect(a.root.protect(ZX_VM_PERM_READ, 8192, 4096, VMAR_RIGHTS)).toBe(ZX_ERR_NOT_FOUND);
    const ro = guestAspace();
    expect(ro.root.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0n, ro.vmo(1), 0xd0ef & ~0x8, 0n, 4096n, VMAR_RIGHTS).status).toBe(ZX_OK);
    expect(ro.root.protect(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, 4096, VMAR_RIGHTS)).toBe(ZX_ERR_ACCESS_DENIED);
  });
  it("places non-specific mappings first-fit", () => {
    const a = guestAspace();
    const r1 = a.root.map(ZX_VM_PERM_READ, 0n, a.vmo(1), VMO_RIGHTS, 0n, 4096n, VMAR_RIGHTS);
    const r2 = a.root.map(ZX_VM_PERM_READ, 0n, a.vmo(1), VMO_RIGHTS, 0n, 4096n, VMAR_RIGHTS);
    expect([r1.addr, r2.addr]).toEqual([0, 4096]);
  });
});
