<?php

namespace Tests\Unit;

use App\Support\Posts;
use PHPUnit\Framework\TestCase;

class PostsDatesTest extends TestCase
{
    public function test_dates_are_iso_days(): void
    {
        foreach (Posts::latest() as $post) {
            $this->assertMatchesRegularExpression('/^\d{4}-\d{2}-\d{2}$/', $post['published']);
        }
    }

    public function test_each_post_is_a_day_after_the_previous(): void
    {
        $dates = array_map('strtotime', array_column(Posts::latest(3), 'published'));
        $this->assertSame(86400, $dates[1] - $dates[0]);
        $this->assertSame(86400, $dates[2] - $dates[1]);
    }

    public function test_the_list_does_not_depend_on_the_clock(): void
    {
        $this->assertSame(Posts::latest(), Posts::latest());
    }
}
