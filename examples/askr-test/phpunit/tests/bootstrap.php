<?php

declare(strict_types=1);

/* Loaded once: by PHPUnit in its process, or by the `askr test` template before it forks. */

namespace AskrExample\PhpUnit;

/** Static state owned by a class every test file shares. */
final class Registry
{
    /** @var array<string, string> */
    public static array $entries = [];
}
