import type { OptionSpec } from './option.js';

/** Options of the 5xx recorder (`--record-errors`). */
export const recordOptions = [
  { key: 'recordErrors', flag: 'record-errors', kind: 'path', group: 'Recorded errors',
    help: 'Record every 5xx response (request byte for byte, $_SERVER, response start) in this directory for `askr replay`.' },
  { key: 'recordMaxFiles', flag: 'record-max-files', kind: 'int', default: '1000', min: 1, max: 1_000_000, group: 'Recorded errors',
    help: 'Keep at most this many recordings; the oldest go first.' },
  { key: 'recordMaxBytes', flag: 'record-max-bytes', kind: 'bytes', default: '256M', unit: 'bytes', min: 1024, group: 'Recorded errors',
    help: 'Keep at most this many bytes of recordings; the oldest go first.' },
  { key: 'recordRedact', flag: 'record-redact', kind: 'list', group: 'Recorded errors',
    help: 'More request headers to redact (Cookie and Authorization always are, unless --record-unredacted).' },
  { key: 'recordUnredacted', flag: 'record-unredacted', kind: 'bool', default: 'false', group: 'Recorded errors',
    help: 'Keep Cookie, Authorization and --record-redact headers verbatim (replays of authenticated requests need them).' },
] as const satisfies readonly OptionSpec[];
