import {
  AdjointError, formatLoc, formatType, inferNode, isOpName, numel, sameShape,
  type Graph, type HostTensor, type Node, type OpName, type TensorType, type ValueId,
} from "@adjoint/ir";
import { kernels } from "./kernels/table";
import type { Kernel } from "./kernels/kernel";
import { allocStorage, toStorage, type Precision } from "./storage";

/** Options of `interpret`. */
export interface InterpretOptions {
  /** Storage of f32 values: `"f32"` (default) rounds after every op; `"f64"` keeps doubles, for finite differences. */
  readonly precision?: Precision;
  /** Called with each node's value right after it is computed (checkNumerics uses it; a throw stops the run). */
  readonly onValue?: (node: Node, value: HostTensor) => void;
}

const sameType = (a: TensorType, b: TensorType) => a.dtype === b.dtype && sameShape(a.shape, b.shape);

/** Checks the given inputs against the graph's and copies them into storage arrays. */
function loadInputs(graph: Graph, inputs: readonly HostTensor[], precision: Precision): HostTensor[] {
  const expected = graph.inputs.map((inp) => `${inp.name}: ${formatType(inp.type)}`).join(", ");
  if (inputs.length !== graph.inputs.length) {
    throw new AdjointError(`${graph.name}: expects ${graph.inputs.length} inputs (${expected}), got ${inputs.length}`);
  }
  return graph.inputs.map((inp, i) => {
    const given = inputs[i];
    const what = `${graph.name}: input ${i} '${inp.name}'`;
    if (!given || !Array.isArray(given.shape) || given.data === undefined) {
      throw new AdjointError(`${what}: expected a tensor ${formatType(inp.type)}, got ${String(given)}`);
    }
    if (!sameType(given, inp.type)) {
      throw new AdjointError(`${what}: expected ${formatType(inp.type)}, got ${formatType(given)}`);
    }
    if (given.data.length !== numel(inp.type.shape)) {
      throw new AdjointError(`${what}: ${formatType(inp.type)} holds ${numel(inp.type.shape)} elements, but its data has ${given.data.length}`);
    }
    // a copy in the storage type: kernels never see (or alias) the caller's array
    return { shape: inp.type.shape, dtype: inp.type.dtype, data: toStorage(given.data, inp.type.dtype, precision) };
  });
}

/** Runs one node's kernel after checking its operands exist and give the type the node records. */
function evalNode(node: Node, env: ReadonlyMap<ValueId, HostTensor>, precision: Precision): HostTensor {
  const at = `(at ${formatLoc(node.loc)})`;
  if (!isOpName(node.op)) throw new AdjointError(`%${node.id}: unknown op '${node.op}' ${at}`, node.op, node.loc);
  const args = node.args.map((id) => {
    const v = env.get(id);
    if (!v) throw new AdjointError(`${node.op}: node %${node.id} reads %${id}, which is not defined before it ${at}`, node.op, node.loc);
    return v;
  });
  // Kernels trust operand shapes; re-inferring turns a malformed graph into an error, not wrong numbers.
  const type = inferNode(node.op, args, node.attrs, node.loc);
  if (!sameType(type, node.type)) {
    throw new AdjointError(`${node.op}: node %${node.id} records type ${formatType(node.type)} but its operands give ${formatType(type)} ${at}`, node.op, node.loc);
  }
  const out: HostTensor = { shape: node.type.shape, dtype: node.type.dtype, data: allocStorage(node.type.dtype, numel(node.type.shape), precision) };
  const kernel = kernels[node.op as OpName] as Kernel<OpName>;
  kernel(out, args, node.attrs as never, node);
  return out;
}

/**
 * The reference interpreter: runs `graph` on host tensors, one kernel per node in graph order,
 * and returns one tensor per graph output. It is the oracle every other executor is tested against.
 */
export function interpret(graph: Graph, inputs: readonly HostTensor[], opts: InterpretOptions = {}): HostTensor[] {
  const precision = opts.precision ?? "f32";
  const env = new Map<ValueId, HostTensor>();
  loadInputs(graph, inputs, precision).forEach((v, i) => env.set(graph.inputs[i].id, v));
  // a flat loop over the topological order: no recursion, so graph depth is unbounded
  for (const node of graph.nodes) {
    const value = evalNode(node, env, precision);
    opts.onValue?.(node, value);
    env.set(node.id, value);
  }
  const returned = new Set<HostTensor["data"]>();
  return graph.outputs.map((id) => {
    const v = env.get(id);
    if (!v) throw new AdjointError(`${graph.name}: output %${id} is not defined in the graph`);
    // an output listed twice gets its own copy, so writing to one result never changes another
    const data = returned.has(v.data) ? v.data.slice() : v.data;
    returned.add(data);
    return { shape: v.shape, dtype: v.dtype, data };
  });
}
