// Writes what a run produced: the results JSON, and (when asked) BENCHMARKS.md
// with its SVG chart of the ratios, keeping the page's hand-written section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './askr-build.js';
import { handWritten, renderMarkdown } from './markdown-report.js';
import type { BenchResults } from './results.js';
import { barChartSvg } from './svg-chart.js';

export const SVG_NAME = 'benchmarks-ratios.svg';

/** `bench/results/2026-11-25T09-30-00Z.json`-style name for a run that started at `iso`. */
export function resultsFileName(iso: string): string {
  return `${iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}.json`;
}

/** Writes the results JSON into `outDir`; returns its path. */
export function writeResults(r: BenchResults, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, resultsFileName(r.startedAt));
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
  return path;
}

/** The chart: every "higher is better" ratio (req/s against a peer, and the × figures of the extra rows). */
export function ratiosSvg(r: BenchResults): string {
  const bars = r.comparisons
    .filter((c) => c.unit === '×' && c.target?.op !== '<=')
    .map((c) => ({ label: c.label, value: c.value, target: c.target?.value ?? null, met: c.met }));
  const load = r.machine.loadAvgAtStart;
  return barChartSvg('askr / peer (higher is better)', bars, `${r.startedAt.slice(0, 10)} · ${String(r.machine.cores)} × ${String(r.machine.cpu)} · load ${String(load)} · ${r.mode} run`);
}

/** Writes BENCHMARKS.md and the SVG into `docsDir`; returns the page's path. */
export function writeDocs(r: BenchResults, resultsPath: string, docsDir: string): string {
  mkdirSync(docsDir, { recursive: true });
  const page = join(docsDir, 'BENCHMARKS.md');
  const previous = existsSync(page) ? readFileSync(page, 'utf8') : null;
  writeFileSync(join(docsDir, SVG_NAME), ratiosSvg(r));
  const rel = relative(repoRoot, resultsPath);
  writeFileSync(page, renderMarkdown(r, rel.startsWith('..') ? resultsPath : rel, SVG_NAME, handWritten(previous)));
  return page;
}
