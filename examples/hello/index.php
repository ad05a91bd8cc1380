<?php
// The classic-mode example: a plain PHP script, run as PHP-FPM would run it.
echo "Hello, World!\n";
