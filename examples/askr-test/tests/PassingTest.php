<?php

declare(strict_types=1);

require_once __DIR__ . '/bootstrap.php';

use function AskrExample\check;

check(1 + 1 === 2, 'arithmetic works');
check(getenv('ASKR_TEST_FILE') === __FILE__, 'ASKR_TEST_FILE names this file');
check(getcwd() === getenv('ASKR_APP_BASE'), 'the working directory is the app base');
check(str_starts_with(strrev(__FILE__), strrev('PassingTest.php')), '__FILE__ is this file');
