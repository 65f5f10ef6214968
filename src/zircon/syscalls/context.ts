/** What a syscall implementation sees of the calling thread and its process. */
import type { HandleTable } from "../handle-table";
import type { KernelContext } from "../kernel-object";
import type { VcpuObject, VcpuOwner } from "../objects/vcpu";

export interface SyscallContext extends VcpuOwner {
  readonly kernel: KernelContext;
  readonly handles: HandleTable;
  vcpu: VcpuObject | null;
}
