<?php

namespace App\Support;

use Illuminate\Auth\GenericUser;

class DemoUser extends GenericUser
{
}
