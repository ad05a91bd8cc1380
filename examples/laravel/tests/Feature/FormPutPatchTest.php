<?php

namespace Tests\Feature;

use Tests\TestCase;

class FormPutPatchTest extends TestCase
{
    public function test_put_is_accepted(): void
    {
        $this->put('/form', ['a' => '1'])->assertOk()->assertJsonPath('method', 'PUT')->assertJsonPath('fields.a', '1');
    }

    public function test_patch_is_accepted(): void
    {
        $this->patch('/form', ['b' => '2'])->assertOk()->assertJsonPath('method', 'PATCH');
    }

    public function test_get_is_not_allowed(): void
    {
        $this->get('/form')->assertStatus(405);
    }
}
