<?php

declare(strict_types=1);

/*
 * Runs any PHP script with the Askr runtime's settings (the header() family
 * replaced, opcache on for the CLI):
 *
 *   php php-image/runtime/askr-php.php /usr/bin/phpunit -c php-image/phpunit.xml
 */

require __DIR__ . '/bootstrap.php';

if (!isset($argv[1])) {
    fwrite(STDERR, "usage: php askr-php.php SCRIPT [ARGS...]\n");
    exit(2);
}
\Askr\Runtime\Template\PhpFlags::reexecIfNeeded($argv[1], array_slice($argv, 1));
// Already running with the flags: run the script in this process.
$script = $argv[1];
$_SERVER['argv'] = $argv = array_slice($argv, 1);
$_SERVER['argc'] = $argc = count($argv);
require $script;
