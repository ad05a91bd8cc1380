// docs/BENCHMARKS.md, generated from one results file. Everything is
// regenerated except the hand-written part between the two markers below
// ("where the time goes": profiles and explanations), which is carried over
// from the previous file.
import type { BenchResults, Comparison, ExtraResult, ScenarioResult } from './results.js';
import { STACK_LABELS } from './stack.js';

export const HAND_BEGIN = '<!-- hand-written:begin — npm run bench keeps everything from here to the end marker -->';
export const HAND_END = '<!-- hand-written:end -->';

const DEFAULT_HAND = `## Where the time goes

\`npm run bench -- --only <scenario> --profile <dir>\` records, per scenario, a
Node CPU profile of every askr serve process (\`<dir>/<scenario>/askr-node/*.cpuprofile\`,
for Chrome DevTools' Performance panel or speedscope) and one extra, uncounted
run of every stack under \`perf record\` (\`<stack>.perf.data\`, summarised by
process and library, then by symbol, in \`<stack>.perf.txt\`). The CPU µs/req
column above already splits each stack's CPU by process name (node, php8.2,
nginx, php-fpm8.2, cache-main…).

Findings from those profiles, and the reason behind any missed target, are
written here by hand; this section is kept when the rest of the page is
regenerated.`;

/** The hand-written section of an existing BENCHMARKS.md (markers included), or the default one. */
export function handWritten(previous: string | null): string {
  if (previous !== null) {
    const a = previous.indexOf(HAND_BEGIN);
    const b = previous.indexOf(HAND_END);
    if (a >= 0 && b > a) return previous.slice(a, b + HAND_END.length);
  }
  return `${HAND_BEGIN}\n${DEFAULT_HAND}\n${HAND_END}`;
}

const MACHINE_LABELS: Readonly<Record<string, string>> = {
  cpu: 'CPU', cores: 'cores', ramGiB: 'RAM (GiB)', kernel: 'kernel', os: 'OS', loadAvgAtStart: 'load average at start (1, 5, 15 min)',
};

const n0 = (x: number | null): string => (x === null ? '–' : Math.round(x).toLocaleString('en'));
const n2 = (x: number | null): string => (x === null ? '–' : x.toFixed(2));
const times = (x: number | null): string => (x === null ? '–' : `${x.toFixed(2)}×`);

function figure(c: Comparison): string {
  if (c.value === null) return 'not measured';
  return c.unit === 'ms' ? `${c.value.toFixed(2)} ms` : `${c.value.toFixed(2)}×`;
}

function targetsTable(cs: readonly Comparison[]): string {
  const rows = cs.map((c) => {
    const target = c.target ? `${c.target.op === '>=' ? '≥' : c.target.op === '<=' ? '≤' : '>'} ${c.target.value}${c.unit === 'ms' ? ' ms' : '×'} (${c.target.source})` : 'reported, no target';
    const mark = c.met === null ? '' : c.met ? '✓' : '✗';
    return `| ${c.label} | ${target} | ${figure(c)}${c.note === null ? '' : ` (${c.note})`} | ${mark} |`;
  });
  return ['| figure | target | measured | |', '| --- | --- | --- | :-: |', ...rows].join('\n');
}

/** " (per round 0.95–1.10×)": the lowest and highest of the rounds' ratios, when there are several. */
function spread(perRound: readonly number[]): string {
  return perRound.length > 1 ? ` (per round ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}×)` : '';
}

function scenarioSection(s: ScenarioResult): string {
  const lines = [`### ${s.title}`, '', s.description, ''];
  if (s.error) lines.push(`**Not measured:** ${s.error.code}: ${s.error.message}`, '');
  lines.push('| stack | path | req/s | p50 ms | p99 ms | RSS MiB | PSS MiB | processes | CPU µs/req | valid rounds |', '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const st of s.stacks) {
    const m = s.summary.find((x) => x.stack === st.id);
    if (!st.available || !m) {
      lines.push(`| ${st.label} | \`${st.path}\` | not measured: ${(st.error?.message ?? 'did not start').split('\n')[0] ?? ''} |  |  |  |  |  |  |  |`);
      continue;
    }
    const split = Object.entries(m.cpuUsPerRequestByCommand).sort((a, b) => b[1] - a[1]).map(([c, us]) => `${c} ${n0(us)}`).join(', ');
    lines.push(`| ${st.label} | \`${st.path}\` | ${n0(m.reqPerSec)} | ${n2(m.p50Ms)} | ${n2(m.p99Ms)} | ${n0(m.rssMb)} | ${n0(m.pssMb)} | ${n0(m.processes)} | ${n0(m.cpuUsPerRequest)}${split === '' ? '' : ` (${split})`} | ${m.validRounds}/${m.rounds} |`);
  }
  lines.push('');
  for (const r of s.ratios) {
    lines.push(`- askr / ${STACK_LABELS[r.peer]}: **${times(r.reqPerSec)}** req/s${spread(r.perRound)}, p99 ${times(r.p99)}${spread(r.perRoundP99)}, requests per CPU-second ${times(r.reqPerCpu)}`);
  }
  if (s.sameBody === false) lines.push('- The stacks did not answer with identical bodies (see the results file for each body\'s size and hash).');
  if (s.sameBody === true) lines.push('- Every stack answered with the same body bytes.');
  return lines.join('\n');
}

function extraSection(e: ExtraResult): string {
  const lines = [`### ${e.title}`, ''];
  if (e.status === 'failed') {
    lines.push(`**Not measured:** ${e.error?.code ?? ''}: ${(e.error?.message ?? '').split('\n').slice(0, 3).join(' ')}`);
    return lines.join('\n');
  }
  lines.push('| | |', '| --- | --- |', ...e.rows.map((r) => `| ${r.label} | ${r.value} |`));
  return lines.join('\n');
}

function commands(r: BenchResults): string {
  const out = ['```sh', `# this run`, r.command, '', '# askr, compiled from the working tree', r.askr.how];
  if (r.laravel.command !== '') out.push('', '# Laravel caches, shared by both stacks', r.laravel.command);
  for (const s of r.scenarios) {
    out.push('', `# ${s.title}`);
    for (const st of s.stacks) for (const c of st.commands) out.push(c);
    for (const h of s.helpers) for (const c of h.commands) out.push(`${c}   # ${h.label}, Varnish's backend`);
    const wrk = s.runs.find((x) => x.phase === 'round');
    if (wrk) out.push(wrk.command);
  }
  for (const e of r.extras) if (e.command !== '') out.push('', `# ${e.title}`, e.command);
  out.push('```');
  const configs: string[] = [];
  const seen = new Set<string>();
  for (const s of r.scenarios) {
    for (const st of [...s.stacks, ...s.helpers]) {
      for (const [name, text] of Object.entries(st.configs)) {
        const key = `${name}\n${text.replace(/\d{4,5}/g, 'PORT').replace(/\/tmp\/\S+/g, 'TMP')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        configs.push(`<details><summary>${name} (${s.title}, ${st.label})</summary>\n\n\`\`\`\n${text.trimEnd()}\n\`\`\`\n\n</details>`);
      }
    }
  }
  return [...out, '', 'The configuration files each peer ran with (ports and temp paths vary per run):', '', ...configs].join('\n');
}

/** The whole page. `results` is the file's path relative to the repository, `svg` the chart's file name next to the page. */
export function renderMarkdown(r: BenchResults, resultsPath: string, svg: string, hand: string): string {
  const m = r.machine;
  const loads = r.scenarios.flatMap((s) => s.runs.map((x) => x.loadAvg[0] ?? 0));
  const loadRange = loads.length > 0 ? `${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}` : 'n/a';
  const method = r.method;
  return `# Benchmarks

<!-- Generated by \`npm run bench\` from ${resultsPath}. Edit only the hand-written section below; the rest is rewritten by every full run. -->

Askr against the stacks users run today, on one machine, in one run:
\`npm run bench\` (${Math.round(r.seconds / 60)} minutes here; \`npm run bench -- --smoke\` for a quick check,
\`npm run bench -- --only laravel-hello --seconds 5\` to iterate on one scenario, \`--help\` for the rest).

**This run:** ${r.startedAt} (${r.mode}), commit \`${r.git.commit}\`${r.git.changedFiles > 0 ? ` plus ${r.git.changedFiles} changed file(s) in the working tree` : ''},
${String(m.cores)} × ${String(m.cpu)}, 1-minute load average during the runs ${loadRange}
(the machine is shared: figures of one run are noisy; ratios within a run are what counts).
Raw runs: \`${resultsPath}\`.

![askr / peer ratios](${svg})

## Targets

${targetsTable(r.comparisons)}

## HTTP scenarios

Median of ${method.rounds} rounds × ${method.load.seconds} s per stack, \`wrk -t${method.load.threads} -c${method.load.connections}\`, after a ${method.warmupSeconds} s warm-up of each stack;
${method.workers} PHP workers for askr serve = \`pm.max_children\` of PHP-FPM. RSS and PSS are sums over the stack's whole process tree at the end of each run.
Each askr / peer ratio is the median over the rounds of askr's run against the peer's run of the same round (see Method).

${r.scenarios.map(scenarioSection).join('\n\n')}

## Fork-to-ready, real-time, cache and askr test

${r.extras.map(extraSection).join('\n\n')}

${hand}

## Method

- **Peers.** Debian's nginx, php8.2-fpm and Varnish, started by the harness with its own configuration files in temp dirs (never the system services), on loopback, on ports the OS allocated, all stopped at the end (also on Ctrl-C or failure, by PID, each with its process group). PHP-FPM: \`pm = static\` with as many children as askr serve has workers, a unix socket to nginx, Debian's php.ini. nginx: Debian's nginx.conf basics, Laravel's documented server block, \`keepalive_requests\` raised so that no stack pays reconnects (askr serve and Varnish never close kept-alive connections).
- **Same PHP settings on both stacks.** \`opcache.enable=1\`, \`opcache.validate_timestamps=0\` (FPM with \`-d\`, askr serve with \`--php-ini\`); JIT off (Debian's default). ${method.recycleAfterRequests === undefined ? 'PHP-FPM never replaces a process (`pm.max_requests = 0`); askr serve replaces a worker after `--max-requests` (its default).' : `Both replace a PHP process after ${method.recycleAfterRequests.toLocaleString('en')} requests: askr serve's default \`--max-requests\`, passed explicitly, and \`pm.max_requests\` on PHP-FPM (whose default, 0, never replaces one).`} Laravel runs with \`SESSION_DRIVER=array\`${r.laravel.caches ? ' and with its config, route and view caches, built once into a temp dir and read by both stacks (APP_CONFIG_CACHE, APP_ROUTES_CACHE, VIEW_COMPILED_PATH; the checkout\'s bootstrap/cache is never touched)' : ', without config/route/view caches'}.
- **Cache hit.** askr serve with \`--response-cache\`; Varnish in front of nginx + php-fpm, caching responses that carry \`Askr-Cache\` for 60 s with 30 s grace; nginx serving the bytes of the same page as a file. Every stack's second pre-check request must be a hit (\`X-Askr-Cache: HIT\`, two transaction ids in \`X-Varnish\`).
- **Pre-check.** Before any load, each stack must answer 200 with the expected body; bodies are hashed and compared across stacks.
- **Load.** wrk, the same threads, connections and duration for every stack; a Lua script counts every non-2xx response (wrk itself counts only ≥ 400) and reports wrk's exact latency percentiles. A run counts only if every response was 2xx with no socket error or timeout; otherwise it is recorded as invalid and left out of the medians.
- **Order.** Each scenario warms every stack up, then runs ${method.rounds} rounds; the stacks alternate, and the order rotates every round (A B, B A, …), so that a noisy neighbour hurts every stack alike. Each ratio is the median, over the rounds in which both runs were valid, of askr's figure over the peer's figure of the same round; the per-round spread gives the lowest and highest of them. The two runs of a round are back to back, so a change in the machine's load between rounds moves both and cancels out of their ratio, where a ratio of two medians could pair one stack's quiet round with the other's busy one. The tables give each stack's own medians.
- **Memory and CPU.** RSS sums every process of the stack (forked children share pages, so RSS overcounts them; PSS splits shared pages fairly). CPU µs/req is the CPU time of the stack's processes (reaped children included) during a run divided by its requests: less sensitive to other load on the machine than req/s.
- **Fork-to-ready.** The harness plays the sidecar's side of the worker protocol against a real template: SPAWN on template.sock, timed to the new worker's HELLO on the front socket, one fork at a time; the cold boot is a fresh \`php -r\` requiring the runtime and the worker script, timed from spawn to its "ready" line.

## Machine

| | |
| --- | --- |
${Object.entries(m).map(([k, v]) => `| ${MACHINE_LABELS[k] ?? k} | ${String(v)} |`).join('\n')}

## Versions

| | |
| --- | --- |
${Object.entries(r.versions).map(([k, v]) => `| ${k} | ${v} |`).join('\n')}

## Commands

${commands(r)}
`;
}
