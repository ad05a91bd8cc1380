<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

use Illuminate\Broadcasting\Broadcasters\Broadcaster;
use Illuminate\Broadcasting\Broadcasters\UsePusherChannelConventions;
use Illuminate\Broadcasting\BroadcastException;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use Illuminate\Support\Arr;
use Symfony\Component\HttpKernel\Exception\AccessDeniedHttpException;
use Symfony\Component\HttpKernel\Exception\BadRequestHttpException;

/**
 * Laravel's `askr` broadcast driver: Pusher's channel conventions and auth
 * responses (Echo and pusher-js need nothing else), events published into the
 * pod's broadcast ring by askr_broadcast() instead of an HTTP call to a
 * Pusher server.
 *
 * Inside an Askr worker (worker or classic mode) events go straight to the
 * ring. Elsewhere (queue workers, artisan, PHPUnit) they go to the Pusher HTTP
 * API at `api_url` when it is configured; without it, broadcasting throws a
 * BroadcastException that says so, rather than dropping the event.
 */
final class AskrBroadcaster extends Broadcaster
{
    use UsePusherChannelConventions;

    /** Channels one publish may name (Pusher's limit, and the sidecar's). */
    private const CHANNELS_PER_PUBLISH = 100;
    /** Event names the sidecar accepts. */
    private const MAX_EVENT_NAME = 200;
    /** Channels an event may go to: Pusher's names, and `#server-to-user-{id}`. */
    private const CHANNEL = '/\A#?[-a-zA-Z0-9_=@,.;]{1,164}\z/';

    public function __construct(private readonly AskrBroadcastConfig $config)
    {
    }

    /** The driver creator Broadcast::extend('askr', …) registers. */
    public static function fromConfig(array $config): self
    {
        return new self(AskrBroadcastConfig::fromArray($config));
    }

    /**
     * Authorizes a private or presence channel for the request's user (the
     * Broadcast::channel() callbacks decide), as Laravel's Pusher driver does:
     * 403 for guests on guarded channels and for refused users.
     *
     * @param Request $request
     * @return mixed
     */
    public function auth($request)
    {
        $name = (string) $request->input('channel_name', '');
        $channel = $this->normalizeChannelName($name);
        if ($name === '' || ($this->isGuardedChannel($name) && !$this->retrieveUser($request, $channel))) {
            throw new AccessDeniedHttpException();
        }
        return parent::verifyUserCanAccessChannel($request, $channel);
    }

    /**
     * The signed answer for an authorized user: `{"auth"}` for private
     * channels (plus `shared_secret` for encrypted ones), `{"auth",
     * "channel_data"}` with the user's id and the channel callback's result as
     * `user_info` for presence channels. JSONP when the request has `callback`.
     *
     * @param Request $request
     * @param mixed $result what the channel callback returned
     * @return array<string, string>|JsonResponse
     */
    public function validAuthenticationResponse($request, $result)
    {
        $name = (string) $request->input('channel_name', '');
        $socketId = (string) $request->input('socket_id', '');
        $channelData = null;
        if (str_starts_with($name, 'presence-')) {
            $user = $this->retrieveUser($request, $this->normalizeChannelName($name));
            $id = method_exists($user, 'getAuthIdentifierForBroadcasting')
                ? $user->getAuthIdentifierForBroadcasting()
                : $user->getAuthIdentifier();
            $channelData = ChannelAuthSigner::presenceData(is_int($id) ? $id : (string) $id, $result);
        }
        try {
            $response = $this->signer()->authorize($socketId, $name, $channelData);
        } catch (\InvalidArgumentException $e) {
            throw new BadRequestHttpException('Cannot authorize ' . $name . ': ' . $e->getMessage() . '.');
        }
        if (PayloadEncrypter::isEncrypted($name)) {
            $response['shared_secret'] = base64_encode($this->encrypter()->sharedSecret($name));
        }
        $callback = $request->input('callback');
        return is_string($callback) && $callback !== ''
            ? (new JsonResponse($response))->withCallback($callback)
            : $response;
    }

    /**
     * Publishes $event to $channels. The payload (the event's public
     * properties or broadcastWith()) is sent JSON-encoded; its `socket` entry,
     * set by toOthers() from the X-Socket-ID header, names the connection that
     * must not receive it. A malformed socket id excludes nobody.
     *
     * @param array<int, mixed> $channels
     * @param string $event
     * @param array<string, mixed> $payload
     * @throws BroadcastException when the event is invalid or cannot be published
     */
    public function broadcast(array $channels, $event, array $payload = []): void
    {
        $socket = Arr::pull($payload, 'socket');
        $socket = is_string($socket) && preg_match(ChannelAuthSigner::SOCKET_ID, $socket) ? $socket : null;
        $event = (string) $event;
        if ($event === '' || strlen($event) > self::MAX_EVENT_NAME) {
            throw new BroadcastException(sprintf('Askr error: event names are 1 to %d characters, "%s" is not.', self::MAX_EVENT_NAME, $event));
        }
        try {
            $data = json_encode($payload, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        } catch (\JsonException $e) {
            throw new BroadcastException('Askr error: the payload of ' . $event . ' cannot be JSON-encoded: ' . $e->getMessage() . '.');
        }
        $plain = [];
        $messages = [];
        foreach ($this->formatChannels($channels) as $channel) {
            if (!preg_match(self::CHANNEL, $channel)) {
                throw new BroadcastException(sprintf('Askr error: invalid channel name "%s".', $channel));
            }
            if (PayloadEncrypter::isEncrypted($channel)) {
                // Each encrypted channel has its own key, so its event is published on its own.
                $messages[$channel] = [[$channel], $this->encrypter()->encrypt($channel, $data)];
            } else {
                $plain[$channel] = $channel;
            }
        }
        foreach (array_chunk(array_values($plain), self::CHANNELS_PER_PUBLISH) as $chunk) {
            $messages[] = [$chunk, $data];
        }
        // Every check runs before the first publish, so a refused event publishes nothing.
        $max = $this->config->maxPayload;
        foreach ($messages as [, $body]) {
            if ($max > 0 && strlen($body) > $max) {
                throw new BroadcastException(sprintf('Askr error: %s is %d bytes of data, more than max_payload (%d; askr serve --pusher-max-payload).', $event, strlen($body), $max));
            }
        }
        $publisher = $this->publisher();
        foreach ($messages as [$names, $body]) {
            $publisher->publish($names, $event, $body, $socket);
        }
    }

    private function publisher(): EventPublisher
    {
        if (\askr_is_worker()) {
            return new WorkerPublisher();
        }
        $config = $this->config;
        if ($config->apiUrl === null) {
            throw new BroadcastException('Askr error: the askr broadcaster publishes through the Askr worker it runs in, and this process is not one. Set api_url (ASKR_BROADCAST_API_URL) to publish through a pod\'s HTTP API, or use BROADCAST_DRIVER=null in tests.');
        }
        if ($config->key === null || $config->secret === null || $config->appId === null) {
            throw new BroadcastException('Askr error: publishing through api_url needs the key, secret and app_id of the askr connection.');
        }
        return new HttpApiPublisher($config->apiUrl, $config->appId, new ApiRequestSigner($config->key, $config->secret), $config->apiTimeout);
    }

    private function signer(): ChannelAuthSigner
    {
        if ($this->config->key === null || $this->config->secret === null) {
            throw new BroadcastException('Askr error: channel authorization needs the key and secret of the askr connection (the values given to askr serve --pusher-key/--pusher-secret).');
        }
        return new ChannelAuthSigner($this->config->key, $this->config->secret);
    }

    private function encrypter(): PayloadEncrypter
    {
        if ($this->config->encryptionMasterKey === null) {
            throw new BroadcastException('Askr error: private-encrypted- channels need encryption_master_key_base64 in the askr connection.');
        }
        return new PayloadEncrypter($this->config->encryptionMasterKey);
    }
}
