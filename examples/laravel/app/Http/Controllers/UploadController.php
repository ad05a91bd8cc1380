<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class UploadController extends Controller
{
    public function store(Request $request)
    {
        $files = [];
        foreach ($request->allFiles() as $field => $file) {
            foreach (is_array($file) ? $file : [$file] as $one) {
                $dir = storage_path('app/uploads');
                // Two first uploads at once (parallel test files, concurrent workers) may
                // both find no directory: whichever creates it second is fine too.
                if (!is_dir($dir) && !@mkdir($dir, 0775, true) && !is_dir($dir)) {
                    throw new \RuntimeException("cannot create $dir");
                }
                $valid = $one->isValid();
                $size = $one->getSize();
                $sha1 = $valid ? sha1_file($one->getRealPath()) : null;
                $moved = $valid ? $one->move($dir, uniqid('', true) . '-' . $one->getClientOriginalName()) : null;
                $files[] = [
                    'field' => $field,
                    'name' => $one->getClientOriginalName(),
                    'size' => $size,
                    'sha1' => $sha1,
                    'valid' => $valid,
                    'moved' => $moved !== null && is_file($moved->getPathname()),
                ];
                if ($moved !== null) {
                    unlink($moved->getPathname());
                }
            }
        }
        return response()->json(['files' => $files, 'fields' => $request->except(array_keys($request->allFiles()))]);
    }
}
