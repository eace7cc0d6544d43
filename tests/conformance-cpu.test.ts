// The fast CPU backend passes the suite every backend runs, bitwise for most ops.
import { describeConformance } from "./conformance";

describeConformance("cpu", { rtol: 1e-5 });
