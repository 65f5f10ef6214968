/**
 * src/zircon: the kernel model. The syscall binding is documented at the top of thread.ts;
 * playground extensions in extensions.md.
 */
export * from "./status";
export * from "./rights";
export * from "./constants";
export * from "./abi";
export { createKernel, Kernel, Process, USER_ASPACE_BASE, USER_ASPACE_SIZE } from "./kernel";
export type { KernelOptions, HandleListing } from "./kernel";
export { Thread } from "./thread";
export type { SyscallTrace } from "./thread";
export type { ResumeNowaitResult, ResumeResult } from "./objects/vcpu";
export type { PortWaitResult } from "./objects/port";
export type { Machine } from "./kernel-object";
export type { Clock, ClockMode } from "./clock";
export type { hvplay_arch_state_t, hvplay_arch_state_input, hvplay_segment_t, hvplay_dtable_t, hvplay_mapping_t, hvplay_trap_t, hvplay_guest_description_t } from "./syscalls/extensions";
