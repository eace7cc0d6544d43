export { interpret, type InterpretOptions } from "./interpret";
export type { Precision } from "./storage";
