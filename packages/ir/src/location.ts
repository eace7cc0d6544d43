import { fileURLToPath } from "node:url";
import path from "node:path";
import { UNKNOWN_LOC, type SourceLoc } from "./types";

// Frames inside Adjoint's own packages are skipped, so a node records the user's line.
const PACKAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FRAME = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/;

function isOwnFrame(file: string): boolean {
  // a package's own tests are user code: they should see their own lines
  if (file.endsWith(".test.ts")) return false;
  return file.startsWith(PACKAGES_DIR) || file.startsWith("node:") || file.includes("/node_modules/");
}

/** The first stack frame outside Adjoint: the user's file (relative to cwd), line and column. */
export function callerLocation(): SourceLoc {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = saved;
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
    if (isOwnFrame(file)) continue;
    return { file: path.relative(process.cwd(), file) || file, line: Number(m[2]), col: Number(m[3]) };
  }
  return UNKNOWN_LOC;
}
