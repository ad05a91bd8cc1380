<?php

declare(strict_types=1);

namespace Askr\Runtime\Adapter;

use Askr\Runtime\Handler;
use Askr\Runtime\Worker\RequestContext;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestFactoryInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Message\StreamFactoryInterface;
use Psr\Http\Message\UploadedFileFactoryInterface;

/**
 * A PSR-15 request handler as the app. The PSR-7 request is built with the
 * first PSR-17 factory found (nyholm/psr7 or guzzlehttp/psr7, both packaged by
 * Debian), or with the factory passed in.
 */
final class Psr15Handler implements Handler
{
    private readonly ServerRequestFactoryInterface&StreamFactoryInterface&UploadedFileFactoryInterface $factory;

    public function __construct(
        private readonly object $handler,
        ?object $factory = null,
    ) {
        $this->factory = $factory ?? self::discoverFactory();
    }

    public function handle(RequestContext $ctx): void
    {
        $response = $this->handler->handle($this->request($ctx));
        if (!$response instanceof ResponseInterface) {
            throw new \UnexpectedValueException('askr: the PSR-15 handler did not return a ResponseInterface');
        }
        $state = $ctx->response;
        $state->setStatus($response->getStatusCode());
        foreach ($response->getHeaders() as $name => $values) {
            foreach ($values as $i => $value) {
                $state->header($name . ': ' . $value, $i === 0);
            }
        }
        $body = $response->getBody();
        if ($body->isSeekable()) {
            $body->rewind();
        }
        while (!$body->eof()) {
            $chunk = $body->read(65536);
            if ($chunk === '') {
                break;
            }
            echo $chunk;
        }
    }

    private function request(RequestContext $ctx): ServerRequestInterface
    {
        $server = $_SERVER;
        $scheme = ($server['HTTPS'] ?? '') !== '' && $server['HTTPS'] !== 'off' ? 'https' : 'http';
        $host = (string) ($server['HTTP_HOST'] ?? $server['SERVER_NAME'] ?? 'localhost');
        $request = $this->factory->createServerRequest($ctx->method(), $scheme . '://' . $host . $ctx->uri(), $server);
        foreach ($server as $key => $value) {
            if (str_starts_with((string) $key, 'HTTP_')) {
                $name = str_replace('_', '-', ucwords(strtolower(substr((string) $key, 5)), '_'));
                $request = $request->withHeader($name, (string) $value);
            }
        }
        foreach (['CONTENT_TYPE' => 'Content-Type', 'CONTENT_LENGTH' => 'Content-Length'] as $key => $name) {
            if (isset($server[$key]) && $server[$key] !== '') {
                $request = $request->withHeader($name, (string) $server[$key]);
            }
        }
        $request = $request
            ->withCookieParams($_COOKIE)
            ->withQueryParams($_GET)
            ->withParsedBody($_POST === [] && !$ctx->multipart ? null : $_POST)
            ->withUploadedFiles($this->uploadedFiles($_FILES))
            ->withBody($this->factory->createStream($ctx->multipart ? '' : $ctx->body->contents()));
        return $request;
    }

    /**
     * @param array<array-key, mixed> $files
     * @return array<array-key, mixed>
     */
    private function uploadedFiles(array $files): array
    {
        $out = [];
        foreach ($files as $key => $spec) {
            if (!is_array($spec) || !isset($spec['error'])) {
                continue;
            }
            $out[$key] = $this->normalise($spec['tmp_name'], $spec['size'], $spec['error'], $spec['name'], $spec['type']);
        }
        return $out;
    }

    private function normalise(mixed $tmp, mixed $size, mixed $error, mixed $name, mixed $type): mixed
    {
        if (is_array($tmp)) {
            $out = [];
            foreach ($tmp as $k => $t) {
                $out[$k] = $this->normalise($t, $size[$k] ?? 0, $error[$k] ?? UPLOAD_ERR_NO_FILE, $name[$k] ?? null, $type[$k] ?? null);
            }
            return $out;
        }
        $stream = $error === UPLOAD_ERR_OK ? $this->factory->createStreamFromFile((string) $tmp) : $this->factory->createStream('');
        return $this->factory->createUploadedFile($stream, (int) $size, (int) $error, $name === null ? null : (string) $name, $type === null ? null : (string) $type);
    }

    private static function discoverFactory(): object
    {
        foreach (['Nyholm\\Psr7\\Factory\\Psr17Factory', 'GuzzleHttp\\Psr7\\HttpFactory'] as $class) {
            if (class_exists($class)) {
                return new $class();
            }
        }
        throw new \RuntimeException('askr: no PSR-17 factory found; install nyholm/psr7 (Debian: php-nyholm-psr7) or guzzlehttp/psr7');
    }
}
