<?php

namespace Tests\Unit;

use Tests\TestCase;

class BladeViewTest extends TestCase
{
    public function test_the_posts_view_renders_what_it_is_given(): void
    {
        $html = view('posts', ['posts' => [['id' => 7, 'title' => 'T <b>', 'author' => 'me', 'excerpt' => 'e', 'published' => '2024-01-01']]])->render();
        $this->assertStringContainsString('id="post-7"', $html);
        $this->assertStringContainsString('T &lt;b&gt;', $html);
        $this->assertStringContainsString('1 posts', $html);
    }

    public function test_the_view_exists(): void
    {
        $this->assertTrue(view()->exists('posts'));
        $this->assertTrue(view()->exists('layouts.app'));
        $this->assertFalse(view()->exists('nope'));
    }
}
