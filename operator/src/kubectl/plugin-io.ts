/** Where a command writes; the process's stdout/stderr in the CLI, buffers in tests. */
export interface PluginIo {
  out(text: string): void;
  err(text: string): void;
}
