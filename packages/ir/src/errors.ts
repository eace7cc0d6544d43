import type { Shape, SourceLoc, TensorType } from "./types";

/** Formats a location as `file:line` (with its origin for derived nodes). */
export function formatLoc(loc: SourceLoc | undefined): string {
  if (!loc || loc.file === "unknown") return "unknown location";
  const where = `${loc.file}:${loc.line}`;
  if (!loc.origin) return where;
  return `${loc.origin.kind} of %${loc.origin.of} (${where})`;
}

export const formatShape = (s: Shape): string => `[${s.join(",")}]`;
export const formatType = (t: TensorType): string => `${t.dtype}${formatShape(t.shape)}`;

/** Base class of every error Adjoint raises on purpose; `op` and `loc` say where. */
export class AdjointError extends Error {
  override name = "AdjointError";
  constructor(message: string, readonly op?: string, readonly loc?: SourceLoc) {
    super(message);
  }
}

/** A shape/dtype/attribute error raised while building or verifying a node. */
export class ShapeError extends AdjointError {
  override name = "ShapeError";
}

/** Raised by an op's `infer` with a bare reason; the builder adds op name and location. */
export class InferError extends Error {
  override name = "InferError";
}

/** Reading a symbolic tensor's value while tracing. */
export class TraceError extends AdjointError {
  override name = "TraceError";
}

/** Malformed IR text. */
export class ParseError extends AdjointError {
  override name = "ParseError";
  constructor(message: string, readonly line: number, readonly col: number) {
    super(`${line}:${col}: ${message}`);
  }
}

/** A graph that breaks an IR invariant. */
export class VerifyError extends AdjointError {
  override name = "VerifyError";
}
