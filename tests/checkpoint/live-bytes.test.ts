// liveBytesPeak against a timeline worked out by hand.
import { describe, expect, it } from "vitest";
import { parseGraph } from "@adjoint/ir";
import { liveBytesPeak, liveBytesTimeline } from "@adjoint/passes";

// every f32[4] is 16 bytes, the f32[] loss 4
const g = parseGraph(`graph @f(%0: f32[4] "x" loc("m.ts":1:1)) {
  %1 = tanh %0 : f32[4] loc("m.ts":2:1)
  %2 = exp %1 : f32[4] loc("m.ts":3:1)
  %3 = add %1, %2 : f32[4] loc("m.ts":4:1)
  %4 = reduce_sum %3 {axes = [0], keepdims = false} : f32[] loc("m.ts":5:1)
  %5 = neg %0 : f32[4] loc("m.ts":6:1)
  return %4
}`);

describe("liveBytesPeak", () => {
  it("counts a value from its node through its last reader; inputs and outputs are left out", () => {
    // node 0: %1 | node 1: %1 %2 | node 2: %1 %2 %3 | node 3: %3 (+%4, an output) | node 4: %5 (nobody reads it)
    expect([...liveBytesTimeline(g).timeline]).toEqual([16, 32, 48, 16, 16]);
    expect(liveBytesTimeline(g).peakAt).toBe(2);
    expect(liveBytesPeak(g)).toBe(48);
  });

  it("can count outputs (live to the end) and inputs (live throughout)", () => {
    expect([...liveBytesTimeline(g, { outputs: true }).timeline]).toEqual([16, 32, 48, 20, 20]);
    expect([...liveBytesTimeline(g, { inputs: true }).timeline]).toEqual([32, 48, 64, 32, 32]);
    expect(liveBytesPeak(g, { inputs: true, outputs: true })).toBe(64);
  });

  it("treats broadcast, reshape and transpose as views: no bytes, but they keep their operand alive", () => {
    const v = parseGraph(`graph @f(%0: f32[4] "x" loc("m.ts":1:1)) {
  %1 = tanh %0 : f32[4] loc("m.ts":2:1)
  %2 = reshape %1 {shape = [2, 2]} : f32[2,2] loc("m.ts":3:1)
  %3 = exp %0 : f32[4] loc("m.ts":4:1)
  %4 = transpose %2 {perm = [1, 0]} : f32[2,2] loc("m.ts":5:1)
  %5 = reshape %0 {shape = [2, 2]} : f32[2,2] loc("m.ts":6:1)
  %6 = add %4, %5 : f32[2,2] loc("m.ts":7:1)
  return %6, %3
}`);
    // %1's buffer lives through %6 (read through %2 and %4); %3 is an output; %5 views the input
    expect([...liveBytesTimeline(v).timeline]).toEqual([16, 16, 16, 16, 16, 16]);
    expect([...liveBytesTimeline(v, { views: false }).timeline]).toEqual([16, 32, 16, 32, 32, 32]);
  });
});
