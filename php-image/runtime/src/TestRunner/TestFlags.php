<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

/**
 * The PHP settings the test template runs with. Unlike the serving template
 * (Template\PhpFlags), nothing is disabled: a test sees the same CLI PHP as
 * `php file.php` or `phpunit`, except that opcache is on, so that every forked
 * child shares what the template and earlier children compiled.
 */
final class TestFlags
{
    /** Set in the re-executed process, then cleared so that tests never see it. */
    private const MARKER = 'ASKR_TEST_REEXEC';

    /** @return array<string, string> */
    public static function settings(): array
    {
        return [
            'opcache.enable' => '1',
            'opcache.enable_cli' => '1',
            // Test files change between runs; a stale compiled copy would be a lie.
            'opcache.validate_timestamps' => '1',
            'opcache.revalidate_freq' => '0',
            'max_execution_time' => '0',
        ];
    }

    /**
     * Re-executes the current script with the settings above (plus ASKR_PHP_INI
     * overrides, "key=value,key=value") unless this process already is the
     * re-executed one. File descriptors, the control channel on fd 3 included,
     * survive the exec.
     *
     * @param list<string> $argv
     */
    public static function reexecIfNeeded(string $script, array $argv): void
    {
        if (getenv(self::MARKER) === '1') {
            putenv(self::MARKER);
            unset($_SERVER[self::MARKER], $_ENV[self::MARKER]);
            return;
        }
        $settings = self::settings();
        foreach (array_filter(array_map('trim', explode(',', (string) getenv('ASKR_PHP_INI')))) as $pair) {
            [$k, $v] = array_pad(explode('=', $pair, 2), 2, '');
            $settings[trim($k)] = trim($v);
        }
        $args = [];
        foreach ($settings as $k => $v) {
            $args[] = '-d';
            $args[] = $k . '=' . $v;
        }
        $args[] = $script;
        array_push($args, ...array_slice($argv, 1));
        putenv(self::MARKER . '=1');
        pcntl_exec(PHP_BINARY, $args);
        fwrite(STDERR, "askr test: cannot re-execute PHP with the test template's settings\n");
        exit(2);
    }
}
