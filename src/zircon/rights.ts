/**
 * Handle rights, with Zircon's names and values (`zircon/rights.h`; zx_rights_t is uint32).
 * Default rights per object type are those of the E2 era (zircon-hypervisor.md §2.2).
 */

export const ZX_RIGHT_NONE = 0;
export const ZX_RIGHT_DUPLICATE = 1 << 0;
export const ZX_RIGHT_TRANSFER = 1 << 1;
export const ZX_RIGHT_READ = 1 << 2;
export const ZX_RIGHT_WRITE = 1 << 3;
export const ZX_RIGHT_EXECUTE = 1 << 4;
export const ZX_RIGHT_MAP = 1 << 5;
export const ZX_RIGHT_GET_PROPERTY = 1 << 6;
export const ZX_RIGHT_SET_PROPERTY = 1 << 7;
export const ZX_RIGHT_ENUMERATE = 1 << 8;
export const ZX_RIGHT_DESTROY = 1 << 9;
export const ZX_RIGHT_SET_POLICY = 1 << 10;
export const ZX_RIGHT_GET_POLICY = 1 << 11;
export const ZX_RIGHT_SIGNAL = 1 << 12;
export const ZX_RIGHT_SIGNAL_PEER = 1 << 13;
export const ZX_RIGHT_WAIT = 1 << 14;
export const ZX_RIGHT_INSPECT = 1 << 15;
export const ZX_RIGHT_MANAGE_JOB = 1 << 16;
export const ZX_RIGHT_MANAGE_PROCESS = 1 << 17;
export const ZX_RIGHT_MANAGE_THREAD = 1 << 18;
export const ZX_RIGHT_APPLY_PROFILE = 1 << 19;
export const ZX_RIGHT_SAME_RIGHTS = 0x80000000;

export const ZX_RIGHTS_BASIC = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT;
export const ZX_RIGHTS_IO = ZX_RIGHT_READ | ZX_RIGHT_WRITE;
export const ZX_RIGHTS_PROPERTY = ZX_RIGHT_GET_PROPERTY | ZX_RIGHT_SET_PROPERTY;
export const ZX_RIGHTS_POLICY = ZX_RIGHT_GET_POLICY | ZX_RIGHT_SET_POLICY;

/** E2 / early E3: vcpu_create needs MANAGE_PROCESS (0x2800B). */
export const ZX_DEFAULT_GUEST_RIGHTS =
  ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT | ZX_RIGHT_MANAGE_PROCESS;
/** 0xD01F: READ/WRITE = state, EXECUTE = resume + kick, SIGNAL = interrupt. */
export const ZX_DEFAULT_VCPU_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHT_EXECUTE | ZX_RIGHT_SIGNAL;
/** 0xD0EF: no EXECUTE (zx_vmo_replace_as_executable adds it). */
export const ZX_DEFAULT_VMO_RIGHTS =
  ZX_RIGHTS_BASIC | ZX_RIGHTS_IO | ZX_RIGHTS_PROPERTY | ZX_RIGHT_MAP | ZX_RIGHT_SIGNAL;
/** 0x8003 (the E2 value, before OP_CHILDREN existed). */
export const ZX_DEFAULT_VMAR_RIGHTS = ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT;
/** 0x800F: ports are not waitable. */
export const ZX_DEFAULT_PORT_RIGHTS = (ZX_RIGHTS_BASIC & ~ZX_RIGHT_WAIT) | ZX_RIGHTS_IO;
/** 0xD00B: WRITE = set and cancel, WAIT = zx_object_wait_async, SIGNAL = user signals. */
export const ZX_DEFAULT_TIMER_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHT_WRITE | ZX_RIGHT_SIGNAL;
/** 0x800B. */
export const ZX_DEFAULT_RESOURCE_RIGHTS = ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE | ZX_RIGHT_INSPECT;

const RIGHT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [ZX_RIGHT_DUPLICATE, "DUPLICATE"],
  [ZX_RIGHT_TRANSFER, "TRANSFER"],
  [ZX_RIGHT_READ, "READ"],
  [ZX_RIGHT_WRITE, "WRITE"],
  [ZX_RIGHT_EXECUTE, "EXECUTE"],
  [ZX_RIGHT_MAP, "MAP"],
  [ZX_RIGHT_GET_PROPERTY, "GET_PROPERTY"],
  [ZX_RIGHT_SET_PROPERTY, "SET_PROPERTY"],
  [ZX_RIGHT_ENUMERATE, "ENUMERATE"],
  [ZX_RIGHT_DESTROY, "DESTROY"],
  [ZX_RIGHT_SET_POLICY, "SET_POLICY"],
  [ZX_RIGHT_GET_POLICY, "GET_POLICY"],
  [ZX_RIGHT_SIGNAL, "SIGNAL"],
  [ZX_RIGHT_SIGNAL_PEER, "SIGNAL_PEER"],
  [ZX_RIGHT_WAIT, "WAIT"],
  [ZX_RIGHT_INSPECT, "INSPECT"],
  [ZX_RIGHT_MANAGE_JOB, "MANAGE_JOB"],
  [ZX_RIGHT_MANAGE_PROCESS, "MANAGE_PROCESS"],
  [ZX_RIGHT_MANAGE_THREAD, "MANAGE_THREAD"],
  [ZX_RIGHT_APPLY_PROFILE, "APPLY_PROFILE"],
  [ZX_RIGHT_SAME_RIGHTS, "SAME_RIGHTS"],
];

/**
 * The names of the rights in `rights`, without the ZX_RIGHT_ prefix, low bit first
 * (e.g. 0x800B → ["DUPLICATE", "TRANSFER", "WRITE", "INSPECT"]). Unknown bits appear as hex.
 */
export function rightsNames(rights: number): string[] {
  const names: string[] = [];
  let rest = rights >>> 0;
  for (const [bit, name] of RIGHT_NAMES) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names;
}
