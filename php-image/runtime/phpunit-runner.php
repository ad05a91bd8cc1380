<?php

declare(strict_types=1);

/*
 * The PHPUnit runner shim for `askr test`: runs Debian's PHPUnit 9.6 on the one
 * test file in ASKR_TEST_FILE, with the configuration in ASKR_APP_BASE
 * (phpunit.xml, else phpunit.xml.dist), and exits with PHPUnit's status.
 *
 *   askr test --root examples/laravel --runner php-image/runtime/phpunit-runner.php tests/
 *
 * Exit status 2 when the file or PHPUnit is missing.
 */

require_once __DIR__ . '/bootstrap.php';

exit(Askr\Runtime\TestRunner\PhpUnitRunner::run(
    (string) (getenv('ASKR_APP_BASE') ?: getcwd()),
    (string) getenv('ASKR_TEST_FILE'),
    getenv('ASKR_TEST_JUNIT_LOG') ?: null,
    getenv('ASKR_TEST_COLORS') === '1',
));
