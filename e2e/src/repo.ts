import { fileURLToPath } from 'node:url';

/** The repository root (this file is e2e/src/repo.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The built `askr` CLI. */
export const askrCli = `${repoRoot}sidecar/dist/cli/main.js`;
export const examples = `${repoRoot}examples/`;
