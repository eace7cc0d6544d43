/**
 * The bad-input catalogue of docs/errors.md as data: each case runs the minimal example of its
 * entry and names the error class and message it must raise. `<loc>` in a message stands for
 * the `path:line` of the file holding the example (node locations point at the user's line, which is here).
 * The expected messages are written from reading the code that raises them, not by running it.
 */
/** One catalogue entry. */
export interface ErrorCase {
  /** The entry's id in docs/errors.md, e.g. "E101". */
  readonly id: string;
  readonly title: string;
  /** Runs the bad example; must throw (or reject). */
  readonly run: () => unknown;
  /** The error class's name. */
  readonly error: "AdjointError" | "ShapeError" | "TraceError" | "ParseError" | "VerifyError";
  /** The exact message (with `<loc>`), or a pattern for messages holding planner figures or op lists. */
  readonly message: string | RegExp;
}
