<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

/**
 * The `askr` connection of config/broadcasting.php, checked once when the
 * driver is created. A missing key or secret is not an error here: events
 * published from a worker need neither, and channel authorization says what
 * is missing when it is first asked for.
 */
final class AskrBroadcastConfig
{
    /** Pusher's limit, and `askr serve --pusher-max-payload`'s default (bytes). */
    public const DEFAULT_MAX_PAYLOAD = 10240;

    private function __construct(
        public readonly ?string $key,
        public readonly ?string $secret,
        public readonly ?string $appId,
        /** Raw 32-byte master key for private-encrypted- channels, or null. */
        public readonly ?string $encryptionMasterKey,
        /** Largest event data in bytes (after encryption); 0: no check here. */
        public readonly int $maxPayload,
        /** Base URL of a pod's Pusher HTTP API, used outside an Askr worker. */
        public readonly ?string $apiUrl,
        /** Seconds an HTTP API request may take. */
        public readonly float $apiTimeout,
    ) {
    }

    /**
     * @param array<string, mixed> $config the connection array Laravel passes to the driver creator
     * @throws \InvalidArgumentException naming the config key when a value has the wrong shape
     */
    public static function fromArray(array $config): self
    {
        $masterKey = self::optionalString($config, 'encryption_master_key_base64');
        if ($masterKey !== null) {
            $raw = base64_decode($masterKey, true);
            if ($raw === false || strlen($raw) !== 32) {
                throw new \InvalidArgumentException('broadcasting askr connection: encryption_master_key_base64 must be 32 bytes, base64-encoded (openssl rand -base64 32)');
            }
            $masterKey = $raw;
        }
        $maxPayload = $config['max_payload'] ?? self::DEFAULT_MAX_PAYLOAD;
        if (is_string($maxPayload) && ctype_digit($maxPayload)) {
            $maxPayload = (int) $maxPayload;
        }
        if (!is_int($maxPayload) || $maxPayload < 0) {
            throw new \InvalidArgumentException('broadcasting askr connection: max_payload must be a number of bytes (0: no limit)');
        }
        $apiUrl = self::optionalString($config, 'api_url');
        if ($apiUrl !== null && !preg_match('#^https?://[^/]+#', $apiUrl)) {
            throw new \InvalidArgumentException('broadcasting askr connection: api_url must look like http://host:port');
        }
        $timeout = $config['api_timeout'] ?? 5;
        if (!is_numeric($timeout) || (float) $timeout <= 0) {
            throw new \InvalidArgumentException('broadcasting askr connection: api_timeout must be a positive number of seconds');
        }
        return new self(
            self::optionalString($config, 'key'),
            self::optionalString($config, 'secret'),
            self::optionalString($config, 'app_id'),
            $masterKey,
            $maxPayload,
            $apiUrl === null ? null : rtrim($apiUrl, '/'),
            (float) $timeout,
        );
    }

    /** @param array<string, mixed> $config */
    private static function optionalString(array $config, string $name): ?string
    {
        $value = $config[$name] ?? null;
        if (is_int($value)) {
            // Numeric app ids (PUSHER_APP_ID=1234) arrive as integers from some env loaders.
            $value = (string) $value;
        }
        if ($value !== null && !is_string($value)) {
            throw new \InvalidArgumentException("broadcasting askr connection: $name must be a string");
        }
        return $value === '' ? null : $value;
    }
}
