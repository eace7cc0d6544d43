/**
 * Pacing of the wait for a step's results. Dawn for Node polls its events with `setImmediate`
 * for as long as a `mapAsync` is pending, which keeps one CPU core busy (measured: the event
 * loop 100% busy, a third of the process's CPU time during a 1024³ matmul). On a CPU adapter
 * (SwiftShader) that core is one the shaders run on. So before asking for the results, a paced
 * step sleeps on a timer (no Dawn work pending, no polling) for about the time the GPU needs,
 * learnt from the steps before: 80% of the last step's sleep + poll when it had to poll, half
 * the last sleep when the results were already there (it slept too long, by an unknown amount).
 * Converging from above halves the excess per step; from below it gains 25% per step.
 */

/** Sleeps shorter than this are skipped: a timer's own latency (~1 ms) would dominate. */
export const PACE_MIN_MS = 4;
/** A poll this short means the results were ready when the sleep ended. */
const READY_MS = 2;
/** The share of the last step's GPU time (sleep + poll) the next step sleeps. */
const FRACTION = 0.8;

/** What one executable has learnt about how long its steps take on the GPU. */
export class Pacer {
  private next = 0;

  /** Milliseconds to sleep before polling for the next step's results (0: poll at once). */
  sleepMs(): number {
    return this.next >= PACE_MIN_MS ? this.next : 0;
  }

  /** Records a step: how long it slept (measured) and then polled until the results were mapped. */
  record(sleptMs: number, polledMs: number): void {
    this.next = sleptMs > 0 && polledMs < READY_MS ? sleptMs / 2 : FRACTION * (sleptMs + polledMs);
  }
}
