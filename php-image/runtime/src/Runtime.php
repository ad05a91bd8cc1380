<?php

declare(strict_types=1);

namespace Askr\Runtime;

use Askr\Runtime\Http\ResponseState;
use Askr\Runtime\Worker\RequestContext;
use Askr\Runtime\Worker\WorkerConnection;

/**
 * Process-wide state of the runtime that the global askr_* functions and the
 * header() replacements reach: the request being handled (if any), the
 * connection to the sidecar (in a worker), and the after-fork hooks.
 */
final class Runtime
{
    private static ?RequestContext $context = null;
    private static ?WorkerConnection $connection = null;
    private static ?ResponseState $detached = null;
    /** @var list<callable> */
    private static array $afterFork = [];
    private static bool $isWorker = false;

    public static function context(): ?RequestContext
    {
        return self::$context;
    }

    public static function enter(RequestContext $ctx): void
    {
        self::$context = $ctx;
    }

    public static function leave(): void
    {
        self::$context = null;
    }

    /**
     * The response header state functions like header() act on: the current
     * request's, or a throwaway one outside a request (boot, CLI, tests).
     */
    public static function response(): ResponseState
    {
        return self::$context?->response ?? (self::$detached ??= new ResponseState());
    }

    public static function connection(): ?WorkerConnection
    {
        return self::$connection;
    }

    public static function becomeWorker(WorkerConnection $connection): void
    {
        self::$connection = $connection;
        self::$isWorker = true;
    }

    public static function isWorker(): bool
    {
        return self::$isWorker;
    }

    public static function afterFork(callable $hook): void
    {
        self::$afterFork[] = $hook;
    }

    /** Runs in every forked child before it serves anything. */
    public static function runAfterForkHooks(): void
    {
        foreach (self::$afterFork as $hook) {
            $hook();
        }
    }

    /** Resets the state a forked child must not inherit from its template. */
    public static function resetForChild(): void
    {
        self::$context = null;
        self::$detached = null;
    }
}
