<?php

return [
    'defaults' => ['guard' => 'web', 'passwords' => 'users'],
    'guards' => [
        'web' => ['driver' => 'session', 'provider' => 'users'],
    ],
    // The example has no database: users come from a fixed list (App\Support\DemoUserProvider).
    'providers' => [
        'users' => ['driver' => 'demo'],
    ],
    'passwords' => [],
    'password_timeout' => 10800,
];
