<?php

declare(strict_types=1);

namespace Askr\Runtime\Protocol;

/** The peer broke the protocol (bad frame, bad JSON) or went away mid-frame. */
final class ProtocolError extends \RuntimeException
{
}
