<?php

namespace Tests\Feature;

use Tests\TestCase;

class FormJsonTest extends TestCase
{
    public function test_a_json_body_is_read_as_fields(): void
    {
        $this->postJson('/form', ['list' => [1, 2, 3], 'nested' => ['k' => 'v']])
            ->assertOk()
            ->assertJsonPath('fields.list', [1, 2, 3])
            ->assertJsonPath('fields.nested.k', 'v');
    }

    public function test_the_content_type_is_reported(): void
    {
        $this->postJson('/form', ['x' => 1])->assertJsonPath('content_type', 'application/json');
    }
}
