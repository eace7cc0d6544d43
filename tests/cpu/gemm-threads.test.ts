// How a GEMM step chooses between splitting across the threads and running on the calling
// thread alone (SplitChooser): driven here by a fake clock, so the choices are exact; and a
// real two-thread GEMM giving one thread's bits whichever way each run went.
import { describe, expect, it } from "vitest";
import { spec, t, trace } from "@adjoint/ir";
import { lowerCpu } from "@adjoint/backend-cpu";
import { fuseKernels, planKernels } from "@adjoint/passes";
import { SplitChooser } from "../../packages/backend-cpu/src/fast/threads";
import { expectBitwise, random } from "./util";

/**
 * A chooser over a fake clock where a split call takes `split` ms and a lone one `alone` ms
 * (workers take part in a split from call `helpFrom` on); returns the modes of `calls` calls.
 */
function choices(split: (call: number) => number, alone: (call: number) => number, calls: number, helpFrom = 0): string {
  let clock = 0, call = 0;
  const chooser = new SplitChooser(() => clock);
  let out = "";
  for (; call < calls; call++) {
    chooser.run(() => ((clock += split(call)), (out += "S"), call >= helpFrom), () => ((clock += alone(call)), (out += "a")));
  }
  return out;
}

/** The modes of `calls` calls as a string: S split, a alone. */
const modes = (calls: number, mode: (call: number) => "S" | "a") => [...Array(calls)].map((_, c) => mode(c)).join("");
/** The first six calls alternate, starting with a split. */
const explore = (c: number) => (c & 1 ? "a" : "S");

describe("SplitChooser", () => {
  it("tries both, then keeps to the faster, retrying the other every 8th call", () => {
    expect(choices(() => 40, () => 80, 40)).toBe(modes(40, (c) => (c < 6 ? explore(c) : c % 8 === 0 ? "a" : "S")));
    expect(choices(() => 160, () => 80, 40)).toBe(modes(40, (c) => (c < 6 ? explore(c) : c % 8 === 0 ? "S" : "a")));
  });

  it("drops each mode's first time (the baseline tier's), so a slow first split does not rule splitting out", () => {
    expect(choices((c) => (c === 0 ? 1000 : 40), () => 80, 10).slice(6)).toBe("SSaS");
  });

  it("does not count split times while no worker takes part (workers still starting)", () => {
    // until call 10 a split is the calling thread alone plus the overhead of splitting
    const got = choices((c) => (c < 10 ? 90 : 40), () => 80, 40, 10);
    // alternating until the split has two counted times (10 dropped, 12 and 14 counted), then split
    expect(got).toBe(modes(40, (c) => (c < 15 ? explore(c) : c % 8 === 0 ? "a" : "S")));
    // without that rule the early 90s would have ruled splitting out
    expect(choices((c) => (c < 10 ? 90 : 40), () => 80, 40).slice(6, 8)).toBe("aa");
  });

  it("counts split times anyway after 16 calls, in case the workers never take part", () => {
    const got = choices(() => 90, () => 80, 40, Infinity);
    expect(got.slice(0, 16)).toBe(modes(16, explore));
    expect(got.slice(20)).toBe(modes(40, (c) => (c % 8 === 0 ? "S" : "a")).slice(20));
  });

  it("follows a change: splitting turns slow (another process takes the second core), then fast again", () => {
    const split = (c: number) => (c >= 20 && c < 60 ? 200 : 40);
    // at 20 and 21 the smoothed split time climbs past one thread's; from 22 one thread, split
    // retried at every 8th call until the retry at 64 finds it fast again and keeps it
    const want = modes(100, (c) => (c < 6 ? explore(c) : c < 20 ? (c % 8 === 0 ? "a" : "S") : c < 22 ? "S" : c <= 64 ? (c % 8 === 0 ? "S" : "a") : c % 8 === 0 ? "a" : "S"));
    expect(choices(split, () => 80, 100)).toBe(want);
  });
});

describe("a two-thread wasm GEMM step", () => {
  it("gives one thread's bits on every run, split or not, and splits when it pays", () => {
    const g = trace((a, b) => t.matmul(a, t.transpose(b)), [spec([260, 200]), spec([300, 200])]);
    const plan = planKernels(fuseKernels(g));
    const inputs = [random([260, 200], 11), random([300, 200], 12)];
    const one = lowerCpu(plan, { nativeGemm: false }), two = lowerCpu(plan, { threads: 2, nativeGemm: false });
    const want = one.run(inputs)[0];
    for (let r = 0; r < 4 || (two.workerChunks === 0 && r < 400); r++) expectBitwise(two.run(inputs)[0], want, `run ${r}`);
    expect(two.workerChunks).toBeGreaterThan(0);
    one.dispose();
    two.dispose();
  });
});
