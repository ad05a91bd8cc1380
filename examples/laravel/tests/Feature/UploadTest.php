<?php

namespace Tests\Feature;

use Illuminate\Http\UploadedFile;
use Tests\TestCase;

class UploadTest extends TestCase
{
    public function test_an_uploaded_file_is_received_whole(): void
    {
        $file = UploadedFile::fake()->createWithContent('notes.txt', 'hello upload');
        $this->post('/upload', ['doc' => $file, 'note' => 'n'])
            ->assertOk()
            ->assertJsonPath('files.0.field', 'doc')
            ->assertJsonPath('files.0.name', 'notes.txt')
            ->assertJsonPath('files.0.size', 12)
            ->assertJsonPath('files.0.sha1', sha1('hello upload'))
            ->assertJsonPath('files.0.moved', true)
            ->assertJsonPath('fields.note', 'n');
    }

    public function test_no_files_means_an_empty_list(): void
    {
        $this->post('/upload', ['only' => 'fields'])->assertJsonPath('files', [])->assertJsonPath('fields.only', 'fields');
    }
}
