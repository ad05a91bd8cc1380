<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Protocol\ProtocolError;

/**
 * A worker's connection to its front process, and the calls it makes into the
 * sidecar (askr_cache_forget_tag, askr_broadcast). Frames that arrive while a
 * call waits for its reply (ABORT) are remembered, not lost.
 */
final class WorkerConnection
{
    private int $nextCallId = 1;
    public bool $stopRequested = false;
    public bool $abortSeen = false;

    public function __construct(public readonly FrameSocket $socket)
    {
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
            if ($type === FrameType::ABORT) {
                $this->abortSeen = true;
            } elseif ($type === FrameType::STOP) {
                $this->stopRequested = true;
            }
        }
    }
}
