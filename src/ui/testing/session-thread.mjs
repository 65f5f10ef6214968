/**
 * A hypervisor "worker" for Node tests: a worker_threads thread that runs the real
 * HypervisorSession (src/zircon + src/vmm, guests from public/guests/) behind Comlink, as
 * workers/hypervisor.worker.ts does in the browser. Its own thread, so that the page's side can
 * block (Workbench.pause's wait) while the guest runs. Loads the TypeScript sources through tsx.
 */
import { readFile } from "node:fs/promises";
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";

register();
const { HypervisorSession } = await import("../../../workers/hypervisor-session.ts");
const { createZirconBackend } = await import("../../../workers/zircon-backend.ts");

const guests = new URL("../../../public/guests/", import.meta.url);
const fetchGuest = async (name) => ({ name, image: new Uint8Array(await readFile(new URL(name, guests))) });
const session = new HypervisorSession(createZirconBackend({ fetchGuest }), { statsIntervalMs: 0 });
Comlink.expose(session, nodeEndpoint(parentPort));
