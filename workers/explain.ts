/**
 * Why the VCPU stopped, in words a student can follow: the page shows this under the machine's
 * error (the status alone, "zx_vcpu_resume: ZX_ERR_NOT_SUPPORTED", says what Zircon returned, not
 * what the guest did).
 *
 * The VMM sees only what Zircon gives it: the status zx_vcpu_resume returned. Zircon's kernel says
 * more in its log (a triple fault, an unhandled EPT violation with its address); the worker keeps
 * the kernel's last lines and passes them here, as one would read `dlog` next to a VMM's error.
 */
import {
  ZX_ERR_ACCESS_DENIED,
  ZX_ERR_BAD_STATE,
  ZX_ERR_INTERNAL,
  ZX_ERR_NOT_FOUND,
  ZX_ERR_NOT_SUPPORTED,
  ZX_ERR_OUT_OF_RANGE,
} from "../src/zircon";

/** The newest kernel log line that matches `pattern`, if any. */
function lastMatch(log: readonly string[], pattern: RegExp): RegExpExecArray | null {
  for (let i = log.length - 1; i >= 0; i--) {
    const m = pattern.exec(log[i]);
    if (m) return m;
  }
  return null;
}

const AFTER = " Inspect the registers and the code at RIP, then press Reset to boot again.";

/**
 * An explanation of a VCPU that stopped with `status` from zx_vcpu_resume, or null when there is
 * nothing to add to the status. `kernelLog` holds the kernel's recent log lines, oldest first.
 */
export function explainVcpuStop(status: number | null, kernelLog: readonly string[]): string | null {
  switch (status) {
    case ZX_ERR_NOT_SUPPORTED: {
      const triple = lastMatch(kernelLog, /triple fault at rip (0x[0-9a-f]+)/);
      if (triple) {
        return (
          `The guest triple-faulted at RIP ${triple[1]}: an exception came while the CPU was delivering ` +
          "a double fault (which itself came while delivering another exception). The usual causes are " +
          "an IDT (or real-mode IVT) with no valid entry for the vector, or a stack the CPU cannot push " +
          "to. Real hardware shuts down and a PC resets; under Zircon the exit has no handler, so " +
          "zx_vcpu_resume returns ZX_ERR_NOT_SUPPORTED and the VMM stops." + AFTER
        );
      }
      const what = lastMatch(kernelLog, /unhandled (.*)$/);
      return (
        (what ? `Zircon has no handler for this VM exit (${what[1]}). ` : "Zircon has no handler for this VM exit. ") +
        "It returns ZX_ERR_NOT_SUPPORTED from zx_vcpu_resume for exits it does not emulate: string or " +
        "REP port I/O (INS, OUTS), a read from a BELL trap, VMX instructions, INVD, a control register " +
        "it does not virtualise, an APIC command it does not implement." + AFTER
      );
    }
    case ZX_ERR_NOT_FOUND: {
      const ept = lastMatch(kernelLog, /EPT violation at guest-physical (0x[0-9a-f]+)/);
      const where = ept ? ` at guest-physical ${ept[1]}` : "";
      return (
        `The guest touched memory${where} that nothing backs: no VMO is mapped there and no trap covers ` +
        "it (or it used an I/O port no trap covers). Zircon cannot resolve such an EPT violation and " +
        "zx_vcpu_resume returns ZX_ERR_NOT_FOUND. The Address space panel shows what is mapped." + AFTER
      );
    }
    case ZX_ERR_OUT_OF_RANGE:
      return (
        "The guest touched a guest-physical address beyond the guest's address space, so " +
        "zx_vcpu_resume returns ZX_ERR_OUT_OF_RANGE." + AFTER
      );
    case ZX_ERR_ACCESS_DENIED:
      return (
        "The guest accessed a mapping in a way its rights do not allow (a write to a read-only " +
        "mapping, or code fetched from one that is not executable), so zx_vcpu_resume returns " +
        "ZX_ERR_ACCESS_DENIED. The Address space panel shows each mapping's rights." + AFTER
      );
    case ZX_ERR_INTERNAL:
      return (
        "An instruction that exits to the hypervisor could not be decoded for its trap (longer than " +
        "15 bytes), so zx_vcpu_resume returns ZX_ERR_INTERNAL." + AFTER
      );
    case ZX_ERR_BAD_STATE:
      return "The VCPU could not be resumed in its current state (ZX_ERR_BAD_STATE). Press Reset to boot again.";
    default:
      return null;
  }
}
