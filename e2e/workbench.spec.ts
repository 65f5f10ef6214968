/**
 * The workbench's kernel-object views in Chromium: a guest built by hand through the syscall forms
 * only (zx_guest_create with the process's hypervisor resource, a VMO with code written into it,
 * mapped RWX at guest-physical 0, an IO trap, a port and a BELL trap on it, a VCPU), checked in the handle table and
 * the address-space map; a handle duplicated and closed; the VMM's own VCPU refusing the page's
 * zx_vcpu_read_state (it belongs to another thread).
 */
import { expect, test, type Locator, type Page } from "@playwright/test";

async function openCalls(page: Page): Promise<void> {
  await page.getByRole("tab", { name: "Make a call", exact: true }).click();
}

/** Picks the form of `syscall`, lets `fill` fill it, submits, expects `status`; returns the form. */
async function call(page: Page, syscall: string, fill?: (form: Locator) => Promise<void>, status = "ZX_OK", option = syscall): Promise<Locator> {
  await page.getByLabel("System call").selectOption(option);
  const form = page.getByRole("form", { name: syscall, exact: true });
  await expect(form).toBeVisible();
  if (fill) await fill(form);
  await form.getByRole("button", { name: `Call ${syscall}` }).click();
  await expect(form.getByTestId("call-status")).toHaveText(status);
  return form;
}

async function out(form: Locator, name: string): Promise<string> {
  const text = (await form.getByTestId(`out-${name}`).textContent()) ?? "";
  expect(text).toMatch(/^0x[0-9a-f]{8}$/);
  return text;
}

test("a manual guest created through the forms", async ({ page }) => {
  // hello prints and exits: its VMM then makes no calls of its own (the monitor's device clock would
  // fill the syscall log while it waits for input), so the log shows ours.
  await page.goto("/?guest=hello.elf");
  await expect(page.getByTestId("machine-state")).toHaveText(/^exited/, { timeout: 60_000 });
  await openCalls(page);

  const guestForm = await call(page, "zx_guest_create");
  const guest = await out(guestForm, "guest_handle");
  const vmar = await out(guestForm, "vmar_handle");

  const vmoForm = await call(page, "zx_vmo_create", async (f) => {
    await f.getByLabel("size", { exact: true }).fill("4K");
  });
  const vmo = await out(vmoForm, "out");

  // mov al, 'H'; out 0xe9, al; hlt
  await call(page, "zx_vmo_write", async (f) => {
    await f.getByLabel("handle (VMO)").selectOption(vmo);
    await f.getByLabel("buffer (hex bytes)").fill("b0 48 e6 e9 f4");
    await f.getByLabel("offset").fill("0");
  });

  // A new VMO has no ZX_RIGHT_EXECUTE: mapping it executable takes the replaced handle.
  const exeForm = await call(page, "zx_vmo_replace_as_executable", async (f) => {
    await f.getByLabel("handle (VMO; consumed)").selectOption(vmo);
  });
  const vmoExe = await out(exeForm, "out");

  const mapForm = await call(page, "zx_vmar_map", async (f) => {
    await f.getByLabel(/^handle \(VMAR/).selectOption(vmar);
    for (const perm of ["ZX_VM_PERM_READ", "ZX_VM_PERM_WRITE", "ZX_VM_PERM_EXECUTE", "ZX_VM_SPECIFIC"]) await f.getByLabel(perm, { exact: true }).check();
    await f.getByLabel("vmar_offset (guest-physical address)").fill("0");
    await f.getByLabel("vmo", { exact: true }).selectOption(vmoExe);
    await f.getByLabel("vmo_offset").fill("0");
    await f.getByLabel("len", { exact: true }).fill("0x1000");
  });
  await expect(mapForm.getByTestId("out-mapped_addr")).toHaveText("0x0");

  const portForm = await call(page, "zx_port_create");
  const port = await out(portForm, "out");

  // An IO trap is synchronous (no port); a BELL trap queues its packets on our port.
  await call(page, "zx_guest_set_trap", async (f) => {
    await f.getByLabel("handle (guest)").selectOption(guest);
    await f.getByLabel("ZX_GUEST_TRAP_IO").check();
    await f.getByLabel("addr (I/O port)").fill("0xe9");
    await f.getByLabel("size", { exact: true }).fill("1");
    await f.getByLabel("port_handle").selectOption("0x00000000");
    await f.getByLabel("key", { exact: true }).fill("7");
  });
  await call(page, "zx_guest_set_trap", async (f) => {
    await f.getByLabel("ZX_GUEST_TRAP_BELL").check();
    await f.getByLabel("addr (guest-physical)").fill("0x10000");
    await f.getByLabel("size", { exact: true }).fill("4K");
    await f.getByLabel("port_handle").selectOption(port);
    await f.getByLabel("key", { exact: true }).fill("8");
  });

  const vcpuForm = await call(page, "zx_vcpu_create", async (f) => {
    await f.getByLabel("guest", { exact: true }).selectOption(guest);
    await f.getByLabel("entry (guest-physical RIP)").fill("0");
  });
  const vcpu = await out(vcpuForm, "out");

  // Our VCPU belongs to the page's thread: its state can be read here. The VMM's VCPU cannot.
  await call(page, "zx_vcpu_read_state", async (f) => {
    await f.getByLabel("handle (VCPU)").selectOption(vcpu);
  }, "ZX_OK", "zx_vcpu_read_state / write_state");
  const readForm = page.getByRole("form", { name: "zx_vcpu_read_state", exact: true });
  const vmmVcpu = await readForm.getByLabel("handle (VCPU)").locator("option").evaluateAll(
    (options, mine) => (options as HTMLOptionElement[]).map((o) => o.value).find((v) => v !== mine) ?? null, vcpu);
  expect(vmmVcpu).not.toBeNull();
  await readForm.getByLabel("handle (VCPU)").selectOption(vmmVcpu!);
  await readForm.getByRole("button", { name: "Call zx_vcpu_read_state" }).click();
  await expect(readForm.getByTestId("call-status")).toHaveText("ZX_ERR_BAD_STATE");
  await expect(readForm.getByTestId("call-outcome")).toContainText("VCPU calls are restricted to the thread that created the VCPU");

  // The handle table shows what we made, by type.
  await page.getByRole("tab", { name: "Handles", exact: true }).click();
  const table = page.getByTestId("handles");
  for (const [handle, type] of [[guest, "ZX_OBJ_TYPE_GUEST"], [vmar, "ZX_OBJ_TYPE_VMAR"], [vmoExe, "ZX_OBJ_TYPE_VMO"], [port, "ZX_OBJ_TYPE_PORT"], [vcpu, "ZX_OBJ_TYPE_VCPU"]]) {
    await expect(table.locator(`tr[data-handle="${handle}"]`)).toContainText(type);
  }
  // zx_vmo_replace_as_executable consumed the first VMO handle.
  await expect(table.locator(`tr[data-handle="${vmo}"]`)).toHaveCount(0);

  // Duplicate the port with fewer rights, then close the duplicate.
  const handlesPanel = page.getByRole("tabpanel", { name: "Handles", exact: true });
  await table.getByRole("button", { name: `Duplicate handle ${port}` }).click();
  const dupForm = page.getByRole("form", { name: `Duplicate ${port}` });
  await dupForm.getByLabel("WRITE", { exact: true }).uncheck();
  await dupForm.getByRole("button", { name: "zx_handle_duplicate" }).click();
  await expect(handlesPanel.getByTestId("call-status")).toHaveText("ZX_OK");
  const dup = (await handlesPanel.getByTestId("out-out").textContent()) ?? "";
  expect(dup).toMatch(/^0x[0-9a-f]{8}$/);
  const dupRow = table.locator(`tr[data-handle="${dup}"]`);
  await expect(dupRow).toContainText("ZX_OBJ_TYPE_PORT");
  await expect(dupRow).not.toContainText("WRITE");
  await table.getByRole("button", { name: `Close handle ${dup}` }).click();
  await page.getByRole("button", { name: `Close ${dup}`, exact: true }).click();
  await expect(handlesPanel.getByTestId("call-status")).toHaveText("ZX_OK");
  await expect(dupRow).toHaveCount(0);

  // Closing one of the VMM's own handles asks first, and says what it breaks; we cancel.
  const vmmRow = table.locator("tr", { hasText: "ZX_OBJ_TYPE_GUEST" }).filter({ hasText: "VMM" }).first();
  await vmmRow.getByRole("button", { name: /^Close handle/ }).click();
  const confirm = page.getByRole("group", { name: /^Confirm closing/ });
  await expect(confirm).toContainText("running VMM's own handles");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);

  // The address-space map of our guest shows the mapping and the trap.
  await page.getByRole("tab", { name: "Address space" }).click();
  const aspace = page.getByTestId("address-space");
  await aspace.getByRole("combobox", { name: "Guest to describe" }).selectOption(guest);
  const mappings = aspace.getByRole("table", { name: "Guest-physical mappings" });
  await expect(mappings).toContainText("4 KiB");
  await expect(mappings).toContainText("rwx");
  await expect(aspace.getByTestId("address-map")).toContainText("rwx");
  const traps = aspace.getByRole("table", { name: "Guest traps" });
  await expect(traps.locator("tr", { hasText: "0x00e9" })).toContainText("7");
  await expect(traps.locator("tr", { hasText: "0x00010000" })).toContainText("bell");
  await expect(aspace.getByTestId("address-map")).toContainText("BELL key 8");

  // Every call went through the kernel and into the syscall log.
  await page.getByRole("tab", { name: /^Syscalls/ }).click();
  await expect(page.getByTestId("syscall-log")).toContainText("zx_guest_set_trap");
  await expect(page.getByTestId("syscall-log")).toContainText("zx_handle_duplicate");
});
