<?php

declare(strict_types=1);

/*
 * Sets one of each kind of process state. Isolation2ReadsTest.php checks that
 * none of it is visible there: run in one process, after this file, it fails.
 */

require_once __DIR__ . '/bootstrap.php';

use AskrExample\Counter;
use function AskrExample\check;

$GLOBALS['askr_example_leak'] = 'set by Isolation1WritesTest';
$_SERVER['ASKR_EXAMPLE_LEAK'] = 'set by Isolation1WritesTest';
putenv('ASKR_EXAMPLE_LEAK=set by Isolation1WritesTest');
Counter::$hits = 42;
define('ASKR_EXAMPLE_LEAK', true);
ini_set('precision', '5');

final class AskrExampleLeakedClass
{
}

function askr_example_leaked_function(): void
{
}

check(Counter::$hits === 42, 'the static property is set');
check(class_exists(AskrExampleLeakedClass::class, false), 'the class is defined');
echo "state written\n";
