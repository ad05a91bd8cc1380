<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\RequestBody;
use Askr\Runtime\Protocol\FrameCodec;
use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Runtime;
use Askr\Runtime\Worker\OutputSink;
use Askr\Runtime\Worker\RequestContext;
use Askr\Runtime\Worker\WorkerConnection;
use PHPUnit\Framework\TestCase;

/** What the bottom output buffer sends to the sidecar for a few kinds of output. */
final class OutputSinkTest extends TestCase
{
    private FrameSocket $sidecar;
    private OutputSink $sink;
    private RequestContext $ctx;
    private int $level;

    protected function setUp(): void
    {
        [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $this->sidecar = new FrameSocket($a);
        $this->level = ob_get_level();
        $this->sink = new OutputSink(new WorkerConnection(new FrameSocket($b)));
        $this->sink->install(true);
        $this->ctx = new RequestContext('t1', [], [], new RequestBody(), false);
        Runtime::enter($this->ctx);
        $this->sink->begin($this->ctx);
    }

    protected function tearDown(): void
    {
        Runtime::leave();
        while (ob_get_level() > $this->level) {
            ob_end_clean();
        }
    }

    /** @return list<array{0: int, 1: string}> */
    private function frames(): array
    {
        $out = [];
        stream_set_blocking($this->sidecar->stream(), false);
        while (($data = fread($this->sidecar->stream(), 1 << 20)) !== false && $data !== '') {
            $buffer = ($buffer ?? '') . $data;
        }
        $buffer ??= '';
        while (strlen($buffer) >= 5) {
            $h = unpack('Ctype/Nlen', $buffer);
            $out[] = [$h['type'], substr($buffer, 5, $h['len'])];
            $buffer = substr($buffer, 5 + $h['len']);
        }
        return $out;
    }

    public function testAnUnflushedResponseIsOneFullFrame(): void
    {
        header('X-Test: 1');
        http_response_code(202);
        echo 'hello ';
        echo 'world';
        $this->sink->complete();
        $frames = $this->frames();
        self::assertCount(1, $frames);
        self::assertSame(FrameType::RESP_FULL, $frames[0][0]);
        [$head, $body] = FrameCodec::decodeHeadAndBody($frames[0][1]);
        self::assertSame(202, $head['status']);
        self::assertContains(['X-Test', '1'], $head['headers']);
        self::assertSame('hello world', $body);
    }

    public function testFastcgiFinishRequestEndsTheResponseOnceAndDropsWhatFollows(): void
    {
        ob_start();
        echo 'page';
        self::assertTrue(fastcgi_finish_request());
        self::assertFalse(fastcgi_finish_request(), 'no response left to end');
        echo 'after the response';
        $this->sink->complete();
        $frames = $this->frames();
        self::assertCount(1, $frames);
        self::assertSame(FrameType::RESP_FULL, $frames[0][0]);
        self::assertSame('page', FrameCodec::decodeHeadAndBody($frames[0][1])[1]);
        self::assertTrue(headers_sent());
    }

    public function testABufferPhpDroppedIsPutBackAndTheResponseStillCompletes(): void
    {
        echo 'lost';
        // What PHP does to every output buffer when a request runs out of memory.
        while (ob_get_level() > $this->level) {
            ob_end_clean();
        }
        $this->sink->complete();
        self::assertSame('', FrameCodec::decodeHeadAndBody($this->frames()[0][1])[1], 'completes without the buffer');

        $this->sink->begin($this->ctx = new RequestContext('t2', [], [], new RequestBody(), false));
        Runtime::enter($this->ctx);
        while (ob_get_level() > $this->level) {
            ob_end_clean();
        }
        $this->sink->reinstallIfDropped();
        echo 'error page';
        $this->sink->completeAtShutdown();
        self::assertSame('error page', FrameCodec::decodeHeadAndBody($this->frames()[0][1])[1]);
    }

    public function testFlushStreamsAndMarksTheResponseStreamed(): void
    {
        echo 'part 1';
        flush();
        echo 'part 2';
        $this->sink->complete();
        $frames = $this->frames();
        self::assertSame([FrameType::RESP_HEAD, FrameType::RESP_BODY, FrameType::RESP_BODY, FrameType::RESP_END], array_column($frames, 0));
        self::assertTrue(FrameCodec::decodeJson($frames[0][1])['streamed']);
        self::assertSame('part 1', $frames[1][1]);
        self::assertSame('part 2', $frames[2][1]);
        self::assertTrue(headers_sent());
    }

    public function testTheAppsOwnOpenBuffersAreFlushedIntoTheResponse(): void
    {
        ob_start(static fn (string $b): string => strtoupper($b));
        echo 'shout';
        $this->sink->complete();
        [, $body] = FrameCodec::decodeHeadAndBody($this->frames()[0][1]);
        self::assertSame('SHOUT', $body);
    }

    public function testLargeOutputStreamsInChunksWithoutBeingMarkedStreamed(): void
    {
        echo str_repeat('a', 200_000);
        $this->sink->complete();
        $frames = $this->frames();
        self::assertSame(FrameType::RESP_HEAD, $frames[0][0]);
        self::assertFalse(FrameCodec::decodeJson($frames[0][1])['streamed']);
        $body = implode('', array_map(static fn (array $f): string => $f[1], array_filter($frames, static fn (array $f): bool => $f[0] === FrameType::RESP_BODY)));
        self::assertSame(200_000, strlen($body));
        self::assertSame(FrameType::RESP_END, $frames[array_key_last($frames)][0]);
    }

    public function testOutputAfterTheResponseIsDiscarded(): void
    {
        echo 'answer';
        $this->sink->complete();
        echo 'printed by deferred work';
        $this->sink->discard();
        $frames = $this->frames();
        self::assertCount(1, $frames);
    }
}
