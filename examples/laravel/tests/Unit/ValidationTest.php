<?php

namespace Tests\Unit;

use Illuminate\Support\Facades\Validator;
use Tests\TestCase;

class ValidationTest extends TestCase
{
    public function test_valid_data_passes(): void
    {
        $this->assertTrue(Validator::make(['n' => 5, 'e' => 'a@b.co'], ['n' => 'integer|min:1', 'e' => 'email'])->passes());
    }

    public function test_invalid_data_names_its_fields(): void
    {
        $v = Validator::make(['n' => 0], ['n' => 'integer|min:1', 'e' => 'required']);
        $this->assertTrue($v->fails());
        $this->assertSame(['n', 'e'], $v->errors()->keys());
    }
}
