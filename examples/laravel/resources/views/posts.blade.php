@extends('layouts.app')

@section('title', 'Posts')

@section('content')
    <h2>Latest posts</h2>
    <ul class="posts">
        @foreach ($posts as $post)
            <li id="post-{{ $post['id'] }}">
                <h3>{{ $post['title'] }}</h3>
                <p class="meta">by {{ $post['author'] }} on {{ $post['published'] }}</p>
                <p>{{ $post['excerpt'] }}</p>
            </li>
        @endforeach
    </ul>
    <p>{{ count($posts) }} posts</p>
@endsection
