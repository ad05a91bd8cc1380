<?php

namespace App\Support;

/** The demo's posts: a fixed list, so the page costs what rendering costs. */
class Posts
{
    /** @return list<array{id: int, title: string, author: string, excerpt: string, published: string}> */
    public static function latest(int $count = 20): array
    {
        $posts = [];
        for ($i = 1; $i <= $count; $i++) {
            $posts[] = [
                'id' => $i,
                'title' => "Post number $i: keeping PHP warm",
                'author' => 'author-' . ($i % 5 + 1),
                'excerpt' => str_repeat('A warm template forks workers in a millisecond. ', 3),
                'published' => date('Y-m-d', 1_700_000_000 + $i * 86_400),
            ];
        }
        return $posts;
    }
}
