<?php

namespace Tests\Feature;

use Tests\TestCase;

class PostsCachedTest extends TestCase
{
    public function test_the_cached_page_opts_into_askr_cache(): void
    {
        $this->get('/posts/cached')->assertOk()->assertHeader('Askr-Cache', '60, swr=30, tags=posts');
    }

    public function test_the_cached_page_matches_the_plain_one(): void
    {
        $this->assertSame($this->get('/posts')->getContent(), $this->get('/posts/cached')->getContent());
    }

    public function test_the_plain_page_does_not_opt_in(): void
    {
        $this->get('/posts')->assertHeaderMissing('Askr-Cache');
    }
}
