<?php

namespace Tests\Unit;

use App\Support\DemoUser;
use Illuminate\Contracts\Auth\Authenticatable;
use PHPUnit\Framework\TestCase;

class DemoUserTest extends TestCase
{
    public function test_it_is_authenticatable(): void
    {
        $this->assertInstanceOf(Authenticatable::class, new DemoUser(['id' => 1]));
    }

    public function test_its_identifier_is_the_id(): void
    {
        $user = new DemoUser(['id' => 9, 'name' => 'user-9']);
        $this->assertSame('id', $user->getAuthIdentifierName());
        $this->assertSame(9, $user->getAuthIdentifier());
        $this->assertSame('user-9', $user->name);
    }
}
