"""A synthetic catalog in the store's SQLite schema, for running the harness without the store.

Used by `bench.run` when the `shopkeep` command is not available or with `--synthetic`:
`python -m bench.fixture_db DIR/shopkeep.db --products 20000`.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

CATEGORIES = ("Electronics", "Clothing", "Home & Kitchen", "Books", "Sports & Outdoors")

NOUNS: dict[int, tuple[str, ...]] = {
    1: ("Headphones", "Speaker", "Monitor", "Webcam", "Charger", "Router", "Tablet", "Mouse"),
    2: ("Jacket", "Sweater", "Sneakers", "Scarf", "Hoodie", "Jeans", "Raincoat", "Beanie"),
    3: ("Kettle", "Blender", "Skillet", "Toaster", "Lamp", "Cutting Board", "Mug", "Pillow"),
    4: ("Novel", "Cookbook", "Atlas", "Biography", "Anthology", "Guidebook", "Memoir", "Primer"),
    5: ("Tent", "Backpack", "Yoga Mat", "Water Bottle", "Bicycle Helmet", "Dumbbell", "Compass"),
}
ADJECTIVES = (
    "Compact", "Deluxe", "Classic", "Ultra", "Smart", "Vintage", "Rugged", "Eco", "Premium",
    "Portable", "Silent", "Bright", "Cozy", "Sturdy", "Modern", "Travel", "Pro", "Mini",
)  # fmt: skip
FEATURES = (
    "wireless", "waterproof", "handmade", "recycled materials", "fast charging", "organic cotton",
    "stainless steel", "lightweight frame", "long battery life", "a lifetime warranty",
    "soft-touch finish", "bamboo", "noise cancelling", "large print", "reflective trim",
)  # fmt: skip
BRANDS = (
    "SoundMax", "Northwind", "Acme", "Lumina", "Trailhead", "Hearth & Co", "Pagewise", "Voltix",
    "Stitchworks", "Peakline", "Brightside", "Oakridge", "Nimbus", "Copperleaf", "Zephyr",
    "Ironbark", "Bluejay", "Kinetic", "Meadow", "Polaris",
)  # fmt: skip

# The rows SPEC §3.1 fixes; product 3 is the only one mentioning a keyboard.
DEMO_PRODUCTS = (
    ("Wireless Headphones", "Over-ear wireless headphones with noise cancelling.", "SoundMax", 1,
     12999, 45, 40),
    ("Smart Watch", "Fitness tracking smart watch with a bright display.", "Voltix", 1,
     19999, 42, 25),
    ("Mechanical Keyboard", "Tactile mechanical keyboard with RGB backlight.", "Kinetic", 1,
     8999, 47, 75),
    ("USB-C Hub", "Seven-port hub for laptops.", "Voltix", 1, 3499, 41, 120),
    ("Portable Speaker", "Wireless portable speaker, waterproof.", "SoundMax", 1, 5999, 44, 60),
)  # fmt: skip

SCHEMA = """
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    brand TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    price_cents INTEGER NOT NULL,
    rating_tenths INTEGER NOT NULL,
    stock INTEGER NOT NULL,
    seller_id INTEGER
);
"""

ProductRow = tuple[int, str, str, str, int, int, int, int, int | None]


def generated_product(product_id: int, rng: random.Random) -> ProductRow:
    category_id = rng.randint(1, len(CATEGORIES))
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS[category_id])} {rng.randint(1, 999)}"
    first, second = rng.sample(FEATURES, 2)
    description = f"{name} with {first} and {second}."
    price_cents = int(rng.lognormvariate(8.0, 1.0)) + 99
    stock = 0 if rng.random() < 0.05 else rng.randint(1, 500)
    seller_id = rng.randint(1, 20) if rng.random() < 0.3 else None
    return (
        product_id,
        name,
        description,
        rng.choice(BRANDS),
        category_id,
        price_cents,
        rng.randint(0, 50),
        stock,
        seller_id,
    )


def product_rows(count: int, seed: int) -> Iterator[ProductRow]:
    rng = random.Random(seed)
    for product_id, demo in enumerate(DEMO_PRODUCTS[:count], start=1):
        yield (product_id, *demo, None)
    for product_id in range(len(DEMO_PRODUCTS) + 1, count + 1):
        yield generated_product(product_id, rng)


def create_fixture(path: Path, products: int, seed: int = 1) -> None:
    """Write a fresh database at `path` holding `products` products."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO categories VALUES (?, ?)", enumerate(CATEGORIES, start=1))
        conn.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", product_rows(products, seed)
        )
        conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--products", type=int, default=20_000)
    args = parser.parse_args()
    create_fixture(args.path, args.products)


if __name__ == "__main__":
    main()
