<?php

declare(strict_types=1);

/*
 * Loaded once by the `askr test` template before it forks (and by each test
 * when run with plain `php`): whatever it defines, every test file starts with.
 */

require_once __DIR__ . '/Support/Counter.php';
require_once __DIR__ . '/Support/check.php';
