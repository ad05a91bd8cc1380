<?php

declare(strict_types=1);

namespace AskrExample;

/**
 * The example's whole assertion library: prints one line per check and, on the
 * first failure, exits 1 (the exit status is what `askr test` reads).
 */
function check(bool $ok, string $what): void
{
    echo ($ok ? 'ok   ' : 'FAIL ') . $what . "\n";
    if (!$ok) {
        exit(1);
    }
}
