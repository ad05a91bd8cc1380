<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Protocol\FrameCodec;
use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\ProtocolError;
use PHPUnit\Framework\TestCase;

/** The same vectors the TypeScript side checks (docs/protocol/vectors.json). */
final class FrameCodecTest extends TestCase
{
    /** @return array<string, array{0: array<string, mixed>}> */
    public static function vectors(): array
    {
        $data = json_decode((string) file_get_contents(__DIR__ . '/../../docs/protocol/vectors.json'), true, 64, JSON_THROW_ON_ERROR);
        $out = [];
        foreach ($data['vectors'] as $v) {
            $out[$v['name']] = [$v];
        }
        return $out;
    }

    /** @param array<string, mixed> $v */
    private static function payload(array $v): string
    {
        if (isset($v['payloadRepeat'])) {
            return str_repeat(chr(hexdec($v['payloadRepeat']['byte'])), $v['payloadRepeat']['count']);
        }
        return (string) hex2bin($v['payloadHex']);
    }

    /** @param array<string, mixed> $v */
    private static function frame(array $v): string
    {
        return isset($v['frameHeaderHex']) ? hex2bin($v['frameHeaderHex']) . self::payload($v) : (string) hex2bin($v['frameHex']);
    }

    /**
     * @dataProvider vectors
     * @param array<string, mixed> $v
     */
    public function testEncodesAndDecodesTheSharedVectors(array $v): void
    {
        $payload = self::payload($v);
        self::assertSame(bin2hex(self::frame($v)), bin2hex(FrameCodec::encode($v['type'], $payload)));

        [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $writer = new FrameSocket($a);
        $reader = new FrameSocket($b);
        $writer->write(self::frame($v));
        [$type, $read] = $reader->read();
        self::assertSame($v['type'], $type);
        self::assertSame(bin2hex($payload), bin2hex($read));

        if ($v['kind'] === 'json') {
            self::assertSame($v['json'], FrameCodec::decodeJson($payload));
        }
        if ($v['kind'] === 'head+body') {
            [$head, $body] = FrameCodec::decodeHeadAndBody($payload);
            self::assertSame($v['head'], $head);
            self::assertSame($v['bodyHex'], bin2hex($body));
            self::assertSame(bin2hex(self::frame($v)), bin2hex(FrameCodec::encodeHeadAndBody($v['type'], $v['head'], $body)));
        }
    }

    public function testACleanEndOfStreamIsNullAndATruncatedFrameIsAnError(): void
    {
        [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        fclose($a);
        self::assertNull((new FrameSocket($b))->read());

        [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        fwrite($a, "\x03\x00\x00\x00\x10abc");
        fclose($a);
        $this->expectException(ProtocolError::class);
        (new FrameSocket($b))->read();
    }

    public function testRefusesFramesOver16MiB(): void
    {
        [$a, $b] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        fwrite($a, "\x03\x01\x00\x00\x01");
        $this->expectException(ProtocolError::class);
        (new FrameSocket($b))->read();
    }
}
