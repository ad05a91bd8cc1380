<?php

namespace Tests\Feature;

use Tests\TestCase;

class FormPostTest extends TestCase
{
    public function test_posted_fields_come_back(): void
    {
        $this->post('/form', ['name' => 'askr', 'count' => '3'])
            ->assertOk()
            ->assertJsonPath('method', 'POST')
            ->assertJsonPath('fields.name', 'askr')
            ->assertJsonPath('fields.count', '3');
    }

    public function test_empty_strings_become_null(): void
    {
        $this->post('/form', ['empty' => ''])->assertJsonPath('fields.empty', null);
    }
}
