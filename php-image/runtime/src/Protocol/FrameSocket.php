<?php

declare(strict_types=1);

namespace Askr\Runtime\Protocol;

/**
 * A blocking Unix stream socket that reads and writes whole frames.
 */
final class FrameSocket
{
    /** @var resource */
    private $stream;

    /** @param resource $stream */
    public function __construct($stream)
    {
        $this->stream = $stream;
        stream_set_blocking($stream, true);
        stream_set_timeout($stream, 86400 * 365);
    }

    public static function connect(string $path, float $timeoutSeconds = 5.0): self
    {
        $deadline = microtime(true) + $timeoutSeconds;
        do {
            $stream = @stream_socket_client('unix://' . $path, $errno, $error, 1.0);
            if ($stream !== false) {
                return new self($stream);
            }
            usleep(20_000);
        } while (microtime(true) < $deadline);
        throw new ProtocolError("cannot connect to $path: $error");
    }

    /** @return resource */
    public function stream()
    {
        return $this->stream;
    }

    private ?string $corked = null;

    /** Holds writes back until uncork(), so several frames leave in one syscall. */
    public function cork(): void
    {
        $this->corked ??= '';
    }

    public function uncork(): void
    {
        $pending = $this->corked;
        $this->corked = null;
        if ($pending !== null && $pending !== '') {
            $this->write($pending);
        }
    }

    public function write(string $bytes): void
    {
        if ($this->corked !== null) {
            $this->corked .= $bytes;
            return;
        }
        $len = strlen($bytes);
        $done = 0;
        while ($done < $len) {
            $n = @fwrite($this->stream, $done === 0 ? $bytes : substr($bytes, $done));
            if ($n === false || $n === 0) {
                throw new ProtocolError('peer closed the socket while writing');
            }
            $done += $n;
        }
    }

    public function send(int $type, string $payload = ''): void
    {
        $this->write(FrameCodec::encode($type, $payload));
    }

    /** @param array<string, mixed> $data */
    public function sendJson(int $type, array $data): void
    {
        $this->write(FrameCodec::encodeJson($type, $data));
    }

    /**
     * Reads one frame, blocking. Returns null on a clean end of stream at a frame boundary.
     *
     * @return array{0: int, 1: string}|null
     */
    public function read(): ?array
    {
        $header = $this->readExactly(5, true);
        if ($header === null) {
            return null;
        }
        $parts = unpack('Ctype/Nlength', $header);
        if ($parts['length'] > FrameType::MAX_PAYLOAD) {
            throw new ProtocolError('frame larger than 16 MiB');
        }
        $payload = $parts['length'] === 0 ? '' : (string) $this->readExactly($parts['length'], false);
        return [$parts['type'], $payload];
    }

    private function readExactly(int $length, bool $eofOk): ?string
    {
        $buf = '';
        while (strlen($buf) < $length) {
            $chunk = @fread($this->stream, $length - strlen($buf));
            if ($chunk === false || $chunk === '') {
                if (feof($this->stream) || $chunk === false) {
                    if ($eofOk && $buf === '') {
                        return null;
                    }
                    throw new ProtocolError('peer closed the socket mid-frame');
                }
                continue;
            }
            $buf .= $chunk;
        }
        return $buf;
    }

    public function close(): void
    {
        if (is_resource($this->stream)) {
            fclose($this->stream);
        }
    }
}
