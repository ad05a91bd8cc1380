<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Protocol\FrameCodec;
use Askr\Runtime\Protocol\FrameType;

/**
 * The bottom output buffer of a worker: everything PHP prints lands here and
 * goes to the sidecar as frames. A response that was never flushed leaves as one
 * RESP_FULL frame; flush() or 64 KiB of output switch to RESP_HEAD + RESP_BODY
 * chunks. The buffer is not removable, so frameworks that close every output
 * buffer (Symfony's Response::send) cannot take it away; PHP still ends it at
 * shutdown, which is how exit() and fatal errors complete their response.
 */
final class OutputSink
{
    private const CHUNK = 65536;

    private ?RequestContext $ctx = null;
    private bool $headSent = false;
    private bool $explicitFlush = false;
    private bool $done = true;
    private int $level = 0;
    private int $bytes = 0;
    private int $flags = 0;

    public function __construct(private WorkerConnection $connection)
    {
    }

    public function rebind(WorkerConnection $connection): void
    {
        $this->connection = $connection;
    }

    /** @param bool $removable only for tests, which must take the buffer away again */
    public function install(bool $removable = false): void
    {
        $this->flags = PHP_OUTPUT_HANDLER_CLEANABLE | PHP_OUTPUT_HANDLER_FLUSHABLE | ($removable ? PHP_OUTPUT_HANDLER_REMOVABLE : 0);
        ob_start([$this, 'handle'], self::CHUNK, $this->flags);
        $this->level = ob_get_level();
        FlushHook::bind($this);
    }

    public function level(): int
    {
        return $this->level;
    }

    public function begin(RequestContext $ctx): void
    {
        $this->ctx = $ctx;
        $this->headSent = false;
        $this->explicitFlush = false;
        $this->done = false;
        $this->bytes = 0;
    }

    public function isDone(): bool
    {
        return $this->done;
    }

    /** What flush() does: push everything printed so far to the client now. */
    public function flush(): void
    {
        if ($this->done || ob_get_level() !== $this->level) {
            return;
        }
        $this->explicitFlush = true;
        ob_flush();
    }

    /** The output buffer callback. Returns '' so nothing reaches the CLI's stdout. */
    public function handle(string $buffer, int $phase): string
    {
        if ($this->done || $this->ctx === null) {
            return '';
        }
        if (($phase & PHP_OUTPUT_HANDLER_CLEAN) !== 0) {
            $buffer = '';
        }
        if (($phase & PHP_OUTPUT_HANDLER_FINAL) !== 0) {
            // PHP is shutting down: exit(), die() or a fatal error.
            $this->completeWith($buffer, true);
            return '';
        }
        if ($buffer === '' && !$this->explicitFlush) {
            return '';
        }
        $this->sendHead();
        if ($buffer !== '') {
            $this->bytes += strlen($buffer);
            $this->connection->socket->send(FrameType::RESP_BODY, $buffer);
        }
        return '';
    }

    /** Ends the response: sends what the buffers hold (takeRest) and ends it. */
    public function complete(): void
    {
        if ($this->done) {
            return;
        }
        $this->completeWith($this->takeRest(), false);
    }

    /** complete() for the shutdown phase: a fatal error before any output means 500. */
    public function completeAtShutdown(): void
    {
        if ($this->done) {
            return;
        }
        $this->completeWith($this->takeRest(), true);
    }

    /**
     * Puts this buffer back if PHP has dropped it. PHP discards every output
     * buffer, unflushed, when a request runs out of memory, before the shutdown
     * functions run; those (Laravel's error page, ShutdownGuard) must still be
     * able to answer the client. Called from the first shutdown function.
     */
    public function reinstallIfDropped(): void
    {
        if (!$this->done && ob_get_level() < $this->level) {
            ob_start([$this, 'handle'], self::CHUNK, $this->flags);
            $this->level = ob_get_level();
        }
    }

    /** Drops output printed after the response ended (deferred work, idle time). */
    public function discard(): void
    {
        while (ob_get_level() > $this->level) {
            if (!@ob_end_clean()) {
                break;
            }
        }
        if (ob_get_level() === $this->level) {
            ob_clean();
        }
    }

    /**
     * Closes the app's own buffers (flushing them into this one, as PHP does at
     * request end) and empties this one; returns what it held. Nothing when
     * the buffer is gone (PHP dropped it, and reinstallIfDropped did not run).
     */
    private function takeRest(): string
    {
        while (ob_get_level() > $this->level) {
            if (!@ob_end_flush()) {
                break;
            }
        }
        if (ob_get_level() !== $this->level) {
            return '';
        }
        $rest = (string) ob_get_contents();
        ob_clean();
        return $rest;
    }

    private function completeWith(string $rest, bool $shutdown): void
    {
        $ctx = $this->ctx;
        if ($ctx === null || $this->done) {
            return;
        }
        if ($shutdown && !$ctx->response->sent) {
            $error = error_get_last();
            $fatal = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;
            if ($error !== null && ($error['type'] & $fatal) !== 0 && !$ctx->response->statusExplicit) {
                // PHP-FPM answers 500 when a fatal error happens before any output was sent.
                $ctx->response->setStatus(500);
            }
        }
        $this->done = true;
        $socket = $this->connection->socket;
        if (!$this->headSent) {
            $head = $ctx->response->finalize();
            $socket->write(FrameCodec::encodeHeadAndBody(FrameType::RESP_FULL, $head, $rest));
            return;
        }
        if ($rest !== '') {
            $socket->send(FrameType::RESP_BODY, $rest);
        }
        $socket->sendJson(FrameType::RESP_END, []);
    }

    private function sendHead(): void
    {
        if ($this->headSent || $this->ctx === null) {
            return;
        }
        $this->headSent = true;
        $head = $this->ctx->response->finalize();
        $head['streamed'] = $this->explicitFlush;
        $this->connection->socket->sendJson(FrameType::RESP_HEAD, $head);
    }
}
