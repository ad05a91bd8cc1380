<?php

namespace Tests\Unit;

use App\Support\Posts;
use PHPUnit\Framework\TestCase;

class PostsCountTest extends TestCase
{
    public function test_twenty_by_default(): void
    {
        $this->assertCount(20, Posts::latest());
    }

    public function test_the_count_is_honoured(): void
    {
        $this->assertCount(5, Posts::latest(5));
        $this->assertSame([], Posts::latest(0));
    }
}
