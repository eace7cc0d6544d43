import { findSourceMap } from "node:module";
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
  // Formatting a stack applies source maps frame by frame (slow: ~100 µs). So the raw call
  // sites (cheap, but in generated-code positions) key a cache, and a distinct user call site
  // is mapped once: through Node's source map of its file where Node has one (tsx, or
  // --enable-source-maps: what formatting would do, for one frame), else by formatting the
  // stack (a loader that maps positions itself, such as vitest's, or plain JavaScript).
  const site = rawUserSite();
  if (site === undefined) return findUserFrame(12) ?? findUserFrame(200) ?? UNKNOWN_LOC;
  const key = `${site.file}:${site.line}:${site.col}`;
  let loc = siteCache.get(key);
  if (!loc) siteCache.set(key, (loc = mappedSite(site) ?? findUserFrame(12) ?? findUserFrame(200) ?? UNKNOWN_LOC));
  return loc;
}

interface RawSite {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A generated position mapped through Node's source map of its file, as Node's stack formatting maps it; undefined without one. */
function mappedSite({ file, line, col }: RawSite): SourceLoc | undefined {
  let entry: ReturnType<NonNullable<ReturnType<typeof findSourceMap>>["findEntry"]> | undefined;
  try {
    entry = findSourceMap(file)?.findEntry(line - 1, col - 1);
  } catch {
    return undefined; // no node:module (a browser bundle)
  }
  if (!entry || !("originalSource" in entry) || !entry.originalSource) return undefined;
  const source = entry.originalSource.startsWith("file://") ? fileURLToPath(entry.originalSource) : entry.originalSource;
  return { file: relativeFile(source), line: entry.originalLine + 1, col: entry.originalColumn + 1 };
}

const siteCache = new Map<string, SourceLoc>();

/** The first non-Adjoint frame in generated positions, from V8's structured call sites. */
function rawUserSite(): RawSite | undefined {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.prepareStackTrace = (_, callSites) => callSites;
    Error.stackTraceLimit = 40;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerLocation);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
  if (!Array.isArray(sites)) return undefined;
  for (const s of sites) {
    const file = s.getFileName() ?? "";
    if (!file || isOwnFrame(file.startsWith("file://") ? file.slice(7) : file)) continue;
    return { file, line: s.getLineNumber() ?? 0, col: s.getColumnNumber() ?? 0 };
  }
  return undefined;
}

function findUserFrame(depth: number): SourceLoc | undefined {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = depth;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = saved;
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
    if (isOwnFrame(file)) continue;
    return { file: relativeFile(file), line: Number(m[2]), col: Number(m[3]) };
  }
  return undefined;
}

const relativeCache = new Map<string, string>();
function relativeFile(file: string): string {
  let rel = relativeCache.get(file);
  if (rel === undefined) relativeCache.set(file, (rel = path.relative(process.cwd(), file) || file));
  return rel;
}
