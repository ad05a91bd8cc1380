<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

/**
 * What the test template runs, from the environment `askr test` sets:
 * ASKR_APP_BASE (the app's root), ASKR_TEST_RUNNER (a script run once per test
 * file instead of the file itself), ASKR_TEST_BOOTSTRAP (included once in the
 * template; empty: the default for the runner, see resolveBootstrap()).
 */
final class TestConfig
{
    public const KIND_SCRIPT = 'script';
    public const KIND_PHPUNIT = 'phpunit';
    public const KIND_CUSTOM = 'custom';

    /**
     * @param string $kind KIND_SCRIPT (no runner: each file is a PHP script),
     *                     KIND_PHPUNIT (the runtime's phpunit-runner.php) or KIND_CUSTOM
     */
    public function __construct(
        public readonly string $root,
        public readonly ?string $runner,
        public readonly string $kind,
        public readonly ?string $bootstrap,
        public readonly int $controlFd,
        public readonly float $graceSeconds,
    ) {
    }

    /**
     * @param array<string, string> $env
     * @throws \InvalidArgumentException with a message for the user
     */
    public static function fromEnvironment(array $env): self
    {
        $root = realpath($env['ASKR_APP_BASE'] ?? '');
        if ($root === false || !is_dir($root)) {
            throw new \InvalidArgumentException('askr test: ASKR_APP_BASE (--root) is not a directory: ' . ($env['ASKR_APP_BASE'] ?? '(unset)'));
        }
        $runner = self::file($env['ASKR_TEST_RUNNER'] ?? '', 'ASKR_TEST_RUNNER (--runner)');
        $kind = match (true) {
            $runner === null => self::KIND_SCRIPT,
            $runner === realpath(dirname(__DIR__, 2) . '/phpunit-runner.php') => self::KIND_PHPUNIT,
            default => self::KIND_CUSTOM,
        };
        $bootstrap = self::file($env['ASKR_TEST_BOOTSTRAP'] ?? '', 'ASKR_TEST_BOOTSTRAP (--bootstrap)')
            ?? self::resolveBootstrap($root, $kind);
        return new self(
            root: $root,
            runner: $runner,
            kind: $kind,
            bootstrap: $bootstrap,
            controlFd: (int) ($env['ASKR_TEST_CONTROL_FD'] ?? '3'),
            graceSeconds: max(0.0, (float) ($env['ASKR_TEST_GRACE'] ?? '2')),
        );
    }

    /**
     * The bootstrap included when none is given: for PHPUnit, the one its
     * configuration names (PHPUnit's own include_once of it is then free);
     * otherwise tests/bootstrap.php; in both cases Composer's autoloader when
     * that is all there is.
     */
    public static function resolveBootstrap(string $root, string $kind): ?string
    {
        $candidates = [];
        if ($kind === self::KIND_PHPUNIT) {
            $candidates[] = PhpUnitRunner::configuredBootstrap($root);
        } else {
            $candidates[] = $root . '/tests/bootstrap.php';
        }
        $candidates[] = $root . '/vendor/autoload.php';
        foreach ($candidates as $candidate) {
            if ($candidate !== null && is_file($candidate)) {
                return (string) realpath($candidate);
            }
        }
        return null;
    }

    private static function file(string $path, string $what): ?string
    {
        if ($path === '') {
            return null;
        }
        $resolved = realpath($path);
        if ($resolved === false || !is_file($resolved)) {
            throw new \InvalidArgumentException("askr test: $what is not a file: $path");
        }
        return $resolved;
    }
}
