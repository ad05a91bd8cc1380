<?php

namespace App\Providers;

use Illuminate\Support\Facades\Broadcast;
use Illuminate\Support\ServiceProvider;

class BroadcastServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        // POST /broadcasting/auth, in the web group: Echo's private and presence channels.
        Broadcast::routes();

        require base_path('routes/channels.php');
    }
}
