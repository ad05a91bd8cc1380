<?php
// A classic script that declares a function, as most older PHP code does
// (helpers, classes, included libraries). A process that ran it cannot run it
// again, so classic mode answers every request from a fresh fork of the
// template (docs/runtime.md), where PHP-FPM reuses its children.
function greeting(string $who): string
{
    return "Hello, $who!\n";
}

echo greeting('World');
