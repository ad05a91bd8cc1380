<?php

// PSR-15 (https://www.php-fig.org/psr/psr-15/): Debian packages PSR-7 and
// PSR-17 but not PSR-15, so the example carries the standard's interface.

declare(strict_types=1);

namespace Psr\Http\Server;

use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;

interface RequestHandlerInterface
{
    public function handle(ServerRequestInterface $request): ResponseInterface;
}
