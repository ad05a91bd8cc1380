<?php

namespace Tests\Feature;

use Symfony\Component\HttpFoundation\StreamedResponse;
use Tests\TestCase;

class StreamTest extends TestCase
{
    public function test_the_stream_is_a_streamed_response(): void
    {
        $response = $this->get('/stream?ms=0')->assertOk();
        $this->assertInstanceOf(StreamedResponse::class, $response->baseResponse);
    }

    public function test_the_stream_sends_three_chunks(): void
    {
        $content = $this->get('/stream?ms=0')->streamedContent();
        $this->assertSame(3, preg_match_all('/^chunk \d at [0-9.]+$/m', $content));
    }
}
