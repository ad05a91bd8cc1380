<?php

return [
    // askr: events go through the pod's own Pusher server (askr serve --pusher).
    'default' => env('BROADCAST_DRIVER', 'askr'),
    'connections' => [
        'askr' => [
            'driver' => 'askr',
            // The same app as askr serve --pusher-app-id/--pusher-key/--pusher-secret
            // (or the ASKR_PUSHER_* variables it reads).
            'app_id' => env('PUSHER_APP_ID', env('ASKR_PUSHER_APP_ID', 'askr')),
            'key' => env('PUSHER_APP_KEY', env('ASKR_PUSHER_KEY', 'askr-key')),
            'secret' => env('PUSHER_APP_SECRET', env('ASKR_PUSHER_SECRET')),
            // Needed for private-encrypted- channels only (openssl rand -base64 32).
            'encryption_master_key_base64' => env('PUSHER_APP_ENCRYPTION_MASTER_KEY'),
            // Bytes, as askr serve --pusher-max-payload: a larger event fails here, loudly.
            'max_payload' => (int) env('BROADCAST_MAX_PAYLOAD', 10240),
            // Outside a worker (queue workers, artisan): a pod's HTTP API, e.g. http://my-app:8080.
            'api_url' => env('ASKR_BROADCAST_API_URL'),
        ],
        'log' => ['driver' => 'log'],
        'null' => ['driver' => 'null'],
    ],
];
