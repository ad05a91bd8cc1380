<?php

namespace App\Support;

use Illuminate\Contracts\Auth\Authenticatable;
use Illuminate\Contracts\Auth\UserProvider;

/** Users without a database: ids 1 to 99 exist, named "user-<id>". */
class DemoUserProvider implements UserProvider
{
    public function retrieveById($identifier)
    {
        $id = (int) $identifier;
        return $id >= 1 && $id <= 99 ? new DemoUser(['id' => $id, 'name' => "user-$id", 'remember_token' => null, 'password' => '']) : null;
    }

    public function retrieveByToken($identifier, $token)
    {
        return null;
    }

    public function updateRememberToken(Authenticatable $user, $token): void
    {
    }

    public function retrieveByCredentials(array $credentials)
    {
        return isset($credentials['id']) ? $this->retrieveById($credentials['id']) : null;
    }

    public function validateCredentials(Authenticatable $user, array $credentials): bool
    {
        return true;
    }
}
