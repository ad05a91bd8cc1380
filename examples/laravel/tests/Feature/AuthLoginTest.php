<?php

namespace Tests\Feature;

use Tests\TestCase;

class AuthLoginTest extends TestCase
{
    public function test_login_signs_the_user_in(): void
    {
        $this->get('/leak/auth/login?user=7')->assertOk()->assertExactJson(['user' => 7]);
        $this->assertAuthenticated();
        $this->assertSame(7, auth()->id());
    }

    public function test_the_default_user_is_one(): void
    {
        $this->get('/leak/auth/login')->assertJsonPath('user', 1);
    }
}
