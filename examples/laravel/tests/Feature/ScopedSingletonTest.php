<?php

namespace Tests\Feature;

use Tests\TestCase;

class ScopedSingletonTest extends TestCase
{
    public function test_the_counter_is_one_instance_per_request(): void
    {
        $this->get('/leak/scoped')->assertExactJson(['count' => 2]);
    }

    public function test_a_second_request_starts_from_zero(): void
    {
        $this->get('/leak/scoped')->assertExactJson(['count' => 2]);
        $this->app->forgetScopedInstances();
        $this->get('/leak/scoped')->assertExactJson(['count' => 2]);
    }
}
