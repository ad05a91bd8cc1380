<?php

namespace Tests\Unit;

use App\Support\DemoUserProvider;
use Illuminate\Support\Facades\Auth;
use Tests\TestCase;

class AuthGuardTest extends TestCase
{
    public function test_the_default_guard_uses_the_demo_provider(): void
    {
        $this->assertInstanceOf(DemoUserProvider::class, Auth::guard()->getProvider());
    }

    public function test_login_by_id_through_the_guard(): void
    {
        $this->assertNotFalse(Auth::loginUsingId(11));
        $this->assertSame(11, Auth::id());
        Auth::logout();
        $this->assertNull(Auth::id());
    }
}
