<?php

namespace Tests\Feature;

use App\Support\DemoUser;
use Tests\TestCase;

class AuthWhoamiTest extends TestCase
{
    public function test_a_guest_is_nobody(): void
    {
        $this->get('/leak/auth/whoami')->assertExactJson(['user' => null]);
        $this->assertGuest();
    }

    public function test_acting_as_a_user(): void
    {
        $user = new DemoUser(['id' => 42, 'name' => 'user-42', 'remember_token' => null, 'password' => '']);
        $this->actingAs($user)->get('/leak/auth/whoami')->assertExactJson(['user' => 42]);
    }
}
