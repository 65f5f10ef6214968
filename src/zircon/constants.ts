/**
 * Zircon constants other than statuses and rights, with Zircon's names and values
 * (`zircon/types.h`, `syscalls/hypervisor.h`, `syscalls/port.h`, `syscalls/resource.h`,
 * `syscalls/object.h`; E2 numbering, see zircon-hypervisor.md §2).
 */

// --- Handles, koids, time (§2.8) ---
export const ZX_HANDLE_INVALID = 0;
/** Every valid handle value has both low bits set. */
export const ZX_HANDLE_FIXED_BITS_MASK = 0x3;
export const ZX_KOID_INVALID = 0n;
export const ZX_KOID_KERNEL = 1n;
export const ZX_KOID_FIRST = 1024n;
export const ZX_TIME_INFINITE = 0x7fffffffffffffffn;
export const ZX_TIME_INFINITE_PAST = -0x8000000000000000n;

// --- Clocks and timers (`zircon/types.h`) ---
/** zx_clock_t: the only clock zx_timer_create accepts. */
export const ZX_CLOCK_MONOTONIC = 0;
export const ZX_CLOCK_UTC = 1;
export const ZX_CLOCK_THREAD = 2;
/** zx_timer_create options: how the kernel may coalesce the deadline with other timers. */
export const ZX_TIMER_SLACK_CENTER = 0;
export const ZX_TIMER_SLACK_EARLY = 1;
export const ZX_TIMER_SLACK_LATE = 2;

// --- Signals (`zircon/types.h`, 2019–2020): zx_signals_t is uint32 ---
export const ZX_SIGNAL_NONE = 0;
/** Bits 24..31: set and cleared by user space with zx_object_signal. */
export const ZX_USER_SIGNAL_ALL = 0xff000000;
export const ZX_USER_SIGNAL_0 = 1 << 24;
export const ZX_USER_SIGNAL_1 = 1 << 25;
export const ZX_USER_SIGNAL_2 = 1 << 26;
export const ZX_USER_SIGNAL_3 = 1 << 27;
export const ZX_USER_SIGNAL_4 = 1 << 28;
export const ZX_USER_SIGNAL_5 = 1 << 29;
export const ZX_USER_SIGNAL_6 = 1 << 30;
/** 0x80000000 (a positive number here, as zx_signals_t is unsigned). */
export const ZX_USER_SIGNAL_7 = 0x80000000;
/** __ZX_OBJECT_HANDLE_CLOSED: reported by the synchronous waits when the handle closes under them. */
export const ZX_SIGNAL_HANDLE_CLOSED = 1 << 23;
/** __ZX_OBJECT_SIGNALED (bit 3) as a timer names it: asserted when the deadline passes. */
export const ZX_TIMER_SIGNALED = 1 << 3;
/** __ZX_OBJECT_SIGNALED as a VMO names it: asserted while the VMO has no children (always, here). */
export const ZX_VMO_ZERO_CHILDREN = 1 << 3;

// --- Object types (§2.6) ---
export const ZX_OBJ_TYPE_NONE = 0;
export const ZX_OBJ_TYPE_PROCESS = 1;
export const ZX_OBJ_TYPE_THREAD = 2;
export const ZX_OBJ_TYPE_VMO = 3;
export const ZX_OBJ_TYPE_CHANNEL = 4;
export const ZX_OBJ_TYPE_EVENT = 5;
export const ZX_OBJ_TYPE_PORT = 6;
export const ZX_OBJ_TYPE_INTERRUPT = 9;
export const ZX_OBJ_TYPE_PCI_DEVICE = 11;
export const ZX_OBJ_TYPE_LOG = 12;
export const ZX_OBJ_TYPE_SOCKET = 14;
export const ZX_OBJ_TYPE_RESOURCE = 15;
export const ZX_OBJ_TYPE_EVENTPAIR = 16;
export const ZX_OBJ_TYPE_JOB = 17;
export const ZX_OBJ_TYPE_VMAR = 18;
export const ZX_OBJ_TYPE_FIFO = 19;
export const ZX_OBJ_TYPE_GUEST = 20;
export const ZX_OBJ_TYPE_VCPU = 21;
export const ZX_OBJ_TYPE_TIMER = 22;
export const ZX_OBJ_TYPE_IOMMU = 23;
export const ZX_OBJ_TYPE_BTI = 24;
export const ZX_OBJ_TYPE_PROFILE = 25;
export const ZX_OBJ_TYPE_PMT = 26;
export const ZX_OBJ_TYPE_SUSPEND_TOKEN = 27;
export const ZX_OBJ_TYPE_PAGER = 28;
export const ZX_OBJ_TYPE_EXCEPTION = 29;
export const ZX_OBJ_TYPE_CLOCK = 30;
export const ZX_OBJ_TYPE_STREAM = 31;
export const ZX_OBJ_TYPE_MSI = 32;

const OBJ_TYPE_NAMES: Record<number, string> = {
  1: "process", 2: "thread", 3: "vmo", 4: "channel", 5: "event", 6: "port", 9: "interrupt",
  11: "pci_device", 12: "log", 14: "socket", 15: "resource", 16: "eventpair", 17: "job", 18: "vmar",
  19: "fifo", 20: "guest", 21: "vcpu", 22: "timer", 23: "iommu", 24: "bti", 25: "profile", 26: "pmt",
  27: "suspend_token", 28: "pager", 29: "exception", 30: "clock", 31: "stream", 32: "msi",
};
/** Lower-case Zircon object type name (as `zx_obj_type_t` names print in Fuchsia tools). */
export function objTypeName(type: number): string {
  return OBJ_TYPE_NAMES[type] ?? `type ${type}`;
}

// --- Resource kinds, 2019–2020 E2 numbering (§2.3) ---
export const ZX_RSRC_KIND_MMIO = 0;
export const ZX_RSRC_KIND_IRQ = 1;
export const ZX_RSRC_KIND_IOPORT = 2;
export const ZX_RSRC_KIND_HYPERVISOR = 3;
export const ZX_RSRC_KIND_ROOT = 4;
export const ZX_RSRC_KIND_VMEX = 5;
export const ZX_RSRC_KIND_SMC = 6;
export const ZX_RSRC_KIND_COUNT = 7;
export const ZX_RSRC_FLAG_EXCLUSIVE = 0x00010000;
export const ZX_RSRC_KIND_MASK = 0xffff;

// --- Hypervisor (§2.4) ---
export const ZX_GUEST_TRAP_BELL = 0;
export const ZX_GUEST_TRAP_MEM = 1;
export const ZX_GUEST_TRAP_IO = 2;
export const ZX_VCPU_STATE = 0;
export const ZX_VCPU_IO = 1;
export const X86_MAX_INST_LEN = 15;

// --- Port packets (§2.5) ---
export const ZX_PKT_TYPE_USER = 0x00;
export const ZX_PKT_TYPE_SIGNAL_ONE = 0x01;
export const ZX_PKT_TYPE_GUEST_BELL = 0x03;
export const ZX_PKT_TYPE_GUEST_MEM = 0x04;
export const ZX_PKT_TYPE_GUEST_IO = 0x05;
export const ZX_PKT_TYPE_GUEST_VCPU = 0x06;
export const ZX_PKT_TYPE_INTERRUPT = 0x07;
export const ZX_PKT_TYPE_PAGE_REQUEST = 0x09;
export const ZX_PKT_TYPE_MASK = 0xff;
export const ZX_PKT_GUEST_VCPU_INTERRUPT = 0;
export const ZX_PKT_GUEST_VCPU_STARTUP = 1;
export const ZX_PORT_BIND_TO_INTERRUPT = 1 << 0;
/** zx_object_wait_async options: 0 (one packet, then the wait ends; 2018–19 headers call it ZX_WAIT_ASYNC_ONCE). */
export const ZX_WAIT_ASYNC_ONCE = 0;
/** 2020 kernels: also record the clock-monotonic time of the trigger in zx_packet_signal_t.timestamp. */
export const ZX_WAIT_ASYNC_TIMESTAMP = 1;

// --- VM options (§2.7) ---
export const ZX_VM_PERM_READ = 1 << 0;
export const ZX_VM_PERM_WRITE = 1 << 1;
export const ZX_VM_PERM_EXECUTE = 1 << 2;
export const ZX_VM_COMPACT = 1 << 3;
export const ZX_VM_SPECIFIC = 1 << 4;
export const ZX_VM_SPECIFIC_OVERWRITE = 1 << 5;
export const ZX_VM_CAN_MAP_SPECIFIC = 1 << 6;
export const ZX_VM_CAN_MAP_READ = 1 << 7;
export const ZX_VM_CAN_MAP_WRITE = 1 << 8;
export const ZX_VM_CAN_MAP_EXECUTE = 1 << 9;
export const ZX_VM_MAP_RANGE = 1 << 10;
export const ZX_VM_REQUIRE_NON_RESIZABLE = 1 << 11;
export const ZX_VM_ALLOW_FAULTS = 1 << 12;
export const ZX_VM_OFFSET_IS_UPPER_LIMIT = 1 << 13;
export const ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED = 1 << 14;
export const ZX_VM_ALIGN_BASE = 24;
export const ZX_VM_ALIGN_MASK = 0x1f << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_1KB = 10 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_4KB = 12 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_64KB = 16 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_1MB = 20 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_2MB = 21 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_1GB = 30 << ZX_VM_ALIGN_BASE;
export const ZX_VM_ALIGN_4GB = 32 << ZX_VM_ALIGN_BASE;

// --- VMO options ---
export const ZX_VMO_RESIZABLE = 1 << 1;
export const ZX_VMO_DISCARDABLE = 1 << 2;

// zx_vmo_set_cache_policy (zircon/types.h).
export const ZX_CACHE_POLICY_CACHED = 0;
export const ZX_CACHE_POLICY_UNCACHED = 1;
export const ZX_CACHE_POLICY_UNCACHED_DEVICE = 2;
export const ZX_CACHE_POLICY_WRITE_COMBINING = 3;
export const ZX_CACHE_POLICY_MASK = 3;

// --- zx_object_get_info topics (`syscalls/object.h`) ---
export const ZX_INFO_NONE = 0;
export const ZX_INFO_HANDLE_VALID = 1;
export const ZX_INFO_HANDLE_BASIC = 2;
export const ZX_INFO_PROCESS = 3;
export const ZX_INFO_PROCESS_THREADS = 4;
export const ZX_INFO_VMAR = 7;
/** E3 topic, adopted together with zx_vcpu_kick. */
export const ZX_INFO_VCPU = 32;
export const ZX_INFO_VCPU_FLAG_KICKED = 1 << 0;
/** zx_info_handle_basic_t.props: the handle may be waited on. */
export const ZX_OBJ_PROP_NONE = 0;
export const ZX_OBJ_PROP_WAITABLE = 1;

// --- Page size and the guest-physical address space (x86: MMU_GUEST_SIZE_SHIFT = 48) ---
export const PAGE_SIZE = 4096;
export const GUEST_PHYSICAL_ASPACE_SIZE = 2 ** 48;

// --- x86 (zircon/kernel/arch/x86/include/arch/x86.h, the subset the ABI exposes) ---
/** RFLAGS bits that zx_vcpu_read_state/write_state expose: CF|PF|AF|ZF|SF|TF|DF|OF|NT|AC|ID. */
export const X86_FLAGS_USER = 0x244dd5;
export const X86_FLAGS_RESERVED_ONES = 0x2;
