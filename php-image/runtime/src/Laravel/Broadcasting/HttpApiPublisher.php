<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

use Illuminate\Broadcasting\BroadcastException;

/**
 * Outside an Askr worker (a queue worker, an artisan command): a signed
 * `POST /apps/{id}/events` to a pod's Pusher HTTP API — what Laravel's pusher
 * driver would send, with no SDK. The pod appends it to its broadcast ring as
 * if a worker had published it.
 */
final class HttpApiPublisher implements EventPublisher
{
    public function __construct(
        private readonly string $baseUrl,
        private readonly string $appId,
        private readonly ApiRequestSigner $signer,
        private readonly float $timeout,
    ) {
    }

    public function publish(array $channels, string $event, string $data, ?string $socketId): void
    {
        $body = ['name' => $event, 'channels' => $channels, 'data' => $data];
        if ($socketId !== null) {
            $body['socket_id'] = $socketId;
        }
        $json = json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $path = '/apps/' . rawurlencode($this->appId) . '/events';
        $query = http_build_query($this->signer->sign('POST', $path, $json, time()), '', '&', PHP_QUERY_RFC3986);
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\nAccept: application/json\r\n",
            'content' => $json,
            'timeout' => $this->timeout,
            'ignore_errors' => true,
            'follow_location' => 0,
        ]]);
        $url = $this->baseUrl . $path . '?' . $query;
        $response = @file_get_contents($url, false, $context);
        $status = self::status($http_response_header ?? []);
        if ($response === false || $status === 0) {
            $error = error_get_last()['message'] ?? 'no response';
            throw new BroadcastException(sprintf('Askr error: cannot reach %s (%s).', $this->baseUrl, $error));
        }
        if ($status !== 200) {
            throw new BroadcastException(sprintf('Askr error: %d %s.', $status, trim($response)));
        }
    }

    /** @param list<string> $headers */
    private static function status(array $headers): int
    {
        // After redirects PHP lists every response; the last status line wins.
        $status = 0;
        foreach ($headers as $line) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) {
                $status = (int) $m[1];
            }
        }
        return $status;
    }
}
