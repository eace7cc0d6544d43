import { AdjointError, formatType, type Graph } from "@adjoint/ir";

/** Resolves which inputs to differentiate; integer inputs are an error that says why. */
export function resolveArgnums(g: Graph, argnums: number | readonly number[] | undefined, what: string): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : [...argnums];
  for (const i of list) {
    const input = g.inputs[i];
    if (!input) throw new AdjointError(`${what}: argnums ${i} is out of range; the function takes ${g.inputs.length} arguments`);
    if (input.type.dtype !== "f32") {
      throw new AdjointError(
        `${what}: cannot differentiate with respect to argument ${i} ('${input.name}', ${formatType(input.type)}): only f32 inputs have gradients`,
      );
    }
  }
  return list;
}
