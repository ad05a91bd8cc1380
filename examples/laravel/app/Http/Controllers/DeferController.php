<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class DeferController extends Controller
{
    /**
     * Answers at once; writes a file 300 ms (or ?ms=) after the response went out.
     * With ?release=<name> the deferred work instead waits (up to ?ms=) for
     * storage/app/release-<name> to appear, so that a test decides when it ends.
     */
    public function show(Request $request)
    {
        $file = storage_path('app/deferred-' . preg_replace('/[^a-z0-9-]/i', '', (string) $request->query('id', 'x')));
        $ms = max(0, min(60_000, (int) $request->query('ms', '300')));
        $release = preg_replace('/[^a-z0-9-]/i', '', (string) $request->query('release', ''));
        askr_defer(function () use ($file, $ms, $release) {
            if ($release === '') {
                usleep($ms * 1000);
            } else {
                $flag = storage_path('app/release-' . $release);
                $until = microtime(true) + $ms / 1000;
                while (!file_exists($flag) && microtime(true) < $until) {
                    usleep(10_000);
                }
                @unlink($flag);
            }
            file_put_contents($file, (string) microtime(true));
        });
        if ($request->query('fail') === '1') {
            askr_defer(function () {
                throw new \RuntimeException('deferred work failed on purpose');
            });
        }
        return response('deferred ' . basename($file) . "\n", 200, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }
}
