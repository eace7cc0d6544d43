/** Passes by name, and pipelines written as text (`"constant-fold,cse,dce"`), as fixtures and the CLI name them. */
import type { AnyPass } from "./pass";
import { algebraic, constantFold, cse, dce } from "./simplify";
import { inplaceSafety } from "./inplace";
import { checkpointPass } from "./checkpoint";

/** Every registered pass, keyed by its kebab-case name. */
export const allPasses: Readonly<Record<string, AnyPass>> = Object.freeze(
  Object.fromEntries([constantFold, algebraic, cse, dce, checkpointPass() as AnyPass, inplaceSafety as AnyPass].map((p) => [p.name, p as AnyPass])),
);

/** The pass called `name`; an unknown name is an error listing the known ones. */
export function getPass(name: string): AnyPass {
  const pass = Object.hasOwn(allPasses, name) ? allPasses[name] : undefined;
  if (!pass) throw new Error(`unknown pass '${name}'; known passes: ${Object.keys(allPasses).sort().join(", ")}`);
  return pass;
}

/** A comma-separated list of pass names as a pipeline (whitespace around names is ignored). */
export function parsePipeline(text: string): AnyPass[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(getPass);
}
