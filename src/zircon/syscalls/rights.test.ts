/**
 * For each syscall that checks a right: a handle of the right type without that right →
 * ACCESS_DENIED, and a handle of the wrong type that has the right → WRONG_TYPE (handle lookup order
 * BAD_HANDLE → WRONG_TYPE → ACCESS_DENIED; STYLE.md §C). Plus the binding's "nothing throws" rule.
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  ZX_DEFAULT_GUEST_RIGHTS,
  ZX_DEFAULT_PORT_RIGHTS,
  ZX_DEFAULT_VCPU_RIGHTS,
  ZX_DEFAULT_VMO_RIGHTS,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_BAD_STATE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_WRONG_TYPE,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_MEM,
  ZX_HANDLE_INVALID,
  ZX_INFO_HANDLE_BASIC,
  ZX_INFO_VCPU,
  ZX_INFO_VMAR,
  ZX_OK,
  ZX_RIGHT_DUPLICATE,
  ZX_RIGHT_EXECUTE,
  ZX_RIGHT_INSPECT,
  ZX_RIGHT_MANAGE_PROCESS,
  ZX_RIGHT_MAP,
  ZX_RIGHT_READ,
  ZX_RIGHT_SAME_RIGHTS,
  ZX_RIGHT_SIGNAL,
  ZX_RIGHT_WRITE,
  ZX_VCPU_STATE,
  ZX_VM_PERM_READ,
  decodeInfoHandleBasic,
  rightsNames,
  statusName,
} from "../index";

function world() {
  const kernel = createKernel({ log: () => {} });
  const proc = kernel.createProcess();
  const t = proc.mainThread;
  const { guest_handle: guest, vmar_handle: vmar } = t.zx_guest_create(proc.hypervisorResource, 0);
  const vcpu = t.zx_vcpu_create(guest, 0, 0).out;
  const port = t.zx_port_create(0).out;
  const vmo = t.zx_vmo_replace_as_executable(t.zx_vmo_create(4096, 0).out, ZX_HANDLE_INVALID).out; // has every VMO right + EXECUTE
  const without = (h: number, right: number) => {
    const info = new Uint8Array(32);
    t.zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, info);
    const r = t.zx_handle_duplicate(h, decodeInfoHandleBasic(info).rights & ~right);
    expect(r.status).toBe(ZX_OK);
    return r.out;
  };
  return { kernel, proc, t, guest, vmar, vcpu, port, vmo, without };
}

describe("rights and types per syscall", () => {
  const w = world();
  const { t } = w;
  const cases: Array<[string, (h: number) => number | { status: number }, number, number, number]> = [
    // [name, call, right-typed handle, right, wrong-typed handle that has the right]
    ["zx_guest_set_trap (guest)", (h) => t.zx_guest_set_trap(h, ZX_GUEST_TRAP_MEM, 0x10000, 0x1000, ZX_HANDLE_INVALID, 0), w.guest, ZX_RIGHT_WRITE, w.port],
    ["zx_guest_set_trap (port)", (h) => t.zx_guest_set_trap(w.guest, ZX_GUEST_TRAP_BELL, 0x20000, 0x1000, h, 0), w.port, ZX_RIGHT_WRITE, w.vmo],
    ["zx_vcpu_create", (h) => t.zx_vcpu_create(h, 0, 0), w.guest, ZX_RIGHT_MANAGE_PROCESS, w.vmo],
    ["zx_vcpu_kick", (h) => t.zx_vcpu_kick(h), w.vcpu, ZX_RIGHT_EXECUTE, w.vmo],
    ["zx_vcpu_interrupt", (h) => t.zx_vcpu_interrupt(h, 32), w.vcpu, ZX_RIGHT_SIGNAL, w.vmo],
    ["zx_vcpu_read_state", (h) => t.zx_vcpu_read_state(h, ZX_VCPU_STATE, new Uint8Array(136)), w.vcpu, ZX_RIGHT_READ, w.vmo],
    ["zx_vcpu_write_state", (h) => t.zx_vcpu_write_state(h, ZX_VCPU_STATE, new Uint8Array(136)), w.vcpu, ZX_RIGHT_WRITE, w.vmo],
    ["zx_vmo_read", (h) => t.zx_vmo_read(h, new Uint8Array(4), 0), w.vmo, ZX_RIGHT_READ, w.port],
    ["zx_vmo_write", (h) => t.zx_vmo_write(h, new Uint8Array(4), 0), w.vmo, ZX_RIGHT_WRITE, w.port],
    ["zx_port_queue", (h) => t.zx_port_queue(h, { key: 1 }), w.port, ZX_RIGHT_WRITE, w.vmo],
    ["zx_vmo_set_cache_policy", (h) => t.zx_vmo_set_cache_policy(h, 1), w.vmo, ZX_RIGHT_MAP, w.port],
    ["zx_object_get_info (VMAR)", (h) => t.zx_object_get_info(h, ZX_INFO_VMAR, new Uint8Array(16)), w.vmar, ZX_RIGHT_INSPECT, w.vmo],
    ["zx_object_get_info (VCPU)", (h) => t.zx_object_get_info(h, ZX_INFO_VCPU, new Uint8Array(4)), w.vcpu, ZX_RIGHT_INSPECT, w.vmo],
  ];
  const st = (r: number | { status: number }) => statusName(typeof r === "number" ? r : r.status);
  for (const [name, call, handle, right, wrongType] of cases) {
    it(`${name}: needs ${rightsNames(right).join("|")}`, () => {
      expect(st(call(w.without(handle, right)))).toBe(statusName(ZX_ERR_ACCESS_DENIED));
      expect(st(call(wrongType))).toBe(statusName(ZX_ERR_WRONG_TYPE));
      expect(st(call(0x7ffffff3))).toBe(statusName(ZX_ERR_BAD_HANDLE));
    });
  }
  it("zx_vcpu_resume needs EXECUTE; zx_port_wait needs READ", async () => {
    expect((await t.zx_vcpu_resume(w.without(w.vcpu, ZX_RIGHT_EXECUTE))).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect((await t.zx_vcpu_resume(w.vmo)).status).toBe(ZX_ERR_WRONG_TYPE);
    expect((await t.zx_port_wait(w.without(w.port, ZX_RIGHT_READ), 0)).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect((await t.zx_port_wait(w.vmo, 0)).status).toBe(ZX_ERR_WRONG_TYPE);
  });
  it("zx_guest_create: another resource kind → ACCESS_DENIED, a non-resource → WRONG_TYPE, options ≠ 0 first", () => {
    expect(t.zx_guest_create(w.proc.otherResource, 0).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_guest_create(w.port, 0).status).toBe(ZX_ERR_WRONG_TYPE);
    expect(t.zx_guest_create(w.port, 1).status).toBe(ZX_ERR_INVALID_ARGS);
  });
  it("zx_vmo_set_cache_policy: a known policy, and only while the VMO is not mapped", () => {
    const vmo = t.zx_vmo_create(4096, 0).out;
    expect(t.zx_vmo_set_cache_policy(vmo, 4)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_vmo_set_cache_policy(vmo, 3)).toBe(ZX_OK);
    const { status, mapped_addr } = t.zx_vmar_map(w.proc.rootVmar, ZX_VM_PERM_READ, 0, vmo, 0, 4096);
    expect(status).toBe(ZX_OK);
    expect(t.zx_vmo_set_cache_policy(vmo, 0)).toBe(ZX_ERR_BAD_STATE);
    expect(t.zx_vmar_unmap(w.proc.rootVmar, mapped_addr, 4096)).toBe(ZX_OK);
    expect(t.zx_vmo_set_cache_policy(vmo, 0)).toBe(ZX_OK);
  });
  it("zx_handle_duplicate needs DUPLICATE and a subset of rights", () => {
    expect(t.zx_handle_duplicate(w.without(w.port, ZX_RIGHT_DUPLICATE), ZX_RIGHT_SAME_RIGHTS).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_handle_duplicate(w.without(w.port, ZX_RIGHT_WRITE), ZX_DEFAULT_PORT_RIGHTS).status).toBe(ZX_ERR_INVALID_ARGS);
  });
  it("zx_vmar_map needs MAP on the VMO and each permission on both handles", () => {
    const vmo = w.without(w.vmo, ZX_RIGHT_MAP);
    expect(t.zx_vmar_map(w.vmar, ZX_VM_PERM_READ, 0, vmo, 0, 4096).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_vmar_map(w.vmar, ZX_VM_PERM_READ, 0, w.without(w.vmo, ZX_RIGHT_READ), 0, 4096).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_vmar_map(w.without(w.vmar, ZX_RIGHT_READ), ZX_VM_PERM_READ, 0, w.vmo, 0, 4096).status).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.zx_vmar_map(w.port, ZX_VM_PERM_READ, 0, w.vmo, 0, 4096).status).toBe(ZX_ERR_WRONG_TYPE);
  });
  it("default rights are Zircon's E2 values", () => {
    const rightsOf = (h: number) => {
      const b = new Uint8Array(32);
      expect(t.zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, b)).toEqual({ status: ZX_OK, actual: 1, avail: 1 });
      return decodeInfoHandleBasic(b);
    };
    expect(rightsOf(w.guest)).toMatchObject({ rights: ZX_DEFAULT_GUEST_RIGHTS, type: 20 });
    expect(rightsOf(w.vmar)).toMatchObject({ rights: 0x801f, type: 18 });
    expect(rightsOf(w.vcpu)).toMatchObject({ rights: ZX_DEFAULT_VCPU_RIGHTS, type: 21 });
    expect(rightsOf(w.port).rights).toBe(ZX_DEFAULT_PORT_RIGHTS);
    expect(rightsOf(t.zx_vmo_create(1, 0).out).rights).toBe(ZX_DEFAULT_VMO_RIGHTS);
    expect(rightsOf(w.vmo).rights).toBe(ZX_DEFAULT_VMO_RIGHTS | ZX_RIGHT_EXECUTE);
    expect(rightsOf(w.vcpu).related_koid).toBe(rightsOf(w.guest).koid);
  });
});

describe("the binding never throws", () => {
  it("turns wrong argument types into statuses", async () => {
    const { t, guest, vcpu } = world();
    const bad = "nonsense" as unknown as number;
    expect(t.zx_handle_close(bad)).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_guest_create(bad, 0).status).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.zx_guest_set_trap(guest, bad, 0, 4096, 0, 0)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_vmo_create(-1, 0).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_vcpu_read_state(vcpu, 0, bad as unknown as Uint8Array)).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_vcpu_interrupt(vcpu, 256)).toBe(-14);
    expect(t.zx_port_queue(t.zx_port_create(0).out, bad as unknown as object)).toBe(ZX_ERR_INVALID_ARGS);
    expect((await t.zx_port_wait(t.zx_port_create(0).out, bad)).status).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.zx_handle_close(ZX_HANDLE_INVALID)).toBe(ZX_OK);
  });
  it("reports every syscall to the tracer", () => {
    const { proc, t } = world();
    const seen: string[] = [];
    proc.setTracer((e) => seen.push(`${e.name}=${JSON.stringify(e.result, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`));
    t.zx_port_create(0);
    t.zx_handle_close(3);
    proc.setTracer(null);
    t.zx_port_create(0);
    expect(seen.length).toBe(2);
    expect(seen[1]).toBe("zx_handle_close=-11");
  });
});
