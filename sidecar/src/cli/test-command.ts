/** `askr test`: boots the app's test bootstrap once and forks per test file. */
export function runTest(_argv: string[]): Promise<number> {
  process.stderr.write('askr test: not built yet\n');
  return Promise.resolve(1);
}
