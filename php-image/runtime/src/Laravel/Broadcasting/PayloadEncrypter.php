<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

/**
 * End-to-end encryption of `private-encrypted-` channels, as Pusher's server
 * libraries do it: each channel has a shared secret SHA-256(channel . master
 * key) that only the channel's auth response carries to the client; event
 * data becomes `{"nonce":…,"ciphertext":…}` (NaCl secretbox, base64), which
 * the server forwards without being able to read it.
 */
final class PayloadEncrypter
{
    /** @param string $masterKey 32 raw bytes */
    public function __construct(private readonly string $masterKey)
    {
    }

    /** The channel's 32-byte secretbox key, raw. */
    public function sharedSecret(string $channel): string
    {
        return hash('sha256', $channel . $this->masterKey, true);
    }

    /** The event data clients of $channel receive: a JSON string pusher-js decrypts back to $data. */
    public function encrypt(string $channel, string $data): string
    {
        $nonce = random_bytes(SODIUM_CRYPTO_SECRETBOX_NONCEBYTES);
        $ciphertext = sodium_crypto_secretbox($data, $nonce, $this->sharedSecret($channel));
        return json_encode(['nonce' => base64_encode($nonce), 'ciphertext' => base64_encode($ciphertext)], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
    }

    /** True for channel names that must be encrypted. */
    public static function isEncrypted(string $channel): bool
    {
        return str_starts_with($channel, 'private-encrypted-');
    }
}
