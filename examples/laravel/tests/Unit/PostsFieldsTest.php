<?php

namespace Tests\Unit;

use App\Support\Posts;
use PHPUnit\Framework\TestCase;

class PostsFieldsTest extends TestCase
{
    public function test_every_post_has_the_same_keys(): void
    {
        foreach (Posts::latest(3) as $post) {
            $this->assertSame(['id', 'title', 'author', 'excerpt', 'published'], array_keys($post));
        }
    }

    public function test_ids_count_up_from_one(): void
    {
        $this->assertSame([1, 2, 3, 4], array_column(Posts::latest(4), 'id'));
    }

    public function test_titles_name_their_number(): void
    {
        $this->assertSame('Post number 3: keeping PHP warm', Posts::latest(3)[2]['title']);
    }
}
