<?php

declare(strict_types=1);

/*
 * Worker mode with a PSR-15 handler: the template requires this file once and
 * serves every request with the handler it returns.
 *
 *   askr serve --root examples/psr15/public --worker-script examples/psr15/worker.php
 */

require __DIR__ . '/bootstrap.php';

return new Example\App(new Nyholm\Psr7\Factory\Psr17Factory());
