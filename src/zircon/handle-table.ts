/**
 * A process's handle table (`object/handle_table.h`).
 *
 * Handle values are opaque: value = ((generation << 20 | index) ^ mixer) << 2 | 3, where `mixer` is a
 * per-process random 28-bit value. Both low bits are always set (ZX_HANDLE_FIXED_BITS_MASK), 0 is
 * never a valid value, and because every slot counts how often it was reused, a closed handle value
 * never reaches the slot's next occupant: it is BAD_HANDLE.
 *
 * Lookup order is Zircon's: not in this table → BAD_HANDLE; wrong object type → WRONG_TYPE; missing
 * rights → ACCESS_DENIED.
 */
import { ZX_ERR_ACCESS_DENIED, ZX_ERR_BAD_HANDLE, ZX_ERR_WRONG_TYPE } from "./status";
import type { KernelObject } from "./kernel-object";

const INDEX_BITS = 20;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const GEN_MASK = 0xff;
const MIXER_MASK = (1 << 28) - 1;

interface Slot {
  readonly index: number;
  object: KernelObject | null;
  rights: number;
  generation: number;
}

export interface HandleInfo {
  handle: number;
  object: KernelObject;
  rights: number;
}

export class HandleTable {
  private readonly slots: Slot[] = [];
  private readonly freeList: number[] = [];
  private readonly mixer: number;

  constructor(mixer: number) {
    this.mixer = mixer & MIXER_MASK;
  }

  private encode(index: number, generation: number): number {
    return ((((generation << INDEX_BITS) | index) ^ this.mixer) << 2 | 3) >>> 0;
  }

  private slotOf(handle: unknown): Slot | undefined {
    if (typeof handle !== "number" || !Number.isInteger(handle) || handle <= 0 || handle > 0xffffffff) return undefined;
    if ((handle & 3) !== 3) return undefined;
    const x = (handle >>> 2) ^ this.mixer;
    const index = x & INDEX_MASK;
    const generation = x >>> INDEX_BITS;
    const slot = this.slots[index];
    if (!slot || slot.object === null || slot.generation !== generation) return undefined;
    return slot;
  }

  /** Install a handle to `object` with `rights`. Returns the value, or 0 if the table is full. */
  add(object: KernelObject, rights: number): number {
    let index = this.freeList.pop();
    if (index === undefined) {
      if (this.slots.length > INDEX_MASK) return 0;
      index = this.slots.length;
      this.slots.push({ index, object: null, rights: 0, generation: 0 });
    }
    const slot = this.slots[index];
    slot.object = object;
    slot.rights = rights >>> 0;
    object.handleCount++;
    return this.encode(index, slot.generation);
  }

  /** The object and rights behind a value, or undefined when the value is not a live handle here. */
  lookup(handle: unknown): { object: KernelObject; rights: number } | undefined {
    const slot = this.slotOf(handle);
    return slot ? { object: slot.object!, rights: slot.rights } : undefined;
  }

  /**
   * Zircon's GetDispatcherWithRights: the object if the handle is live, of `type` and holds every bit
   * of `rights`; otherwise the status, in Zircon's order.
   */
  getWithRights<T extends KernelObject>(handle: unknown, type: number, rights: number): T | number {
    const slot = this.slotOf(handle);
    if (!slot) return ZX_ERR_BAD_HANDLE;
    if (slot.object!.type !== type) return ZX_ERR_WRONG_TYPE;
    if ((slot.rights & rights) >>> 0 !== rights >>> 0) return ZX_ERR_ACCESS_DENIED;
    return slot.object as T;
  }

  /** Remove a handle. The object's onZeroHandles runs if that was its last handle. */
  remove(handle: unknown): KernelObject | undefined {
    const slot = this.slotOf(handle);
    if (!slot) return undefined;
    const object = slot.object!;
    // Handle::Delete: waits made through this handle end (Dispatcher::Cancel) before the count drops.
    if (object.observed) object.cancelHandle(this, handle as number);
    slot.object = null;
    slot.rights = 0;
    slot.generation = (slot.generation + 1) & GEN_MASK;
    this.freeList.push(slot.index);
    object.handleCount--;
    if (object.handleCount === 0) object.onZeroHandles();
    return object;
  }

  /** Every live handle, in slot order. */
  entries(): HandleInfo[] {
    const out: HandleInfo[] = [];
    this.slots.forEach((slot, index) => {
      if (slot.object) out.push({ handle: this.encode(index, slot.generation), object: slot.object, rights: slot.rights });
    });
    return out;
  }

  /** Close every handle (process teardown). */
  clear(): void {
    for (const { handle } of this.entries()) this.remove(handle);
  }
}

