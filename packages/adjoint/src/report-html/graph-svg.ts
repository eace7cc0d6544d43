/** The laid-out graph as inline SVG: kernel clusters with their node rows, sources, and edges. */
import { esc, px } from "./escape";
import { LAYOUT, type Block, type Layout } from "./graph-layout";

/** The colour of each node class, shared by the SVG's CSS and the legend. */
export const NODE_COLOURS = {
  forward: { fill: "#ffffff", stroke: "#6c8ebf", label: "forward" },
  grad: { fill: "#f8d7da", stroke: "#b85450", label: "backward (grad)" },
  recompute: { fill: "#fff3cd", stroke: "#c9a227", label: "recompute" },
  tangent: { fill: "#d1e7dd", stroke: "#5a9a6e", label: "tangent" },
  input: { fill: "#e9ecef", stroke: "#6c757d", label: "input / constant" },
} as const;

function edgePath(a: Block, b: Block): string {
  const x1 = a.x + a.width / 2, y1 = a.y + a.height, x2 = b.x + b.width / 2, y2 = b.y;
  const dy = Math.max(12, Math.min(80, (y2 - y1) / 2));
  return `<path class="edge" d="M${px(x1)},${px(y1)} C${px(x1)},${px(y1 + dy)} ${px(x2)},${px(y2 - dy)} ${px(x2)},${px(y2 - 2)}" marker-end="url(#arrow)"/>`;
}

function blockSvg(b: Block): string {
  const out: string[] = [];
  const top = b.header ? b.y + LAYOUT.HEADER_H : b.y + 2;
  if (b.kind === "kernel") {
    out.push(`<g class="cluster" data-key="${esc(b.key)}">`);
    out.push(`<rect class="cluster-box" x="${px(b.x)}" y="${px(b.y)}" width="${px(b.width)}" height="${px(b.height)}" rx="6"/>`);
    if (b.header) out.push(`<text class="cluster-label" x="${px(b.x + LAYOUT.PAD)}" y="${px(b.y + 13)}">${esc(b.header)}</text>`);
  } else {
    out.push(`<g class="source" data-key="${esc(b.key)}">`);
  }
  b.rows.forEach((r, i) => {
    const y = top + i * LAYOUT.ROW_H, inset = b.kind === "kernel" ? 3 : 0;
    const rx = r.cls === "input" ? 8 : 2;
    out.push(
      `<g class="row"><title>${esc(r.tooltip)}</title>` +
        `<rect class="node ${r.cls}" x="${px(b.x + inset)}" y="${px(y)}" width="${px(b.width - 2 * inset)}" height="${LAYOUT.ROW_H - 2}" rx="${rx}"/>` +
        `<text x="${px(b.x + LAYOUT.PAD)}" y="${px(y + 11)}">${esc(r.text)}</text></g>`,
    );
  });
  out.push("</g>");
  return out.join("");
}

/** The whole picture; edges are drawn first so boxes sit on top of them. */
export function renderGraphSvg(layout: Layout): string {
  const w = Math.ceil(layout.width), h = Math.ceil(layout.height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="graph">`,
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrow"/></marker></defs>`,
    `<g class="edges">${layout.edges.map(([a, b]) => edgePath(a, b)).join("")}</g>`,
    `<g class="blocks">${layout.blocks.map(blockSvg).join("")}</g>`,
    `</svg>`,
  ].join("\n");
}

/** A legend of the node classes, as small SVG swatches. */
export function graphLegend(): string {
  return Object.entries(NODE_COLOURS)
    .map(([cls, c]) => `<span class="legend-item"><svg width="14" height="12"><rect class="node ${cls}" x="1" y="1" width="12" height="10" rx="2"/></svg> ${esc(c.label)}</span>`)
    .join(" ");
}

/** CSS for the node classes and clusters. */
export function graphCss(): string {
  const nodes = Object.entries(NODE_COLOURS).map(([cls, c]) => `.node.${cls}{fill:${c.fill};stroke:${c.stroke}}`).join("\n");
  return `${nodes}
svg.graph text{font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#212529;pointer-events:none}
svg.graph .cluster-box{fill:#f4f6fb;stroke:#8a94b8;stroke-width:1.2}
svg.graph .cluster-label{font-weight:600;fill:#3d4b7a}
svg.graph .edge{fill:none;stroke:#8d99ae;stroke-width:1;opacity:.7}
svg.graph .arrow{fill:#8d99ae}
svg.graph .row:hover rect{stroke-width:2}`;
}
