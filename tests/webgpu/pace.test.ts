// The pacing rule of the wait for results (packages/backend-webgpu/src/pace.ts), on simulated
// steps: a step whose GPU work takes `gpu` ms, slept `s`, then polls max(gpu - s, ~0) ms.
import { describe, expect, it } from "vitest";
import { PACE_MIN_MS, Pacer } from "../../packages/backend-webgpu/src/pace";

/** Runs `n` simulated steps of `gpu` ms each; returns the sleeps chosen. */
function simulate(p: Pacer, gpu: number, n: number): number[] {
  const sleeps: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = p.sleepMs();
    sleeps.push(s);
    p.record(s, Math.max(gpu - s, 0.1));
  }
  return sleeps;
}

describe("Pacer", () => {
  it("polls at once on the first step, then sleeps 80% of the GPU time", () => {
    const p = new Pacer();
    const sleeps = simulate(p, 1000, 6);
    expect(sleeps[0]).toBe(0);
    expect(sleeps[1]).toBeCloseTo(800);
    for (const s of sleeps.slice(1)) expect(s).toBeLessThan(1000); // never past the work: it keeps polling the last fifth
  });

  it("after a slow step, halves an oversleep each step instead of shrinking it by a fifth", () => {
    const p = new Pacer();
    simulate(p, 20000, 1); // a first step slowed down (e.g. by the poller itself)
    const sleeps = simulate(p, 5000, 6);
    expect(sleeps[0]).toBeCloseTo(16000);
    // 16000 (ready at once) → 8000 (ready) → 4000 (polls 1000) → 4000 ...
    expect(sleeps.slice(1, 4)).toEqual([8000, 4000, 4000]);
  });

  it("does not sleep for steps shorter than a timer's latency", () => {
    const p = new Pacer();
    expect(simulate(p, PACE_MIN_MS, 5).every((s) => s === 0)).toBe(true);
  });
});
