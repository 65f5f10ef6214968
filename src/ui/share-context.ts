/** React's handle on the page's ShareController (null where sharing is not wired in). */
import { createContext, useContext } from "react";
import type { ShareController } from "./share-controller";

export const ShareContext = createContext<ShareController | null>(null);

export function useShare(): ShareController | null {
  return useContext(ShareContext);
}
