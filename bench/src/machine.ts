// The machine and the software a run measured: CPU, cores, RAM, kernel, load;
// the versions of PHP, PHP-FPM, nginx, Varnish, wrk and Node; the commit.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { repoRoot } from './askr-build.js';

/** stdout + stderr of a short command, '' when it cannot run. */
function out(file: string, args: string[]): string {
  const r = spawnSync(file, args, { cwd: repoRoot, encoding: 'utf8', timeout: 15_000 });
  return `${r.stdout}${r.stderr}`.trim();
}

function firstMatch(text: string, re: RegExp): string {
  return re.exec(text)?.[1] ?? (text.split('\n')[0] ?? '').trim();
}

/** CPU model, cores, RAM, kernel and the load average when the run started. */
export function machineInfo(): Record<string, string | number> {
  const load = loadavg();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    os: firstMatch(out('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']), /(.+)/),
    loadAvgAtStart: load.map((x) => x.toFixed(2)).join(' '),
  };
}

/** Clock ticks per second for /proc CPU times (USER_HZ). */
export function clockTicks(): number {
  const n = Number(out('getconf', ['CLK_TCK']));
  return Number.isFinite(n) && n > 0 ? n : 100;
}

/** Versions of everything on the path of a request. */
export function versions(): Record<string, string> {
  return {
    node: process.version,
    php: firstMatch(out('php', ['-v']), /^(PHP \S+)/),
    'php-fpm': firstMatch(out('php-fpm8.2', ['-v']), /^(PHP \S+ \(fpm-fcgi\))/),
    nginx: firstMatch(out('nginx', ['-v']), /nginx version: (\S+)/),
    varnish: firstMatch(out('varnishd', ['-V']), /\((varnish-[^ ]+)/),
    // wrk has no --version that exits 0; -v prints the version line before its usage.
    wrk: firstMatch(out('wrk', ['-v']), /^(wrk \S+)/),
    laravel: firstMatch(out('php', ['-r', 'require "/usr/share/php/Illuminate/autoload.php"; echo Illuminate\\Foundation\\Application::VERSION;']), /^(\S+)$/),
  };
}

/** The commit and how many files differ from it (the run measures the working tree). */
export function gitState(): { commit: string; changedFiles: number } {
  const commit = out('git', ['rev-parse', '--short=12', 'HEAD']) || 'unknown';
  const status = out('git', ['status', '--porcelain']);
  return { commit, changedFiles: status === '' ? 0 : status.split('\n').length };
}
