<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Http\RequestBody;
use Askr\Runtime\Http\ResponseState;

/**
 * Everything that belongs to one request and must not outlive it: the head the
 * sidecar sent, the body, the response being built, deferred work and the temp
 * files of uploads.
 */
final class RequestContext
{
    public readonly ResponseState $response;
    /** @var list<callable> */
    public array $deferred = [];
    /** @var array<string, true> tmp_name of every upload of this request */
    public array $uploads = [];
    public bool $aborted = false;
    public readonly float $startedAt;

    /**
     * @param array<string, mixed> $head
     * @param array<string, string> $server
     */
    public function __construct(
        public readonly string $id,
        public readonly array $head,
        public array $server,
        public readonly RequestBody $body,
        public readonly bool $multipart,
    ) {
        $this->response = new ResponseState();
        $this->startedAt = microtime(true);
    }

    public function method(): string
    {
        return (string) ($this->head['method'] ?? 'GET');
    }

    public function uri(): string
    {
        return (string) ($this->head['uri'] ?? '/');
    }

    /** Deletes upload temp files the app did not move away, as PHP does at request end. */
    public function cleanUp(): void
    {
        foreach (array_keys($this->uploads) as $tmp) {
            if (is_file($tmp)) {
                @unlink($tmp);
            }
        }
        $this->uploads = [];
        $this->body->close();
    }
}
