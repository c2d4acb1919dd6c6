import httpx


async def test_seed_flow_checkout(client: httpx.AsyncClient) -> None:
    cart_id = (await client.post("/cart")).json()["cart_id"]
    r = await client.post(f"/cart/{cart_id}/items", json={"product_id": 3, "quantity": 2})
    assert r.json() == {"cart_id": cart_id, "product_id": 3, "quantity": 2}
    r = await client.post(f"/cart/{cart_id}/checkout")
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 179.98
    order = (await client.get(f"/orders/{r.json()['order_id']}")).json()
    assert order["status"] == "pending_payment"
    assert (await client.get("/products/3")).json()["stock"] == 73
