<?php

namespace Tests\Feature;

use Tests\TestCase;

class SlowPageTest extends TestCase
{
    public function test_it_sleeps_for_the_asked_time(): void
    {
        $this->get('/slow?ms=1')->assertOk()->assertSeeText('slept 1 ms');
    }

    public function test_a_negative_time_is_clamped_to_zero(): void
    {
        $this->get('/slow?ms=-50')->assertSeeText('slept 0 ms');
    }

    public function test_garbage_means_zero(): void
    {
        $this->get('/slow?ms=abc')->assertSeeText('slept 0 ms');
    }
}
