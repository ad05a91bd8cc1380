<?php

declare(strict_types=1);

/*
 * The app container's preStop hook in a pod: keeps the template up until the
 * sidecar, which shares the run directory, has drained its in-flight requests
 * and deferred work (it writes `sidecar.drained` there), or until the budget
 * runs out. Then the template may receive SIGTERM.
 *
 *   php await-drain.php <run-dir> <budget-seconds>
 */

$marker = rtrim($argv[1] ?? '/run/askr', '/') . '/sidecar.drained';
$deadline = microtime(true) + max(0.0, (float) ($argv[2] ?? '60'));
while (!file_exists($marker) && microtime(true) < $deadline) {
    usleep(100_000);
    clearstatcache(false, $marker);
}
exit(0);
