<?php

declare(strict_types=1);

namespace AskrExample;

/** A class with static state, loaded in the template: each test file must start with $hits at 0. */
final class Counter
{
    public static int $hits = 0;
}
