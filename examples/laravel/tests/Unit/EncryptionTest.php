<?php

namespace Tests\Unit;

use Illuminate\Contracts\Encryption\DecryptException;
use Tests\TestCase;

class EncryptionTest extends TestCase
{
    public function test_a_round_trip_with_the_app_key(): void
    {
        $this->assertSame(['a' => 1], decrypt(encrypt(['a' => 1])));
    }

    public function test_tampering_is_detected(): void
    {
        $this->expectException(DecryptException::class);
        decrypt(encrypt('x') . 'tampered');
    }
}
