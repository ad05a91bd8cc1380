/** `askr replay FILE`: re-runs a recorded 5xx against a fresh worker. */
export function runReplay(_argv: string[]): Promise<number> {
  process.stderr.write('askr replay: not built yet\n');
  return Promise.resolve(1);
}
