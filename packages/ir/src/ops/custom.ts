import { defineOp } from "./def";
import { InferError, formatType } from "../errors";
import type { Tensor } from "../tensor";
import type { T } from "../api";

/** A user-supplied reverse-mode rule: cotangents of the primal arguments from residuals and the output cotangent. */
export type CustomBwd = (residuals: readonly Tensor[], ct: Tensor, t: T) => readonly (Tensor | null)[];

// Rules live beside the graph, keyed by the name stored on the node: a graph that uses one
// can be printed and parsed, but only differentiated in a process that registered the rule.
const customRules = new Map<string, CustomBwd>();

/** Registers a rule under a fresh unique name and returns the name. */
export function registerCustomVjp(name: string, bwd: CustomBwd): string {
  const key = `${name}#${customRules.size}`;
  customRules.set(key, bwd);
  return key;
}

function customRule(name: string): CustomBwd {
  const rule = customRules.get(name);
  if (!rule) throw new InferError(`custom_vjp rule '${name}' is not registered in this process (rules are functions, not IR)`);
  return rule;
}

export const customOps = {
  custom_vjp: defineOp({
    summary: "value of its last operand (the output of the user's forward code); reverse mode calls the registered rule instead of differentiating that code. Operands: primals, residuals, output",
    attrs: { rule: "str", primals: "int" },
    arity: "variadic",
    class: "movement",
    flopsPerElement: 0,
    infer: (args, { primals }) => {
      if (!Number.isInteger(primals) || primals < 0 || primals >= args.length) {
        throw new InferError(`primals = ${primals} must leave at least the output among ${args.length} operands`);
      }
      return args[args.length - 1];
    },
    // forward mode differentiates the user's forward code itself
    jvp: (_, __, tangents) => tangents[tangents.length - 1],
    vjp: (t, args, ct, { rule, primals }) => {
      const residuals = args.slice(primals, -1);
      const cts = customRule(rule)(residuals, ct, t);
      if (cts.length !== primals) throw new InferError(`custom_vjp rule '${rule}' returned ${cts.length} cotangents for ${primals} arguments`);
      cts.forEach((c, i) => {
        if (c && formatType(c.type) !== formatType(args[i].type)) {
          throw new InferError(`custom_vjp rule '${rule}': cotangent ${i} is ${formatType(c.type)} but the argument is ${formatType(args[i].type)}`);
        }
      });
      return [...cts, ...residuals.map(() => null), null];
    },
  }),
};
