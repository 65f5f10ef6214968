/**
 * Run by memory-pressure.test.ts in a child Node process whose address space is capped
 * (`ulimit -v`), so the host really cannot give what a VMO asks for. Prints one JSON line.
 *
 * It asks for 4 GiB VMOs until the host refuses, then checks the kernel still works: a small VMO
 * is created, mapped, written and read; a guest with a VCPU runs a program to its IO exit.
 */
import {
  createKernel,
  ZX_GUEST_TRAP_IO,
  ZX_HANDLE_INVALID,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_IO,
  ZX_VM_PERM_EXECUTE,
  ZX_VM_PERM_READ,
  ZX_VM_PERM_WRITE,
  ZX_VM_SPECIFIC,
} from "../index";

const internal: string[] = [];
const kernel = createKernel({ log: (m) => internal.push(m) });
const proc = kernel.createProcess();
const t = proc.mainThread;
const statuses: number[] = [];
let threw = "";
try {
  for (let i = 0; i < 64; i++) {
    const r = t.zx_vmo_create(2 ** 32, 0);
    statuses.push(r.status);
    if (r.status !== ZX_OK) break;
  }
} catch (e) {
  threw = String(e);
}
// Still usable: a small VMO through the root VMAR, and a guest that runs.
const vmo = t.zx_vmo_replace_as_executable(t.zx_vmo_create(0x10000, 0).out, ZX_HANDLE_INVALID).out;
const map = t.zx_vmar_map(proc.rootVmar, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 0x10000);
const table = new Uint8Array(8);
const dv = new DataView(table.buffer);
dv.setBigUint64(0, 0x1007n, true);
const w1 = t.zx_vmo_write(vmo, table, 0);
dv.setBigUint64(0, 0x87n, true);
const w2 = t.zx_vmo_write(vmo, table, 0x1000);
const w3 = t.zx_vmo_write(vmo, new Uint8Array([0xb0, 0x41, 0xe6, 0x10, 0xeb, 0xfe]), 0x2000); // mov al, 'A'; out 0x10, al
const back = new Uint8Array(6);
const read = t.zx_vmo_read(vmo, back, 0x2000);
const g = t.zx_guest_create(proc.hypervisorResource, 0);
const gmap = t.zx_vmar_map(g.vmar_handle, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE | ZX_VM_PERM_EXECUTE | ZX_VM_SPECIFIC, 0, vmo, 0, 0x10000);
const trap = t.zx_guest_set_trap(g.guest_handle, ZX_GUEST_TRAP_IO, 0x10, 1, ZX_HANDLE_INVALID, 7);
const vcpu = t.zx_vcpu_create(g.guest_handle, 0, 0x2000);
const resumed = await t.zx_vcpu_resume(vcpu.out);
const usable =
  map.status === ZX_OK && w1 === ZX_OK && w2 === ZX_OK && w3 === ZX_OK && read === ZX_OK && back[0] === 0xb0 &&
  g.status === ZX_OK && gmap.status === ZX_OK && trap === ZX_OK && vcpu.status === ZX_OK &&
  resumed.status === ZX_OK && resumed.packet.type === ZX_PKT_TYPE_GUEST_IO && resumed.packet.guest_io?.u8 === 0x41;
for (const h of proc.listHandles()) t.zx_handle_close(h.handle);
proc.exit();
console.log(JSON.stringify({ statuses, threw, usable, internal, leaked: kernel.liveObjects.size }));
