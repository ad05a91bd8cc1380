<!doctype html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>@yield('title') · {{ config('app.name') }}</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
    <header><h1>{{ config('app.name') }}</h1></header>
    <main>@yield('content')</main>
    <footer>Served by a warm PHP worker.</footer>
</body>
</html>
