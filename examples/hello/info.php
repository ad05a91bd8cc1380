<?php
header('Content-Type: application/json');
echo json_encode([
    'method' => $_SERVER['REQUEST_METHOD'],
    'uri' => $_SERVER['REQUEST_URI'],
    'script' => $_SERVER['SCRIPT_NAME'],
    'path_info' => $_SERVER['PATH_INFO'] ?? null,
    'get' => $_GET,
    'post' => $_POST,
    'cookie' => $_COOKIE,
    'input' => file_get_contents('php://input'),
    'pid' => getmypid(),
]);
