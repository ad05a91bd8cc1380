<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

use Askr\Runtime\Worker\WorkerConnection;

/**
 * What a freshly forked child is to do once it has unwound out of the
 * template's loop: serve requests in worker mode, or run one classic script.
 */
final class ChildRole
{
    public function __construct(
        public readonly string $tag,
        public readonly string $socketPath,
        public readonly WorkerConnection $connection,
    ) {
    }
}
