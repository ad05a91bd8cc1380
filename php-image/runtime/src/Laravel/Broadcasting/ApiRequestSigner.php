<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

/**
 * Signs a Pusher HTTP API request as Pusher's server libraries do: the query
 * gets auth_key, auth_timestamp, auth_version=1.0 and body_md5, and
 * auth_signature = hex(HMAC-SHA256(secret, "METHOD\nPATH\nsorted query")),
 * the query joined as k=v&… without encoding. Pure: the timestamp is given.
 */
final class ApiRequestSigner
{
    public function __construct(
        private readonly string $key,
        private readonly string $secret,
    ) {
    }

    /**
     * @param string $path the API path, `/apps/{id}/…`, without any prefix
     * @param int $timestamp Unix seconds (the server accepts a bounded window around its clock)
     * @return array<string, string> the whole query, auth_signature last
     */
    public function sign(string $method, string $path, string $body, int $timestamp): array
    {
        $query = [
            'auth_key' => $this->key,
            'auth_timestamp' => (string) $timestamp,
            'auth_version' => '1.0',
        ];
        if ($body !== '') {
            $query['body_md5'] = md5($body);
        }
        ksort($query, SORT_STRING);
        $pairs = [];
        foreach ($query as $name => $value) {
            $pairs[] = $name . '=' . $value;
        }
        $query['auth_signature'] = hash_hmac('sha256', strtoupper($method) . "\n" . $path . "\n" . implode('&', $pairs), $this->secret);
        return $query;
    }
}
