<?php

namespace Tests\Feature;

use Tests\TestCase;

class PostsPageTest extends TestCase
{
    public function test_it_lists_twenty_posts(): void
    {
        $this->get('/posts')->assertOk()->assertSeeText('20 posts');
    }

    public function test_it_shows_the_first_and_last_post(): void
    {
        $this->get('/posts')->assertSeeText('Post number 1: keeping PHP warm')->assertSeeText('Post number 20: keeping PHP warm');
    }

    public function test_it_is_html(): void
    {
        $this->get('/posts')->assertHeader('Content-Type', 'text/html; charset=UTF-8');
    }
}
