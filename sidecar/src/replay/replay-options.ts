import type { OptionSpec } from '../config/option.js';

/** Flags of `askr replay FILE`. */
export const replayOptions = [
  { key: 'root', flag: 'root', kind: 'path', group: 'Replay',
    help: 'Document root of the app to replay against. Default: the one in the recording.' },
  { key: 'workerScript', flag: 'worker-script', kind: 'path', group: 'Replay',
    help: 'Worker script of the app. Default: the one in the recording (none: classic mode).' },
  { key: 'classic', flag: 'classic', kind: 'bool', default: 'false', group: 'Replay',
    help: 'Replay in classic mode even if the recording came from worker mode.' },
  { key: 'phpBinary', flag: 'php-binary', kind: 'string', default: 'php', group: 'Replay',
    help: 'PHP CLI that runs the template.' },
  { key: 'phpIni', flag: 'php-ini', kind: 'list', group: 'Replay',
    help: 'Extra ini settings (key=value, comma-separated).' },
  { key: 'timeout', flag: 'timeout', kind: 'seconds', default: '60', unit: 's', min: 0.1, max: 3600, group: 'Replay',
    help: 'Longest the replayed request may take.' },
] as const satisfies readonly OptionSpec[];
