<?php

declare(strict_types=1);

/*
 * Passes only if nothing Isolation1WritesTest.php set is visible: a fresh fork
 * of the template per file gives exactly that.
 */

require_once __DIR__ . '/bootstrap.php';

use AskrExample\Counter;
use function AskrExample\check;

check(!isset($GLOBALS['askr_example_leak']), 'no global variable from another file');
check(!isset($_SERVER['ASKR_EXAMPLE_LEAK']), 'no $_SERVER entry from another file');
check(getenv('ASKR_EXAMPLE_LEAK') === false, 'no environment variable from another file');
check(Counter::$hits === 0, 'the static property is back at 0');
check(!defined('ASKR_EXAMPLE_LEAK'), 'no constant from another file');
check(ini_get('precision') === '14', 'no ini setting from another file');
check(!class_exists('AskrExampleLeakedClass', false), 'no class from another file');
check(!function_exists('askr_example_leaked_function'), 'no function from another file');
