<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class BoomController extends Controller
{
    /** A 500 the app answers itself, echoing what it received (for replay). */
    public function boom(Request $request)
    {
        $body = 'boom uri=' . $request->getRequestUri() . ' body=' . $request->getContent();
        return response($body, 500, ['X-Boom' => 'yes', 'Content-Type' => 'text/plain; charset=UTF-8']);
    }

    /** An uncaught exception: Laravel's handler renders its 500 page. */
    public function explode()
    {
        throw new \RuntimeException('exploded on purpose');
    }

    /** Ends the worker process mid-request. */
    public function exitWorker()
    {
        echo "partial output before exit\n";
        exit(3);
    }

    /** A fatal error (undefined function) in the middle of a request. */
    public function fatal()
    {
        $name = 'askr_function_that_does_not_exist';
        return $name();
    }

    /** A fatal error no code can catch: PHP's memory limit. Laravel's shutdown handler answers it. */
    public function exhaust()
    {
        ini_set('memory_limit', '32M');
        $hog = [];
        while (true) {
            $hog[] = str_repeat('x', 1 << 20);
        }
    }

    /** The worker kills itself with a signal, as a segfault would. */
    public function crash(Request $request)
    {
        posix_kill(getmypid(), $request->query('signal') === 'segv' ? SIGSEGV : SIGKILL);
        sleep(5);
        return 'unreachable';
    }
}
