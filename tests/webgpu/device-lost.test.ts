// The shared device-loss watcher (packages/backend-webgpu/src/device-lost.ts), on a stand-in
// device whose `lost` promise the test settles: no GPU needed.
import { describe, expect, it } from "vitest";
import { lostWatch, raceLost } from "../../packages/backend-webgpu/src/device-lost";

/** A stand-in device: `lost` resolves when `lose` is called; `reactions` counts `lost.then` calls. */
function fakeDevice() {
  let lose!: (info: GPUDeviceLostInfo) => void;
  const lost = new Promise<GPUDeviceLostInfo>((r) => (lose = r));
  const counter = { reactions: 0 };
  const then = lost.then.bind(lost);
  lost.then = ((...a: Parameters<typeof then>) => (counter.reactions++, then(...a))) as typeof lost.then;
  const device = { lost } as unknown as GPUDevice;
  return { device, counter, lose: () => lose({ reason: "destroyed", message: "gone" } as GPUDeviceLostInfo) };
}
const err = (info: GPUDeviceLostInfo) => new Error(`lost: ${info.reason}: ${info.message}`);

describe("device-loss watcher", () => {
  it("one reaction per device however many watchers and races", async () => {
    const { device, counter } = fakeDevice();
    const w = lostWatch(device);
    for (let i = 0; i < 50; i++) {
      expect(lostWatch(device)).toBe(w);
      await expect(raceLost(w, Promise.resolve(i), err)).resolves.toBe(i);
    }
    expect(counter.reactions).toBe(1);
    expect(w.waiters.size).toBe(0); // settled races leave nothing behind
  });

  it("a failing work rejects with its own error and leaves no waiter", async () => {
    const { device } = fakeDevice();
    const w = lostWatch(device);
    await expect(raceLost(w, Promise.reject(new Error("map failed")), err)).rejects.toThrow("map failed");
    expect(w.waiters.size).toBe(0);
  });

  it("a loss rejects work still pending, and later races fail at once", async () => {
    const { device, lose } = fakeDevice();
    const w = lostWatch(device);
    const pending = raceLost(w, new Promise<number>(() => {}), err);
    expect(w.waiters.size).toBe(1);
    lose();
    await expect(pending).rejects.toThrow("lost: destroyed: gone");
    expect(w.info?.reason).toBe("destroyed");
    expect(w.waiters.size).toBe(0);
    await expect(raceLost(w, new Promise<number>(() => {}), err)).rejects.toThrow("lost: destroyed");
  });
});
