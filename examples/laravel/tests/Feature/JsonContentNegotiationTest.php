<?php

namespace Tests\Feature;

use Tests\TestCase;

class JsonContentNegotiationTest extends TestCase
{
    public function test_json_endpoints_answer_json(): void
    {
        $this->get('/leak/locale')->assertHeader('Content-Type', 'application/json');
    }

    public function test_a_405_for_a_json_client_is_json(): void
    {
        $this->deleteJson('/hello')->assertStatus(405)->assertJsonStructure(['message']);
    }
}
