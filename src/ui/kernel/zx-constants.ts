/**
 * The Zircon constants the workbench forms need, with Zircon's names and values: a page-safe copy
 * (the page never imports src/zircon, which lives in the worker). zx-constants.test.ts checks every
 * value here against src/zircon's own exports, so the copy cannot drift.
 */

// --- Statuses (zircon/errors.h): the ones the hypervisor, VM, port and handle calls return ---
export const ZX_OK = 0;
export const ZX_ERR_INTERNAL = -1;
export const ZX_ERR_NOT_SUPPORTED = -2;
export const ZX_ERR_NO_RESOURCES = -3;
export const ZX_ERR_NO_MEMORY = -4;
export const ZX_ERR_INVALID_ARGS = -10;
export const ZX_ERR_BAD_HANDLE = -11;
export const ZX_ERR_WRONG_TYPE = -12;
export const ZX_ERR_BAD_SYSCALL = -13;
export const ZX_ERR_OUT_OF_RANGE = -14;
export const ZX_ERR_BUFFER_TOO_SMALL = -15;
export const ZX_ERR_BAD_STATE = -20;
export const ZX_ERR_TIMED_OUT = -21;
export const ZX_ERR_SHOULD_WAIT = -22;
export const ZX_ERR_CANCELED = -23;
export const ZX_ERR_PEER_CLOSED = -24;
export const ZX_ERR_NOT_FOUND = -25;
export const ZX_ERR_ALREADY_EXISTS = -26;
export const ZX_ERR_ALREADY_BOUND = -27;
export const ZX_ERR_UNAVAILABLE = -28;
export const ZX_ERR_ACCESS_DENIED = -30;
export const ZX_ERR_IO = -40;
export const ZX_ERR_IO_REFUSED = -41;
export const ZX_ERR_IO_DATA_INTEGRITY = -42;
export const ZX_ERR_IO_DATA_LOSS = -43;
export const ZX_ERR_IO_NOT_PRESENT = -44;
export const ZX_ERR_IO_OVERRUN = -45;
export const ZX_ERR_IO_MISSED_DEADLINE = -46;
export const ZX_ERR_IO_INVALID = -47;
export const ZX_ERR_BAD_PATH = -50;
export const ZX_ERR_NOT_DIR = -51;
export const ZX_ERR_NOT_FILE = -52;
export const ZX_ERR_FILE_BIG = -53;
export const ZX_ERR_NO_SPACE = -54;
export const ZX_ERR_NOT_EMPTY = -55;
export const ZX_ERR_STOP = -60;
export const ZX_ERR_NEXT = -61;
export const ZX_ERR_ASYNC = -62;
export const ZX_ERR_PROTOCOL_NOT_SUPPORTED = -70;
export const ZX_ERR_ADDRESS_UNREACHABLE = -71;
export const ZX_ERR_ADDRESS_IN_USE = -72;
export const ZX_ERR_NOT_CONNECTED = -73;
export const ZX_ERR_CONNECTION_REFUSED = -74;
export const ZX_ERR_CONNECTION_RESET = -75;
export const ZX_ERR_CONNECTION_ABORTED = -76;

// --- Rights (zircon/rights.h) ---
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
/** Not a bit of its own: "the same rights as the source handle" (zx_handle_duplicate). */
export const ZX_RIGHT_SAME_RIGHTS = 0x80000000;

// --- Handles and object types (zircon/types.h) ---
export const ZX_HANDLE_INVALID = 0;
export const ZX_OBJ_TYPE_PROCESS = 1;
export const ZX_OBJ_TYPE_THREAD = 2;
export const ZX_OBJ_TYPE_VMO = 3;
export const ZX_OBJ_TYPE_PORT = 6;
export const ZX_OBJ_TYPE_RESOURCE = 15;
export const ZX_OBJ_TYPE_VMAR = 18;
export const ZX_OBJ_TYPE_GUEST = 20;
export const ZX_OBJ_TYPE_VCPU = 21;
export const ZX_OBJ_TYPE_TIMER = 22;

// --- Hypervisor (syscalls/hypervisor.h) ---
export const ZX_GUEST_TRAP_BELL = 0;
export const ZX_GUEST_TRAP_MEM = 1;
export const ZX_GUEST_TRAP_IO = 2;
export const ZX_VCPU_STATE = 0;
export const ZX_VCPU_IO = 1;

// --- VM options (zircon/types.h) ---
export const ZX_VM_PERM_READ = 1 << 0;
export const ZX_VM_PERM_WRITE = 1 << 1;
export const ZX_VM_PERM_EXECUTE = 1 << 2;
export const ZX_VM_SPECIFIC = 1 << 4;
export const ZX_VM_SPECIFIC_OVERWRITE = 1 << 5;
export const ZX_VMO_RESIZABLE = 1 << 1;

// --- zx_object_get_info topics (syscalls/object.h) ---
export const ZX_INFO_HANDLE_VALID = 1;
export const ZX_INFO_HANDLE_BASIC = 2;
export const ZX_INFO_VMAR = 7;
export const ZX_INFO_VCPU = 32;

// --- Struct sizes and layouts ---
/** zx_vcpu_state_t (x86-64): 16 general registers then rflags, u64 each, little-endian. */
export const ZX_VCPU_STATE_SIZE = 136;
/** Field order of zx_vcpu_state_t (x86 ModRM numbering rax = 0 … r15 = 15, then rflags). */
export const VCPU_STATE_FIELDS = [
  "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags",
] as const;
export type VcpuStateField = (typeof VCPU_STATE_FIELDS)[number];
/** zx_info_handle_basic_t: koid u64 @0, rights u32 @8, type u32 @12, related_koid u64 @16, props u32 @24. */
export const ZX_INFO_HANDLE_BASIC_SIZE = 32;
/** RFLAGS bit 1 is always one; zx_vcpu_write_state ignores RFLAGS when it is clear. */
export const X86_FLAGS_RESERVED_ONES = 0x2;
