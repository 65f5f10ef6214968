/**
 * The debugger's kernel extensions (extensions.md): hvplay_vcpu_set_breakpoints → ZX_ERR_STOP from
 * zx_vcpu_resume, `last_exit_rip`, and hvplay_guest_describe, with their handle and rights checks.
 */
import { describe, expect, it } from "vitest";
import {
  createKernel,
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_HANDLE,
  ZX_ERR_INVALID_ARGS,
  ZX_ERR_STOP,
  ZX_ERR_WRONG_TYPE,
  ZX_GUEST_TRAP_MEM,
  ZX_OK,
  ZX_PKT_TYPE_GUEST_MEM,
  ZX_RIGHT_READ,
  ZX_RIGHT_TRANSFER,
} from "./index";
import { EXIT_TEST_ADDR, GUEST_ENTRY, guestCode, setupGuest } from "./conformance/harness";

function guest(body: string) {
  const kernel = createKernel();
  const proc = kernel.createProcess();
  const t = proc.mainThread;
  return { t, g: setupGuest(t, proc, guestCode(body), kernel) };
}

describe("hvplay_vcpu_set_breakpoints", () => {
  it("makes zx_vcpu_resume return ZX_ERR_STOP before the instruction; resuming executes it", async () => {
    const { t, g } = guest(`nop\nnop\nmov byte [${EXIT_TEST_ADDR}], 1`);
    expect(t.hvplay_vcpu_set_breakpoints(g.vcpu, [BigInt(GUEST_ENTRY + 1)])).toBe(ZX_OK);
    expect((await t.zx_vcpu_resume(g.vcpu)).status).toBe(ZX_ERR_STOP);
    const at = t.hvplay_vcpu_read_arch_state(g.vcpu) as { state: { rip: bigint; last_exit_rip: bigint | null } };
    expect(at.state.rip).toBe(BigInt(GUEST_ENTRY + 1));
    expect(at.state.last_exit_rip).toBe(BigInt(GUEST_ENTRY + 1));
    const exit = await t.zx_vcpu_resume(g.vcpu);
    expect(exit.status).toBe(ZX_OK);
    expect(exit.packet.type).toBe(ZX_PKT_TYPE_GUEST_MEM);
    const after = t.hvplay_vcpu_read_arch_state(g.vcpu) as { state: { last_exit_rip: bigint | null } };
    expect(after.state.last_exit_rip).toBe(BigInt(GUEST_ENTRY + 2));
  });

  it("checks the handle, the WRITE right and the list", () => {
    const { t, g } = guest("hlt");
    expect(t.hvplay_vcpu_set_breakpoints(0x7777, [])).toBe(ZX_ERR_BAD_HANDLE);
    expect(t.hvplay_vcpu_set_breakpoints(g.guest, [])).toBe(ZX_ERR_WRONG_TYPE);
    const readOnly = t.zx_handle_duplicate(g.vcpu, ZX_RIGHT_READ).out;
    expect(t.hvplay_vcpu_set_breakpoints(readOnly, [])).toBe(ZX_ERR_ACCESS_DENIED);
    expect(t.hvplay_vcpu_set_breakpoints(g.vcpu, [-1n as unknown as bigint])).toBe(ZX_ERR_INVALID_ARGS);
    expect(t.hvplay_vcpu_set_breakpoints(g.vcpu, "x" as unknown as bigint[])).toBe(ZX_ERR_INVALID_ARGS);
  });
});

describe("hvplay_guest_describe", () => {
  it("lists the guest's mappings and traps; needs a guest handle with INSPECT", () => {
    const { t, g } = guest("hlt");
    const d = t.hvplay_guest_describe(g.guest);
    expect(d.status).toBe(ZX_OK);
    expect(d.mappings).toEqual([expect.objectContaining({ addr: 0, vmo_offset: 0, perms: 7 })]);
    expect(d.traps).toEqual([{ kind: ZX_GUEST_TRAP_MEM, addr: EXIT_TEST_ADDR, len: 4096, key: 0n, port_koid: null }]);
    expect(t.hvplay_guest_describe(g.vcpu).status).toBe(ZX_ERR_WRONG_TYPE);
    const noInspect = t.zx_handle_duplicate(g.guest, ZX_RIGHT_TRANSFER).out;
    expect(t.hvplay_guest_describe(noInspect).status).toBe(ZX_ERR_ACCESS_DENIED);
  });
});
