/**
 * Virtual memory objects (`object/vm_object_dispatcher.cc`): a page-rounded, zero-filled byte store.
 * The bytes live in a SharedArrayBuffer when the platform has one (cross-origin isolated pages,
 * workers, Node), so the UI can look at guest RAM without a copy.
 */
import { PAGE_SIZE, ZX_CACHE_POLICY_MASK, ZX_OBJ_TYPE_VMO, ZX_VMO_DISCARDABLE, ZX_VMO_RESIZABLE, ZX_VMO_ZERO_CHILDREN } from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";
import { ZX_ERR_BAD_STATE, ZX_ERR_INVALID_ARGS, ZX_ERR_NO_MEMORY, ZX_ERR_OUT_OF_RANGE, ZX_OK } from "../status";

/**
 * Largest VMO the playground backs: 4 GiB. Zircon commits pages lazily; a browser cannot, so a
 * larger request is ZX_ERR_NO_MEMORY (the status Zircon gives when commitment fails).
 */
export const MAX_VMO_SIZE = 2 ** 32;

export class VmoObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_VMO;
  /** Mappings of this VMO in any VMAR (kept by VmarObject through addMapping / removeMapping). */
  mappingCount = 0;
  /**
   * ZX_CACHE_POLICY_*. Recorded and checked, not acted on: an emulated guest has no caches to
   * configure, so every policy behaves as cached memory.
   */
  cachePolicy = 0;
  private constructor(kernel: KernelContext, readonly bytes: Uint8Array, readonly options: number) {
    super(kernel);
    // VmObjectDispatcher starts with ZX_VMO_ZERO_CHILDREN asserted; VMOs here never get children.
    this.signals = ZX_VMO_ZERO_CHILDREN;
  }

  /** ZX_DEFAULT_VMO_RIGHTS hold ZX_RIGHT_WAIT. */
  override get waitable(): boolean {
    return true;
  }

  /**
   * A mapping holds the VMO (Zircon: VmMapping's RefPtr<VmObject>): it outlives its handles while
   * mapped anywhere, and is destroyed when the last of its handles and mappings is gone.
   */
  addMapping(): void {
    this.mappingCount++;
  }
  removeMapping(): void {
    this.mappingCount--;
    if (this.mappingCount === 0 && this.handleCount === 0) this.markDead();
  }
  override onZeroHandles(): void {
    if (this.mappingCount === 0) this.markDead();
  }

  get size(): number {
    return this.bytes.length;
  }
  get resizable(): boolean {
    return (this.options & ZX_VMO_RESIZABLE) !== 0;
  }

  /** zx_vmo_create's work: the status, or the new VMO. `size` is already a valid u64. */
  static create(kernel: KernelContext, size: bigint, options: number): VmoObject | number {
    if ((options & ~(ZX_VMO_RESIZABLE | ZX_VMO_DISCARDABLE)) !== 0) return ZX_ERR_INVALID_ARGS;
    const rounded = (size + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);
    if (rounded >= 1n << 64n) return ZX_ERR_OUT_OF_RANGE;
    if (rounded > BigInt(MAX_VMO_SIZE)) return ZX_ERR_NO_MEMORY;
    const n = Number(rounded);
    let bytes: Uint8Array;
    try {
      bytes = typeof SharedArrayBuffer !== "undefined" ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
    } catch {
      return ZX_ERR_NO_MEMORY;
    }
    return new VmoObject(kernel, bytes, options);
  }

  /** zx_vmo_set_cache_policy's work (vmo_set_cache_policy.md): only while nothing maps the VMO. */
  setCachePolicy(policy: number): number {
    if ((policy & ~ZX_CACHE_POLICY_MASK) !== 0) return ZX_ERR_INVALID_ARGS;
    if (this.mappingCount !== 0) return ZX_ERR_BAD_STATE;
    this.cachePolicy = policy;
    return ZX_OK;
  }

  read(dest: Uint8Array, offset: bigint): number {
    if (offset + BigInt(dest.length) > BigInt(this.size)) return ZX_ERR_OUT_OF_RANGE;
    dest.set(this.bytes.subarray(Number(offset), Number(offset) + dest.length));
    return ZX_OK;
  }

  write(src: Uint8Array, offset: bigint): number {
    if (offset + BigInt(src.length) > BigInt(this.size)) return ZX_ERR_OUT_OF_RANGE;
    this.bytes.set(src, Number(offset));
    return ZX_OK;
  }
}
