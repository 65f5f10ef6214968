/**
 * Guests (`object/guest_dispatcher.cc`, `arch/x86/hypervisor/guest.cc`): a guest-physical address
 * space (a VMAR of 2^48 bytes at 0 whose mappings feed the CPU's GuestPhysicalMemory), the trap map,
 * and the VPID allocator of its VCPUs.
 *
 * Lifetime: a guest is destroyed when its last handle is closed and its last VCPU is gone (VCPUs
 * hold a reference, as in Zircon). Destruction cancels the BELL packets its traps still have queued
 * on ports (fxbug 33986 / 34001); user packets with the same key stay. It also destroys the
 * guest-physical address space, as ~GuestPhysicalAddressSpace does (guest_aspace_->Destroy()):
 * every mapping goes, so VMOs only the guest mapped are freed, and the guest's VMAR handle, if still
 * open, answers ZX_ERR_BAD_STATE (the VMAR handle does not keep the guest alive). The BELL traps'
 * references to their ports go with the guest.
 */
import type { GuestPhysicalMemory } from "../../x86";
import {
  GUEST_PHYSICAL_ASPACE_SIZE,
  PAGE_SIZE,
  ZX_GUEST_TRAP_BELL,
  ZX_GUEST_TRAP_IO,
  ZX_GUEST_TRAP_MEM,
  ZX_OBJ_TYPE_GUEST,
  ZX_VM_CAN_MAP_EXECUTE,
  ZX_VM_CAN_MAP_READ,
  ZX_VM_CAN_MAP_SPECIFIC,
  ZX_VM_CAN_MAP_WRITE,
} from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import { ZX_ERR_INVALID_ARGS, ZX_OK } from "../status";
import { TrapMap } from "../trap-map";
import type { PortObject } from "./port";
import { VmarObject } from "./vmar";
import type { VcpuObject } from "./vcpu";

/** VPIDs come from [1, 64) (IdAllocator<uint16_t, 64>); the lowest free one is handed out. */
export const MAX_GUEST_VCPUS = 64;

export class GuestObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_GUEST;
  readonly physmem: GuestPhysicalMemory;
  readonly vmar: VmarObject;
  readonly traps = new TrapMap();
  readonly vcpus = new Set<VcpuObject>();
  private readonly vpidsInUse = new Set<number>();
  destroyed = false;

  /** `physmem`: from kernel.machine.createMemory(), made by the caller so an allocation failure creates no object. */
  constructor(kernel: KernelContext, physmem: GuestPhysicalMemory) {
    super(kernel);
    this.physmem = physmem;
    const flags = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;
    this.vmar = new VmarObject(kernel, 0, GUEST_PHYSICAL_ASPACE_SIZE, flags, null, { physmem: this.physmem });
  }

  /** Guest::SetTrap (E2/E3 x86), after the syscall resolved `port` (null for ZX_HANDLE_INVALID). */
  setTrap(kind: number, addr: bigint, size: bigint, port: PortObject | null, key: bigint): number {
    switch (kind) {
      case ZX_GUEST_TRAP_MEM:
        if (port) return ZX_ERR_INVALID_ARGS;
        break;
      case ZX_GUEST_TRAP_BELL:
        if (!port) return ZX_ERR_INVALID_ARGS;
        break;
      case ZX_GUEST_TRAP_IO:
        if (port) return ZX_ERR_INVALID_ARGS;
        return this.traps.insert(kind, addr, size, null, key);
      default:
        return ZX_ERR_INVALID_ARGS;
    }
    // Memory traps fire on EPT violations, so the range is unmapped first (partial unmaps allowed).
    const page = BigInt(PAGE_SIZE);
    if (addr % page !== 0n || size % page !== 0n) return ZX_ERR_INVALID_ARGS;
    if (addr + size > BigInt(GUEST_PHYSICAL_ASPACE_SIZE)) return ZX_ERR_INVALID_ARGS;
    const status = this.vmar.unmap(Number(addr), Number(size), true);
    if (status !== ZX_OK) return status;
    const inserted = this.traps.insert(kind, addr, size, port, key);
    if (inserted === ZX_OK) port?.retainForTrap();
    return inserted;
  }

  allocVpid(): number | undefined {
    for (let v = 1; v < MAX_GUEST_VCPUS; v++) {
      if (!this.vpidsInUse.has(v)) {
        this.vpidsInUse.add(v);
        return v;
      }
    }
    return undefined;
  }

  /** Give back a VPID from allocVpid (a VCPU that was never made, or one destroyed). */
  freeVpid(vpid: number): void {
    this.vpidsInUse.delete(vpid);
  }

  /** A VCPU was destroyed: free its VPID and maybe the guest. */
  removeVcpu(vcpu: VcpuObject): void {
    this.vcpus.delete(vcpu);
    this.freeVpid(vcpu.vpid);
    this.maybeDestroy();
  }

  override onZeroHandles(): void {
    this.maybeDestroy();
  }

  private maybeDestroy(): void {
    if (this.destroyed || this.handleCount > 0 || this.vcpus.size > 0) return;
    this.destroyed = true;
    for (const trap of this.traps.all()) trap.port?.cancel(trap);
    this.vmar.destroy();
    this.markDead();
    for (const trap of this.traps.all()) trap.port?.releaseForTrap();
  }
}
