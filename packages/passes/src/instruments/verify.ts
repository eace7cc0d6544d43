/** The verifier instrument: checks the IR invariants between passes and names the pass that broke them. */
import { verifyGraph } from "@adjoint/ir";
import type { PassInstrument } from "../manager";

/** Verifies the input once and the graph after every pass that changed it (an unchanged graph was already checked). */
export function verifyInstrument(): PassInstrument {
  return {
    beforePipeline: (input) => void verifyGraph(input),
    afterPass: (pass, before, after) => {
      if (after !== before) verifyGraph(after, pass.name);
    },
  };
}
