<?php

namespace App\Support;

class RequestCounter
{
    public int $count = 0;
}
