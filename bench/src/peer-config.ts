// The configuration files of the peers, as text: nginx (in front of PHP-FPM, or
// serving a static file), the PHP-FPM pool, and Varnish's VCL. Debian's own
// defaults are kept wherever they exist (nginx.conf's basics, fastcgi_params,
// php.ini); what differs from a stock install is said in a comment and in
// docs/BENCHMARKS.md. Pure functions, so a test can read what a run used.

/** Where a peer keeps its files: pid, logs, temp paths, sockets. */
export interface PeerDirs {
  /** A private temporary directory for this peer. */
  dir: string;
}

function nginxMain(d: PeerDirs, server: string): string {
  return `# Written by npm run bench: Debian's nginx with its default nginx.conf basics.
daemon off;
master_process on;
# Every stack runs as the same user as the harness (root here), as askr serve does.
user root;
worker_processes auto;
pid ${d.dir}/nginx.pid;
error_log ${d.dir}/nginx-error.log warn;
events {
    worker_connections 1024;
}
http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    # No reconnect every 1000 requests (nginx's default): askr serve and Varnish
    # do not close kept-alive connections either.
    keepalive_requests 1000000;
    client_body_temp_path ${d.dir}/client_body;
    proxy_temp_path ${d.dir}/proxy;
    fastcgi_temp_path ${d.dir}/fastcgi;
    uwsgi_temp_path ${d.dir}/uwsgi;
    scgi_temp_path ${d.dir}/scgi;
${server}
}
`;
}

/**
 * nginx in front of PHP-FPM, as Laravel's documentation configures it: files
 * under `root` are served as they are, everything else goes to index.php, and
 * any .php script goes to FPM over a unix socket.
 */
export function nginxFpmConfig(d: PeerDirs, port: number, root: string, fpmSocket: string): string {
  return nginxMain(d, `    server {
        listen 127.0.0.1:${port};
        root ${root};
        index index.php;
        location / {
            try_files $uri $uri/ /index.php?$query_string;
        }
        location ~ \\.php$ {
            fastcgi_pass unix:${fpmSocket};
            fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
            include /etc/nginx/fastcgi_params;
        }
    }`);
}

/** nginx serving the files of `root` (the static copy of a page). */
export function nginxStaticConfig(d: PeerDirs, port: number, root: string): string {
  return nginxMain(d, `    server {
        listen 127.0.0.1:${port};
        root ${root};
    }`);
}

/**
 * One PHP-FPM pool: `pm = static` with exactly `children` processes, a unix
 * socket, each process replaced after `maxRequests` (as askr serve replaces its
 * workers), and the app's environment (the Laravel cache paths,
 * SESSION_DRIVER=array). opcache settings come from the command line (-d), the
 * same ones askr serve gets.
 */
export function fpmConfig(d: PeerDirs, socket: string, children: number, maxRequests: number, env: Readonly<Record<string, string>>): string {
  const envLines = Object.entries(env).map(([k, v]) => `env[${k}] = ${v}`).join('\n');
  return `; Written by npm run bench: one static pool, Debian's php.ini otherwise.
[global]
pid = ${d.dir}/php-fpm.pid
error_log = ${d.dir}/php-fpm.log
log_level = warning
daemonize = no

[bench]
listen = ${socket}
listen.mode = 0660
pm = static
pm.max_children = ${children}
pm.max_requests = ${maxRequests}
clear_env = yes
${envLines}
`;
}

/**
 * Varnish in front of the Laravel app. A response carrying the app's
 * `Askr-Cache: 60, swr=30` header is cached for 60 s with 30 s of grace (what
 * that header asks of Askr), whatever its Cache-Control says; the header itself
 * is not passed on, as askr serve does not pass it on. Requests with cookies or
 * credentials are not served from the cache (Varnish's built-in rule, and
 * Askr's).
 */
export function varnishVcl(backendPort: number): string {
  return `vcl 4.1;
# Written by npm run bench.
backend laravel {
    .host = "127.0.0.1";
    .port = "${backendPort}";
}
sub vcl_backend_response {
    if (beresp.http.Askr-Cache) {
        set beresp.ttl = 60s;
        set beresp.grace = 30s;
        unset beresp.http.Askr-Cache;
        return (deliver);
    }
}
`;
}
