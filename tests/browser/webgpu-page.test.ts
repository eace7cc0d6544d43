// A differentiated function compiled and run on WebGPU inside headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core; WebGPU on SwiftShader), checked against the
// interpreter in Node.
import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { interpret } from "@adjoint/backend-cpu";
import { expectClose } from "../webgpu/compare";
import { bundlePage, servePage } from "./serve";
import { mlpGradGraph, mlpInputs } from "./shared";
import type { PageResult } from "./page";

const CHROMIUM = "/usr/bin/chromium";
// the flags of a headless Chromium on this kind of machine (no background networking), plus WebGPU on SwiftShader
const ARGS = [
  "--headless", "--no-sandbox", "--enable-unsafe-webgpu", "--enable-unsafe-swiftshader", "--use-webgpu-adapter=swiftshader",
  "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let browser: Browser | undefined;
afterAll(async () => browser?.close());

describe("WebGPU in a browser page", () => {
  it("runs valueAndGrad of an MLP and matches the interpreter", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (see docs/webgpu.md)`);
    const { server, url } = await servePage(await bundlePage());
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as { __adjoint?: unknown }).__adjoint !== undefined, undefined, { timeout: 60_000 });
      const result = (await page.evaluate(() => (globalThis as unknown as { __adjoint: unknown }).__adjoint)) as PageResult;
      expect(result.error, `page error; console:\n${logs.join("\n")}`).toBeUndefined();
      const want = interpret(mlpGradGraph(), mlpInputs());
      expect(result.outputs!.length).toBe(want.length);
      want.forEach((w, i) => {
        const o = result.outputs![i];
        const data = o.dtype === "f32" ? Float32Array.from(o.data) : Int32Array.from(o.data);
        expectClose({ shape: o.shape, dtype: o.dtype as "f32", data }, w, 1e-5, `page output ${i}`);
      });
      expect(result.kernels).toBeGreaterThan(3);
      expect(result.adapter, "the page reports the adapter it ran on").toMatch(/\w/);
      console.log(`browser WebGPU adapter: ${result.adapter}; ${result.kernels} dispatches per step`);
    } finally {
      server.close();
    }
  }, 120_000);
});
