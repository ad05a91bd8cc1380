<?php

namespace Tests\Unit;

use App\Support\DemoUser;
use App\Support\DemoUserProvider;
use PHPUnit\Framework\TestCase;

class DemoUserProviderTest extends TestCase
{
    public function test_users_one_to_ninety_nine_exist(): void
    {
        $provider = new DemoUserProvider();
        $this->assertInstanceOf(DemoUser::class, $provider->retrieveById(1));
        $this->assertInstanceOf(DemoUser::class, $provider->retrieveById('99'));
    }

    public function test_others_do_not(): void
    {
        $provider = new DemoUserProvider();
        $this->assertNull($provider->retrieveById(0));
        $this->assertNull($provider->retrieveById(100));
        $this->assertNull($provider->retrieveById('nope'));
    }

    public function test_a_user_is_named_after_its_id(): void
    {
        $this->assertSame('user-12', (new DemoUserProvider())->retrieveById(12)->name);
    }
}
