export * from "./vcpu-state";
export * from "./port-packet";
export * from "./info";
