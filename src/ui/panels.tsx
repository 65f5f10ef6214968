/**
 * The panels that wait for the guest's first console output (layout/Deferred.tsx): the code area's
 * disassembly, registers and memory, the events and the kernel objects. They live in a chunk of
 * their own, loaded when they are released, so that the page's first render (toolbar and console)
 * neither downloads, parses nor evaluates them: on a small machine that was a good part of the time
 * to the default guest's first byte.
 */
export { DisassemblyPanel } from "./debugger/DisassemblyPanel";
export { MemoryPanel } from "./debugger/MemoryPanel";
export { RegistersPanel } from "./debugger/RegistersPanel";
export { AddressSpaceMap } from "./kernel/AddressSpacePanel";
export { ExitTimeline } from "./kernel/ExitTimeline";
export { HandleTable } from "./kernel/HandlesPanel";
export { SyscallForms } from "./kernel/SyscallForms";
export { SyscallLog } from "./kernel/SyscallLog";
