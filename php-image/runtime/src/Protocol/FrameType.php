<?php

declare(strict_types=1);

namespace Askr\Runtime\Protocol;

/** Frame types of the worker protocol (docs/protocol.md). */
final class FrameType
{
    // worker → sidecar
    public const HELLO = 0x01;
    public const RESP_HEAD = 0x02;
    public const RESP_BODY = 0x03;
    public const RESP_END = 0x04;
    public const RESP_FULL = 0x05;
    public const READY = 0x06;
    public const CALL = 0x07;
    public const DECLINE = 0x08;

    // sidecar → worker
    public const REQUEST = 0x10;
    public const REQ_BODY = 0x11;
    public const REQ_BODY_END = 0x12;
    public const REPLY = 0x13;
    public const STOP = 0x14;
    public const ABORT = 0x15;

    // template control
    public const SPAWN = 0x20;
    public const SPAWNED = 0x21;
    public const EXITED = 0x22;
    public const KILL = 0x23;
    public const TEMPLATE_HELLO = 0x24;

    public const MAX_PAYLOAD = 16 * 1024 * 1024;
    public const BODY_CHUNK = 65536;
}
