import type { OptionSpec } from './option.js';

/**
 * The core `askr serve` options. Feature areas (cache, pusher, recording, peers)
 * add their own tables; `allServeOptions` in serve-config.ts joins them.
 */
export const coreServeOptions = [
  // --- application -------------------------------------------------------
  { key: 'root', flag: 'root', kind: 'path', default: '.', group: 'Application',
    help: 'Document root: static files are served from here; in classic mode, PHP scripts are resolved here (falling back to index.php).' },
  { key: 'workerScript', flag: 'worker-script', kind: 'path', group: 'Application',
    help: 'PHP script that boots the app once and returns its handler (worker mode). Without it, every request runs a classic PHP script in a fresh fork of the warm template.' },
  { key: 'phpBinary', flag: 'php-binary', kind: 'string', default: 'php', group: 'Application',
    help: 'PHP CLI used to start the template when askr serve starts it itself.' },
  { key: 'phpIni', flag: 'php-ini', kind: 'list', group: 'Application',
    help: 'Extra ini settings for the template, as key=value, comma-separated (e.g. memory_limit=256M).' },
  { key: 'templateSocket', flag: 'template-socket', kind: 'path', group: 'Application',
    help: 'Connect to a PHP template that is already running (the app container in a pod) instead of starting one.' },
  { key: 'runDir', flag: 'run-dir', kind: 'path', group: 'Application',
    help: 'Directory for the sockets and the shared-memory file; /run/askr in a pod. Default: a private directory under the system temp dir.' },
  { key: 'shm', flag: 'shm', kind: 'path', group: 'Application',
    help: 'Shared-memory file mapped by every front process (gauges, response cache, broadcast ring). Default: <run-dir>/askr.shm.' },
  { key: 'cow', flag: 'cow', kind: 'bool', default: 'true', group: 'Application',
    help: 'Fork workers from a warm template (copy-on-write). Always on; accepted for compatibility.' },

  // --- listeners ---------------------------------------------------------
  { key: 'listen', flag: 'listen', kind: 'hostport', default: '127.0.0.1:8080', group: 'Listeners',
    help: 'Address for HTTP and WebSocket traffic (port 0 picks a free port).' },
  { key: 'httpProcs', flag: 'http-procs', kind: 'int', default: '1', min: 1, max: 64, group: 'Listeners',
    help: 'Front processes sharing the listener and one shared-memory region. One is right for up to ~4 cores.' },
  { key: 'adminListen', flag: 'admin-listen', kind: 'hostport', default: '127.0.0.1:9180', group: 'Listeners',
    help: 'Admin listener: /healthz and /readyz are open; /metrics and /askr/* need the admin token. "off" disables it.' },
  { key: 'adminToken', flag: 'admin-token', kind: 'string', group: 'Listeners',
    help: 'Bearer token for the admin API (also accepted as X-Askr-Token). Without it, only the health endpoints answer.' },
  { key: 'trustedProxies', flag: 'trusted-proxies', kind: 'list', group: 'Listeners',
    help: 'CIDRs (or addresses) whose X-Forwarded-For/-Proto/-Host are believed. Default: none.' },
  { key: 'accessLog', flag: 'access-log', kind: 'string', default: 'stdout', group: 'Listeners',
    help: 'Where the one-JSON-line-per-request access log goes: stdout, stderr, off, or a file path.' },

  // --- workers -----------------------------------------------------------
  { key: 'workers', flag: 'workers', kind: 'int', min: 1, max: 4096, group: 'Workers',
    help: 'Fixed pool size: sets both --workers-min and --workers-max.' },
  { key: 'workersMin', flag: 'workers-min', kind: 'int', default: '2', min: 1, max: 4096, group: 'Workers',
    help: 'Warm workers kept even when idle.' },
  { key: 'workersMax', flag: 'workers-max', kind: 'int', default: '8', min: 1, max: 4096, group: 'Workers',
    help: 'Ceiling the pool may grow to under load (the operator can change it at run time with PUT /askr/workers).' },
  { key: 'scaleDownDelay', flag: 'scale-down-delay', kind: 'seconds', default: '10', unit: 's', min: 0, max: 3600, group: 'Workers',
    help: 'Cool-down before idle workers above the minimum are harvested, one step at a time.' },
  { key: 'queueSize', flag: 'queue-size', kind: 'int', default: '1024', min: 0, max: 1_000_000, group: 'Workers',
    help: 'Requests that may wait for a worker; past it, 503 with Retry-After.' },
  { key: 'requestTimeout', flag: 'request-timeout', kind: 'seconds', default: '60', unit: 's', min: 0.05, max: 86400, group: 'Workers',
    help: 'Longest a request may take, queue time included: past it the client gets 504 and a stuck worker is killed and replaced warm.' },
  { key: 'dispatchAhead', flag: 'dispatch-ahead', kind: 'bool', default: 'true', group: 'Workers',
    help: 'With every worker busy, write a short request at once to the busy worker likely to finish first, which reads it as soon as it is done (docs/autoscaling.md). --no-dispatch-ahead keeps every request in the queue until a worker is free: none can wait behind a request that turns out slow, at the cost of throughput for fast apps.' },
  { key: 'maxRequests', flag: 'max-requests', kind: 'int', default: '10000', min: 0, max: 1e9, group: 'Workers',
    help: 'Recycle a worker after this many requests, plus up to a tenth more drawn per worker so that workers are not all replaced at once (0: never). The worker serves on until its replacement is ready. Bounds slow leaks in long-lived apps.' },
  { key: 'maxMemory', flag: 'max-memory', kind: 'megabytes', default: '256', unit: 'MB', min: 0, max: 1e6, group: 'Workers',
    help: 'Recycle a worker between requests once its PHP memory use passes this (0: never). The worker serves on until its replacement is ready.' },
  { key: 'maxBodySize', flag: 'max-body-size', kind: 'bytes', default: '16M', unit: 'bytes (K/M/G suffixes)', min: 0, group: 'Workers',
    help: 'Largest request body; larger gets 413 before any PHP runs.' },
  { key: 'deferTimeout', flag: 'defer-timeout', kind: 'seconds', default: '30', unit: 's', min: 0.01, max: 86400, group: 'Workers',
    help: 'Time budget for the work a request does after its response (askr_defer(), fastcgi_finish_request(), Laravel terminate()); past it the process is replaced.' },
  { key: 'drainTimeout', flag: 'drain-timeout', kind: 'seconds', unit: 's', min: 0, max: 86400, group: 'Workers',
    help: 'On SIGTERM, how long to wait for in-flight requests and deferred work. Default: request timeout + defer timeout.' },
] as const satisfies readonly OptionSpec[];
