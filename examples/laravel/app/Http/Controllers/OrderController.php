<?php

namespace App\Http\Controllers;

use App\Events\OrderCreated;
use Illuminate\Http\Request;

/** Places a (pretend) order and tells its owner's open pages through Echo. */
class OrderController extends Controller
{
    public function store(Request $request)
    {
        $order = $this->place($request);
        broadcast(new OrderCreated($order, $request->boolean('encrypted')));
        return response()->json(['order' => $order], 201);
    }

    /** The same, except for the page that placed it (its X-Socket-ID header). */
    public function storeForOthers(Request $request)
    {
        $order = $this->place($request);
        broadcast(new OrderCreated($order, $request->boolean('encrypted')))->toOthers();
        return response()->json(['order' => $order], 201);
    }

    private function place(Request $request): array
    {
        abort_if($request->user() === null, 401);
        return [
            'id' => random_int(1, 2_147_483_647),
            'user_id' => (int) $request->user()->id,
            'item' => (string) $request->input('item', 'coffee'),
            'quantity' => (int) $request->input('quantity', 1),
        ];
    }
}
