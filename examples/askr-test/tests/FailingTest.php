<?php

declare(strict_types=1);

/* Fails on purpose: `askr test` must report it, print its output and exit 1. */

require_once __DIR__ . '/bootstrap.php';

use function AskrExample\check;

check(true, 'this check passes');
fwrite(STDERR, "about to fail (written to stderr)\n");
check(1 + 1 === 3, 'one plus one is three');
echo "never printed\n";
