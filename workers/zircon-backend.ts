/**
 * The real backend of HypervisorSession: Zircon's kernel model (src/zircon) and the VMM (src/vmm),
 * created exactly as the CLI creates them. Kept apart from hypervisor.worker.ts so that Node tests
 * can run a session against the real kernel without a Worker.
 */
import * as zircon from "../src/zircon";
import { Machine } from "../src/vmm/machine";
import type { GuestImage } from "./api";
import { buildZxNames, formatHandle, formatSyscall, type RawHandle } from "./format";
import type { MachineInstance, SessionBackend } from "./hypervisor-session";

export interface ZirconBackendOptions {
  memoryMiB?: number;
  fetchGuest(name: string): Promise<GuestImage>;
}

/** Kernel log lines kept per machine. */
const KERNEL_LOG_LINES = 32;

export function createZirconBackend(options: ZirconBackendOptions): SessionBackend {
  // Built on first use (the first handle list or log line), not while the worker starts the guest.
  let built: ReturnType<typeof buildZxNames> | null = null;
  const zxNames = () => (built ??= buildZxNames(zircon as unknown as Record<string, unknown>, zircon.statusName));
  return {
    create(sinks, onSyscall, config, preempt): MachineInstance | string {
      // The kernel's log (Zircon's dlog) goes to the worker's console, and its last lines are kept
      // to explain a VCPU that stops (workers/explain.ts).
      const kernelLog: string[] = [];
      const kernel = zircon.createKernel({
        clock: config?.clock ?? "deterministic",
        ...(preempt ? { preempt } : {}),
        log: (line) => {
          console.error(`[zircon] ${line}`);
          kernelLog.push(line);
          if (kernelLog.length > KERNEL_LOG_LINES) kernelLog.shift();
        },
      });
      const proc = kernel.createProcess();
      // Blocking calls (zx_vcpu_resume, zx_port_wait) reach the tracer once they complete, with
      // their real result (src/zircon/thread.ts sysAsync), as strace shows "<... resumed>".
      proc.setTracer(onSyscall);
      const machine = Machine.create(proc, { memoryMiB: config?.memoryMiB ?? options.memoryMiB ?? 128 }, sinks);
      if (typeof machine === "string") return machine;
      return {
        machine,
        kernelLog: () => kernelLog,
        listHandles: () => (proc.listHandles() as RawHandle[]).map((h) => formatHandle(h, zxNames())),
        syscall: (name, args) => {
          const thread = proc.mainThread as unknown as Record<string, unknown>;
          const fn = thread[name];
          return typeof fn === "function" ? (fn as (...a: unknown[]) => unknown).apply(proc.mainThread, args) : undefined;
        },
      };
    },
    formatSyscall: (raw, seq) => formatSyscall(raw, seq, zxNames()),
    statusName: (status) => zxNames().status(status),
    fetchGuest: options.fetchGuest,
  };
}
