<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

/**
 * The status and header list of one response, with the semantics of PHP's SAPI
 * header handling (sapi_header_op): replace vs append, the status line, the
 * Location → 302 rule, the default charset, and "headers already sent".
 */
final class ResponseState
{
    public int $status = 200;
    /** @var list<array{0: string, 1: string}> */
    public array $headers = [];
    public bool $sent = false;
    public bool $statusExplicit = false;
    public ?string $outputStartedFile = null;
    public int $outputStartedLine = 0;
    /** @var list<callable> */
    public array $beforeSend = [];

    public function header(string $line, bool $replace = true, int $code = 0): bool
    {
        if (strpbrk($line, "\r\n\0") !== false) {
            trigger_error('Header may not contain more than a single header, new line detected', E_USER_WARNING);
            return false;
        }
        if ($this->sent) {
            $this->warnSent();
            return false;
        }
        if (strncasecmp($line, 'HTTP/', 5) === 0) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m) === 1) {
                $this->setStatus((int) $m[1]);
            }
            return true;
        }
        $colon = strpos($line, ':');
        if ($colon === false) {
            return false;
        }
        $name = trim(substr($line, 0, $colon));
        $value = trim(substr($line, $colon + 1));
        if ($name === '') {
            return false;
        }
        $lower = strtolower($name);
        if ($lower === 'content-type') {
            $value = self::withDefaultCharset($value);
        }
        if ($replace) {
            $this->remove($name);
        }
        $this->headers[] = [$name, $value];
        if ($code > 0) {
            $this->setStatus($code);
        } elseif ($lower === 'location' && $this->status !== 201 && ($this->status < 300 || $this->status > 399)) {
            $this->setStatus(302);
        }
        return true;
    }

    /**
     * A header line PHP's own code gave the SAPI (Process\Sapi::forwardHeaders),
     * taken as header() takes it. One more rule comes from ext/session: before
     * it sends a session cookie it removes every Set-Cookie of the session's
     * name from the SAPI's list (php_session_remove_cookie), so a regenerated
     * ID leaves one cookie, not two. Once the response has started the line is
     * dropped without the warning header() gives: the call comes from inside
     * PHP (through FFI), where an app's error handler may not throw.
     */
    public function sapiHeader(string $line, bool $replace): void
    {
        if ($this->sent) {
            return;
        }
        $cookie = session_name() . '=';
        $session = 'Set-Cookie: ' . $cookie;
        if (strncasecmp($line, $session, strlen($session)) === 0) {
            $this->headers = array_values(array_filter(
                $this->headers,
                static fn (array $h): bool => strcasecmp($h[0], 'Set-Cookie') !== 0 || !str_starts_with($h[1], $cookie),
            ));
        }
        $this->header($line, $replace);
    }

    public function remove(?string $name = null): void
    {
        if ($name === null) {
            $this->headers = [];
            return;
        }
        $this->headers = array_values(array_filter(
            $this->headers,
            static fn (array $h): bool => strcasecmp($h[0], $name) !== 0,
        ));
    }

    public function has(string $name): bool
    {
        foreach ($this->headers as [$n]) {
            if (strcasecmp($n, $name) === 0) {
                return true;
            }
        }
        return false;
    }

    public function setStatus(int $code): void
    {
        $this->status = $code;
        $this->statusExplicit = true;
    }

    /** @return list<string> "Name: value" lines, as headers_list() returns them. */
    public function lines(): array
    {
        return array_map(static fn (array $h): string => $h[0] . ': ' . $h[1], $this->headers);
    }

    /**
     * Freezes the headers: runs header_register_callback() callbacks and adds
     * the default Content-Type, as PHP does when the first byte of body goes out.
     *
     * @return array{status: int, headers: list<array{0: string, 1: string}>}
     */
    public function finalize(): array
    {
        if (!$this->sent) {
            $callbacks = $this->beforeSend;
            $this->beforeSend = [];
            foreach ($callbacks as $cb) {
                $cb();
            }
            if (!$this->has('Content-Type')) {
                $type = (string) ini_get('default_mimetype');
                if ($type !== '') {
                    $this->headers[] = ['Content-Type', self::withDefaultCharset($type)];
                }
            }
            $this->sent = true;
        }
        return ['status' => $this->status, 'headers' => $this->headers];
    }

    private static function withDefaultCharset(string $type): string
    {
        $charset = (string) ini_get('default_charset');
        if ($charset !== '' && strncasecmp($type, 'text/', 5) === 0 && stripos($type, 'charset') === false && !str_contains($type, ';')) {
            return $type . '; charset=' . $charset;
        }
        return $type;
    }

    private function warnSent(): void
    {
        $where = $this->outputStartedFile !== null
            ? " (output started at {$this->outputStartedFile}:{$this->outputStartedLine})"
            : '';
        trigger_error('Cannot modify header information - headers already sent' . $where, E_USER_WARNING);
    }
}
