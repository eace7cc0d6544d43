export { vjpGraph } from "./vjp";
export { jvpGraph } from "./jvp";
export { LinearTape } from "./linear-tape";
export { activeValues } from "./active";
export { resolveArgnums } from "./argnums";
