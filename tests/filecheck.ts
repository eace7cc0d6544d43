/**
 * A small FileCheck: `// CHECK:` lines matched as substrings, in order, against printed output.
 *
 *   CHECK: text       a later line contains `text` (searching from the line after the last match)
 *   CHECK-NEXT: text  the line right after the last match contains `text`
 *   CHECK-NOT: text   no line between the last match and the next match (or the end) contains `text`
 */

/** One directive, with its line in the file that holds it (for error messages). */
export interface CheckLine {
  readonly kind: "CHECK" | "CHECK-NEXT" | "CHECK-NOT";
  readonly pattern: string;
  readonly line: number;
}

const DIRECTIVE = /(?:\/\/|#)\s*(CHECK(?:-NEXT|-NOT)?):(.*)$/;

/** The CHECK directives in `text` (comment lines starting with `//` or `#`). */
export function parseChecks(text: string): CheckLine[] {
  const checks: CheckLine[] = [];
  text.split("\n").forEach((line, i) => {
    const m = DIRECTIVE.exec(line.trim());
    if (!m) return;
    const pattern = m[2].trim();
    if (!pattern) throw new Error(`line ${i + 1}: ${m[1]} has an empty pattern`);
    checks.push({ kind: m[1] as CheckLine["kind"], pattern, line: i + 1 });
  });
  return checks;
}

/** The output with line numbers, `>` marking the line where matching stood. */
function showOutput(lines: readonly string[], at: number): string {
  return lines.map((l, i) => `${i === at ? ">" : " "}${String(i + 1).padStart(4)} | ${l}`).join("\n");
}

function fail(check: CheckLine, why: string, lines: readonly string[], at: number, where: string): never {
  throw new Error(`${where}:${check.line}: ${check.kind}: ${check.pattern}\n  ${why}\noutput:\n${showOutput(lines, at)}`);
}

/**
 * Matches `checks` (or the CHECK lines of a text) against `output`; throws a readable error
 * naming the failing directive and showing the output otherwise. `where` names the check file.
 */
export function fileCheck(output: string, checks: string | readonly CheckLine[], where = "checks"): void {
  const list = typeof checks === "string" ? parseChecks(checks) : checks;
  if (list.length === 0) throw new Error(`${where}: no CHECK lines`);
  const lines = output.replace(/\n$/, "").split("\n");
  let next = 0; // first line a CHECK may match
  let pendingNot: CheckLine[] = [];
  const checkNots = (from: number, to: number) => {
    for (const not of pendingNot) {
      for (let i = from; i < to; i++) {
        if (lines[i].includes(not.pattern)) fail(not, `found on output line ${i + 1}, which it must not be`, lines, i, where);
      }
    }
    pendingNot = [];
  };
  for (const check of list) {
    if (check.kind === "CHECK-NOT") {
      pendingNot.push(check);
      continue;
    }
    let found = -1;
    if (check.kind === "CHECK-NEXT") {
      if (next === 0) fail(check, "CHECK-NEXT needs an earlier CHECK", lines, 0, where);
      if (next < lines.length && lines[next].includes(check.pattern)) found = next;
      else fail(check, `not on the line right after the previous match (output line ${next + 1})`, lines, next, where);
    } else {
      for (let i = next; i < lines.length && found < 0; i++) if (lines[i].includes(check.pattern)) found = i;
      if (found < 0) fail(check, `not found at or after output line ${next + 1}`, lines, next, where);
    }
    checkNots(next, found);
    next = found + 1;
  }
  checkNots(next, lines.length);
}
