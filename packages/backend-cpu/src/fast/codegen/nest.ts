/**
 * Loop nests for generated kernels. Every memory access of a kernel is a `Stream`: a base
 * element index and one stride per loop dim. Dims that every stream walks contiguously are
 * merged (a dense elementwise kernel becomes one flat loop) and size-1 dims dropped, then the
 * nest is written with its sizes and strides as literals.
 */

/** An access walked by a loop nest: element `base + Σ strides[d] · i[d]` of a view. */
export interface Stream {
  readonly base: number;
  readonly strides: readonly number[];
}

/** The nest after merging: fewer dims, each stream's strides over them. */
export interface Nest {
  readonly dims: readonly number[];
  readonly strides: readonly (readonly number[])[];
}

/**
 * Drops size-1 dims and merges dim d into d+1 wherever every stream has
 * strides[d] = strides[d+1] · dims[d+1] (the two dims walk memory as one). Keeps at least one dim.
 */
export function mergeDims(dims: readonly number[], streams: readonly Stream[]): Nest {
  const keep = dims.flatMap((d, i) => (d === 1 ? [] : [i]));
  let outDims = keep.map((i) => dims[i]);
  let outStrides = streams.map((s) => keep.map((i) => s.strides[i]));
  for (let d = outDims.length - 2; d >= 0; d--) {
    const inner = outDims[d + 1];
    if (!outStrides.every((st) => st[d] === st[d + 1] * inner)) continue;
    outDims = [...outDims.slice(0, d), outDims[d] * inner, ...outDims.slice(d + 2)];
    outStrides = outStrides.map((st) => [...st.slice(0, d), st[d + 1], ...st.slice(d + 2)]);
  }
  if (outDims.length === 0) return { dims: [1], strides: streams.map(() => [0]) };
  return { dims: outDims, strides: outStrides };
}

/** `base + i·stride` as compact source. */
export function offsetExpr(base: string, index: string, stride: number): string {
  if (stride === 0) return base;
  if (stride === 1) return `${base} + ${index}`;
  return `${base} + ${index} * ${stride}`;
}

/**
 * Emits a loop nest over `nest.dims`. The outermost loop runs over [`lo`, `hi`) (expressions,
 * e.g. the function's range parameters, so a kernel splits across threads by dim 0). Stream s
 * starts at element `bases[s]` (an expression); inner loop levels name their partial offsets
 * `${tag}${s}_${d}`. Inside the body, `at(s)` is stream s's element index at the current point.
 */
export function emitNest(
  nest: Nest,
  bases: readonly string[],
  lo: string,
  hi: string,
  tag: string,
  body: (at: (s: number) => string) => string,
): string {
  const rank = nest.dims.length;
  const lines: string[] = [];
  const idx = (d: number) => `${tag}i${d}`;
  // offset of stream s once loops 0..d-1 are entered
  const baseAt = (s: number, d: number) => (d === 0 ? bases[s] : `${tag}${s}_${d - 1}`);
  for (let d = 0; d < rank; d++) {
    const from = d === 0 ? lo : "0", to = d === 0 ? hi : String(nest.dims[d]);
    lines.push(`for (let ${idx(d)} = ${from}; ${idx(d)} < ${to}; ${idx(d)}++) {`);
    if (d < rank - 1 && bases.length) {
      lines.push(`const ${bases.map((_, s) => `${tag}${s}_${d} = ${offsetExpr(baseAt(s, d), idx(d), nest.strides[s][d])}`).join(", ")};`);
    }
  }
  lines.push(body((s) => offsetExpr(baseAt(s, rank - 1), idx(rank - 1), nest.strides[s][rank - 1])));
  for (let d = 0; d < rank; d++) lines.push("}");
  return lines.join("\n");
}
