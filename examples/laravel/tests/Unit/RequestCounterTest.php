<?php

namespace Tests\Unit;

use App\Support\RequestCounter;
use PHPUnit\Framework\TestCase;

class RequestCounterTest extends TestCase
{
    public function test_it_starts_at_zero(): void
    {
        $this->assertSame(0, (new RequestCounter())->count);
    }

    public function test_instances_do_not_share_counts(): void
    {
        $a = new RequestCounter();
        $b = new RequestCounter();
        $a->count += 3;
        $this->assertSame(3, $a->count);
        $this->assertSame(0, $b->count);
    }
}
