/**
 * Kernels with a routine of their own (`opaque` loops): movement copies, pad, concat,
 * gather and scatter_add. One thread per output element (several for large outputs). A
 * load's strides run over its operand's own dims. scatter_add is a deterministic loop per
 * output element over the indices (no float atomics, so results do not depend on timing).
 * Out-of-range gather/scatter indices are clamped and reported through the status buffer.
 */
import { AdjointError, numel, printNode, type Node, type Shape, type ValueId } from "@adjoint/ir";
import type { WebGpuLimits } from "../limits";
import type { BodyContext } from "./body";
import { flatLoop, WORKGROUP } from "./elementwise";
import { coordOf } from "./index-expr";
import { WGSL_TYPE, literal, u32 } from "./literals";
import type { KernelShader } from "./module";

type Coords = readonly string[];

/** The shader parts of the opaque kernel computing `node`. */
export function opaqueShader(ctx: BodyContext, node: Node, limits: WebGpuLimits): KernelShader {
  const { info, kernel, memory } = ctx;
  const out = node.type.shape;
  const T = WGSL_TYPE[node.type.dtype];
  const c: Coords = out.map((_, d) => coordOf("i", out, d));
  const shapeOf = (id: ValueId) => info.type(id).shape;
  /** Element of operand `id` at `coords` (u32 expressions over its own dims). */
  const at = (id: ValueId, coords: Coords): string => {
    const a = kernel.loads.get(id);
    if (!a) throw new AdjointError(`WebGPU: kernel ${kernel.id} (${node.op}) has no load for its operand %${id}`);
    const terms = a.strides.flatMap((s, d) => (s === 0 || shapeOf(id)[d] === 1 ? [] : [s === 1 ? coords[d] : `${coords[d]} * ${u32(s)}`]));
    if (a.offset) terms.unshift(u32(a.offset));
    return memory.load(a.source, terms.length ? terms.join(" + ") : "0u");
  };
  const lines: string[] = [];
  const attrs = node.attrs;
  const last = node.args[node.args.length - 1];
  const checkIndex = (name: string, size: number) => {
    if (ctx.memory.kb.status === undefined) throw new AdjointError(`WebGPU: kernel ${kernel.id} needs the status binding`);
    lines.push(`if (${name} < 0i || ${name} >= ${size}i) { flag_index(${ctx.step}u, ${name}); ${name} = clamp(${name}, 0i, ${Math.max(0, size - 1)}i); }`);
  };
  let value: string;
  switch (node.op) {
    case "reshape":
    case "custom_vjp":
    case "stop_gradient": {
      const s = shapeOf(last);
      value = at(last, s.map((_, d) => coordOf("i", s, d)));
      break;
    }
    case "broadcast": {
      const s = shapeOf(node.args[0]);
      value = at(node.args[0], s.map((dim, d) => (dim === 1 ? "0u" : c[out.length - s.length + d])));
      break;
    }
    case "transpose": {
      const perm = attrs.perm as readonly number[];
      const coords: string[] = [];
      perm.forEach((p, i) => (coords[p] = c[i]));
      value = at(node.args[0], coords);
      break;
    }
    case "slice": {
      const starts = attrs.starts as readonly number[];
      value = at(node.args[0], c.map((x, d) => (starts[d] ? `(${x} + ${u32(starts[d])})` : x)));
      break;
    }
    case "pad": {
      const lo = attrs.lo as readonly number[];
      const s = shapeOf(node.args[0]);
      const inside = c.flatMap((x, d) => [...(lo[d] ? [`${x} >= ${u32(lo[d])}`] : []), `${x} < ${u32(lo[d] + s[d])}`]);
      lines.push(`var v: ${T} = ${literal(node.type.dtype, attrs.value as number)};`);
      lines.push(`if (${inside.join(" && ") || "true"}) { v = ${at(node.args[0], c.map((x, d) => (lo[d] ? `(${x} - ${u32(lo[d])})` : x)))}; }`);
      value = "v";
      break;
    }
    case "concat": {
      const axis = attrs.axis as number;
      lines.push(`var v: ${T};`);
      let start = 0;
      const branches: string[] = [];
      for (const arg of node.args) {
        const len = shapeOf(arg)[axis];
        if (len === 0) continue;
        const coords = c.map((x, d) => (d === axis && start ? `(${x} - ${u32(start)})` : x));
        branches.push(`if (${c[axis]} < ${u32(start + len)}) { v = ${at(arg, coords)}; }`);
        start += len;
      }
      lines.push(branches.join(" else "));
      value = "v";
      break;
    }
    case "gather": {
      const axis = attrs.axis as number;
      const [x, idx] = node.args;
      const ir = shapeOf(idx).length;
      lines.push(`var j: i32 = ${at(idx, c.slice(axis, axis + ir))};`);
      checkIndex("j", shapeOf(x)[axis]);
      value = at(x, [...c.slice(0, axis), "u32(j)", ...c.slice(axis + ir)]);
      break;
    }
    case "scatter_add": {
      if (node.type.dtype === "bool") throw new AdjointError(`WebGPU: scatter_add of bool values is not supported: ${printNode(node)}`, node.op, node.loc);
      const axis = attrs.axis as number;
      const [u, idx] = node.args;
      const idxShape: Shape = shapeOf(idx);
      const uRank = shapeOf(u).length;
      const q = c.slice(axis + 1);
      const jc = idxShape.map((_, d) => coordOf("jj", idxShape, d));
      lines.push(`var v: ${T} = ${node.type.dtype === "f32" ? "0.0" : "0i"};`);
      lines.push(`for (var jj = 0u; jj < ${u32(numel(idxShape))}; jj++) {`);
      lines.push(`  var t: i32 = ${at(idx, jc)};`);
      lines.push(`  if (${c[axis]} == 0u && (t < 0i || t >= ${attrs.size as number}i)) { flag_index(${ctx.step}u, t); }`);
      lines.push(`  if (t == i32(${c[axis]})) { v = v + ${at(u, [...c.slice(0, axis), ...jc, ...q].slice(0, uRank))}; }`);
      lines.push(`}`);
      value = "v";
      break;
    }
    default:
      throw new AdjointError(`WebGPU: no opaque routine for ${printNode(node)}`, node.op, node.loc);
  }
  if (ctx.checkNumerics && node.type.dtype === "f32") lines.push(`flag_nonfinite(${value}, ${2 + ctx.step}u, ${Math.max(0, ctx.computed.indexOf(node.id))}u);`);
  lines.push(memory.store(node.id, "i", value));
  const { grid, text } = flatLoop(numel(out), limits, `kernel ${kernel.id}`, lines.join("\n"));
  return { workgroupSize: WORKGROUP, grid, body: text };
}

/** Whether an opaque node needs the status binding (index range checks). */
export const opaqueNeedsStatus = (node: Node): boolean => node.op === "gather" || node.op === "scatter_add";
