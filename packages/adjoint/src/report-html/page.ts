/** The report page: one self-contained HTML document (inline CSS and SVG, no scripts, no external resources). */
import { formatBytes, formatChange } from "@adjoint/passes";
import type { PassView, ReportData } from "./collect";
import { esc } from "./escape";
import { layoutPlan } from "./graph-layout";
import { graphCss, graphLegend, renderGraphSvg } from "./graph-svg";
import { chartCss, renderMemoryChart } from "./memory-chart";

/** Limits of the rendering. */
export interface PageLimits {
  readonly maxGraphNodes: number;
  readonly maxGraphKernels: number;
  readonly maxKernelLines: number;
}

const PAGE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1f2328;background:#fafbfc}
header,section{max-width:1200px;margin:0 auto;padding:12px 24px}
h1{font-size:22px;margin:12px 0 4px}h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
.sub{color:#57606a;margin:0 0 12px}
nav{max-width:1200px;margin:0 auto;padding:0 24px}nav a{margin-right:16px;color:#0969da;text-decoration:none}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:18px}.card span{color:#57606a;font-size:12px}
.scroll{overflow:auto;max-height:78vh;border:1px solid #d0d7de;border-radius:6px;background:#fff}
.note{color:#6e5600;background:#fff8c5;border:1px solid #eac54f;border-radius:6px;padding:4px 8px}
.legend-item{margin-right:14px;white-space:nowrap}
table{border-collapse:collapse;background:#fff;margin:8px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.unchanged td{color:#8c959f}
pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px;overflow:auto;max-height:60vh;margin:6px 0}
pre .added{background:#dafbe1}pre .rewritten{background:#fff8c5}
pre .added,pre .rewritten{display:inline-block;min-width:100%}
details{margin:6px 0}summary{cursor:pointer}
code{font:12px ui-monospace,monospace}
`;

const number = (n: number) => n.toLocaleString("en-US");

function irBlock(ir: PassView["ir"], omitted: number): string {
  if (!ir) return "";
  const lines = ir.map((l) => (l.mark ? `<span class="${l.mark}">${esc(l.text)}</span>\n` : `${esc(l.text)}\n`)).join("");
  return `<pre>${lines}${omitted ? `\n… ${number(omitted)} more lines` : ""}</pre>`;
}

function removedNote(ids: readonly number[]): string {
  if (ids.length === 0) return "";
  const shown = ids.slice(0, 60).map((id) => `%${id}`).join(", ");
  return ` Removed: <code>${esc(shown)}${ids.length > 60 ? ` … (${ids.length} in all)` : ""}</code>.`;
}

function cards(d: ReportData): string {
  const g = d.planned.plan.graph, m = d.planned.memory;
  const count = (k?: string) => g.nodes.filter((n) => n.loc.origin?.kind === k).length;
  const cp = d.planned.checkpoint;
  const items: [string, string][] = [
    [number(g.nodes.length), `nodes (${number(count())} forward, ${number(count("grad"))} backward, ${number(count("recompute"))} recompute)`],
    [number(d.planned.plan.kernels.length), "kernels"],
    [formatBytes(m.peakTotalBytes), `peak memory (${d.policyLabel})`],
    [formatBytes(m.peakActivationBytes), `activations (bound ${formatBytes(m.lowerBound)})`],
    [cp.forwardFlops > 0 ? `${((cp.recomputeFlops / cp.forwardFlops) * 100).toFixed(1)}%` : "0%", "recomputed flops / forward"],
    [`${d.passes.filter((p) => p.record.changed).length} / ${d.passes.length}`, "passes that changed the graph"],
  ];
  return `<div class="cards">${items.map(([b, s]) => `<div class="card"><b>${esc(b)}</b><span>${esc(s)}</span></div>`).join("")}</div>`;
}

function graphSection(d: ReportData, limits: PageLimits): string {
  const layout = layoutPlan(d.planned.plan, { maxNodes: limits.maxGraphNodes, maxKernels: limits.maxGraphKernels });
  const notes = layout.notes.map((n) => `<p class="note">${esc(n)}</p>`).join("");
  return `<section id="graph"><h2>Graph</h2>
<p>Boxes are kernels (one dispatch each) listing the nodes fused into them; rounded boxes are inputs and constants; an arrow is a value a kernel reads from memory. Hover a node for its source line.</p>
<p>${graphLegend()}</p>${notes}
<div class="scroll">${renderGraphSvg(layout)}</div></section>`;
}

function memorySection(d: ReportData): string {
  const rows = d.series.map((s) => {
    const rec = s.forwardFlops > 0 ? `${((s.recomputeFlops / s.forwardFlops) * 100).toFixed(1)}%` : "0%";
    return `<tr><td>${esc(s.label)}</td><td>${esc(s.plan)}</td><td class="num">${formatBytes(s.peakBytes)}</td><td class="num">${formatBytes(s.activationBytes)}</td><td class="num">${number(s.timeline.length)}</td><td class="num">${rec}</td></tr>`;
  });
  const failed = d.failedPolicies.map((f) => `<p class="note">${esc(f.label)}: ${esc(f.error)}</p>`).join("");
  const m = d.planned.memory;
  const live = m.topLive.map((v) => `<tr><td class="num">${formatBytes(v.bytes)}</td><td><code>%${v.value} ${esc(v.op)} ${esc(v.type)}</code></td><td><code>${esc(v.loc)}</code></td><td class="num">${v.firstStep}..${v.lastStep}</td></tr>`);
  const forwardOnly = d.backward ? "" : `<p class="note">This graph has no backward pass, so checkpoint policies do not change it: one series is drawn.</p>`;
  return `<section id="memory"><h2>Memory over time</h2>
<p>Live intermediate bytes after each kernel, per checkpoint policy (inputs and constants are held throughout and not drawn).</p>${forwardOnly}
${renderMemoryChart(d.series)}
<table><tr><th>policy</th><th>plan</th><th>peak (all)</th><th>activations</th><th>steps</th><th>recompute / forward flops</th></tr>${rows.join("")}</table>${failed}
<h3>Largest values live at the peak (${esc(d.policyLabel)}, step ${m.peakStep})</h3>
<table><tr><th>bytes</th><th>value</th><th>made at</th><th>live steps</th></tr>${live.join("")}</table></section>`;
}

function passesSection(d: ReportData): string {
  const rows = d.passes.map((p, i) => {
    const s = p.record.summary;
    return `<tr class="${p.record.changed ? "changed" : "unchanged"}"><td class="num">${i + 1}</td><td><a href="#pass-${i + 1}">${esc(p.name)}</a></td><td>${esc(p.summary)}</td><td>${p.record.changed ? "yes" : "no"}</td><td class="num">${s.added}</td><td class="num">${s.removed}</td><td class="num">${s.rewritten}</td><td class="num">${p.record.ms.toFixed(2)}</td></tr>`;
  });
  const details = d.passes.map((p, i) =>
    p.ir
      ? `<details id="pass-${i + 1}"><summary><b>${i + 1}. ${esc(p.name)}</b>: ${esc(formatChange(p.record.summary))} (${p.record.ms.toFixed(2)} ms)</summary><p>${esc(p.summary)}. Added nodes are green, rewritten ones yellow.${removedNote(p.removed)}</p>${irBlock(p.ir, p.omitted)}</details>`
      : `<p id="pass-${i + 1}">${i + 1}. ${esc(p.name)}: no change</p>`,
  );
  return `<section id="passes"><h2>Passes</h2>
<table><tr><th>#</th><th>pass</th><th>what it does</th><th>changed</th><th>added</th><th>removed</th><th>rewritten</th><th>ms</th></tr>${rows.join("")}</table>
<details id="pass-0"><summary><b>0. input</b>: the traced graph</summary>${irBlock(d.inputIr, d.inputOmitted)}</details>
${details.join("\n")}</section>`;
}

function kernelsSection(d: ReportData, limits: PageLimits): string {
  const lines = d.kernelsText.split("\n");
  const kept = lines.slice(0, limits.maxKernelLines).join("\n");
  const more = lines.length > limits.maxKernelLines ? `\n… ${number(lines.length - limits.maxKernelLines)} more lines` : "";
  return `<section id="kernels"><h2>Kernels</h2><details><summary>${esc(lines[0] ?? "")}</summary><pre>${esc(kept)}${esc(more)}</pre></details></section>`;
}

/** The HTML document for `d`. */
export function renderReport(d: ReportData, limits: PageLimits): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Adjoint report: ${esc(d.title)}</title>
<style>${PAGE_CSS}${graphCss()}\n${chartCss()}</style></head>
<body><header><h1>@${esc(d.title)}</h1><p class="sub">Adjoint compile report · checkpoint policy ${esc(d.policyLabel)} · schedule ${esc(d.planned.schedule.strategy)}</p>${cards(d)}</header>
<nav><a href="#graph">Graph</a><a href="#memory">Memory</a><a href="#passes">Passes</a><a href="#kernels">Kernels</a></nav>
${graphSection(d, limits)}
${memorySection(d)}
${passesSection(d)}
${kernelsSection(d, limits)}
</body></html>
`;
}
