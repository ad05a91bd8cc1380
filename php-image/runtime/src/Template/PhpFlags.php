<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

/**
 * The PHP settings every Askr process starts with. The header() family is
 * disabled so the runtime can define its own versions (the CLI SAPI keeps no
 * headers: headers_list() is always empty there), opcache is on for the CLI so
 * forked children share the template's compiled scripts.
 */
final class PhpFlags
{
    /** Built-ins replaced by functions.php. */
    public const REPLACED_FUNCTIONS = [
        'header', 'header_remove', 'headers_list', 'headers_sent', 'header_register_callback',
        'http_response_code', 'setcookie', 'setrawcookie', 'flush',
        'is_uploaded_file', 'move_uploaded_file',
    ];

    /** @return array<string, string> */
    public static function settings(): array
    {
        return [
            'disable_functions' => implode(',', self::REPLACED_FUNCTIONS),
            'opcache.enable' => '1',
            'opcache.enable_cli' => '1',
            'output_buffering' => '0',
            'implicit_flush' => '0',
            'html_errors' => '0',
            'max_execution_time' => '0',
            'memory_limit' => '512M',
        ];
    }

    /**
     * Re-executes the current script with the Askr flags (plus ASKR_PHP_INI
     * overrides, "key=value,key=value") when it was started without them.
     *
     * @param list<string> $argv
     */
    public static function reexecIfNeeded(string $script, array $argv): void
    {
        $disabled = array_map('trim', explode(',', (string) ini_get('disable_functions')));
        if (in_array('header', $disabled, true) || getenv('ASKR_PHP_REEXEC') === '1') {
            return;
        }
        $settings = self::settings();
        $extra = (string) getenv('ASKR_PHP_INI');
        foreach (array_filter(array_map('trim', explode(',', $extra))) as $pair) {
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
        putenv('ASKR_PHP_REEXEC=1');
        pcntl_exec(PHP_BINARY, $args);
        fwrite(STDERR, "askr: cannot re-execute PHP with the runtime's settings\n");
        exit(1);
    }
}
