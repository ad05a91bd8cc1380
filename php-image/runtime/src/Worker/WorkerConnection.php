<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Protocol\ProtocolError;

/**
 * A worker's connection to its front process, and the calls it makes into the
 * sidecar (askr_cache_forget_tag, askr_broadcast). Frames that arrive while a
 * call waits for its reply (ABORT, STOP, a request sent ahead) are remembered,
 * not lost.
 */
final class WorkerConnection
{
    private int $nextCallId = 1;
    public bool $stopRequested = false;
    public bool $abortSeen = false;
    /**
     * Requests the front sent ahead (while this worker was busy) that arrived
     * while a call waited for its reply: the next ones to serve, in order.
     *
     * @var list<array{0: int, 1: string}>
     */
    private array $early = [];

    public function __construct(public readonly FrameSocket $socket)
    {
    }

    /**
     * The next frame between requests: a request that arrived early first,
     * then whatever the front sends; null when the connection is gone.
     *
     * @return array{0: int, 1: string}|null
     */
    public function next(): ?array
    {
        return array_shift($this->early) ?? $this->socket->read();
    }

    /**
     * Calls an operation of the sidecar. With $wait the call blocks until the
     * sidecar has applied it and returns its value; errors become exceptions.
     *
     * @param array<string, mixed> $args
     */
    public function call(string $op, array $args, bool $wait): mixed
    {
        $id = $wait ? $this->nextCallId++ : 0;
        $this->socket->sendJson(FrameType::CALL, ['id' => $id, 'op' => $op, 'args' => $args]);
        if (!$wait) {
            return null;
        }
        while (true) {
            $frame = $this->socket->read();
            if ($frame === null) {
                throw new ProtocolError('the sidecar closed the connection during ' . $op);
            }
            [$type, $payload] = $frame;
            if ($type === FrameType::REPLY) {
                $reply = json_decode($payload, true);
                if (!is_array($reply) || ($reply['id'] ?? null) !== $id) {
                    continue;
                }
                if (($reply['ok'] ?? false) !== true) {
                    throw new \RuntimeException('askr: ' . $op . ' failed: ' . (string) ($reply['error'] ?? 'unknown error'));
                }
                return $reply['value'] ?? null;
            }
            if ($type === FrameType::REQUEST) {
                $this->early[] = $frame;
            } elseif ($type === FrameType::ABORT) {
                $this->abortSeen = true;
            } elseif ($type === FrameType::STOP) {
                $this->stopRequested = true;
            }
        }
    }
}
