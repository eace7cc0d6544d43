import { DTYPES, type DType } from "./types";

/** The kinds of attribute an op may declare. The schema drives typing, parsing and verification. */
export type AttrKind = "int" | "ints" | "float" | "floats" | "bool" | "dtype" | "str";

/** An op's attribute schema: attribute name → kind. */
export type AttrSchema = Readonly<Record<string, AttrKind>>;

type ValueOfKind<K extends AttrKind> = K extends "int" | "float"
  ? number
  : K extends "ints" | "floats"
    ? readonly number[]
    : K extends "bool"
      ? boolean
      : DType;

/** The TypeScript type of an attribute record described by a schema. */
export type AttrsOf<S extends AttrSchema> = { readonly [K in keyof S]: ValueOfKind<S[K]> };

/** Checks one attribute value against its kind; returns a reason when it does not fit. */
const isNum = (x: unknown): x is number => typeof x === "number";
const isInt = (x: unknown) => isNum(x) && Number.isInteger(x);

export function checkAttr(kind: AttrKind, v: unknown): string | null {
  switch (kind) {
    case "int":
      return isInt(v) ? null : `expected an integer, got ${JSON.stringify(v)}`;
    case "float":
      return isNum(v) ? null : `expected a number, got ${JSON.stringify(v)}`;
    case "ints":
      return Array.isArray(v) && v.every(isInt) ? null : `expected a list of integers, got ${JSON.stringify(v)}`;
    case "floats":
      return Array.isArray(v) && v.every(isNum) ? null : `expected a list of numbers, got ${JSON.stringify(v)}`;
    case "bool":
      return typeof v === "boolean" ? null : `expected true or false, got ${JSON.stringify(v)}`;
    case "str":
      return typeof v === "string" ? null : `expected a string, got ${JSON.stringify(v)}`;
    case "dtype":
      return DTYPES.includes(v as DType) ? null : `expected a dtype (${DTYPES.join(", ")}), got ${JSON.stringify(v)}`;
  }
}

/** Validates a whole attribute record against a schema: every key present, no extras, each well-typed. */
export function checkAttrs(schema: AttrSchema, attrs: Readonly<Record<string, unknown>>): string | null {
  for (const name in schema) {
    const kind = schema[name];
    if (!(name in attrs)) return `missing attribute '${name}' (${kind})`;
    const why = checkAttr(kind, attrs[name]);
    if (why) return `attribute '${name}': ${why}`;
  }
  for (const name in attrs) {
    if (!(name in schema)) {
      const known = Object.keys(schema);
      return `unknown attribute '${name}' (this op takes ${known.length ? known.join(", ") : "no attributes"})`;
    }
  }
  return null;
}
