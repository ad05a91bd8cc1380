<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/**
 * A transaction left open by a failed request is rolled back, and query logs
 * are emptied, before the next request uses the same connection.
 */
final class RollBackDatabaseTransactions implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if (!$sandbox->resolved('db')) {
            return;
        }
        foreach ($sandbox->make('db')->getConnections() as $connection) {
            while ($connection->transactionLevel() > 0) {
                $connection->rollBack();
            }
            $connection->flushQueryLog();
        }
    }
}
