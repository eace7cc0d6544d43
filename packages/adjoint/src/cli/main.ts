/**
 * The `adjoint` command line: report, dump, memory and help (help.ts documents them). The
 * environment is read here, at the entry edge, and nowhere below.
 */
import path from "node:path";
import { AdjointError, type Spec } from "@adjoint/ir";
import { formatBytes, type CheckpointPolicy } from "@adjoint/passes";
import { compile } from "../compile";
import { explainMemory, formatMemoryExplanation } from "../diagnostics/memory-explain";
import type { TensorFn } from "../eager";
import { writeHtmlReport } from "../report-html";
import { valueAndGrad } from "../transforms";
import { COMMAND_HELP, HELP } from "./help";
import { loadFunction, type LoadedFunction } from "./load-module";

/** Where a command writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const STD_IO: CliIo = { out: (t) => process.stdout.write(t + "\n"), err: (t) => process.stderr.write(t + "\n") };

/** Bad command-line usage: exit status 2. */
class UsageError extends Error {}

const FLAGS: Readonly<Record<string, "value" | "bool">> = {
  out: "value", export: "value", checkpoint: "value", passes: "value", backend: "value", params: "value", budget: "value",
  "max-nodes": "value", train: "bool", "no-fuse": "bool", help: "bool",
};

interface Args {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [], flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-h") (flags.set("help", true));
    else if (a.startsWith("--")) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      const kind = FLAGS[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === "bool") flags.set(name, true);
      else {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

const str = (a: Args, name: string): string | undefined => {
  const v = a.flags.get(name);
  return typeof v === "string" ? v : undefined;
};

function checkpointOf(text: string | undefined): CheckpointPolicy | undefined {
  if (text === undefined) return undefined;
  if (text === "none" || text === "sqrt" || text === "all") return text;
  const bytes = Number(text);
  if (Number.isFinite(bytes) && bytes >= 0) return { budgetBytes: bytes };
  throw new UsageError(`--checkpoint must be none, sqrt, all or a number of bytes, got '${text}'`);
}

function paramsOf(text: string | undefined, loaded: LoadedFunction): number[] {
  if (text === undefined) return [...(loaded.params ?? [0])];
  const list = text.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError(`--params must be argument indices like 0,1,2, got '${text}'`);
  return list;
}

/** The function a command compiles: the module's, or valueAndGrad of it with --train. */
function target(a: Args, loaded: LoadedFunction): { fn: TensorFn; specs: readonly Spec[] } {
  if (!a.flags.has("train")) return loaded;
  const argnums = paramsOf(str(a, "params"), loaded);
  return { fn: valueAndGrad(loaded.fn, { argnums }) as TensorFn, specs: loaded.specs };
}

async function load(a: Args, command: string): Promise<LoadedFunction> {
  const file = a.positional[1];
  if (!file) throw new UsageError(`${command} needs a module\n\n${COMMAND_HELP[command]}`);
  return loadFunction(file, str(a, "export"));
}

const commands: Readonly<Record<string, (a: Args, io: CliIo) => Promise<void>>> = {
  async report(a, io) {
    const loaded = await load(a, "report");
    const { fn, specs } = target(a, loaded);
    const base = path.basename(a.positional[1]).replace(/\.[cm]?[jt]s$/, "");
    const out = str(a, "out") ?? `${base}-report.html`;
    const maxNodes = str(a, "max-nodes");
    if (maxNodes !== undefined && !(Number(maxNodes) >= 0)) throw new UsageError(`--max-nodes must be a number, got '${maxNodes}'`);
    const policy = checkpointOf(str(a, "checkpoint")) ?? loaded.options?.checkpoint;
    writeHtmlReport(fn, specs, out, {
      ...(policy ? { checkpoint: policy } : {}), fuse: !a.flags.has("no-fuse"), title: loaded.name,
      ...(maxNodes !== undefined ? { maxGraphNodes: Number(maxNodes) } : {}),
      ...(loaded.options?.inplace ? { inplace: loaded.options.inplace } : {}),
    });
    io.out(`wrote ${out}`);
  },
  async dump(a, io) {
    const dir = str(a, "out");
    if (!dir) throw new UsageError(`dump needs --out <dir>\n\n${COMMAND_HELP.dump}`);
    const loaded = await load(a, "dump");
    const { fn, specs } = target(a, loaded);
    const passes = str(a, "passes");
    let filter: RegExp | undefined;
    try {
      filter = passes === undefined ? undefined : new RegExp(passes);
    } catch (e) {
      throw new UsageError(`--passes is not a valid regular expression: ${(e as Error).message}`);
    }
    const policy = checkpointOf(str(a, "checkpoint")) ?? loaded.options?.checkpoint;
    const backend = str(a, "backend") ?? loaded.options?.backend;
    const exe = await compile(fn, specs, { ...loaded.options, ...(policy ? { checkpoint: policy } : {}), ...(backend ? { backend } : {}), dump: dir, ...(filter ? { dumpPasses: filter } : {}) });
    const notes = exe.report.backendNotes.length ? `; ${exe.report.backend}: ${exe.report.backendNotes.join(", ")}` : "";
    io.out(`wrote dumps of ${loaded.name} to ${dir} (${exe.report.kernels} kernels, peak ${formatBytes(exe.report.peakBytes)}${notes})`);
    exe.dispose();
  },
  async memory(a, io) {
    const loaded = await load(a, "memory");
    const budget = str(a, "budget");
    if (budget !== undefined && !(Number(budget) >= 0)) throw new UsageError(`--budget must be a number of bytes, got '${budget}'`);
    const e = explainMemory(loaded.fn, loaded.specs, { params: paramsOf(str(a, "params"), loaded), ...(budget !== undefined ? { budgetBytes: Number(budget) } : {}) });
    io.out(formatMemoryExplanation(e));
  },
};

/** Runs the CLI on `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = STD_IO): Promise<number> {
  try {
    const a = parseArgs(argv);
    const command = a.positional[0];
    if (command === "help" || (a.flags.has("help") && !command)) {
      const topic = command === "help" ? a.positional[1] : undefined;
      io.out(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : HELP);
      return 0;
    }
    if (!command) throw new UsageError(`no command given\n\n${HELP}`);
    const run = commands[command];
    if (!run) throw new UsageError(`unknown command '${command}'; commands: ${Object.keys(commands).join(", ")}, help`);
    if (a.flags.has("help")) {
      io.out(COMMAND_HELP[command]);
      return 0;
    }
    await run(a, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`adjoint: ${e.message}`);
      return 2;
    }
    io.err(e instanceof AdjointError ? `adjoint: ${e.name}: ${e.message}` : `adjoint: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

// run when executed directly (`npx tsx packages/adjoint/src/cli/main.ts ...`), not when imported
if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  process.exitCode = await main(process.argv.slice(2));
}
