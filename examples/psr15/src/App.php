<?php

declare(strict_types=1);

namespace Example;

use Nyholm\Psr7\Factory\Psr17Factory;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;

/** A small PSR-15 app: a router over a few routes, with a counter that lives as long as the worker. */
final class App implements RequestHandlerInterface
{
    private int $served = 0;

    public function __construct(private readonly Psr17Factory $factory)
    {
    }

    public function handle(ServerRequestInterface $request): ResponseInterface
    {
        $this->served++;
        $path = $request->getUri()->getPath();
        return match (true) {
            $path === '/hello' => $this->text('Hello, PSR-15!'),
            $path === '/echo' => $this->json([
                'method' => $request->getMethod(),
                'query' => $request->getQueryParams(),
                'parsed' => $request->getParsedBody(),
                'body' => (string) $request->getBody(),
                'cookies' => $request->getCookieParams(),
                'header' => $request->getHeaderLine('X-Example'),
                'files' => array_map(
                    static fn ($f) => ['name' => $f->getClientFilename(), 'size' => $f->getSize(), 'error' => $f->getError()],
                    $request->getUploadedFiles(),
                ),
            ]),
            $path === '/served' => $this->json(['served' => $this->served, 'pid' => getmypid()]),
            default => $this->text('Not Found', 404),
        };
    }

    private function text(string $body, int $status = 200): ResponseInterface
    {
        return $this->factory->createResponse($status)
            ->withHeader('Content-Type', 'text/plain; charset=utf-8')
            ->withBody($this->factory->createStream($body));
    }

    /** @param array<string, mixed> $data */
    private function json(array $data): ResponseInterface
    {
        return $this->factory->createResponse(200)
            ->withHeader('Content-Type', 'application/json')
            ->withAddedHeader('X-Handled-By', 'psr-15')
            ->withBody($this->factory->createStream(json_encode($data, JSON_THROW_ON_ERROR)));
    }
}
