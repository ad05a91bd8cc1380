<?php

namespace Tests\Feature;

use Tests\TestCase;

class HelloTest extends TestCase
{
    public function test_hello(): void
    {
        $this->get('/hello')->assertOk()->assertSee('Hello, World!');
    }

    public function test_posts(): void
    {
        $this->get('/posts')->assertOk()->assertSee('Post number 20');
    }
}
