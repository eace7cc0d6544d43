/** The text of `adjoint --help` and of each command's help: every command and option. */

const MODULE = `A <module> is a TypeScript or JavaScript file exporting the function to compile:
  export const specs = [spec([64, 64], "f32", "w"), spec([32, 64], "f32", "x")];
  export function fn(w: Tensor, x: Tensor) { return t.sum(t.tanh(t.matmul(x, w))); }
or a default export { fn, specs }. Optional exports: params (argument indices of the
trained parameters, for --train and memory; default [0]) and options (compile options
such as { checkpoint: "sqrt" }). --export NAME picks the export NAME instead: either an
object { fn, specs, params?, options? } or a function whose specs are the export specs.`;

/** Help of each command, by name. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  report: `adjoint report <module> [options]
  Runs the compile pipeline on the module's function (no backend or GPU needed) and writes
  one self-contained HTML file: the graph (forward, backward, recompute nodes coloured,
  kernels as clusters), the IR after each pass with its change summary, and memory over
  time per checkpoint policy.
  --out FILE          where to write (default: <module name>-report.html)
  --export NAME       the export to compile (default: fn/specs or the default export)
  --train             compile valueAndGrad of the function with respect to params
  --params LIST       with --train: argument indices of the trained parameters, e.g. 0,1,2
  --checkpoint P      none | sqrt | all | <bytes> (a budget); default the module's options or none
  --no-fuse           one kernel per node (as the interpret backend plans)
  --max-nodes N       node rows drawn before kernels collapse to one row each (default 400)`,
  dump: `adjoint dump <module> --out <dir> [options]
  Compiles the module's function with compile(..., { dump: dir }) and writes the dumps:
  00-input.ir, NN-<pass>.ir after each pass that changed the graph (with its change
  summary), summary.txt, graph.dot, kernels.ir, kernels.dot (and report.html where compile
  writes one).
  --out DIR           the folder (required; created if missing)
  --passes REGEX      only passes whose name matches get an .ir file
  --export NAME       the export to compile
  --train             compile valueAndGrad of the function with respect to params
  --params LIST       with --train: argument indices of the trained parameters
  --checkpoint P      none | sqrt | all | <bytes>
  --backend NAME      the backend to lower on (default: the default backend)`,
  memory: `adjoint memory <module> [options]
  Explains why training uses N× the memory of inference: plans the function for inference
  and valueAndGrad of it for training under checkpoint policies none, sqrt, all and a budget,
  and lists the values live at the training peak with the source lines that made them.
  --export NAME       the export to explain
  --params LIST       argument indices of the trained parameters, e.g. 0,1,2 (default: params or 0)
  --budget BYTES      the budget policy's bytes (default: halfway between all and none)`,
};

/** `adjoint --help`. */
export const HELP = `adjoint: look inside what Adjoint compiles

Usage:
  adjoint report <module> [--out file.html] [--export name] [--train] [--checkpoint P] [--no-fuse] [--max-nodes N]
  adjoint dump <module> --out <dir> [--passes regex] [--export name] [--train] [--checkpoint P] [--backend B]
  adjoint memory <module> [--export name] [--params 0,1] [--budget bytes]
  adjoint help [command]        this text, or one command's
  adjoint --help | -h            (also: adjoint <command> --help)

Commands:
${Object.values(COMMAND_HELP).join("\n\n")}

${MODULE}

Run it with: node packages/adjoint/src/cli/adjoint.mjs ... (the package's bin), or
npx tsx packages/adjoint/src/cli/main.ts ...
Exit status: 0 success, 1 the pipeline failed (the error is printed), 2 bad usage.`;
