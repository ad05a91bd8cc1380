<?php

declare(strict_types=1);

require __DIR__ . '/../runtime/bootstrap.php';
require '/usr/share/php/PHPUnit/Framework/Assert/Functions.php';
