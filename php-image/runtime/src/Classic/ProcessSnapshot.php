<?php

declare(strict_types=1);

namespace Askr\Runtime\Classic;

/**
 * What a classic process looks like before a request, to tell afterwards
 * whether the request left anything behind: no new included files (other than
 * entry scripts), the output-buffer stack back to the runtime's, no session
 * open; new global variables are removed.
 */
final class ProcessSnapshot
{
    /** @var array<string, true> */
    private array $globals;
    private int $includedFiles;
    /** @var array<string, true> entry scripts this process has run */
    private array $entries = [];
    /** Every included file, runtime's included, when the process was last found clean. */
    private int $lastTotal = -1;

    public function __construct(private readonly int $outputLevel)
    {
        $this->globals = array_fill_keys(array_keys($GLOBALS), true);
        $this->includedFiles = self::appFiles();
    }

    /** Included files that are not the runtime's own (those load lazily and are harmless). */
    private static function appFiles(): int
    {
        $runtime = dirname(__DIR__, 2) . '/';
        $n = 0;
        foreach (get_included_files() as $file) {
            if (!str_starts_with($file, $runtime)) {
                $n++;
            }
        }
        return $n;
    }

    /** Cheap checks after a request whose script was eligible; true when the process is clean again. */
    public function restore(string $entry): bool
    {
        if (!isset($this->entries[$entry])) {
            $this->entries[$entry] = true;
            $this->includedFiles++;
        }
        foreach (array_keys($GLOBALS) as $name) {
            if (!isset($this->globals[$name])) {
                unset($GLOBALS[$name]);
            }
        }
        // Nothing was included since the last clean request (the steady state): the app
        // file count cannot have changed, so the walk over every included file is skipped.
        $total = count(get_included_files());
        if ($total !== $this->lastTotal) {
            if (self::appFiles() !== $this->includedFiles) {
                return false;
            }
            $this->lastTotal = $total;
        }
        return ob_get_level() === $this->outputLevel
            && session_status() !== PHP_SESSION_ACTIVE;
    }
}
