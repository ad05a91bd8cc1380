<?php

declare(strict_types=1);

namespace Askr\Runtime\Classic;

use Askr\Runtime\Http\InputStreamWrapper;
use Askr\Runtime\Http\Superglobals;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Runtime;
use Askr\Runtime\Template\ChildRole;
use Askr\Runtime\Template\TemplateConfig;
use Askr\Runtime\Worker\DeferredRunner;
use Askr\Runtime\Worker\OutputSink;
use Askr\Runtime\Worker\RequestContext;
use Askr\Runtime\Worker\RequestReader;
use Askr\Runtime\Worker\ShutdownGuard;
use Askr\Runtime\Worker\UncaughtError;

/**
 * Classic mode: a child forked ahead of demand waits for one request, then the
 * template's top-level code includes the script in global scope, exactly as
 * PHP-FPM runs it, and the process ends. Ending through exit() makes exit(),
 * die(), shutdown functions and fatal errors behave as under FPM; the
 * ShutdownGuard sends the response and runs deferred work.
 */
final class ClassicRequest
{
    private static ?RequestContext $ctx = null;
    private static ?OutputSink $sink = null;
    private static string $script = '';

    /** Waits for the request and prepares the globals; returns only when there is a script to run. */
    public static function begin(ChildRole $role, TemplateConfig $config): void
    {
        $connection = $role->connection;
        $sink = new OutputSink($connection);
        $sink->install();
        InputStreamWrapper::install();
        ShutdownGuard::install($sink, new DeferredRunner());
        $connection->socket->sendJson(FrameType::HELLO, ['pid' => getmypid(), 'tag' => $role->tag, 'mode' => 'classic']);

        while (true) {
            $frame = $connection->socket->read();
            if ($frame === null || $frame[0] === FrameType::STOP) {
                exit(0);
            }
            if ($frame[0] === FrameType::REQUEST) {
                break;
            }
        }
        [$ctx, $post, $files] = (new RequestReader($connection, $config->root))->read($frame[1]);
        self::$ctx = $ctx;
        self::$sink = $sink;
        Runtime::enter($ctx);
        $sink->begin($ctx);
        Superglobals::populate($ctx, $post, $files);

        $script = $ctx->server['SCRIPT_FILENAME'] ?? '';
        $real = $script === '' ? false : realpath($script);
        // The script must exist and live under the document root.
        if ($real === false || !is_file($real) || !str_starts_with($real, rtrim($config->root, '/') . '/')) {
            $ctx->response->setStatus(404);
            $ctx->response->header('Content-Type: text/plain; charset=UTF-8');
            echo "File not found.\n";
            exit(0);
        }
        self::$script = $real;
        chdir(dirname($real));
    }

    public static function script(): string
    {
        return self::$script;
    }

    public static function uncaught(\Throwable $e): void
    {
        if (self::$ctx !== null && self::$sink !== null) {
            UncaughtError::report(self::$ctx, $e, self::$sink);
        }
    }

    /** Ends the process; the shutdown phase completes the response. */
    public static function end(): never
    {
        exit(0);
    }
}
