<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Http\MultipartParser;
use Askr\Runtime\Http\RequestBody;
use Askr\Runtime\Http\Superglobals;
use Askr\Runtime\Protocol\FrameCodec;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Protocol\ProtocolError;

/**
 * Reads one request from the socket (the REQUEST frame and, for spooled
 * bodies, the REQ_BODY frames) and turns it into a RequestContext with the
 * superglobals' contents ready: multipart bodies are parsed as they stream in,
 * uploads land in temp files.
 */
final class RequestReader
{
    public function __construct(
        private WorkerConnection $connection,
        private readonly string $documentRoot,
    ) {
    }

    public function rebind(WorkerConnection $connection): void
    {
        $this->connection = $connection;
    }

    /** @return array{0: RequestContext, 1: array<array-key, mixed>, 2: array<array-key, mixed>} context, $_POST, $_FILES */
    public function read(string $payload): array
    {
        [$head, $inline] = FrameCodec::decodeHeadAndBody($payload);
        $server = is_array($head['server'] ?? null) ? array_map('strval', $head['server']) : [];
        $method = (string) ($head['method'] ?? 'GET');
        $contentType = (string) ($server['CONTENT_TYPE'] ?? '');
        $boundary = $method === 'POST' && stripos($contentType, 'multipart/form-data') === 0
            ? MultipartParser::boundaryOf($contentType)
            : null;
        $parser = $boundary === null ? null : new MultipartParser($boundary, self::uploadDir());
        $body = new RequestBody();

        $feed = static function (string $chunk) use ($parser, $body): void {
            if ($parser !== null) {
                $parser->write($chunk);
            } else {
                $body->append($chunk);
            }
        };
        if ($inline !== '') {
            $feed($inline);
        }
        if (($head['body'] ?? 'inline') === 'stream') {
            while (true) {
                $frame = $this->connection->socket->read();
                if ($frame === null) {
                    throw new ProtocolError('the sidecar closed the connection during a request body');
                }
                if ($frame[0] === FrameType::REQ_BODY_END) {
                    break;
                }
                if ($frame[0] === FrameType::REQ_BODY) {
                    $feed($frame[1]);
                } elseif ($frame[0] === FrameType::ABORT) {
                    $this->connection->abortSeen = true;
                }
            }
        }
        $parser?->finish();

        $script = (string) ($head['script'] ?? '');
        $this->addServerVars($server, $script, (string) ($head['pathInfo'] ?? ''));
        $ctx = new RequestContext((string) ($head['id'] ?? ''), $head, $server, $body, $parser !== null);
        foreach ($parser->tmpFiles ?? [] as $tmp) {
            $ctx->uploads[$tmp] = true;
        }
        $post = $parser !== null
            ? $parser->post
            : Superglobals::formPost($method, $contentType, $body->length() > 0 ? $body->contents() : '');
        return [$ctx, $post, $parser->files ?? []];
    }

    /** @param array<string, string> $server */
    private function addServerVars(array &$server, string $script, string $pathInfo): void
    {
        $now = microtime(true);
        $scriptName = '/' . ltrim($script, '/');
        $server['DOCUMENT_ROOT'] = $this->documentRoot;
        $server['GATEWAY_INTERFACE'] = 'CGI/1.1';
        $server['SERVER_SOFTWARE'] ??= 'askr';
        if ($script !== '') {
            $server['SCRIPT_FILENAME'] = $this->documentRoot . $scriptName;
            $server['SCRIPT_NAME'] = $scriptName;
            $server['PHP_SELF'] = $scriptName . $pathInfo;
        }
        if ($pathInfo !== '') {
            $server['PATH_INFO'] = $pathInfo;
        }
        $server['REQUEST_TIME_FLOAT'] = (string) $now;
        $server['REQUEST_TIME'] = (string) (int) $now;
    }

    private static function uploadDir(): string
    {
        $dir = (string) ini_get('upload_tmp_dir');
        return $dir !== '' && is_dir($dir) ? $dir : sys_get_temp_dir();
    }
}
