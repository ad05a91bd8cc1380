<?php

declare(strict_types=1);

namespace Askr\Runtime\Classic;

use Askr\Runtime\Http\InputStreamWrapper;
use Askr\Runtime\Http\Superglobals;
use Askr\Runtime\Process\Libc;
use Askr\Runtime\Process\Sapi;
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
use Askr\Runtime\Worker\WorkerConnection;

/**
 * Classic mode: a child forked ahead of demand waits for a request, then the
 * template's top-level code includes the script in global scope, exactly as
 * PHP-FPM runs it. A request that ends through exit(), die() or a fatal error
 * ends the process; the ShutdownGuard sends its response and runs its deferred
 * work, so those behave as under FPM.
 *
 * A request whose script is reuse-eligible (ReuseEligibility) and that left
 * nothing behind (ProcessSnapshot) lets the process serve another eligible
 * script; anything else ends it. A reused process that is handed a script it
 * may not run declines it (DECLINE), and the sidecar gives it to a fresh one.
 */
final class ClassicRequest
{
    private static ?RequestContext $ctx = null;
    private static ?OutputSink $sink = null;
    private static ?DeferredRunner $deferred = null;
    private static ?WorkerConnection $connection = null;
    private static ?ProcessSnapshot $snapshot = null;
    private static ?RequestReader $reader = null;
    private static string $script = '';
    private static string $relative = '';
    private static int $served = 0;
    /** Whether the current script may leave the process reusable (checked once per request). */
    private static bool $eligible = false;
    private static string $root = '';
    /**
     * The working directory, kept here instead of asked of the kernel per request:
     * only this class changes it in a process that is reused, since a script that
     * could (chdir() is not on ReuseEligibility's list) ends its process.
     */
    private static string $cwd = '';

    /** Installs the output sink and says HELLO; once per process. */
    public static function setUp(ChildRole $role, TemplateConfig $config): void
    {
        $connection = $role->connection;
        self::$connection = $connection;
        self::$root = $config->root;
        self::$sink = new OutputSink($connection);
        self::$sink->install();
        self::$deferred = new DeferredRunner();
        self::$reader = new RequestReader($connection, $config->root);
        InputStreamWrapper::install();
        ShutdownGuard::install(self::$sink, self::$deferred);
        $connection->socket->sendJson(FrameType::HELLO, ['pid' => getmypid(), 'tag' => $role->tag, 'mode' => 'classic']);
        // Taken last, at the top level's state just before the first include.
        self::$snapshot = new ProcessSnapshot(ob_get_level());
        self::$cwd = (string) getcwd();
    }

    /** Waits for the next request and prepares the globals; returns only when there is a script to run. */
    public static function begin(): void
    {
        $connection = self::$connection;
        while (true) {
            $frame = $connection?->next();
            if ($frame === null || $frame[0] === FrameType::STOP) {
                // Between requests a classic process holds nothing of the app's (a reused one was
                // checked by ProcessSnapshot, a fresh one has run nothing): PHP's engine shutdown
                // would only copy the template's pages in order to free them.
                Libc::exitNow(0);
                exit(0);
            }
            if ($frame[0] === FrameType::REQUEST) {
                break;
            }
        }
        [$ctx, $post, $files] = self::$reader?->read($frame[1]) ?? throw new \LogicException('classic request reader missing');
        $script = $ctx->server['SCRIPT_FILENAME'] ?? '';
        $real = $script === '' ? false : realpath($script);
        $inRoot = $real !== false && is_file($real) && str_starts_with($real, rtrim(self::$root, '/') . '/');
        self::$eligible = $inRoot && ReuseEligibility::eligible($real);
        if (self::$served > 0 && !self::$eligible) {
            // This process has run other scripts: only a fresh one may run this.
            $ctx->cleanUp();
            $connection?->socket->sendJson(FrameType::DECLINE, ['script' => (string) ($ctx->head['script'] ?? '')]);
            Sapi::exitAfterRequestShutdown();
        }
        self::$ctx = $ctx;
        self::$relative = (string) ($ctx->head['script'] ?? '');
        Runtime::enter($ctx);
        self::$sink?->begin($ctx);
        Superglobals::populate($ctx, $post, $files);
        if (!$inRoot) {
            $ctx->response->setStatus(404);
            $ctx->response->header('Content-Type: text/plain; charset=UTF-8');
            echo "File not found.\n";
            Sapi::exitAfterRequestShutdown();
        }
        self::$script = $real;
        $dir = dirname($real);
        if (self::$cwd !== $dir) {
            chdir($dir);
            self::$cwd = $dir;
        }
    }

    public static function script(): string
    {
        return self::$script;
    }

    public static function uncaught(\Throwable $e): void
    {
        if (self::$ctx !== null && self::$sink !== null) {
            UncaughtError::report(self::$ctx, $e, self::$sink);
            // A script that threw may have left anything behind.
            self::$script = '';
        }
    }

    /**
     * The script returned. If it may be reused and left nothing behind, the
     * response is completed here and the process waits for the next request;
     * otherwise the process ends and the shutdown phase completes the response.
     */
    public static function end(): void
    {
        $ctx = self::$ctx;
        $sink = self::$sink;
        if ($ctx === null || $sink === null || self::$script === '' || !self::$eligible) {
            // The shutdown phase completes the response (ShutdownGuard) and PHP's request
            // shutdown runs in full; the engine's own shutdown would only copy the
            // template's pages in order to free them.
            Sapi::exitAfterRequestShutdown();
        }
        $socket = self::$connection?->socket;
        // With no deferred work the response and READY leave in one write.
        $cork = $ctx->deferred === [];
        if ($cork) {
            $socket?->cork();
        }
        $sink->complete();
        self::$deferred?->run($ctx);
        $sink->discard();
        $ctx->cleanUp();
        Superglobals::reset();
        Runtime::leave();
        self::$ctx = null;
        if (!(self::$snapshot?->restore(self::$script) ?? false)) {
            $socket?->uncork();
            Sapi::exitAfterRequestShutdown();
        }
        self::$served++;
        self::$connection?->socket->sendJson(FrameType::READY, [
            'memory' => memory_get_usage(),
            'memoryReal' => memory_get_usage(true),
            'requests' => self::$served,
            'deferred' => self::$deferred?->ran ?? 0,
            'deferredErrors' => self::$deferred?->failed ?? 0,
            'deferredMs' => round(self::$deferred?->ms ?? 0.0, 3),
            'reusable' => true,
            'script' => self::$relative,
        ]);
        $socket?->uncork();
    }
}
