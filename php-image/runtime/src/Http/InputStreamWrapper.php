<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

use Askr\Runtime\Runtime;

/**
 * Takes over the php:// scheme so that php://input returns the current
 * request's body (the CLI SAPI has none). Every other php:// stream
 * (memory, temp, output, stderr, filter…) is opened by PHP's own wrapper and
 * proxied unchanged.
 */
final class InputStreamWrapper
{
    /** @var resource|null */
    public $context;
    /** @var resource|null */
    private $inner = null;
    private ?RequestBody $body = null;
    private int $position = 0;

    public static function install(): void
    {
        if (in_array('php', stream_get_wrappers(), true)) {
            stream_wrapper_unregister('php');
        }
        stream_wrapper_register('php', self::class);
    }

    public function stream_open(string $path, string $mode, int $options, ?string &$openedPath): bool
    {
        if (strcasecmp($path, 'php://input') === 0) {
            $ctx = Runtime::context();
            // As in PHP, php://input is empty for multipart bodies.
            $this->body = ($ctx === null || $ctx->multipart) ? RequestBody::fromString('') : $ctx->body;
            return true;
        }
        stream_wrapper_restore('php');
        try {
            $inner = $this->context !== null
                ? @fopen($path, $mode, ($options & STREAM_USE_PATH) !== 0, $this->context)
                : @fopen($path, $mode, ($options & STREAM_USE_PATH) !== 0);
        } finally {
            stream_wrapper_unregister('php');
            stream_wrapper_register('php', self::class);
        }
        if ($inner === false) {
            if (($options & STREAM_REPORT_ERRORS) !== 0) {
                trigger_error("failed to open stream: $path", E_USER_WARNING);
            }
            return false;
        }
        $this->inner = $inner;
        return true;
    }

    public function stream_read(int $count): string|false
    {
        if ($this->inner !== null) {
            return fread($this->inner, $count);
        }
        $data = $this->body?->read($this->position, $count) ?? '';
        $this->position += strlen($data);
        return $data;
    }

    public function stream_write(string $data): int
    {
        return $this->inner !== null ? (int) fwrite($this->inner, $data) : 0;
    }

    public function stream_eof(): bool
    {
        if ($this->inner !== null) {
            return feof($this->inner);
        }
        return $this->position >= ($this->body?->length() ?? 0);
    }

    public function stream_tell(): int
    {
        return $this->inner !== null ? (int) ftell($this->inner) : $this->position;
    }

    public function stream_seek(int $offset, int $whence): bool
    {
        if ($this->inner !== null) {
            return fseek($this->inner, $offset, $whence) === 0;
        }
        $length = $this->body?->length() ?? 0;
        $target = match ($whence) {
            SEEK_SET => $offset,
            SEEK_CUR => $this->position + $offset,
            SEEK_END => $length + $offset,
            default => -1,
        };
        if ($target < 0) {
            return false;
        }
        $this->position = $target;
        return true;
    }

    public function stream_flush(): bool
    {
        return $this->inner === null || fflush($this->inner);
    }

    public function stream_truncate(int $size): bool
    {
        return $this->inner !== null && ftruncate($this->inner, $size);
    }

    /** @return array<int|string, int>|false */
    public function stream_stat(): array|false
    {
        if ($this->inner !== null) {
            return fstat($this->inner);
        }
        return ['size' => $this->body?->length() ?? 0, 'mode' => 0100444];
    }

    public function stream_close(): void
    {
        if ($this->inner !== null) {
            fclose($this->inner);
            $this->inner = null;
        }
    }

    public function stream_lock(int $operation): bool
    {
        return $this->inner !== null && flock($this->inner, $operation);
    }

    public function stream_set_option(int $option, int $arg1, ?int $arg2): bool
    {
        if ($this->inner === null) {
            return false;
        }
        return match ($option) {
            STREAM_OPTION_BLOCKING => stream_set_blocking($this->inner, (bool) $arg1),
            STREAM_OPTION_READ_TIMEOUT => stream_set_timeout($this->inner, $arg1, (int) $arg2),
            STREAM_OPTION_WRITE_BUFFER => stream_set_write_buffer($this->inner, (int) $arg2) === 0,
            default => false,
        };
    }

    /** @return resource|false */
    public function stream_cast(int $castAs)
    {
        return $this->inner ?? false;
    }

    /** @return array<string, mixed>|false */
    public function url_stat(string $path, int $flags): array|false
    {
        return false;
    }
}
