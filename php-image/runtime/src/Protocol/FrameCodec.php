<?php

declare(strict_types=1);

namespace Askr\Runtime\Protocol;

/**
 * Encoding of frames: type (u8), payload length (u32 big-endian), payload.
 * Pure functions; the socket side lives in FrameSocket.
 */
final class FrameCodec
{
    public static function encode(int $type, string $payload = ''): string
    {
        return pack('CN', $type, strlen($payload)) . $payload;
    }

    /** @param array<string, mixed> $data */
    public static function encodeJson(int $type, array $data): string
    {
        return self::encode($type, self::json($data));
    }

    /**
     * A frame whose payload is a JSON head followed by raw bytes
     * (REQUEST and RESP_FULL): u32 head length, head, body.
     *
     * @param array<string, mixed> $head
     */
    public static function encodeHeadAndBody(int $type, array $head, string $body): string
    {
        $json = self::json($head);
        $payload = pack('N', strlen($json)) . $json . $body;
        return pack('CN', $type, strlen($payload)) . $payload;
    }

    /**
     * Splits a head+body payload.
     *
     * @return array{0: array<string, mixed>, 1: string}
     */
    public static function decodeHeadAndBody(string $payload): array
    {
        if (strlen($payload) < 4) {
            throw new ProtocolError('head+body payload shorter than its length prefix');
        }
        $len = unpack('N', $payload)[1];
        if ($len > strlen($payload) - 4) {
            throw new ProtocolError('head length beyond the payload');
        }
        return [self::decodeJson(substr($payload, 4, $len)), (string) substr($payload, 4 + $len)];
    }

    /** @return array<string, mixed> */
    public static function decodeJson(string $payload): array
    {
        try {
            $data = json_decode($payload, true, 64, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new ProtocolError('invalid JSON payload: ' . $e->getMessage(), 0, $e);
        }
        if (!is_array($data)) {
            throw new ProtocolError('JSON payload is not an object');
        }
        return $data;
    }

    /** @param array<string, mixed> $data */
    public static function json(array $data): string
    {
        // Invalid UTF-8 in headers from the app must not break the protocol.
        return json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR);
    }
}
