<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

use Askr\Runtime\Worker\RequestContext;

/**
 * Fills $_SERVER, $_GET, $_POST, $_COOKIE, $_FILES and $_REQUEST for one request
 * as PHP-FPM would, and resets them afterwards so request N+1 never sees N's.
 */
final class Superglobals
{
    /**
     * @param array<array-key, mixed> $post
     * @param array<array-key, mixed> $files
     */
    public static function populate(RequestContext $ctx, array $post, array $files): void
    {
        $_SERVER = $ctx->server;
        $_GET = self::query((string) ($ctx->server['QUERY_STRING'] ?? ''));
        $_COOKIE = self::cookies((string) ($ctx->server['HTTP_COOKIE'] ?? ''));
        $_POST = $post;
        $_FILES = $files;
        $_REQUEST = self::request();
    }

    public static function reset(): void
    {
        // PHP clears its stat cache at the end of every request; a long-lived process must too.
        clearstatcache();
        $_GET = $_POST = $_COOKIE = $_FILES = $_REQUEST = [];
        $_SERVER = ['REQUEST_TIME' => time(), 'REQUEST_TIME_FLOAT' => microtime(true)];
    }

    /** @return array<array-key, mixed> */
    public static function query(string $query): array
    {
        if ($query === '') {
            return [];
        }
        parse_str($query, $out);
        return $out;
    }

    /**
     * Cookie header → $_COOKIE: pairs split on ";", values URL-decoded, the first
     * occurrence of a name wins (PHP's treat_data for PARSE_COOKIE).
     *
     * @return array<array-key, mixed>
     */
    public static function cookies(string $header): array
    {
        $out = [];
        if ($header === '') {
            return $out;
        }
        foreach (explode(';', $header) as $pair) {
            $pair = ltrim($pair, " \t\r\n");
            if ($pair === '') {
                continue;
            }
            $eq = strpos($pair, '=');
            $name = $eq === false ? $pair : substr($pair, 0, $eq);
            $value = $eq === false ? '' : urldecode(substr($pair, $eq + 1));
            $path = VariableRegistry::path($name);
            if ($path === null) {
                continue;
            }
            if (count($path) === 1 && array_key_exists((string) $path[0], $out)) {
                continue;
            }
            VariableRegistry::set($out, $path, $value);
        }
        return $out;
    }

    /**
     * $_POST for a body that is not multipart: only POST requests with a
     * form-urlencoded body fill it, as in PHP.
     *
     * @return array<array-key, mixed>
     */
    public static function formPost(string $method, string $contentType, string $body): array
    {
        if ($method !== 'POST' || $body === '') {
            return [];
        }
        if (stripos($contentType, 'application/x-www-form-urlencoded') !== 0) {
            return [];
        }
        parse_str($body, $out);
        return $out;
    }

    /** @return array<array-key, mixed> */
    private static function request(): array
    {
        $order = (string) (ini_get('request_order') ?: ini_get('variables_order'));
        $out = [];
        foreach (str_split(strtoupper($order)) as $c) {
            $out = match ($c) {
                'G' => array_replace($out, $_GET),
                'P' => array_replace($out, $_POST),
                'C' => array_replace($out, $_COOKIE),
                default => $out,
            };
        }
        return $out;
    }
}
