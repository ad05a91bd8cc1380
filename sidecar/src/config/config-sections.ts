import type { OptionSpec } from './option.js';
import { allServeOptions } from './serve-config.js';
import { replayOptions } from '../replay/replay-options.js';

/** The commands whose options docs/configuration.md lists. */
export function configSections(): { title: string; intro: string; options: readonly OptionSpec[] }[] {
  return [
    { title: 'askr serve', intro: 'Serves a PHP app (see [runtime.md](runtime.md)).', options: allServeOptions },
    { title: 'askr replay FILE', intro: 'Re-runs a recorded 5xx (see [recorded-errors.md](recorded-errors.md)).', options: replayOptions },
  ];
}
