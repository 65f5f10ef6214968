/** src/x86: the machine. The contract with src/zircon is vtx.ts; Cpu and PhysicalMemory implement it. */
export * from "./vtx";
export { Cpu } from "./cpu";
export { PhysicalMemory } from "./phys-mem";
export { Decoded, decode, MODE_16, MODE_32, MODE_64, DECODE_NEED_MORE, DECODE_TOO_LONG } from "./decode";
