<?php

declare(strict_types=1);

/*
 * Global functions of the Askr runtime.
 *
 * The askr_* functions are the public PHP API (DESIGN.md). The others replace
 * built-ins that the CLI SAPI cannot provide: the template starts PHP with them
 * disabled (PhpFlags::REPLACED_FUNCTIONS), so these definitions take their place
 * with PHP-FPM's behaviour. Without that flag (plain `php`, PHPUnit outside
 * Askr) the built-ins stay and only the askr_* functions are defined.
 */

use Askr\Runtime\Http\CookieHeader;
use Askr\Runtime\Runtime;

if (!function_exists('askr_defer')) {
    /**
     * Runs $callback after the response has been sent to the client, before the
     * worker takes its next request. Outside a request it runs at once.
     */
    function askr_defer(callable $callback): void
    {
        $ctx = Runtime::context();
        if ($ctx === null) {
            $callback();
            return;
        }
        $ctx->deferred[] = $callback;
    }

    /**
     * Makes every cached response carrying one of these tags stale, in every
     * process of the pod (and, with peers, of the app), before returning.
     * Returns false outside Askr (nothing to forget).
     */
    function askr_cache_forget_tag(string ...$tags): bool
    {
        $connection = Runtime::connection();
        if ($connection === null || $tags === []) {
            return false;
        }
        $connection->call('cache.forgetTags', ['tags' => array_values($tags)], true);
        return true;
    }

    /**
     * Publishes an event to Pusher/Echo subscribers and SSE clients of these
     * channels. $data is JSON-encoded unless it is already a string. $socketId
     * excludes that connection (Laravel's toOthers()).
     *
     * $app names the Pusher app when the pod serves several (default: the first).
     *
     * @param string|list<string> $channels
     */
    function askr_broadcast(string|array $channels, string $event, mixed $data, ?string $socketId = null, ?string $app = null): void
    {
        $connection = Runtime::connection();
        if ($connection === null) {
            return;
        }
        $args = [
            'channels' => array_values((array) $channels),
            'event' => $event,
            'data' => is_string($data) ? $data : json_encode($data, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE),
        ];
        if ($socketId !== null && $socketId !== '') {
            $args['socketId'] = $socketId;
        }
        if ($app !== null && $app !== '') {
            $args['app'] = $app;
        }
        $connection->call('broadcast', $args, false);
    }

    /** Runs $callback in every worker forked from now on (reconnect databases, reseed RNGs). */
    function askr_after_fork(callable $callback): void
    {
        Runtime::afterFork($callback);
    }

    /** True inside a worker or classic process forked by the Askr template. */
    function askr_is_worker(): bool
    {
        return Runtime::isWorker();
    }
}

if (!function_exists('header')) {
    function header(string $header, bool $replace = true, int $response_code = 0): void
    {
        Runtime::response()->header($header, $replace, $response_code);
    }

    function header_remove(?string $name = null): void
    {
        $response = Runtime::response();
        if (!$response->sent) {
            $response->remove($name);
        }
    }

    /** @return list<string> */
    function headers_list(): array
    {
        return Runtime::response()->lines();
    }

    function headers_sent(mixed &$filename = null, mixed &$line = null): bool
    {
        $response = Runtime::response();
        $filename = $response->outputStartedFile ?? '';
        $line = $response->outputStartedLine;
        return $response->sent;
    }

    function header_register_callback(callable $callback): bool
    {
        $response = Runtime::response();
        if ($response->sent) {
            return false;
        }
        $response->beforeSend = [$callback];
        return true;
    }

    function http_response_code(int $response_code = 0): int|bool
    {
        $response = Runtime::response();
        $previous = $response->status;
        if ($response_code === 0) {
            return $previous;
        }
        if ($response->sent) {
            trigger_error('http_response_code(): Cannot set response code - headers already sent', E_USER_WARNING);
            return false;
        }
        $response->setStatus($response_code);
        return $previous;
    }

    /** @param array<string, mixed>|int $expires_or_options */
    function setcookie(string $name, string $value = '', array|int $expires_or_options = 0, string $path = '', string $domain = '', bool $secure = false, bool $httponly = false): bool
    {
        $cookie = CookieHeader::build('setcookie', $name, $value, $expires_or_options, $path, $domain, $secure, $httponly, true);
        return Runtime::response()->header('Set-Cookie: ' . $cookie, false);
    }

    /** @param array<string, mixed>|int $expires_or_options */
    function setrawcookie(string $name, string $value = '', array|int $expires_or_options = 0, string $path = '', string $domain = '', bool $secure = false, bool $httponly = false): bool
    {
        $cookie = CookieHeader::build('setrawcookie', $name, $value, $expires_or_options, $path, $domain, $secure, $httponly, false);
        return Runtime::response()->header('Set-Cookie: ' . $cookie, false);
    }

    function flush(): void
    {
        \Askr\Runtime\Worker\FlushHook::flush();
    }

    /**
     * As under PHP-FPM (the CLI has no such function): ends the response now,
     * with the app's open output buffers flushed into it, and lets the script
     * run on; what it prints afterwards goes nowhere, and headers can no
     * longer be set. The process stays busy until the script ends. False when
     * there is no response to end (outside a request, or a second call).
     */
    function fastcgi_finish_request(): bool
    {
        return \Askr\Runtime\Worker\FlushHook::finishRequest();
    }

    function is_uploaded_file(string $filename): bool
    {
        $ctx = Runtime::context();
        return $ctx !== null && isset($ctx->uploads[$filename]) && is_file($filename);
    }

    function move_uploaded_file(string $from, string $to): bool
    {
        $ctx = Runtime::context();
        if ($ctx === null || !isset($ctx->uploads[$from]) || !is_file($from)) {
            return false;
        }
        if (!@rename($from, $to)) {
            if (!@copy($from, $to)) {
                trigger_error("move_uploaded_file(): Unable to move \"$from\" to \"$to\"", E_USER_WARNING);
                return false;
            }
            @unlink($from);
        }
        @chmod($to, 0666 & ~umask());
        unset($ctx->uploads[$from]);
        return true;
    }
}
