/**
 * Object lifetimes (kernel.liveObjects) under Zircon's reference rules, and the bugs the syscall
 * fuzzer found, each pinned by a directed test:
 * - a mapping holds its VMO, a VCPU its guest, a guest's BELL trap its port; a guest's death
 *   destroys its guest-physical address space (so its VMAR handle answers BAD_STATE);
 * - zx_vmo_replace_as_executable never lets the VMO die between the old handle and the new;
 * - hvplay_vcpu_write_arch_state with bigint segment fields threw inside the kernel (ZX_ERR_INTERNAL);
 * - HLT with an interrupt pending that IF = 0 blocks made zx_vcpu_resume spin on microtasks forever,
 *   so no kick could land (the worker would freeze).
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  ZX_ERR_BAD_STATE,
  ZX_ERR_CANCELED,
  ZX_GUEST_TRAP_BELL,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  type Kernel,
  type Thread,
} from "../index";
import type { VcpuObject } from "../objects/vcpu";
import { runSequence } from "./runner";

function setup() {
  const kernel = createKernel({ seed: 1, log: () => {} });
  const proc = kernel.createProcess();
  return { kernel, proc, t: proc.mainThread };
}

/** The live objects by constructor name, sorted: what a leak message would show. */
const live = (k: Kernel) => [...k.liveObjects].map((o) => o.constructor.name).sort();

/** A guest with `code` at 0x2000 of 64 KiB of identity-paged RAM, and a VCPU entering there. */
function guestWith(t: Thread, hypervisor: number, code: number[]) {
  const vmo = t.zx_vmo_replace_as_executable(t.zx_vmo_create(0x10000, 0).out, ZX_HANDLE_INVALID).out;
  const { guest_handle: guest, vmar_handle: vmar } = t.zx_guest_create(hypervisor, 0);
  expect(t.zx_vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC, 0, vmo, 0, 0x10000).status).toBe(ZX_OK);
  const entry = new Uint8Array(8);
  new DataView(entry.buffer).setBigUint64(0, 0x1007n, true); // PML4[0] → PDPT at 0x1000
  expect(t.zx_vmo_write(vmo, entry, 0)).toBe(ZX_OK);
  new DataView(entry.buffer).setBigUint64(0, 0x87n, true); // PDPT[0]: a 1 GiB page at 0
  expect(t.zx_vmo_write(vmo, entry, 0x1000)).toBe(ZX_OK);
  expect(t.zx_vmo_write(vmo, new Uint8Array(code), 0x2000)).toBe(ZX_OK);
  const vcpu = t.zx_vcpu_create(guest, 0, 0x2000).out;
  return { vmo, guest, vmar, vcpu };
}

describe("kernel.liveObjects follows Zircon's reference rules", () => {
  it("counts the process's own objects and empties when every handle is closed", () => {
    const { kernel, proc, t } = setup();
    expect(live(kernel)).toEqual(["ResourceObject", "ResourceObject", "ResourceObject", "VmarObject"]);
    const port = t.zx_port_create(0).out;
    const timer = t.zx_timer_create(0, 0).out;
    const dup = t.zx_handle_duplicate(port, 0x80000000).out;
    expect(kernel.liveObjects.size).toBe(6);
    t.zx_handle_close(port);
    expect(kernel.liveObjects.size).toBe(6); // the duplicate still holds the port
    t.zx_handle_close(dup);
    t.zx_handle_close(timer);
    expect(kernel.liveObjects.size).toBe(4);
    for (const h of proc.listHandles()) t.zx_handle_close(h.handle);
    expect(kernel.liveObjects.size).toBe(0);
  });

  it("a mapping holds its VMO until it is unmapped (VmMapping's RefPtr<VmObject>)", () => {
    const { kernel, proc, t } = setup();
    const vmo = t.zx_vmo_create(0x3000, 0).out;
    const { mapped_addr } = t.zx_vmar_map(proc.rootVmar, ZX_VM_PERM_READ, 0, vmo, 0, 0x3000);
    t.zx_handle_close(vmo);
    expect(live(kernel)).toContain("VmoObject");
    // A partial unmap splits the mapping: the pieces still hold it.
    expect(t.zx_vmar_unmap(proc.rootVmar, mapped_addr + 0x1000n, 0x1000)).toBe(ZX_OK);
    expect(live(kernel)).toContain("VmoObject");
    expect(t.zx_vmar_unmap(proc.rootVmar, mapped_addr, 0x3000)).toBe(ZX_OK);
    expect(live(kernel)).not.toContain("VmoObject");
  });

  it("process exit destroys the address space, and with it VMOs only a mapping held", () => {
    const { kernel, proc, t } = setup();
    const vmo = t.zx_vmo_create(0x1000, 0).out;
    t.zx_vmar_map(proc.rootVmar, ZX_VM_PERM_READ, 0, vmo, 0, 0x1000);
    for (const h of proc.listHandles()) t.zx_handle_close(h.handle);
    expect(live(kernel)).toEqual(["VmoObject"]);
    proc.exit();
    expect(kernel.liveObjects.size).toBe(0);
  });

  it("a VCPU holds its guest; the guest's death destroys its address space, and its VMAR handle then answers BAD_STATE", () => {
    const { kernel, proc, t } = setup();
    const g = guestWith(t, proc.hypervisorResource, [0xf4]);
    t.zx_handle_close(g.vmo);
    t.zx_handle_close(g.guest);
    expect(live(kernel)).toEqual(expect.arrayContaining(["GuestObject", "VcpuObject", "VmoObject"]));
    t.zx_handle_close(g.vcpu);
    // The guest went with its last VCPU; the guest-physical mappings went with the guest (so did the VMO).
    expect(live(kernel)).not.toContain("GuestObject");
    expect(live(kernel)).not.toContain("VmoObject");
    const vmo = t.zx_vmo_create(0x1000, 0).out;
    expect(t.zx_vmar_map(g.vmar, ZX_VM_PERM_READ, 0, vmo, 0, 0x1000).status).toBe(ZX_ERR_BAD_STATE);
    for (const h of proc.listHandles()) t.zx_handle_close(h.handle);
    expect(kernel.liveObjects.size).toBe(0);
  });

  it("a guest's BELL trap holds its port until the guest goes", () => {
    const { kernel, proc, t } = setup();
    const { guest_handle: guest, vmar_handle: vmar } = t.zx_guest_create(proc.hypervisorResource, 0);
    const port = t.zx_port_create(0).out;
    expect(t.zx_guest_set_trap(guest, ZX_GUEST_TRAP_BELL, 0x1000, 0x1000, port, 1)).toBe(ZX_OK);
    t.zx_handle_close(port);
    expect(live(kernel)).toContain("PortObject");
    t.zx_handle_close(guest);
    t.zx_handle_close(vmar);
    expect(live(kernel)).not.toContain("PortObject");
    expect(live(kernel)).not.toContain("GuestObject");
  });

  it("a VCPU whose last handle closes inside zx_vcpu_resume lives until the resume returns", async () => {
    const { kernel, proc, t } = setup();
    const g = guestWith(t, proc.hypervisorResource, [0xeb, 0xfe]); // jmp $
    const object = proc.handles.lookup(g.vcpu)!.object as VcpuObject;
    const resumed = t.zx_vcpu_resume(g.vcpu);
    expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect(t.zx_handle_close(g.vcpu)).toBe(ZX_OK);
    expect(kernel.liveObjects.has(object)).toBe(true);
    expect((await resumed).status).toBe(ZX_ERR_CANCELED);
    expect(kernel.liveObjects.has(object)).toBe(false);
    expect(kernel.liveVcpus).toBe(0);
  });
});

describe("bugs the syscall fuzzer found", () => {
  it("zx_vmo_replace_as_executable keeps the VMO alive between the old handle and the new one", () => {
    const { kernel, t } = setup();
    const vmo = t.zx_vmo_create(0x1000, 0).out;
    const object = [...kernel.liveObjects].find((o) => o.constructor.name === "VmoObject")!;
    const exec = t.zx_vmo_replace_as_executable(vmo, ZX_HANDLE_INVALID);
    expect(exec.status).toBe(ZX_OK);
    expect(kernel.liveObjects.has(object)).toBe(true);
    t.zx_handle_close(exec.out);
    expect(kernel.liveObjects.has(object)).toBe(false);
  });

  it("hvplay_vcpu_write_arch_state takes bigints in segment and table fields (it threw: ZX_ERR_INTERNAL)", () => {
    const { proc, t } = setup();
    const g = guestWith(t, proc.hypervisorResource, [0xf4]);
    expect(t.hvplay_vcpu_write_arch_state(g.vcpu, { ss: { access_rights: 0x93n as unknown as number, selector: 0x10n as unknown as number, limit: 0xffffn as unknown as number }, gdtr: { limit: 0x27n as unknown as number } })).toBe(ZX_OK);
    const { state } = t.hvplay_vcpu_read_arch_state(g.vcpu);
    expect(state!.ss).toEqual({ selector: 0x10, base: 0n, limit: 0xffff, access_rights: 0x93 });
    expect(state!.gdtr.limit).toBe(0x27);
  });

  it("HLT with a pending interrupt that IF = 0 blocks still lets a kick land (it spun on microtasks forever)", async () => {
    const { proc, t } = setup();
    const g = guestWith(t, proc.hypervisorResource, [0xf4, 0xeb, 0xfd]); // hlt; jmp back to the hlt (IF stays 0)
    expect(t.zx_vcpu_interrupt(g.vcpu, 32)).toBe(ZX_OK);
    // Limited, so that with the bug the spin still ends (ZX_ERR_TIMED_OUT, before the kick could run)
    // instead of freezing the test runner.
    const resumed = t.hvplay_vcpu_resume_limited(g.vcpu, 400_000);
    // Another task: it runs only if the resume yields to the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(t.zx_vcpu_kick(g.vcpu)).toBe(ZX_OK);
    expect((await resumed).status).toBe(ZX_ERR_CANCELED);
  });

  it("the fuzzer's shrunk counterexample for that hang replays clean", async () => {
    await runSequence(
      [
        { op: "setupGuest", t: 0, program: "hlt", traps: { io: false, mem: false, bell: false } },
        { op: "vcpuResume", t: 0, vcpu: { k: "live", i: 0 }, how: "enter", limit: 0, during: ["interrupt", "close", "kick"] },
      ],
      0x5eed,
    );
  });
});
