<?php

namespace Tests\Feature;

use Illuminate\Http\UploadedFile;
use Tests\TestCase;

class UploadManyTest extends TestCase
{
    public function test_every_file_of_a_multi_upload_is_received(): void
    {
        $files = [
            UploadedFile::fake()->createWithContent('a.txt', 'aaa'),
            UploadedFile::fake()->createWithContent('b.txt', 'bbbb'),
        ];
        $response = $this->post('/upload', ['docs' => $files])->assertOk();
        $this->assertSame(['a.txt', 'b.txt'], array_column($response->json('files'), 'name'));
        $this->assertSame([3, 4], array_column($response->json('files'), 'size'));
    }
}
