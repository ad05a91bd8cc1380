<?php

declare(strict_types=1);

/*
 * The Askr test template, started by `askr test`. It boots the app's test
 * bootstrap once (with opcache on for the CLI), then forks one child per test
 * file when the CLI asks, over newline-delimited JSON on fd 3. A child leaves
 * the template's loop and continues below: it runs the runner (or the test
 * file itself) in global scope, exactly as `php <file>` would, and exits with
 * PHP's exit status. See docs/askr-test.md.
 */

require __DIR__ . '/bootstrap.php';

use Askr\Runtime\Process\Libc;
use Askr\Runtime\TestRunner\PhpUnitRunner;
use Askr\Runtime\TestRunner\TestChild;
use Askr\Runtime\TestRunner\TestConfig;
use Askr\Runtime\TestRunner\TestControl;
use Askr\Runtime\TestRunner\TestFlags;
use Askr\Runtime\TestRunner\TestTemplate;

TestFlags::reexecIfNeeded(__FILE__, $argv);

$__askr_boot = hrtime(true);
try {
    $__askr_config = TestConfig::fromEnvironment(getenv());
    $__askr_control = TestControl::open((int) (getenv('ASKR_TEST_CONTROL_FD') ?: '3'));
} catch (\Throwable $__askr_e) {
    fwrite(STDERR, $__askr_e->getMessage() . "\n");
    exit(2);
}
chdir($__askr_config->root);

try {
    if ($__askr_config->kind === TestConfig::KIND_PHPUNIT) {
        PhpUnitRunner::prepare($__askr_config->root);
    }
    if ($__askr_config->bootstrap !== null) {
        // Global scope, as PHPUnit or `php` would load it; require_once so that
        // PHPUnit's own include_once of the same file in a child is a no-op.
        require_once $__askr_config->bootstrap;
    }
    $__askr_warm = $__askr_config->kind === TestConfig::KIND_PHPUNIT ? PhpUnitRunner::warm($__askr_config->root) : 0;
} catch (\Throwable $__askr_e) {
    $__askr_control->send(['type' => 'error', 'message' => 'the test bootstrap failed: ' . $__askr_e::class . ': ' . $__askr_e->getMessage()
        . ' in ' . $__askr_e->getFile() . ':' . $__askr_e->getLine()]);
    exit(1);
}
gc_collect_cycles();

$__askr_child = (new TestTemplate($__askr_config, $__askr_control, [
    'php' => PHP_VERSION,
    'bootMs' => round((hrtime(true) - $__askr_boot) / 1e6, 3),
    'opcache' => function_exists('opcache_get_status') && is_array(@opcache_get_status(false)),
    'capture' => Libc::available(),
    'kind' => $__askr_config->kind,
    'bootstrap' => $__askr_config->bootstrap,
    'runner' => $__askr_config->runner,
    'phpunit' => $__askr_config->kind === TestConfig::KIND_PHPUNIT ? PhpUnitRunner::version() : null,
    'warmed' => $__askr_warm,
]))->serve();

// Only forked children reach this point. Nothing of the template's stays in
// the global scope the test file sees.
unset($__askr_boot, $__askr_config, $__askr_control, $__askr_e, $__askr_warm, $__askr_child);
include TestChild::script();
