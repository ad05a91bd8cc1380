<?php

namespace Tests\Feature;

use Tests\TestCase;

class RequestInputTest extends TestCase
{
    public function test_every_way_of_reading_input_agrees(): void
    {
        $this->get('/leak/request?marker=m1')->assertExactJson([
            'marker' => 'm1',
            'all' => ['marker' => 'm1'],
            'facade' => 'm1',
            'helper' => 'm1',
            'path' => 'leak/request',
        ]);
    }

    public function test_posted_input_is_read(): void
    {
        $this->post('/leak/request', ['marker' => 'posted'])->assertJsonPath('marker', 'posted');
    }

    public function test_no_input_means_null(): void
    {
        $this->get('/leak/request')->assertJsonPath('marker', null)->assertJsonPath('all', []);
    }
}
