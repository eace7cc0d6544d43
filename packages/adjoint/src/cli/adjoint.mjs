#!/usr/bin/env node
// The `adjoint` command. It registers tsx first, so the CLI's TypeScript sources and the user's
// TypeScript modules both load in plain Node; then it runs the CLI and exits with its status.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
