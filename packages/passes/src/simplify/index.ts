/** The simplification passes and their standard order. */
import type { AnyPass } from "../pass";
import { algebraic } from "./algebraic";
import { constantFold } from "./constant-fold";
import { cse } from "./cse";
import { dce } from "./dce";

export { algebraic, ALGEBRAIC_IDENTITIES } from "./algebraic";
export { constantFold, DEFAULT_MAX_CONSTANT_ELEMENTS, type ConstantFoldOptions } from "./constant-fold";
export { cse, cseKey } from "./cse";
export { dce } from "./dce";
export { analyzeFiniteness, type Finiteness, type Finitenesses } from "./finiteness";

/** Fold literals, apply identities (which expose more duplicates), merge duplicates, then drop what died. */
export const simplifyPipeline: readonly AnyPass[] = Object.freeze([constantFold, algebraic, cse, dce]);
