/**
 * Gradient flow: per-parameter gradient norms (and update/weight ratios) by depth, with the
 * layer where gradients start to vanish or explode. Depth is the order the parameters are
 * given in, input side first; the backward pass walks it from the last layer to the first, so
 * the scan does too: a problem "starts" at the first layer, seen from the output, that crosses
 * a threshold.
 */
import { AdjointError, type HostTensor } from "@adjoint/ir";

/** A tensor's values: a host tensor or a plain array of numbers. */
export type TensorData = HostTensor | ArrayLike<number>;

/** Parameters (or gradients, or updates) by name in depth order, or as a list in depth order. */
export type ParamValues = Readonly<Record<string, TensorData>> | readonly TensorData[];

/** Thresholds and extras of `gradientFlowReport`. */
export interface GradientFlowOptions {
  /** The step's parameter updates (new − old), to report |update| / |weight|. Same keys or order as `params`. */
  readonly updates?: ParamValues;
  /** The layer (depth) of each parameter, e.g. [0, 0, 1, 1] for weight/bias pairs. Default: one layer per parameter. */
  readonly layers?: readonly number[];
  /** A layer gradient norm below this vanishes (default 1e-7). */
  readonly vanishingBelow?: number;
  /** A layer gradient norm above this explodes (default 1e3). */
  readonly explodingAbove?: number;
  /** A layer whose gradient norm is this factor below the largest (or above the smallest) nearer the output is flagged (default 1e3). */
  readonly maxRatio?: number;
  /** An update/weight ratio above this is flagged: the step rewrites the weight (default 0.1). */
  readonly updateRatioAbove?: number;
}

/** One parameter's figures. Norms are L2 norms over all its elements. */
export interface ParamFlow {
  readonly name: string;
  readonly layer: number;
  readonly numel: number;
  readonly weightNorm: number;
  readonly gradNorm: number;
  /** |update| / |weight| when updates are given. */
  readonly updateRatio?: number;
  /** Notes on this parameter (a large update ratio, non-finite values). */
  readonly notes: readonly string[];
}

/** One layer: the L2 norm of all its parameters' gradients. */
export interface LayerFlow {
  readonly layer: number;
  readonly names: readonly string[];
  readonly gradNorm: number;
  readonly flag?: "vanishing" | "exploding" | "non-finite";
}

/** Where a vanishing or exploding run of layers starts, and why it was flagged. */
export interface FlowProblem {
  readonly layer: number;
  readonly names: readonly string[];
  readonly gradNorm: number;
  /** The threshold crossed, or the layer (nearer the output) it is compared with. */
  readonly because: { readonly threshold: number } | { readonly layer: number; readonly gradNorm: number };
  readonly message: string;
}

/** What `gradientFlowReport` found. */
export interface GradientFlowReport {
  readonly params: readonly ParamFlow[];
  /** Layers in depth order (input side first). */
  readonly layers: readonly LayerFlow[];
  /** Geometric mean factor of the layer gradient norm per layer toward the input (< 1 shrinks, > 1 grows). */
  readonly factorPerLayer: number;
  readonly vanishing?: FlowProblem;
  readonly exploding?: FlowProblem;
  readonly nonFinite?: FlowProblem;
  /** Every finding as one line, most serious first; empty when gradients look healthy. */
  readonly messages: readonly string[];
}

const dataOf = (v: TensorData): ArrayLike<number> => ("data" in v && "shape" in v ? v.data : (v as ArrayLike<number>));

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Names and values of a `ParamValues`, in order. */
function entries(v: ParamValues): [string, TensorData][] {
  return Array.isArray(v) ? (v as readonly TensorData[]).map((x, i) => [`param${i}`, x]) : Object.entries(v as Record<string, TensorData>);
}

/** `3.2e-9` style, compact for tables and messages. */
export const sci = (x: number): string => (Number.isFinite(x) ? (x === 0 ? "0" : x.toExponential(1)) : String(x));

/** A ratio as a plain number up to 10⁴ (`250`), else in scientific form. */
const times = (r: number): string => (r < 1e4 ? String(Math.round(r)) : sci(r));

const layerName = (l: LayerFlow) => `layer ${l.layer} (${l.names.map((n) => `'${n}'`).join(", ")})`;

/**
 * Gradient norms per parameter and per layer, flagging vanishing, exploding and non-finite
 * gradients with the layer where each starts. `params`, `grads` (and `updates`) are given in
 * depth order, input side first, with the same names or length.
 */
export function gradientFlowReport(params: ParamValues, grads: ParamValues, opts: GradientFlowOptions = {}): GradientFlowReport {
  const ps = entries(params), gs = entries(grads), us = opts.updates ? entries(opts.updates) : undefined;
  const check = (what: string, xs: [string, TensorData][]) => {
    if (xs.length !== ps.length) throw new AdjointError(`gradientFlowReport: ${ps.length} parameters but ${xs.length} ${what}`);
    xs.forEach(([name, v], i) => {
      if (!Array.isArray(params) && name !== ps[i][0]) throw new AdjointError(`gradientFlowReport: ${what} entry ${i} is '${name}' but parameter ${i} is '${ps[i][0]}'; give them in the same order`);
      if (dataOf(v).length !== dataOf(ps[i][1]).length) throw new AdjointError(`gradientFlowReport: ${what} of '${ps[i][0]}' has ${dataOf(v).length} elements, the parameter ${dataOf(ps[i][1]).length}`);
    });
  };
  check("gradients", gs);
  if (us) check("updates", us);
  const layerOf = opts.layers ?? ps.map((_, i) => i);
  if (layerOf.length !== ps.length) throw new AdjointError(`gradientFlowReport: layers has ${layerOf.length} entries for ${ps.length} parameters`);
  const ratioAbove = opts.updateRatioAbove ?? 0.1;

  const rows: ParamFlow[] = ps.map(([name, w], i) => {
    const weightNorm = norm(dataOf(w)), gradNorm = norm(dataOf(gs[i][1]));
    const notes: string[] = [];
    if (!Number.isFinite(gradNorm)) notes.push("gradient not finite");
    let updateRatio: number | undefined;
    if (us) {
      updateRatio = norm(dataOf(us[i][1])) / weightNorm;
      if (updateRatio > ratioAbove) notes.push(`update/weight ${sci(updateRatio)} above ${sci(ratioAbove)}: one step rewrites the weight`);
    }
    return { name, layer: layerOf[i], numel: dataOf(w).length, weightNorm, gradNorm, ...(updateRatio === undefined ? {} : { updateRatio }), notes };
  });
  return analyse(rows, opts);
}

/** Groups rows into layers and scans them from the output side. */
function analyse(rows: readonly ParamFlow[], opts: GradientFlowOptions): GradientFlowReport {
  const below = opts.vanishingBelow ?? 1e-7, above = opts.explodingAbove ?? 1e3, ratio = opts.maxRatio ?? 1e3;
  const byLayer = new Map<number, { names: string[]; sq: number }>();
  for (const r of rows) {
    const l = byLayer.get(r.layer) ?? { names: [], sq: 0 };
    l.names.push(r.name);
    l.sq += r.gradNorm * r.gradNorm;
    byLayer.set(r.layer, l);
  }
  const layers: { layer: number; names: string[]; gradNorm: number; flag?: LayerFlow["flag"] }[] = [...byLayer]
    .sort(([a], [b]) => a - b)
    .map(([layer, l]) => ({ layer, names: l.names, gradNorm: Math.sqrt(l.sq) }));

  let vanishing: FlowProblem | undefined, exploding: FlowProblem | undefined, nonFinite: FlowProblem | undefined;
  let peak: (typeof layers)[number] | undefined, trough: (typeof layers)[number] | undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i], g = l.gradNorm;
    if (!Number.isFinite(g)) {
      l.flag = "non-finite";
      nonFinite ??= { layer: l.layer, names: l.names, gradNorm: g, because: { threshold: Infinity }, message: `non-finite gradients from ${layerName(l)}: norm ${g}` };
      continue;
    }
    // each layer is judged on its own; the first flagged one (seen from the output) is where it starts
    const v = g < below ? `is below ${sci(below)}` : peak && g * ratio < peak.gradNorm ? `is 1/${times(peak.gradNorm / g)} of ${layerName(peak)}'s ${sci(peak.gradNorm)}` : undefined;
    const e = g > above ? `is above ${sci(above)}` : trough && g > trough.gradNorm * ratio ? `is ${times(g / trough.gradNorm)}× ${layerName(trough)}'s ${sci(trough.gradNorm)}` : undefined;
    if (v) (l.flag = "vanishing"), (vanishing ??= problem("vanishing", l, g < below ? { threshold: below } : peak!, v));
    else if (e) (l.flag = "exploding"), (exploding ??= problem("exploding", l, g > above ? { threshold: above } : trough!, e));
    if (!peak || g > peak.gradNorm) peak = l;
    if (g > 0 && (!trough || g < trough.gradNorm)) trough = l;
  }
  const factorPerLayer = perLayerFactor(layers);
  const trend = Number.isFinite(factorPerLayer) ? ` (×${factorPerLayer.toPrecision(2)} per layer toward the input on average)` : "";
  const messages = [nonFinite?.message, exploding && exploding.message + trend, vanishing && vanishing.message + trend, ...rows.flatMap((r) => r.notes.filter((n) => n.startsWith("update")).map((n) => `'${r.name}': ${n}`))]
    .filter((m): m is string => !!m);
  return {
    params: rows, layers, factorPerLayer,
    ...(vanishing ? { vanishing } : {}), ...(exploding ? { exploding } : {}), ...(nonFinite ? { nonFinite } : {}),
    messages,
  };
}

function problem(kind: "vanishing" | "exploding", l: LayerFlow, ref: { threshold: number } | LayerFlow, why: string): FlowProblem {
  const because = "threshold" in ref ? { threshold: ref.threshold } : { layer: ref.layer, gradNorm: ref.gradNorm };
  return { layer: l.layer, names: l.names, gradNorm: l.gradNorm, because, message: `${kind} gradients from ${layerName(l)} toward the input: gradient norm ${sci(l.gradNorm)} ${why}` };
}

/** (first / last)^(1/(L−1)) over the finite, non-zero layer norms. */
function perLayerFactor(layers: readonly LayerFlow[]): number {
  const ok = layers.filter((l) => Number.isFinite(l.gradNorm) && l.gradNorm > 0);
  if (ok.length < 2) return NaN;
  const first = ok[0], last = ok[ok.length - 1];
  return Math.pow(first.gradNorm / last.gradNorm, 1 / (last.layer - first.layer || 1));
}

/** The report as a table (input side first) with a log-scale bar per layer, then its messages. */
export function formatGradientFlow(r: GradientFlowReport): string {
  const finite = r.layers.map((l) => l.gradNorm).filter((g) => Number.isFinite(g) && g > 0).map(Math.log10);
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const bar = (g: number) => {
    if (!Number.isFinite(g) || g <= 0 || finite.length === 0) return "";
    // at least two decades across the bar, so near-equal norms do not look wildly different
    return "█".repeat(1 + Math.round((1 - (hi - Math.log10(g)) / Math.max(hi - lo, 2)) * 19));
  };
  const width = Math.max(5, ...r.params.map((p) => p.name.length));
  const upd = r.params.some((p) => p.updateRatio !== undefined);
  const head = `layer  ${"param".padEnd(width)}  ${"numel".padStart(8)}  ${"|w|".padStart(8)}  ${"|grad|".padStart(8)}${upd ? "  |upd|/|w|" : ""}  log|grad| (layer)`;
  const lines = [`gradient flow over ${r.params.length} parameters in ${r.layers.length} layers (input side first)`, head];
  const layerOf = new Map(r.layers.map((l) => [l.layer, l]));
  let lastLayer: number | undefined;
  for (const p of r.params) {
    const l = layerOf.get(p.layer)!;
    const first = p.layer !== lastLayer;
    lastLayer = p.layer;
    const cells = [
      (first ? String(p.layer) : "").padStart(5), p.name.padEnd(width), String(p.numel).padStart(8), sci(p.weightNorm).padStart(8), sci(p.gradNorm).padStart(8),
      ...(upd ? [(p.updateRatio === undefined ? "" : sci(p.updateRatio)).padStart(9)] : []),
      first ? `${bar(l.gradNorm)}${l.flag ? ` ${l.flag}` : ""}` : "",
    ];
    lines.push(cells.join("  ").trimEnd());
  }
  lines.push(...(r.messages.length ? r.messages : ["no vanishing or exploding gradients found"]));
  return lines.join("\n");
}
