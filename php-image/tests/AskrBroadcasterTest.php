<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Laravel\Broadcasting\ApiRequestSigner;
use Askr\Runtime\Laravel\Broadcasting\AskrBroadcaster;
use Askr\Runtime\Laravel\Broadcasting\ChannelAuthSigner;
use Askr\Runtime\Laravel\Broadcasting\PayloadEncrypter;
use Illuminate\Auth\GenericUser;
use Illuminate\Broadcasting\BroadcastException;
use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use PHPUnit\Framework\TestCase;
use Symfony\Component\HttpKernel\Exception\AccessDeniedHttpException;
use Symfony\Component\HttpKernel\Exception\BadRequestHttpException;

require_once '/usr/share/php/Illuminate/autoload.php';

/**
 * The askr broadcast driver signs exactly as Pusher does. The expected values
 * are Pusher's own published examples (key 278d425bdf160c739803, secret
 * 7ad3773142a6692b25b8), and for encrypted channels the output of the official
 * `pusher` npm SDK for the same inputs.
 */
final class AskrBroadcasterTest extends TestCase
{
    private const KEY = '278d425bdf160c739803';
    private const SECRET = '7ad3773142a6692b25b8';
    private const SOCKET = '1234.1234';

    private static function broadcaster(array $extra = []): AskrBroadcaster
    {
        $broadcaster = AskrBroadcaster::fromConfig(['key' => self::KEY, 'secret' => self::SECRET, 'app_id' => '3'] + $extra);
        $broadcaster->channel('foobar', fn ($user) => (int) $user->id === 10 ? ['name' => 'Mr. Channels'] : false);
        $broadcaster->channel('orders.{userId}', fn ($user, $userId) => (int) $user->id === (int) $userId);
        $broadcaster->channel('vault', fn ($user) => true);
        return $broadcaster;
    }

    /** A POST /broadcasting/auth as pusher-js sends it, from $userId (null: a guest). */
    private static function authRequest(string $channel, ?int $userId, string $socket = self::SOCKET, array $extra = []): Request
    {
        $request = Request::create('/broadcasting/auth', 'POST', ['socket_id' => $socket, 'channel_name' => $channel] + $extra);
        $request->setUserResolver(fn () => $userId === null ? null : new GenericUser(['id' => $userId, 'name' => "user-$userId"]));
        return $request;
    }

    public function testPrivateChannelAuthIsPushersExample(): void
    {
        self::assertSame(
            ['auth' => self::KEY . ':58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4'],
            self::broadcaster()->auth(self::authRequest('private-foobar', 10)),
        );
    }

    public function testPresenceAuthSignsTheUserIdAndTheCallbacksResultAsUserInfo(): void
    {
        self::assertSame(
            [
                'auth' => self::KEY . ':31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80',
                'channel_data' => '{"user_id":10,"user_info":{"name":"Mr. Channels"}}',
            ],
            self::broadcaster()->auth(self::authRequest('presence-foobar', 10)),
        );
    }

    public function testPresenceDataLeavesOutEmptyUserInfoAsPushersLibraryDoes(): void
    {
        self::assertSame('{"user_id":"abc"}', ChannelAuthSigner::presenceData('abc', null));
        self::assertSame('{"user_id":7,"user_info":true}', ChannelAuthSigner::presenceData(7, true));
    }

    public function testTheSignatureCoversTheSocketAndTheChannel(): void
    {
        $signer = new ChannelAuthSigner(self::KEY, self::SECRET);
        $base = $signer->authorize(self::SOCKET, 'private-foobar')['auth'];
        self::assertNotSame($base, $signer->authorize('1234.1235', 'private-foobar')['auth']);
        self::assertNotSame($base, $signer->authorize(self::SOCKET, 'private-foobaz')['auth']);
    }

    public function testEncryptedChannelsGetTheSharedSecretOfTheOfficialSdk(): void
    {
        $broadcaster = self::broadcaster(['encryption_master_key_base64' => base64_encode(str_repeat("\x07", 32))]);
        self::assertSame(
            [
                'auth' => self::KEY . ':a4e3dbbb1e8c9657cdeb5dd7482e158fcabc47921458c643a93c3801fdc61fd0',
                'shared_secret' => 'u0V/HwEMaXw1MXzYL8NtEPFPqyUSB24/LQHzwwpH7AM=',
            ],
            $broadcaster->auth(self::authRequest('private-encrypted-vault', 1)),
        );
    }

    public function testEncryptedPayloadsOpenWithTheChannelsSharedSecret(): void
    {
        $encrypter = new PayloadEncrypter(str_repeat("\x07", 32));
        $sealed = json_decode($encrypter->encrypt('private-encrypted-vault', '{"pin":1234}'), true, 512, JSON_THROW_ON_ERROR);
        self::assertSame(['nonce', 'ciphertext'], array_keys($sealed));
        $key = base64_decode('u0V/HwEMaXw1MXzYL8NtEPFPqyUSB24/LQHzwwpH7AM=');
        self::assertSame('{"pin":1234}', sodium_crypto_secretbox_open(base64_decode($sealed['ciphertext']), base64_decode($sealed['nonce']), $key));
    }

    public function testEncryptedChannelsWithoutAMasterKeyFailClearly(): void
    {
        $this->expectException(BroadcastException::class);
        $this->expectExceptionMessage('encryption_master_key_base64');
        self::broadcaster()->auth(self::authRequest('private-encrypted-vault', 1));
    }

    public function testGuestsAndOtherUsersAreRefused(): void
    {
        foreach ([['private-orders.5', null], ['private-orders.5', 6], ['presence-foobar', 11], ['', 5]] as [$channel, $user]) {
            try {
                self::broadcaster()->auth(self::authRequest($channel, $user));
                self::fail("authorized $channel for " . var_export($user, true));
            } catch (AccessDeniedHttpException) {
                self::addToAssertionCount(1);
            }
        }
        self::assertArrayHasKey('auth', self::broadcaster()->auth(self::authRequest('private-orders.5', 5)));
    }

    public function testAMalformedSocketIdIsABadRequest(): void
    {
        $this->expectException(BadRequestHttpException::class);
        self::broadcaster()->auth(self::authRequest('private-orders.5', 5, '1234'));
    }

    public function testJsonpCallbacksAreAnswered(): void
    {
        $response = self::broadcaster()->auth(self::authRequest('private-foobar', 10, self::SOCKET, ['callback' => 'cb']));
        self::assertInstanceOf(JsonResponse::class, $response);
        self::assertStringContainsString('cb({"auth":"' . self::KEY . ':58df8b0c', (string) $response->getContent());
    }

    public function testAuthWithoutASecretSaysWhatIsMissing(): void
    {
        $broadcaster = AskrBroadcaster::fromConfig(['key' => self::KEY, 'app_id' => '3']);
        $broadcaster->channel('orders.{userId}', fn () => true);
        $this->expectException(BroadcastException::class);
        $this->expectExceptionMessage('--pusher-secret');
        $broadcaster->auth(self::authRequest('private-orders.5', 5));
    }

    public function testHttpApiRequestsAreSignedAsPushersExample(): void
    {
        $body = '{"name":"foo","channels":["project-3"],"data":"{\"some\":\"data\"}"}';
        self::assertSame(
            [
                'auth_key' => self::KEY,
                'auth_timestamp' => '1353088179',
                'auth_version' => '1.0',
                'body_md5' => 'ec365a775a4cd0599faeb73354201b6f',
                'auth_signature' => 'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c',
            ],
            (new ApiRequestSigner(self::KEY, self::SECRET))->sign('POST', '/apps/3/events', $body, 1353088179),
        );
    }

    public function testOutsideAWorkerWithoutAnApiUrlBroadcastingFails(): void
    {
        self::assertFalse(askr_is_worker());
        $this->expectException(BroadcastException::class);
        $this->expectExceptionMessage('not one');
        self::broadcaster()->broadcast(['private-orders.5'], 'OrderCreated', ['order' => 1]);
    }

    public function testInvalidEventsAreRefusedBeforeAnythingIsSent(): void
    {
        $cases = [
            [['private orders'], 'E', []],
            [['ok'], str_repeat('e', 201), []],
            [['ok'], 'E', ['blob' => str_repeat('x', 300)]],
            [['ok'], 'E', ['bad' => "\xff"]],
            [['ok', 'private-encrypted-x'], 'E', []],
        ];
        foreach ($cases as [$channels, $event, $payload]) {
            try {
                self::broadcaster(['max_payload' => 256, 'api_url' => 'http://127.0.0.1:1'])->broadcast($channels, $event, $payload);
                self::fail('accepted ' . json_encode([$channels, strlen($event)]));
            } catch (BroadcastException $e) {
                self::assertStringNotContainsString('cannot reach', $e->getMessage());
            }
        }
    }

    public function testBadConfigurationFailsWhenTheDriverIsCreated(): void
    {
        foreach ([['encryption_master_key_base64' => 'c2hvcnQ='], ['max_payload' => -1], ['api_url' => 'pod:8080'], ['secret' => ['x']]] as $config) {
            try {
                AskrBroadcaster::fromConfig($config);
                self::fail('accepted ' . json_encode($config));
            } catch (\InvalidArgumentException $e) {
                self::assertStringContainsString((string) array_key_first($config), $e->getMessage());
            }
        }
    }
}
