/** Resource objects: privilege tokens (`object/resource_dispatcher.cc`). Kinds use the E2 numbering. */
import { ZX_OBJ_TYPE_RESOURCE } from "../constants";
import { KernelObject, type KernelContext } from "../kernel-object";

export class ResourceObject extends KernelObject {
  readonly type = ZX_OBJ_TYPE_RESOURCE;
  constructor(kernel: KernelContext, readonly kind: number, readonly name: string) {
    super(kernel);
  }
}
