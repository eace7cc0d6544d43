import type { OpName } from "@adjoint/ir";
import type { OpCase } from "./case";
import { contractionCases } from "./contraction";
import { customCases } from "./custom";
import { elementwiseCases } from "./elementwise";
import { movementCases } from "./movement";
import { reduceCases } from "./reduce";
import { sourceCases } from "./source";

/** Hand-computed examples for every op; typed over every `OpName`, so an op without examples fails to compile. */
export const opCases: { readonly [K in OpName]: readonly OpCase[] } = {
  ...sourceCases,
  ...elementwiseCases,
  ...reduceCases,
  ...movementCases,
  ...contractionCases,
  ...customCases,
};

export { expectTensor, f32, i32, bool, type OpCase } from "./case";
