import { emit, registerCustomVjp, t } from "@adjoint/ir";
import { f32, type OpCases } from "./case";

const rule = registerCustomVjp("double", (_, ct) => [t.mul(ct, 2)]);

/** `custom_vjp` evaluates to its last operand (the forward code's output). */
export const customCases: OpCases<"custom_vjp"> = {
  custom_vjp: [
    {
      name: "value of the last operand",
      fn: (x) => emit("custom_vjp", [x, t.neg(x), t.mul(x, 2)], { rule, primals: 1 }),
      inputs: [f32([3], [1, -2, 0.5])],
      expected: f32([3], [2, -4, 1]),
    },
  ],
};
