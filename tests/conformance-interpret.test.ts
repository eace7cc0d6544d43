// The reference interpreter, as the "interpret" backend, passes the suite every backend runs.
import { describeConformance } from "./conformance";

describeConformance("interpret", { rtol: 0 });
