/**
 * Loads the function a CLI command works on from a user's module (the convention is in
 * help.ts): `fn` and `specs` exports, a default export `{ fn, specs }`, or a named export.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { AdjointError, type Spec } from "@adjoint/ir";
import type { CompileOptions } from "../compile";
import type { TensorFn } from "../eager";

/** What a module gives a command. */
export interface LoadedFunction {
  readonly fn: TensorFn;
  readonly specs: readonly Spec[];
  /** Argument indices of the trained parameters, when the module says. */
  readonly params?: readonly number[];
  readonly options?: CompileOptions;
  /** `module.ts#export`, for messages and default file names. */
  readonly name: string;
}

type Exports = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

function checkSpecs(specs: unknown, where: string): readonly Spec[] {
  const ok = Array.isArray(specs) && specs.every((s) => isObject(s) && Array.isArray(s.shape) && typeof s.dtype === "string");
  if (!ok) throw new AdjointError(`${where}: specs must be an array of spec(shape, dtype) values, got ${typeof specs === "object" ? JSON.stringify(specs)?.slice(0, 80) : typeof specs}`);
  return specs as Spec[];
}

function fromObject(o: Record<string, unknown>, mod: Exports, where: string): Omit<LoadedFunction, "name"> {
  if (typeof o.fn !== "function") throw new AdjointError(`${where}: expected a function 'fn', got ${typeof o.fn}`);
  const params = o.params ?? mod.params;
  if (params !== undefined && !(Array.isArray(params) && params.every((p) => Number.isInteger(p)))) {
    throw new AdjointError(`${where}: params must be a list of argument indices, got ${JSON.stringify(params)}`);
  }
  const options = (o.options ?? mod.options) as CompileOptions | undefined;
  return { fn: o.fn as TensorFn, specs: checkSpecs(o.specs ?? mod.specs, where), ...(params ? { params: params as number[] } : {}), ...(options ? { options } : {}) };
}

/** Imports `file` and finds its function and specs; `exportName` picks a named export. */
export async function loadFunction(file: string, exportName?: string): Promise<LoadedFunction> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new AdjointError(`cannot find module ${file} (looked at ${abs})`);
  const mod = (await import(pathToFileURL(abs).href)) as Exports;
  const base = path.basename(file);
  const names = Object.keys(mod).join(", ") || "none";
  if (exportName !== undefined) {
    const where = `${base}#${exportName}`;
    const v = mod[exportName];
    if (v === undefined) throw new AdjointError(`${base} has no export '${exportName}' (its exports: ${names})`);
    if (typeof v === "function") return { ...fromObject({ fn: v }, mod, where), name: where };
    if (isObject(v)) return { ...fromObject(v, mod, where), name: where };
    throw new AdjointError(`${where}: expected { fn, specs } or a function, got ${typeof v}`);
  }
  if (typeof mod.fn === "function") return { ...fromObject(mod, mod, base), name: base };
  if (isObject(mod.default) && typeof mod.default.fn === "function") return { ...fromObject(mod.default, mod, `${base}#default`), name: base };
  throw new AdjointError(`${base} must export 'fn' and 'specs' or a default { fn, specs } (its exports: ${names}); or name one with --export`);
}
