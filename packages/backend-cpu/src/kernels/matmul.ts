import { numel } from "@adjoint/ir";
import type { KernelTable } from "./kernel";

/** The contraction kernel. */
export const matmulKernels: KernelTable<"matmul"> = {
  // [...B,M,K] @ [...B,K,N] with equal batch dims (the tracer broadcasts and handles 1-D operands).
  // i-k-j order walks both operands' rows contiguously; each output row is summed in doubles,
  // k ascending, and rounded once on store.
  matmul: (out, [a, b]) => {
    const r = a.shape.length;
    const m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1];
    const batch = numel(a.shape.slice(0, -2));
    const row = new Float64Array(n);
    const A = a.data, B = b.data;
    for (let bt = 0; bt < batch; bt++) {
      const aBase = bt * m * k, bBase = bt * k * n, oBase = bt * m * n;
      for (let i = 0; i < m; i++) {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          // no skip when A[i,p] is 0: 0 * Inf must still give NaN
          const aip = A[aBase + i * k + p];
          const bRow = bBase + p * n;
          for (let j = 0; j < n; j++) row[j] += aip * B[bRow + j];
        }
        out.data.set(row, oBase + i * n);
      }
    }
  },
};
