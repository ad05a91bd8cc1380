<?php

namespace Tests\Feature;

use Tests\TestCase;

class PostsLayoutTest extends TestCase
{
    public function test_the_layout_wraps_the_page(): void
    {
        $this->get('/posts')
            ->assertSee('<!doctype html>', false)
            ->assertSeeText('Served by a warm PHP worker.');
    }

    public function test_the_title_carries_the_app_name(): void
    {
        $this->get('/posts')->assertSee('<title>Posts · Askr Example</title>', false);
    }

    public function test_posts_are_in_order(): void
    {
        $this->get('/posts')->assertSeeInOrder(['id="post-1"', 'id="post-2"', 'id="post-20"'], false);
    }
}
