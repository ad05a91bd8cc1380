<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Adapter\CallableHandler;
use Askr\Runtime\Handler;
use Askr\Runtime\Http\InputStreamWrapper;
use Askr\Runtime\Http\Superglobals;
use Askr\Runtime\Process\Sapi;
use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Protocol\ProtocolError;
use Askr\Runtime\Runtime;

/**
 * Worker mode: one forked child serving requests in a loop with the app the
 * template booted. Between requests it resets the superglobals, the response
 * state and the upload temp files; framework adapters reset their own state.
 */
final class WorkerLoop
{
    private readonly OutputSink $sink;
    private readonly RequestReader $reader;
    private readonly DeferredRunner $deferred;
    private int $requests = 0;
    private readonly int $parentPid;

    public function __construct(
        private readonly Handler $handler,
        private WorkerConnection $connection,
        private readonly string $documentRoot,
        private readonly string $socketPath,
        private readonly string $tag,
        private readonly float $reconnectSeconds = 30.0,
    ) {
        $this->sink = new OutputSink($connection);
        $this->reader = new RequestReader($connection, $documentRoot);
        $this->deferred = new DeferredRunner();
        $this->parentPid = posix_getppid();
    }

    public function run(): never
    {
        $this->sink->install();
        // Framework adapters hand the body to the framework directly; only a plain
        // callable reads php://input as a classic script would. The wrapper takes
        // over the whole php:// scheme (stream_get_meta_data() then reports the
        // mode as opened), so it is installed only where it is needed.
        if ($this->handler instanceof CallableHandler) {
            InputStreamWrapper::install();
        }
        ShutdownGuard::install($this->sink, $this->deferred);
        $this->hello();
        while (true) {
            $frame = $this->connection->next();
            if ($frame === null) {
                $this->reconnectOrExit();
                continue;
            }
            [$type, $payload] = $frame;
            if ($type === FrameType::REQUEST) {
                $this->serve($payload);
            } elseif ($type === FrameType::STOP) {
                Sapi::exitAfterRequestShutdown();
            }
            if ($this->connection->stopRequested) {
                Sapi::exitAfterRequestShutdown();
            }
        }
    }

    private function hello(): void
    {
        $this->connection->socket->sendJson(FrameType::HELLO, [
            'pid' => getmypid(),
            'tag' => $this->tag,
            'mode' => 'worker',
            'requests' => $this->requests,
        ]);
    }

    private function serve(string $payload): void
    {
        [$ctx, $post, $files] = $this->reader->read($payload);
        $ctx->aborted = $this->connection->abortSeen;
        $this->connection->abortSeen = false;
        Runtime::enter($ctx);
        $this->sink->begin($ctx);
        Superglobals::populate($ctx, $post, $files);
        try {
            $this->handler->handle($ctx);
        } catch (\Throwable $e) {
            UncaughtError::report($ctx, $e, $this->sink);
        }
        // With no deferred work the response and READY leave in one write.
        $corked = $ctx->deferred === [];
        if ($corked) {
            $this->connection->socket->cork();
        }
        $this->sink->complete();
        $this->deferred->run($ctx);
        $this->sink->discard();
        $ctx->cleanUp();
        Superglobals::reset();
        Runtime::leave();
        $this->requests++;
        $this->connection->socket->sendJson(FrameType::READY, [
            'memory' => memory_get_usage(),
            'memoryReal' => memory_get_usage(true),
            'requests' => $this->requests,
            'deferred' => $this->deferred->ran,
            'deferredErrors' => $this->deferred->failed,
            'deferredMs' => round($this->deferred->ms, 3),
        ]);
        if ($corked) {
            $this->connection->socket->uncork();
        }
    }

    /**
     * The sidecar went away without telling us to stop: it is restarting. Keep
     * the warm state and reconnect, unless the template itself is gone.
     */
    private function reconnectOrExit(): void
    {
        $deadline = microtime(true) + $this->reconnectSeconds;
        while (microtime(true) < $deadline && posix_getppid() === $this->parentPid) {
            try {
                $socket = FrameSocket::connect($this->socketPath, 1.0);
            } catch (ProtocolError) {
                continue;
            }
            $this->connection = new WorkerConnection($socket);
            Runtime::becomeWorker($this->connection);
            $this->sink->rebind($this->connection);
            $this->reader->rebind($this->connection);
            $this->hello();
            return;
        }
        Sapi::exitAfterRequestShutdown();
    }
}
