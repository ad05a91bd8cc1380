<?php

namespace Tests\Feature;

use Tests\TestCase;

class DeferTest extends TestCase
{
    public function test_deferred_work_runs_at_once_outside_askr(): void
    {
        $id = 'test-' . getmypid();
        $file = storage_path("app/deferred-$id");
        @unlink($file);
        try {
            $this->get("/defer?id=$id&ms=0")->assertOk()->assertSeeText("deferred deferred-$id");
            $this->assertFileExists($file);
        } finally {
            @unlink($file);
        }
    }

    public function test_the_id_is_sanitised(): void
    {
        $file = storage_path('app/deferred-etcpasswd' . getmypid());
        try {
            $this->get('/defer?id=../etc/passwd' . getmypid() . '&ms=0')->assertSeeText('deferred deferred-etcpasswd');
            $this->assertFileExists($file);
        } finally {
            @unlink($file);
        }
    }
}
