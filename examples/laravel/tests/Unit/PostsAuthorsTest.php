<?php

namespace Tests\Unit;

use App\Support\Posts;
use PHPUnit\Framework\TestCase;

class PostsAuthorsTest extends TestCase
{
    public function test_five_authors_take_turns(): void
    {
        $authors = array_column(Posts::latest(10), 'author');
        $this->assertSame(['author-2', 'author-3', 'author-4', 'author-5', 'author-1'], array_slice($authors, 0, 5));
        $this->assertCount(5, array_unique($authors));
    }
}
