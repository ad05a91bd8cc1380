<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

/**
 * Channel authorization exactly as Pusher signs it (and as `askr serve
 * --pusher` verifies it): `auth = key:hex(HMAC-SHA256(secret,
 * "socket_id:channel[:channel_data]"))`. Pure: no Laravel, no I/O.
 */
final class ChannelAuthSigner
{
    /** What a Pusher socket id looks like ("123.456"). */
    public const SOCKET_ID = '/\A\d+\.\d+\z/';
    /** Channel names Pusher accepts (the server limits them to 164 characters). */
    public const CHANNEL_NAME = '/\A[-a-zA-Z0-9_=@,.;]{1,164}\z/';

    public function __construct(
        private readonly string $key,
        private readonly string $secret,
    ) {
    }

    /**
     * The body of a successful auth response: `{"auth": …}`, plus
     * `channel_data` (the exact string that was signed) for presence channels.
     *
     * @return array{auth: string, channel_data?: string}
     * @throws \InvalidArgumentException when the socket id or channel name is malformed
     */
    public function authorize(string $socketId, string $channel, ?string $channelData = null): array
    {
        if (!preg_match(self::SOCKET_ID, $socketId)) {
            throw new \InvalidArgumentException('invalid socket id');
        }
        if (!preg_match(self::CHANNEL_NAME, $channel)) {
            throw new \InvalidArgumentException('invalid channel name');
        }
        $subject = $socketId . ':' . $channel;
        if ($channelData !== null) {
            $subject .= ':' . $channelData;
        }
        $response = ['auth' => $this->key . ':' . hash_hmac('sha256', $subject, $this->secret)];
        if ($channelData !== null) {
            $response['channel_data'] = $channelData;
        }
        return $response;
    }

    /**
     * A presence member's `channel_data`: `{"user_id":…,"user_info":…}`, with
     * `user_info` left out when empty, as Pusher's PHP library writes it.
     * Numeric ids stay numbers: the server treats 7 and "7" as one user.
     */
    public static function presenceData(int|string $userId, mixed $userInfo): string
    {
        $data = ['user_id' => $userId];
        if ($userInfo) {
            $data['user_info'] = $userInfo;
        }
        return json_encode($data, JSON_THROW_ON_ERROR);
    }
}
