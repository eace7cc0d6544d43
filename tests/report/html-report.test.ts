// The HTML report in headless Chromium (Debian's /usr/bin/chromium via playwright-core): it loads
// with no console errors and no requests beyond its own file, the memory plot has one series per
// checkpoint policy, the graph has a cluster per kernel and nodes of each colour class, and the
// passes section lists the pipeline with each pass's change. A screenshot goes to /tmp.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { t, traceWithTree, type Tensor } from "@adjoint/ir";
import { runPasses, simplifyPipeline } from "@adjoint/passes";
import { compile, spec, valueAndGrad } from "adjoint";
import { htmlReport, writeHtmlReport } from "../../packages/adjoint/src/report-html";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

const L = 4;
const mlp = (...a: Tensor[]) => {
  let h = a[L];
  for (let i = 0; i < L; i++) h = t.tanh(t.add(t.matmul(h, a[i]), 0.5));
  return t.mean(t.mul(h, h));
};
const params = Array.from({ length: L }, (_, i) => i);
const specs = [...params.map((i) => spec([16, 16], "f32", `w${i}`)), spec([32, 16], "f32", "x")];
const train = valueAndGrad(mlp, { argnums: params });
const dir = mkdtempSync(path.join(tmpdir(), "adjoint-report-"));

let browser: Browser | undefined;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});
afterAll(async () => browser?.close());

/** Opens `file` and collects console errors, page errors and any request for another URL. */
async function open(file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  const own = pathToFileURL(file).href;
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => r.url() !== own && problems.push(`request: ${r.url()}`));
  await page.goto(own);
  return { page, problems };
}

const attr = (page: Page, selector: string, name: string) => page.$$eval(selector, (els, n) => els.map((e) => e.getAttribute(n)), name);

describe("writeHtmlReport", () => {
  it("renders the training graph, one memory series per policy and every pass, self-contained", async () => {
    const file = writeHtmlReport(train, specs, path.join(dir, "train.html"), { checkpoint: "all", fuse: false });
    const html = readFileSync(file, "utf8");
    // nothing to fetch: no scripts, stylesheets, images or links to other sites (the SVG namespace is a name, not a request)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(http/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, "")).not.toMatch(/https?:\/\//);
    const { page, problems } = await open(file);
    try {
      expect(problems).toEqual([]);
      // the plot: one series and one legend entry per policy, each with a visible line
      expect(await attr(page, "svg.memory-chart path.series", "data-policy")).toEqual(["none", "sqrt", "all"]);
      expect(await attr(page, "svg.memory-chart .legend-item", "data-policy")).toEqual(["none", "sqrt", "all"]);
      for (const d of await attr(page, "svg.memory-chart path.series", "d")) expect(d).toMatch(/^M[\d.]+,[\d.]+(H[\d.]+V[\d.]+)+H[\d.]+$/);
      const boxes = await page.$$eval("svg.memory-chart path.series", (els) => els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width));
      boxes.forEach((w) => expect(w).toBeGreaterThan(100));
      // the graph: without fusion every node of compile()'s graph is a kernel of its own
      const exe = await compile(train, specs, { backend: "interpret", checkpoint: "all" });
      expect(await page.locator("svg.graph g.cluster").count()).toBe(exe.report.kernels);
      for (const cls of ["forward", "grad", "recompute", "input"]) {
        expect(await page.locator(`svg.graph rect.node.${cls}`).count(), `nodes of class ${cls}`).toBeGreaterThan(0);
      }
      expect(await page.locator(`svg.graph rect.node.recompute`).count()).toBe(exe.graph.nodes.filter((n) => n.loc.origin?.kind === "recompute").length);
      // the passes: the pipeline compile ran, in order
      const names = await page.$$eval("#passes table tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent));
      expect(names).toEqual(exe.report.passes.map((p) => p.name));
      await page.screenshot({ path: "/tmp/adjoint-report.png", fullPage: false });
      await page.locator("#memory").screenshot({ path: "/tmp/adjoint-report-memory.png" });
    } finally {
      await page.close();
    }
  }, 60_000);

  it("shows each changed pass's IR with the change the pass manager recorded", () => {
    const html = htmlReport(train, specs, {});
    const { records } = runPasses(traceWithTree(train, specs, train.name).graph, simplifyPipeline);
    for (const [i, r] of records.entries()) {
      if (!r.changed) {
        expect(html).toContain(`<p id="pass-${i + 1}">${i + 1}. ${r.name}: no change</p>`);
        continue;
      }
      const { added, removed, rewritten } = r.summary;
      expect(html).toContain(`<summary><b>${i + 1}. ${r.name}</b>: added ${added}, removed ${removed}, rewritten ${rewritten} (`);
    }
    expect(html).toMatch(/<details id="pass-0"><summary><b>0\. input<\/b>: the traced graph<\/summary><pre>graph @value_and_grad_mlp\(/);
  });

  it("adds a budget policy's series when the report is for a budget", async () => {
    const file = writeHtmlReport(train, specs, path.join(dir, "budget.html"), { checkpoint: { budgetBytes: 24 * 1024 } });
    const { page, problems } = await open(file);
    try {
      expect(problems).toEqual([]);
      expect(await attr(page, "svg.memory-chart path.series", "data-policy")).toEqual(["none", "sqrt", "all", "budget 24.0 KiB"]);
      // fused: a kernel holds several nodes
      expect(await page.locator("svg.graph g.cluster").count()).toBeLessThan(await page.locator("svg.graph g.cluster g.row").count());
    } finally {
      await page.close();
    }
  }, 60_000);

  it("draws one series and says why for a function with no backward pass", () => {
    const html = htmlReport(mlp, specs);
    expect(html.match(/<path class="series"/g)).toHaveLength(1);
    expect(html).toContain(`data-policy="none"`);
    expect(html).toContain("This graph has no backward pass, so checkpoint policies do not change it: one series is drawn.");
  });

  it("collapses kernels past maxGraphNodes and leaves out kernels past maxGraphKernels, with a note", () => {
    const html = htmlReport(train, specs, { fuse: false, maxGraphNodes: 5, maxGraphKernels: 7 });
    expect(html).toContain("showing the first 7 of ");
    expect(html).toMatch(/<p class="note">7 nodes: each kernel is drawn as one row per node class \(hover for its nodes\)<\/p>/);
    expect(html.match(/<g class="cluster"/g)).toHaveLength(7);
    const collapsed = htmlReport(train, specs, { maxGraphNodes: 10 });
    expect(collapsed).toMatch(/<rect class="node grad"[^>]*\/><text[^>]*>\d+ grad nodes?<\/text>/);
  });
});
