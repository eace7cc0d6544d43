/// <reference types="@webgpu/types" />
/**
 * One watcher of `device.lost` per device, shared by every executable on it. A reaction on
 * `device.lost` lives (with everything it references) until the device dies, which for a
 * process-wide device is the whole process; so executables and steps must not each add one.
 * Steps register a waiter for the time they wait on the GPU and remove it when done, so the
 * waiting set stays as small as the number of steps in flight.
 */

/** What is known about one device's loss, shared by all its executables. */
export interface LostWatch {
  /** The loss, once the device is lost. */
  info: GPUDeviceLostInfo | undefined;
  /** Called once with the loss; steps waiting on the GPU add themselves and remove themselves when done. */
  readonly waiters: Set<(info: GPUDeviceLostInfo) => void>;
}

// keyed weakly: the watch must not keep a destroyed, unreferenced device alive
const watches = new WeakMap<GPUDevice, LostWatch>();

/** The device's one loss watcher, made (with its single `device.lost` reaction) on first use. */
export function lostWatch(device: GPUDevice): LostWatch {
  let watch = watches.get(device);
  if (watch) return watch;
  const w: LostWatch = { info: undefined, waiters: new Set() };
  // the reaction references only `w`, never the device or an executable
  device.lost.then((info) => {
    w.info = info;
    const waiting = [...w.waiters];
    w.waiters.clear();
    for (const f of waiting) f(info);
  });
  watches.set(device, (watch = w));
  return watch;
}

/**
 * Settles like `work`, unless the device is lost first: then rejects with `lostError(info)`.
 * The waiter is removed as soon as `work` settles, so nothing accumulates per call.
 */
export function raceLost<T>(watch: LostWatch, work: Promise<T>, lostError: (info: GPUDeviceLostInfo) => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (watch.info) return reject(lostError(watch.info));
    const onLost = (info: GPUDeviceLostInfo) => reject(lostError(info));
    watch.waiters.add(onLost);
    work.then(
      (v) => (watch.waiters.delete(onLost), resolve(v)),
      (e: unknown) => (watch.waiters.delete(onLost), reject(e)),
    );
  });
}
