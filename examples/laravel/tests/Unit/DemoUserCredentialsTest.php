<?php

namespace Tests\Unit;

use App\Support\DemoUserProvider;
use PHPUnit\Framework\TestCase;

class DemoUserCredentialsTest extends TestCase
{
    public function test_credentials_find_a_user_by_id(): void
    {
        $this->assertSame(5, (new DemoUserProvider())->retrieveByCredentials(['id' => 5])->getAuthIdentifier());
    }

    public function test_credentials_without_an_id_find_nobody(): void
    {
        $this->assertNull((new DemoUserProvider())->retrieveByCredentials(['email' => 'a@b.c']));
    }

    public function test_any_password_is_valid_and_tokens_are_unused(): void
    {
        $provider = new DemoUserProvider();
        $user = $provider->retrieveById(3);
        $this->assertTrue($provider->validateCredentials($user, ['password' => 'whatever']));
        $this->assertNull($provider->retrieveByToken(3, 'token'));
        $provider->updateRememberToken($user, 'ignored');
        $this->assertNull($user->getRememberToken());
    }
}
