<?php

namespace Tests\Feature;

use Tests\TestCase;

class ExplodeTest extends TestCase
{
    public function test_an_uncaught_exception_becomes_a_500_page(): void
    {
        $this->get('/explode')->assertStatus(500);
    }

    public function test_the_exception_is_the_one_thrown(): void
    {
        $this->withoutExceptionHandling();
        $this->expectException(\RuntimeException::class);
        $this->expectExceptionMessage('exploded on purpose');
        $this->get('/explode');
    }

    public function test_json_clients_get_a_json_error(): void
    {
        $this->getJson('/explode')->assertStatus(500)->assertJsonPath('message', 'Server Error');
    }
}
