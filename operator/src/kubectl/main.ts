#!/usr/bin/env node
// kubectl-askr: the kubectl plugin (`kubectl askr …`). Wires process I/O to runPlugin.
import { runPlugin } from './run-plugin.js';

const code = await runPlugin(process.argv.slice(2), process.env, {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
