/**
 * Memory over time as an inline SVG line chart: live intermediate bytes after each kernel, one
 * step-line series per checkpoint policy, a marker at each peak and a legend.
 */
import { formatBytes } from "@adjoint/passes";
import { esc, px } from "./escape";

/** One line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly timeline: readonly number[];
}

/** Series colours in order (the first policy is usually "none"). */
export const SERIES_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

const W = 880, PLOT_H = 300, LEFT = 78, RIGHT = 16, TOP0 = 10, BOTTOM = 42;
/** More points than this per series are merged, keeping each bucket's maximum (so peaks survive). */
const MAX_POINTS = 1200;

/** A 1, 2, 2.5 or 5 × 10^k step for about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].find((m) => m * mag >= raw)! * mag;
}

/** A round step for about `count` ticks up to `max` bytes, in the unit formatBytes will print. */
function byteStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const unit = Math.pow(1024, Math.max(0, Math.floor(Math.log(max) / Math.log(1024))));
  return niceStep(max / unit, count) * unit;
}

/** `[step, value]` points, at most MAX_POINTS, each bucket's maximum. */
function points(timeline: readonly number[]): [number, number][] {
  if (timeline.length <= MAX_POINTS) return timeline.map((v, i) => [i, v]);
  const out: [number, number][] = [];
  const per = timeline.length / MAX_POINTS;
  for (let b = 0; b < MAX_POINTS; b++) {
    const lo = Math.floor(b * per), hi = Math.floor((b + 1) * per);
    let best = lo;
    for (let i = lo + 1; i < hi; i++) if (timeline[i] > timeline[best]) best = i;
    out.push([lo, timeline[best]]);
  }
  return out;
}

/** Legend entries in rows above the plot, wrapping at the chart's width. */
function legendRows(series: readonly ChartSeries[]): { items: string[]; height: number } {
  let x = LEFT, row = 0;
  const items = series.map((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length];
    const peak = s.timeline.reduce((m, v) => (v > m ? v : m), 0);
    const text = `${s.label} (peak ${formatBytes(peak)})`, w = 30 + text.length * 6.4 + 18;
    if (x + w > W - RIGHT && x > LEFT) (x = LEFT), row++;
    const item = `<g class="legend-item" data-policy="${esc(s.label)}" transform="translate(${px(x)} ${TOP0 + 12 + row * 18})"><line x1="0" x2="22" y1="-4" y2="-4" stroke="${colour}" stroke-width="3"/><text x="28" y="0">${esc(text)}</text></g>`;
    x += w;
    return item;
  });
  return { items, height: series.length ? (row + 1) * 18 + 8 : 0 };
}

/** The chart; `series` are drawn in order with SERIES_COLOURS. */
export function renderMemoryChart(series: readonly ChartSeries[]): string {
  const legend = legendRows(series);
  const TOP = TOP0 + legend.height;
  const steps = Math.max(2, ...series.map((s) => s.timeline.length));
  const maxBytes = Math.max(1, ...series.map((s) => s.timeline.reduce((m, v) => (v > m ? v : m), 0)));
  const step = byteStep(maxBytes), top = Math.ceil(maxBytes / step) * step;
  const H = TOP + PLOT_H + BOTTOM;
  const x = (i: number) => LEFT + (i / (steps - 1)) * (W - LEFT - RIGHT);
  const y = (v: number) => H - BOTTOM - (v / top) * (H - TOP - BOTTOM);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="memory-chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="memory over time">`];
  out.push(`<g class="axes">`);
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${px(y(v))}" y2="${px(y(v))}"/><text class="tick" x="${LEFT - 6}" y="${px(y(v) + 4)}" text-anchor="end">${esc(formatBytes(v))}</text>`);
  }
  const xStep = Math.max(1, Math.round(niceStep(steps - 1, 8)));
  for (let i = 0; i <= steps - 1; i += xStep) out.push(`<text class="tick" x="${px(x(i))}" y="${H - BOTTOM + 16}" text-anchor="middle">${i}</text>`);
  out.push(`<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${H - BOTTOM}" y2="${H - BOTTOM}"/><line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${H - BOTTOM}"/>`);
  out.push(`<text class="label" x="${(LEFT + W - RIGHT) / 2}" y="${H - 6}" text-anchor="middle">step (kernel, in schedule order)</text>`);
  out.push(`<text class="label" transform="translate(14 ${(TOP + H - BOTTOM) / 2}) rotate(-90)" text-anchor="middle">live intermediate bytes</text></g>`);
  series.forEach((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length];
    const pts = points(s.timeline);
    if (pts.length === 0) return;
    // a step line: the value holds from one kernel to the next
    const end = Math.min(steps - 1, s.timeline.length);
    const d = pts.map(([i, v], j) => (j === 0 ? `M${px(x(i))},${px(y(v))}` : `H${px(x(i))}V${px(y(v))}`)).join("") + `H${px(x(end))}`;
    out.push(`<path class="series" data-policy="${esc(s.label)}" d="${d}" stroke="${colour}"/>`);
    let peak = 0;
    s.timeline.forEach((v, i) => v > s.timeline[peak] && (peak = i));
    out.push(`<circle class="peak" cx="${px(x(peak))}" cy="${px(y(s.timeline[peak] ?? 0))}" r="3.5" fill="${colour}"><title>${esc(`${s.label}: peak ${formatBytes(s.timeline[peak] ?? 0)} at step ${peak}`)}</title></circle>`);
  });
  out.push(`<g class="legend">${legend.items.join("")}</g>`);
  out.push(`</svg>`);
  return out.join("\n");
}

/** CSS of the chart. */
export function chartCss(): string {
  return `svg.memory-chart text{font:11px system-ui,sans-serif;fill:#333}
svg.memory-chart .grid{stroke:#e5e7eb}
svg.memory-chart .axis{stroke:#555}
svg.memory-chart .series{fill:none;stroke-width:2;stroke-linejoin:round}
svg.memory-chart .legend-box{fill:#fff;fill-opacity:.9;stroke:#ccc}
svg.memory-chart .label{font-weight:600}`;
}
