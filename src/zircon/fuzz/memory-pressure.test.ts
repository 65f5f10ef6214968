/**
 * Memory pressure: requests beyond what the host can give are ZX_ERR_NO_MEMORY (never a RangeError
 * thrown at the caller, never ZX_ERR_INTERNAL), nothing is left half-made or leaked, and the kernel
 * keeps working afterwards.
 *
 * - Sizes: past 2^64 once rounded is ZX_ERR_OUT_OF_RANGE; past the playground's 4 GiB ceiling (one
 *   SharedArrayBuffer) ZX_ERR_NO_MEMORY; 4 GiB itself works (Node commits it lazily) or is NO_MEMORY.
 * - The host refusing: simulated (a SharedArrayBuffer that throws, a machine whose guest memory or
 *   CPU cannot be allocated, a guest page map that runs out), and real: a child Node process under
 *   `ulimit -v`, where 4 GiB VMOs are asked for until the host says no.
 * - The handle table full (2^20 handles): every call that makes a handle is NO_MEMORY and leaves no
 *   object behind.
 *
 * Out of reach in this model: committing pages past what the host gives. VMO memory is one
 * ArrayBuffer, which the OS commits lazily as pages are touched; touching more than the machine has
 * gets the whole process killed by the OS (no exception, nothing a guest or VMM could see). With an
 * address-space cap (the child test) the failure moves to allocation time, where it is NO_MEMORY.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "../../x86/phys-mem";
import { Cpu } from "../../x86";
import {
  createKernel,
  ZX_ERR_INTERNAL,
  ZX_ERR_NO_MEMORY,
  ZX_ERR_OUT_OF_RANGE,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_RIGHT_SAME_RIGHTS,
  ZX_VM_CAN_MAP_READ,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
  USER_ASPACE_BASE,
  type Machine,
} from "../index";

function setup(machine?: Machine) {
  const logged: string[] = [];
  const kernel = createKernel({ seed: 3, log: (m) => logged.push(m), ...(machine ? { machine } : {}) });
  const proc = kernel.createProcess();
  return { kernel, proc, t: proc.mainThread, logged };
}

/** The kernel still does ordinary work: a VMO made, mapped, written and read back. */
function stillWorks(t: ReturnType<typeof setup>["t"], rootVmar: number): void {
  const vmo = t.zx_vmo_create(0x2000, 0);
  expect(vmo.status).toBe(ZX_OK);
  const map = t.zx_vmar_map(rootVmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo.out, 0, 0x2000);
  expect(map.status).toBe(ZX_OK);
  expect(t.zx_vmo_write(vmo.out, new Uint8Array([1, 2, 3]), 0x1ffd)).toBe(ZX_OK);
  const back = new Uint8Array(3);
  expect(t.zx_vmo_read(vmo.out, back, 0x1ffd)).toBe(ZX_OK);
  expect([...back]).toEqual([1, 2, 3]);
  expect(t.zx_vmar_unmap(rootVmar, map.mapped_addr, 0x2000)).toBe(ZX_OK);
  expect(t.zx_handle_close(vmo.out)).toBe(ZX_OK);
}

/** A RangeError as V8 throws it when the host has no memory for an allocation. */
const hostOutOfMemory = () => new RangeError("Array buffer allocation failed");

describe("VMO sizes at and past the limits", () => {
  it("rounds past 2^64: OUT_OF_RANGE; past 4 GiB: NO_MEMORY; 4 GiB: created lazily or NO_MEMORY — never a throw", () => {
    const { kernel, proc, t, logged } = setup();
    const cases: Array<[number | bigint, number[]]> = [
      [2n ** 64n - 1n, [ZX_ERR_OUT_OF_RANGE]],
      [2n ** 64n - 4095n, [ZX_ERR_OUT_OF_RANGE]],
      [2n ** 64n - 4096n, [ZX_ERR_NO_MEMORY]],
      [2n ** 63n, [ZX_ERR_NO_MEMORY]],
      [Number.MAX_SAFE_INTEGER, [ZX_ERR_NO_MEMORY]],
      [2 ** 32 + 1, [ZX_ERR_NO_MEMORY]],
      [2 ** 32, [ZX_OK, ZX_ERR_NO_MEMORY]],
      [2 ** 32 - 1, [ZX_OK, ZX_ERR_NO_MEMORY]],
    ];
    for (const [size, want] of cases) {
      const r = t.zx_vmo_create(size, 0);
      expect(want, `zx_vmo_create(${size})`).toContain(r.status);
      if (r.status === ZX_OK) {
        // A huge VMO is usable at both ends (only the touched pages are committed).
        expect(t.zx_vmo_write(r.out, new Uint8Array([0xaa]), 2 ** 32 - 1)).toBe(ZX_OK);
        expect(t.zx_vmo_get_size(r.out).size).toBe(2n ** 32n);
        expect(t.zx_handle_close(r.out)).toBe(ZX_OK);
      } else {
        expect(r.out).toBe(ZX_HANDLE_INVALID);
      }
    }
    expect(logged).toEqual([]);
    stillWorks(t, proc.rootVmar);
    expect(proc.listHandles()).toHaveLength(4);
    expect(kernel.liveObjects.size).toBe(4);
  });

  it("the host refusing a SharedArrayBuffer is NO_MEMORY, and the next allocation works", () => {
    const { kernel, proc, t, logged } = setup();
    const real = globalThis.SharedArrayBuffer;
    // A host with 1 MiB left for buffers.
    class Refusing extends real {
      constructor(length: number) {
        if (length > 0x100000) throw hostOutOfMemory();
        super(length);
      }
    }
    globalThis.SharedArrayBuffer = Refusing as SharedArrayBufferConstructor;
    try {
      expect(t.zx_vmo_create(0x200000, 0)).toEqual({ status: ZX_ERR_NO_MEMORY, out: ZX_HANDLE_INVALID });
      expect(t.zx_vmo_create(0x1000, 0).status).toBe(ZX_OK);
    } finally {
      globalThis.SharedArrayBuffer = real;
    }
    expect(logged).toEqual([]);
    expect(t.zx_vmo_create(0x200000, 0).status).toBe(ZX_OK);
    stillWorks(t, proc.rootVmar);
    expect(kernel.liveObjects.size).toBe(6);
  });
});

describe("the machine running out of memory", () => {
  /** src/x86's machine, with switches that make the next allocations fail. */
  function flakyMachine() {
    const fail = { memory: false, cpu: false, map: false, error: hostOutOfMemory as () => Error };
    class FlakyMemory extends PhysicalMemory {
      override map(gpa: number, len: number, backing: Uint8Array, offset: number, perms: number): void {
        // Runs out half-way: part of the range was already mapped.
        if (fail.map) {
          super.map(gpa, Math.min(len, 0x1000), backing, offset, perms);
          throw fail.error();
        }
        super.map(gpa, len, backing, offset, perms);
      }
    }
    const machine: Machine = {
      createMemory: () => {
        if (fail.memory) throw fail.error();
        return new FlakyMemory();
      },
      createCpu: (memory) => {
        if (fail.cpu) throw fail.error();
        return new Cpu(memory as PhysicalMemory);
      },
    };
    return { machine, fail };
  }

  it("zx_guest_create: NO_MEMORY when the guest-physical memory cannot be made, nothing left behind", () => {
    const { machine, fail } = flakyMachine();
    const { kernel, proc, t, logged } = setup(machine);
    fail.memory = true;
    expect(t.zx_guest_create(proc.hypervisorResource, 0)).toEqual({ status: ZX_ERR_NO_MEMORY, guest_handle: 0, vmar_handle: 0 });
    expect(kernel.liveObjects.size).toBe(4);
    fail.memory = false;
    expect(t.zx_guest_create(proc.hypervisorResource, 0).status).toBe(ZX_OK);
    expect(logged).toEqual([]);
  });

  it("zx_vcpu_create: NO_MEMORY when the CPU cannot be made; the VPID and the VCPU count are not leaked", () => {
    const { machine, fail } = flakyMachine();
    const { kernel, proc, t, logged } = setup(machine);
    const { guest_handle: guest } = t.zx_guest_create(proc.hypervisorResource, 0);
    fail.cpu = true;
    expect(t.zx_vcpu_create(guest, 0, 0x1000)).toEqual({ status: ZX_ERR_NO_MEMORY, out: 0 });
    expect(kernel.liveVcpus).toBe(0);
    expect(t.vcpu).toBeNull();
    fail.cpu = false;
    const vcpu = t.zx_vcpu_create(guest, 0, 0x1000);
    expect(vcpu.status).toBe(ZX_OK);
    // VPID 1 was given back: this VCPU is the BSP (64-bit mode at the entry, as §4.1 gives VPID 1).
    expect(t.hvplay_vcpu_read_arch_state(vcpu.out).state!.efer & 0x400n).toBe(0x400n);
    expect(logged).toEqual([]);
  });

  it("a bug in the machine (not an allocation failure) is still ZX_ERR_INTERNAL, not disguised as NO_MEMORY", () => {
    const { machine, fail } = flakyMachine();
    const { t, proc, logged } = setup(machine);
    fail.memory = true;
    fail.error = () => new TypeError("a bug");
    expect(t.zx_guest_create(proc.hypervisorResource, 0).status).toBe(ZX_ERR_INTERNAL);
    expect(logged.join("\n")).toContain("a bug");
  });

  it("zx_vmar_map into a guest: NO_MEMORY when the page map runs out half-way, and nothing stays mapped", () => {
    const { machine, fail } = flakyMachine();
    const { kernel, proc, t, logged } = setup(machine);
    const { guest_handle: guest, vmar_handle: vmar } = t.zx_guest_create(proc.hypervisorResource, 0);
    const vmo = t.zx_vmo_create(0x4000, 0).out;
    fail.map = true;
    expect(t.zx_vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0x10000, vmo, 0, 0x4000)).toEqual({ status: ZX_ERR_NO_MEMORY, mapped_addr: 0n });
    expect(t.hvplay_guest_describe(guest).mappings).toEqual([]);
    const physmem = (proc.handles.lookup(guest)!.object as unknown as { physmem: PhysicalMemory }).physmem;
    expect(physmem.permissions(0x10000)).toBe(0);
    // The VMO is held by no mapping: closing its handle destroys it.
    t.zx_handle_close(vmo);
    expect([...kernel.liveObjects].some((o) => o.constructor.name === "VmoObject")).toBe(false);
    fail.map = false;
    const again = t.zx_vmo_create(0x4000, 0).out;
    expect(t.zx_vmar_map(vmar, ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 0x10000, again, 0, 0x4000).status).toBe(ZX_OK);
    expect(physmem.permissions(0x13000)).toBe(ZX_VM_PERM_READ);
    expect(logged).toEqual([]);
  });
});

describe("a full handle table (2^20 handles)", () => {
  it("every call that makes a handle is NO_MEMORY, leaks nothing, and works again once handles close", () => {
    const { kernel, proc, t, logged } = setup();
    const { guest_handle: guest } = t.zx_guest_create(proc.hypervisorResource, 0);
    const port = t.zx_port_create(0).out;
    const filler: number[] = [];
    for (;;) {
      const r = t.zx_handle_duplicate(port, ZX_RIGHT_SAME_RIGHTS);
      if (r.status !== ZX_OK) {
        expect(r).toEqual({ status: ZX_ERR_NO_MEMORY, out: ZX_HANDLE_INVALID });
        break;
      }
      filler.push(r.out);
    }
    expect(proc.listHandles().length).toBe(2 ** 20);
    const objects = kernel.liveObjects.size;
    const noMemory = { status: ZX_ERR_NO_MEMORY, out: ZX_HANDLE_INVALID };
    expect(t.zx_vmo_create(0x1000, 0)).toEqual(noMemory);
    expect(t.zx_port_create(0)).toEqual(noMemory);
    expect(t.zx_timer_create(0, 0)).toEqual(noMemory);
    expect(t.zx_vcpu_create(guest, 0, 0)).toEqual(noMemory);
    expect(t.zx_guest_create(proc.hypervisorResource, 0)).toEqual({ status: ZX_ERR_NO_MEMORY, guest_handle: 0, vmar_handle: 0 });
    const allocated = t.zx_vmar_allocate(proc.rootVmar, ZX_VM_CAN_MAP_READ, 0, 0x10000);
    expect(allocated).toEqual({ status: ZX_ERR_NO_MEMORY, child_vmar: ZX_HANDLE_INVALID, child_addr: 0n });
    expect(kernel.liveObjects.size).toBe(objects);
    expect(kernel.liveVcpus).toBe(0);
    expect(t.vcpu).toBeNull();
    // One slot free: zx_guest_create gets its guest handle but not its VMAR handle, and undoes both.
    t.zx_handle_close(filler.pop()!);
    expect(t.zx_guest_create(proc.hypervisorResource, 0)).toEqual({ status: ZX_ERR_NO_MEMORY, guest_handle: 0, vmar_handle: 0 });
    expect(kernel.liveObjects.size).toBe(objects);
    for (const h of filler) t.zx_handle_close(h);
    // The VMAR that zx_vmar_allocate made and destroyed left its range free.
    const child = t.zx_vmar_allocate(proc.rootVmar, ZX_VM_CAN_MAP_READ, 0, 0x10000);
    expect(child.status).toBe(ZX_OK);
    expect(child.child_addr).toBe(BigInt(USER_ASPACE_BASE));
    stillWorks(t, proc.rootVmar);
    expect(logged).toEqual([]);
    for (const h of proc.listHandles()) t.zx_handle_close(h.handle);
    proc.exit();
    expect(kernel.liveObjects.size).toBe(0);
  }, 30_000);
});

describe("a host that really cannot give the memory (child process under ulimit -v)", () => {
  const linux = process.platform === "linux";
  it.runIf(linux)("4 GiB VMOs until the host says no: NO_MEMORY, no throw, and the kernel (a guest too) still works", () => {
    const dir = mkdtempSync(join(tmpdir(), "hvplay-mem-"));
    try {
      // Bundled to plain JavaScript: tsx reserves WebAssembly memory, which a capped address space refuses.
      const bundle = join(dir, "child.mjs");
      const esbuild = fileURLToPath(new URL("../../../node_modules/.bin/esbuild", import.meta.url));
      execFileSync(esbuild, [fileURLToPath(new URL("./memory-pressure-child.ts", import.meta.url)), "--bundle", "--platform=node", "--format=esm", `--outfile=${bundle}`, "--log-level=warning"]);
      // 6 GB of address space: Node itself needs about 1.5, so one or two 4 GiB VMOs fit, not more.
      const run = spawnSync("bash", ["-c", `ulimit -v 6000000 && exec "${process.execPath}" "${bundle}"`], { encoding: "utf8", timeout: 30_000 });
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as { statuses: number[]; threw: string; usable: boolean; internal: string[]; leaked: number };
      expect(result.threw).toBe("");
      expect(result.statuses.at(-1)).toBe(ZX_ERR_NO_MEMORY);
      expect(result.statuses.slice(0, -1).every((s) => s === ZX_OK)).toBe(true);
      expect(result.statuses.length).toBeLessThan(64);
      expect(result.internal).toEqual([]);
      expect(result.usable).toBe(true);
      expect(result.leaked).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
