"""Demo catalog data for Shopkeep.

This module is self-contained (standard library only) and provides:

* :data:`CATEGORY_NAMES` -- the five demo categories; category id ``n`` is
  ``CATEGORY_NAMES[n - 1]``.
* :data:`DEMO_PRODUCTS` -- a small hand-written catalog; product id ``n`` is
  ``DEMO_PRODUCTS[n - 1]``.
* :func:`generated_products` -- a fast, deterministic generator of extra products used to
  build large catalogs for benchmarks.
* :func:`product_image_svg` -- a self-contained SVG placeholder image for a product.

Contract relied upon elsewhere: product 3 is the ``Mechanical Keyboard`` and it is the only
product -- hand-written or generated -- whose name or description contains the word
"keyboard" in any letter case.
"""

from __future__ import annotations

import colorsys
import math
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape

__all__ = [
    "CATEGORY_NAMES",
    "DEMO_PRODUCTS",
    "DemoProduct",
    "generated_products",
    "product_image_svg",
]

CATEGORY_NAMES: tuple[str, ...] = (
    "Electronics",
    "Clothing",
    "Home & Kitchen",
    "Books",
    "Sports & Outdoors",
)

ELECTRONICS = 1
CLOTHING = 2
HOME_KITCHEN = 3
BOOKS = 4
SPORTS_OUTDOORS = 5


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """One catalog product, with money and ratings stored as integers."""

    name: str
    description: str
    brand: str
    category_id: int  # 1..5, index into CATEGORY_NAMES plus one
    price_cents: int  # integer cents, >= 1
    rating_tenths: int  # rating * 10, 0..50 (a 4.7 rating is stored as 47)
    stock: int  # units on hand, >= 0


DEMO_PRODUCTS: tuple[DemoProduct, ...] = (
    # --- Electronics (ids 1-10) ---------------------------------------------------------------
    DemoProduct(
        name="Wireless Noise-Cancelling Headphones",
        description=(
            "Over-ear headphones with adaptive noise cancelling and a 30-hour battery. Fold flat "
            "into the included hard case for travel."
        ),
        brand="SoundMax",
        category_id=ELECTRONICS,
        price_cents=19999,
        rating_tenths=46,
        stock=120,
    ),
    DemoProduct(
        name="Portable Bluetooth Speaker",
        description="Splash-proof speaker with deep bass and twelve hours of playback per charge.",
        brand="SoundMax",
        category_id=ELECTRONICS,
        price_cents=5999,
        rating_tenths=44,
        stock=200,
    ),
    DemoProduct(
        name="Mechanical Keyboard",
        description=(
            "Full-size keyboard with hot-swappable tactile switches, an aluminium top plate and "
            "per-key RGB lighting. Detachable USB-C cable included."
        ),
        brand="Tactile Labs",
        category_id=ELECTRONICS,
        price_cents=8999,
        rating_tenths=47,
        stock=75,
    ),
    DemoProduct(
        name="USB-C Charging Hub",
        description=(
            "Seven-port hub with 100 W pass-through power, HDMI output and an SD card reader."
        ),
        brand="Voltix",
        category_id=ELECTRONICS,
        price_cents=3499,
        rating_tenths=42,
        stock=150,
    ),
    DemoProduct(
        name="Wireless Ergonomic Mouse",
        description=(
            "Sculpted vertical mouse that keeps your wrist in a natural position. Pairs with up "
            "to three devices over Bluetooth or the USB receiver."
        ),
        brand="Tactile Labs",
        category_id=ELECTRONICS,
        price_cents=2999,
        rating_tenths=45,
        stock=180,
    ),
    DemoProduct(
        name="27-inch 4K Monitor",
        description="IPS panel with accurate colour out of the box and a height-adjustable stand.",
        brand="Lumora",
        category_id=ELECTRONICS,
        price_cents=32999,
        rating_tenths=45,
        stock=4,
    ),
    DemoProduct(
        name="Smart Fitness Watch",
        description=(
            "Tracks heart rate, sleep and workouts, with built-in GPS and a week of battery life."
        ),
        brand="Pulsewave",
        category_id=ELECTRONICS,
        price_cents=14999,
        rating_tenths=41,
        stock=0,
    ),
    DemoProduct(
        name="True Wireless Earbuds",
        description="Compact earbuds with a pocket-sized charging case and clear call quality.",
        brand="SoundMax",
        category_id=ELECTRONICS,
        price_cents=7999,
        rating_tenths=43,
        stock=90,
    ),
    DemoProduct(
        name="1080p Web Camera",
        description="Full HD webcam with autofocus, a privacy shutter and dual microphones.",
        brand="Lumora",
        category_id=ELECTRONICS,
        price_cents=4999,
        rating_tenths=39,
        stock=60,
    ),
    DemoProduct(
        name="Portable Power Bank 20000mAh",
        description=(
            "High-capacity battery pack that charges a phone four times over. Two USB-C ports "
            "support fast charging."
        ),
        brand="Voltix",
        category_id=ELECTRONICS,
        price_cents=3999,
        rating_tenths=44,
        stock=3,
    ),
    # --- Clothing (ids 11-20) -----------------------------------------------------------------
    DemoProduct(
        name="Organic Cotton Crew T-Shirt",
        description=(
            "A soft, breathable tee cut from certified organic cotton, pre-washed to prevent "
            "shrinking."
        ),
        brand="Norththread",
        category_id=CLOTHING,
        price_cents=1899,
        rating_tenths=44,
        stock=200,
    ),
    DemoProduct(
        name="Slim Fit Stretch Jeans",
        description="Dark indigo denim with a touch of stretch for all-day comfort.",
        brand="Indigo Row",
        category_id=CLOTHING,
        price_cents=5999,
        rating_tenths=42,
        stock=85,
    ),
    DemoProduct(
        name="Merino Wool Crewneck Sweater",
        description=(
            "Fine-gauge merino that stays warm without bulk and resists odours between washes."
        ),
        brand="Norththread",
        category_id=CLOTHING,
        price_cents=7999,
        rating_tenths=46,
        stock=40,
    ),
    DemoProduct(
        name="Waterproof Rain Jacket",
        description=(
            "Packable shell with taped seams, an adjustable hood and pit zips for ventilation."
        ),
        brand="Trailhaven",
        category_id=CLOTHING,
        price_cents=11999,
        rating_tenths=45,
        stock=25,
    ),
    DemoProduct(
        name="Everyday Running Socks (3-Pack)",
        description="Cushioned, moisture-wicking socks with a snug arch band.",
        brand="Stridelite",
        category_id=CLOTHING,
        price_cents=1299,
        rating_tenths=43,
        stock=150,
    ),
    DemoProduct(
        name="Classic Leather Belt",
        description=(
            "Full-grain leather belt with a brushed nickel buckle. Ages beautifully with wear."
        ),
        brand="Harlow & Finch",
        category_id=CLOTHING,
        price_cents=3499,
        rating_tenths=41,
        stock=70,
    ),
    DemoProduct(
        name="Linen Button-Down Shirt",
        description="Relaxed summer shirt in washed linen with mother-of-pearl style buttons.",
        brand="Indigo Row",
        category_id=CLOTHING,
        price_cents=4499,
        rating_tenths=38,
        stock=2,
    ),
    DemoProduct(
        name="Fleece Zip Hoodie",
        description="Midweight fleece hoodie with a full-length zip and warm hand pockets.",
        brand="Norththread",
        category_id=CLOTHING,
        price_cents=4999,
        rating_tenths=47,
        stock=0,
    ),
    DemoProduct(
        name="Canvas Low-Top Sneakers",
        description="Timeless canvas sneakers with a vulcanised rubber sole.",
        brand="Stridelite",
        category_id=CLOTHING,
        price_cents=6499,
        rating_tenths=40,
        stock=55,
    ),
    DemoProduct(
        name="Ribbed Knit Beanie",
        description="A cosy ribbed beanie in a soft acrylic and wool blend. One size fits most.",
        brand="Harlow & Finch",
        category_id=CLOTHING,
        price_cents=1599,
        rating_tenths=36,
        stock=120,
    ),
    # --- Home & Kitchen (ids 21-30) -----------------------------------------------------------
    DemoProduct(
        name="Stainless Steel French Press",
        description=(
            "Double-walled press that keeps coffee hot for an hour. Makes four generous cups."
        ),
        brand="Hearthstone",
        category_id=HOME_KITCHEN,
        price_cents=3299,
        rating_tenths=46,
        stock=90,
    ),
    DemoProduct(
        name="Cast Iron Skillet 10-inch",
        description="Pre-seasoned skillet that goes from stovetop to oven to campfire.",
        brand="Hearthstone",
        category_id=HOME_KITCHEN,
        price_cents=2899,
        rating_tenths=48,
        stock=110,
    ),
    DemoProduct(
        name="Non-Stick Cookware Set (8-Piece)",
        description=(
            "Two frying pans, two saucepans and a stockpot with glass lids. Dishwasher safe."
        ),
        brand="Cuisora",
        category_id=HOME_KITCHEN,
        price_cents=14999,
        rating_tenths=42,
        stock=15,
    ),
    DemoProduct(
        name="Bamboo Cutting Board",
        description="Sturdy bamboo board with a juice groove and easy-grip handles.",
        brand="Cuisora",
        category_id=HOME_KITCHEN,
        price_cents=1999,
        rating_tenths=44,
        stock=160,
    ),
    DemoProduct(
        name="Ceramic Pour-Over Coffee Dripper",
        description=(
            "Hand-glazed dripper for a clean, bright cup. Fits most standard paper filters."
        ),
        brand="Kiln & Leaf",
        category_id=HOME_KITCHEN,
        price_cents=2499,
        rating_tenths=45,
        stock=5,
    ),
    DemoProduct(
        name="LED Desk Lamp",
        description=(
            "Dimmable desk lamp with five colour temperatures and a wireless phone charger in the "
            "base."
        ),
        brand="Lumora",
        category_id=HOME_KITCHEN,
        price_cents=3999,
        rating_tenths=43,
        stock=75,
    ),
    DemoProduct(
        name="Electric Gooseneck Kettle",
        description=(
            "Precise temperature control and a slow-pour spout for tea and pour-over coffee."
        ),
        brand="Cuisora",
        category_id=HOME_KITCHEN,
        price_cents=6999,
        rating_tenths=47,
        stock=40,
    ),
    DemoProduct(
        name="Egyptian Cotton Bath Towel Set",
        description="Six plush, absorbent towels woven from long-staple cotton.",
        brand="Softnest",
        category_id=HOME_KITCHEN,
        price_cents=4599,
        rating_tenths=45,
        stock=65,
    ),
    DemoProduct(
        name="Memory Foam Pillow",
        description="Contoured pillow that supports the neck for back and side sleepers.",
        brand="Softnest",
        category_id=HOME_KITCHEN,
        price_cents=3999,
        rating_tenths=39,
        stock=0,
    ),
    DemoProduct(
        name="Glass Food Storage Containers (10-Pack)",
        description="Oven-safe borosilicate containers with snap-lock lids that seal in freshness.",
        brand="Hearthstone",
        category_id=HOME_KITCHEN,
        price_cents=2799,
        rating_tenths=44,
        stock=130,
    ),
    # --- Books (ids 31-39) --------------------------------------------------------------------
    DemoProduct(
        name="The Quiet Orbit",
        description=(
            "A debut novel about a lighthouse engineer stranded on a research station at the edge "
            "of the solar system."
        ),
        brand="Lanternfield Press",
        category_id=BOOKS,
        price_cents=1699,
        rating_tenths=44,
        stock=45,
    ),
    DemoProduct(
        name="Practical Python Patterns",
        description=(
            "Hands-on recipes for writing clear, testable Python, from data classes to async code."
        ),
        brand="Bitwise Books",
        category_id=BOOKS,
        price_cents=3999,
        rating_tenths=46,
        stock=30,
    ),
    DemoProduct(
        name="A Field Guide to Backyard Birds",
        description=(
            "Illustrated guide to more than 200 common species, with range maps and song notes."
        ),
        brand="Greenleaf Editions",
        category_id=BOOKS,
        price_cents=2299,
        rating_tenths=48,
        stock=20,
    ),
    DemoProduct(
        name="Cooking with Five Ingredients",
        description="Weeknight meals that need only five ingredients plus pantry staples.",
        brand="Greenleaf Editions",
        category_id=BOOKS,
        price_cents=2799,
        rating_tenths=43,
        stock=35,
    ),
    DemoProduct(
        name="The Lighthouse Keeper's Daughter",
        description="A sweeping family saga set on a storm-battered Cornish coast.",
        brand="Lanternfield Press",
        category_id=BOOKS,
        price_cents=1499,
        rating_tenths=41,
        stock=60,
    ),
    DemoProduct(
        name="Designing Data Systems",
        description=(
            "How databases, queues and caches fit together, explained through real-world "
            "trade-offs."
        ),
        brand="Bitwise Books",
        category_id=BOOKS,
        price_cents=4599,
        rating_tenths=47,
        stock=1,
    ),
    DemoProduct(
        name="Midnight at the Salt Flats",
        description=(
            "A tightly plotted mystery in which a desert speed record hides a decades-old crime."
        ),
        brand="Lanternfield Press",
        category_id=BOOKS,
        price_cents=999,
        rating_tenths=37,
        stock=80,
    ),
    DemoProduct(
        name="Mindful Mornings: A Guided Journal",
        description="Ninety days of short prompts for calmer, more focused mornings.",
        brand="Greenleaf Editions",
        category_id=BOOKS,
        price_cents=1299,
        rating_tenths=40,
        stock=100,
    ),
    DemoProduct(
        name="Stars Over Patagonia",
        description=(
            "A travel memoir of six months spent hitchhiking from Bariloche to Tierra del Fuego."
        ),
        brand="Lanternfield Press",
        category_id=BOOKS,
        price_cents=1899,
        rating_tenths=42,
        stock=25,
    ),
    # --- Sports & Outdoors (ids 40-48) --------------------------------------------------------
    DemoProduct(
        name="Two-Person Backpacking Tent",
        description="Freestanding tent that weighs under 2 kg and pitches in three minutes.",
        brand="Trailhaven",
        category_id=SPORTS_OUTDOORS,
        price_cents=18999,
        rating_tenths=46,
        stock=12,
    ),
    DemoProduct(
        name="Insulated Steel Water Bottle 32 oz",
        description="Keeps drinks cold for a day and hot for twelve hours. Leak-proof lid.",
        brand="Summitra",
        category_id=SPORTS_OUTDOORS,
        price_cents=2499,
        rating_tenths=48,
        stock=200,
    ),
    DemoProduct(
        name="Non-Slip Yoga Mat",
        description="Six-millimetre mat with a grippy texture on both sides and a carry strap.",
        brand="Stridelite",
        category_id=SPORTS_OUTDOORS,
        price_cents=2999,
        rating_tenths=44,
        stock=95,
    ),
    DemoProduct(
        name="Adjustable Dumbbell Pair",
        description="Dial-select dumbbells that replace fifteen pairs, from 2 to 24 kg each.",
        brand="Ironpeak",
        category_id=SPORTS_OUTDOORS,
        price_cents=29999,
        rating_tenths=45,
        stock=8,
    ),
    DemoProduct(
        name="Carbon Trekking Poles (Pair)",
        description="Lightweight carbon poles with cork grips and quick flip locks.",
        brand="Trailhaven",
        category_id=SPORTS_OUTDOORS,
        price_cents=5999,
        rating_tenths=43,
        stock=40,
    ),
    DemoProduct(
        name="Down Sleeping Bag",
        description="Packable 650-fill down bag rated to minus seven degrees Celsius.",
        brand="Trailhaven",
        category_id=SPORTS_OUTDOORS,
        price_cents=15999,
        rating_tenths=45,
        stock=18,
    ),
    DemoProduct(
        name="Speed Jump Rope",
        description=(
            "Ball-bearing handles and an adjustable coated cable for fast, smooth rotations."
        ),
        brand="Ironpeak",
        category_id=SPORTS_OUTDOORS,
        price_cents=899,
        rating_tenths=41,
        stock=150,
    ),
    DemoProduct(
        name="Cycling Helmet with MIPS",
        description=(
            "Well-ventilated road helmet with rotational impact protection and a rear light clip."
        ),
        brand="Summitra",
        category_id=SPORTS_OUTDOORS,
        price_cents=8999,
        rating_tenths=46,
        stock=22,
    ),
    DemoProduct(
        name="Resistance Bands Set",
        description="Five colour-coded latex bands with handles, ankle straps and a door anchor.",
        brand="Ironpeak",
        category_id=SPORTS_OUTDOORS,
        price_cents=1999,
        rating_tenths=31,
        stock=170,
    ),
)


# ---------------------------------------------------------------------------------------------
# Generated products
# ---------------------------------------------------------------------------------------------
#
# Every word list below is free of the substring "keyboard" (in any case), so generated
# products can never collide with product 3 in a keyword search. Word lists are also chosen so
# that common search terms ("wireless", "cotton", "steel", "lamp", "novel", "tent", "bottle")
# each hit a sensible slice of a large catalog, and so that generated names never equal a
# hand-written demo name (each generated name carries a model code, style number or author).

# fmt: off
_BRANDS_BY_CATEGORY: dict[int, tuple[str, ...]] = {
    ELECTRONICS: (
        "SoundMax", "Voltix", "Lumora", "Tactile Labs",
        "Pulsewave", "Nimbus Audio", "Orbitron", "Kestrel Digital",
    ),
    CLOTHING: (
        "Norththread", "Indigo Row", "Harlow & Finch", "Stridelite",
        "Mossgrove", "Copper Thread Co.", "Fernweave", "Bellweather",
    ),
    HOME_KITCHEN: (
        "Hearthstone", "Cuisora", "Kiln & Leaf", "Softnest",
        "Oakhollow", "Brightpan", "Willow & Slate", "Casa Verde",
    ),
    BOOKS: (
        "Lanternfield Press", "Bitwise Books", "Greenleaf Editions", "Paper Crane Publishing",
        "Northlight House", "Inkwell & Quill", "Driftwood Books", "Meridian Press",
    ),
    SPORTS_OUTDOORS: (
        "Trailhaven", "Summitra", "Ironpeak", "Stridelite",
        "Ridgeline Gear", "Bluewater Sports", "Apex Motion", "Pinecrest Outfitters",
    ),
}

# Electronics: "<adjective> <colour> <noun> <series>-<number>"
_EL_ADJECTIVES = (
    "Wireless", "Compact", "Portable", "Smart", "Ultra-Slim", "Pro", "Rugged", "Dual-Band",
    "Noise-Cancelling", "High-Fidelity", "Rechargeable", "Foldable", "Ergonomic", "Mini",
    "Studio",
)
_EL_COLOURS = (
    "Graphite", "Silver", "Midnight Blue", "Arctic White", "Matte Black", "Rose Gold",
    "Carbon Grey", "Slate", "Coral", "Sage Green",
)
_EL_NOUNS = (
    "Headphones", "Earbuds", "Speaker", "Soundbar", "Mouse", "Webcam", "Monitor", "Router",
    "Charger", "Power Bank", "Smartwatch", "Laptop Stand", "USB Hub", "Microphone", "Projector",
    "Dash Cam", "E-Reader", "Game Controller",
)
_EL_SERIES = ("AX", "BX", "CX", "DX", "MX", "SX", "TX", "VX", "ZX", "QX")
_EL_FEATURES = (
    "USB-C fast charging", "Bluetooth 5.3 connectivity", "an all-day battery",
    "a two-year warranty", "a braided charging cable", "low-latency audio",
    "a companion app for easy setup", "an anodised aluminium shell", "auto-updating firmware",
    "a travel pouch included",
)
_EL_CLOSINGS = (
    "Ships in recyclable packaging.", "Backed by a 30-day return policy.",
    "A dependable pick for home or office.", "Setup takes less than a minute.",
    "Designed for daily use and easy repairs.", "",
)

# Clothing: "<adjective> <colour> <material> <noun> (Style <number>)"
_CL_ADJECTIVES = (
    "Relaxed", "Slim-Fit", "Classic", "Oversized", "Cropped", "Tailored", "Lightweight",
    "Heavyweight", "Vintage", "Everyday", "Stretch", "Cosy",
)
_CL_COLOURS = (
    "Navy", "Charcoal", "Olive", "Sand", "Burgundy", "Heather Grey", "Ivory", "Forest Green",
    "Rust", "Sky Blue", "Black", "Mustard",
)
_CL_MATERIALS = (
    "Cotton", "Linen", "Merino Wool", "Denim", "Corduroy", "Fleece", "Flannel",
    "Cashmere Blend", "Jersey", "Twill",
)
_CL_NOUNS = (
    "T-Shirt", "Hoodie", "Chinos", "Jeans", "Overshirt", "Sweater", "Cardigan", "Joggers",
    "Shorts", "Jacket", "Polo Shirt", "Dress", "Skirt", "Scarf", "Beanie",
)
_CL_DETAILS = (
    "Garment-dyed for a lived-in look.", "Machine washable at 30 degrees.",
    "Cut for easy layering.", "Finished with reinforced seams.",
    "Made in a fair-wage certified factory.", "True to size; size up for a looser fit.",
)

# Home & Kitchen: "<adjective> <material> <noun> <letter>-<number>" (materials fit the noun)
_HK_ADJECTIVES = (
    "Compact", "Deluxe", "Modern", "Rustic", "Nordic", "Heavy-Duty", "Minimalist", "Classic",
    "Everyday", "Professional", "Vintage", "Artisan",
)
_HK_NOUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Kettle", ("Stainless Steel", "Copper", "Enamel", "Glass")),
    ("French Press", ("Stainless Steel", "Glass", "Copper")),
    ("Skillet", ("Cast Iron", "Carbon Steel", "Stainless Steel")),
    ("Saucepan", ("Stainless Steel", "Copper", "Enamel")),
    ("Cutting Board", ("Bamboo", "Oak", "Walnut", "Acacia")),
    ("Serving Bowl", ("Ceramic", "Bamboo", "Glass", "Stoneware")),
    ("Mug Set", ("Ceramic", "Stoneware", "Enamel", "Glass")),
    ("Table Lamp", ("Ceramic", "Brass", "Oak", "Linen")),
    ("Floor Lamp", ("Brass", "Oak", "Matte Black")),
    ("Throw Blanket", ("Cotton", "Wool", "Fleece")),
    ("Bath Towel Set", ("Cotton", "Bamboo", "Linen")),
    ("Bed Sheet Set", ("Cotton", "Linen", "Bamboo")),
    ("Storage Jar Set", ("Glass", "Ceramic", "Bamboo")),
    ("Knife Block", ("Oak", "Bamboo", "Walnut")),
    ("Dish Rack", ("Stainless Steel", "Bamboo")),
    ("Wall Clock", ("Oak", "Brass", "Walnut")),
    ("Vase", ("Ceramic", "Glass", "Stoneware")),
    ("Cookware Set", ("Stainless Steel", "Cast Iron", "Copper")),
)
_HK_DETAILS = (
    "Easy to clean and built to last.", "Dishwasher safe where the care label says so.",
    "Looks at home in any kitchen.", "A thoughtful housewarming gift.",
    "Backed by a five-year warranty.", "Sustainably sourced materials.",
)

# Books: fiction "The <adjective> <noun>: A <genre> by <initial>. <surname>" or
# non-fiction "<prefix> <topic>, <edition> Edition by <initial>. <surname>".
_BK_ADJECTIVES = (
    "Silent", "Forgotten", "Crimson", "Hidden", "Last", "Winter", "Glass", "Paper", "Burning",
    "Distant", "Quiet", "Hollow", "Golden", "Iron", "Midnight", "Wandering",
)
_BK_NOUNS = (
    "Harbor", "Orchard", "Lantern", "Kingdom", "River", "Garden", "Signal", "Archive",
    "Mountain", "Lighthouse", "Compass", "Cartographer", "Station", "Meadow", "Tide", "Crown",
)
_BK_GENRES = (
    "Novel", "Mystery", "Thriller", "Romance", "Fantasy Epic", "Ghost Story", "Love Story",
    "Detective Story", "Sea Adventure", "Family Saga",
)
_BK_PREFIXES = (
    "A Beginner's Guide to", "The Complete Book of", "Practical", "Mastering", "The Art of",
    "Everyday", "Field Notes on", "An Illustrated History of",
)
_BK_TOPICS = (
    "Sourdough Baking", "Watercolour Painting", "Python Programming", "Home Gardening",
    "Bird Watching", "Personal Finance", "Astronomy", "Woodworking", "Urban Sketching",
    "Mountain Hiking", "Data Science", "Chess Strategy", "Fermentation", "Photography",
    "Beekeeping",
)
_BK_EDITIONS = ("1st", "2nd", "3rd", "4th", "5th")
_BK_INITIALS = tuple("ABCDEFGHJKLMNPRSTVW")
_BK_SURNAMES = (
    "Calloway", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Hargreaves", "Delgado", "Novak",
    "Achebe", "Whitlock", "Kowalski", "Ferreira", "Brennan", "Sato", "Abernathy", "Quill",
    "Marchetti", "Oyelaran", "Fitzgerald", "Haddad", "Ivanova", "Pemberton", "Reyes", "Ng",
)
_BK_FICTION_BLURBS = (
    "A page-turner you will finish in a weekend.", "Shortlisted for several reader awards.",
    "Told across three generations and two continents.", "Atmospheric, tense and moving.",
    "The first book in a planned trilogy.", "A story about courage, loss and second chances.",
)
_BK_NONFICTION_BLURBS = (
    "Clear explanations with step-by-step exercises.", "Packed with colour photographs.",
    "Ideal for beginners and a handy reference for experts.",
    "Includes checklists and worked examples.",
    "Written by a practitioner with decades of experience.",
)

# Sports & Outdoors: "<adjective> <material> <noun> <letter>-<number>" (materials fit the noun)
_SP_ADJECTIVES = (
    "Ultralight", "All-Weather", "Packable", "Trail", "Pro", "Adjustable", "Compact",
    "Heavy-Duty", "Competition", "Explorer", "Summit", "Everyday",
)
_SP_NOUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tent", ("Nylon", "Polyester", "Canvas")),
    ("Water Bottle", ("Stainless Steel", "Tritan", "Aluminium")),
    ("Sleeping Bag", ("Down", "Synthetic")),
    ("Backpack", ("Nylon", "Canvas", "Ripstop")),
    ("Yoga Mat", ("Cork", "Natural Rubber", "TPE")),
    ("Dumbbell Set", ("Steel", "Cast Iron", "Rubber-Coated")),
    ("Kettlebell", ("Cast Iron", "Vinyl-Coated")),
    ("Trekking Poles", ("Carbon", "Aluminium")),
    ("Cycling Helmet", ("Polycarbonate", "EPS Foam")),
    ("Headlamp", ("Aluminium", "Polycarbonate")),
    ("Camping Stove", ("Stainless Steel", "Titanium")),
    ("Hiking Boots", ("Leather", "Suede")),
    ("Jump Rope", ("PVC", "Beaded")),
    ("Tennis Racket", ("Graphite", "Aluminium")),
)
_SP_DETAILS = (
    "Tested in the field by our gear team.", "Covered by a lifetime repair guarantee.",
    "Built to handle rough weather.", "Light enough for long days on the trail.",
    "A favourite with weekend adventurers.", "Comes with a storage sack.",
)

# fmt: on

_MIN_PRICE_CENTS = 199
_MAX_PRICE_CENTS = 99999
_LOG_PRICE_SPAN = math.log(_MAX_PRICE_CENTS / _MIN_PRICE_CENTS)

_Maker = Callable[[random.Random], tuple[str, str]]


def _electronics(rng: random.Random) -> tuple[str, str]:
    choice = rng.choice
    adjective = choice(_EL_ADJECTIVES)
    colour = choice(_EL_COLOURS)
    noun = choice(_EL_NOUNS)
    model = f"{choice(_EL_SERIES)}-{rng.randrange(100, 1000)}"
    name = f"{adjective} {colour} {noun} {model}"
    description = (
        f"{adjective} {noun.lower()} in {colour.lower()} with {choice(_EL_FEATURES)}. "
        f"{choice(_EL_CLOSINGS)}"
    ).rstrip()
    return name, description


def _clothing(rng: random.Random) -> tuple[str, str]:
    choice = rng.choice
    adjective = choice(_CL_ADJECTIVES)
    colour = choice(_CL_COLOURS)
    material = choice(_CL_MATERIALS)
    noun = choice(_CL_NOUNS)
    name = f"{adjective} {colour} {material} {noun} (Style {rng.randrange(100, 1000)})"
    description = (
        f"{adjective} {noun.lower()} in {colour.lower()} {material.lower()}. {choice(_CL_DETAILS)}"
    )
    return name, description


def _home_kitchen(rng: random.Random) -> tuple[str, str]:
    choice = rng.choice
    adjective = choice(_HK_ADJECTIVES)
    noun, materials = choice(_HK_NOUNS)
    material = choice(materials)
    model = f"{choice('HKLMR')}-{rng.randrange(10, 1000)}"
    name = f"{adjective} {material} {noun} {model}"
    description = f"{adjective} {noun.lower()} in {material.lower()}. {choice(_HK_DETAILS)}"
    return name, description


def _books(rng: random.Random) -> tuple[str, str]:
    choice = rng.choice
    author = f"{choice(_BK_INITIALS)}. {choice(_BK_SURNAMES)}"
    if rng.random() < 0.6:
        genre = choice(_BK_GENRES)
        title = f"The {choice(_BK_ADJECTIVES)} {choice(_BK_NOUNS)}"
        name = f"{title}: A {genre} by {author}"
        description = f"A {genre.lower()} by {author}. {choice(_BK_FICTION_BLURBS)}"
    else:
        topic = choice(_BK_TOPICS)
        name = f"{choice(_BK_PREFIXES)} {topic}, {choice(_BK_EDITIONS)} Edition by {author}"
        description = (
            f"{author} covers {topic.lower()} from first principles. "
            f"{choice(_BK_NONFICTION_BLURBS)}"
        )
    return name, description


def _sports_outdoors(rng: random.Random) -> tuple[str, str]:
    choice = rng.choice
    adjective = choice(_SP_ADJECTIVES)
    noun, materials = choice(_SP_NOUNS)
    material = choice(materials)
    model = f"{choice('TSPX')}-{rng.randrange(1, 100)}"
    name = f"{adjective} {material} {noun} {model}"
    description = f"{adjective} {noun.lower()} made from {material.lower()}. {choice(_SP_DETAILS)}"
    return name, description


_MAKERS: tuple[_Maker, ...] = (_electronics, _clothing, _home_kitchen, _books, _sports_outdoors)


def generated_products(count: int, *, seed: int = 42) -> Iterator[DemoProduct]:
    """Yield ``count`` synthetic products for large benchmark catalogs.

    The sequence depends only on ``seed`` (a private :class:`random.Random` is used, no global
    state), so the same seed always yields the same products. Categories are spread evenly over
    1..5, prices roughly log-uniformly between 1.99 and 999.99, ratings between 1.0 and 5.0
    (mostly around 4.2) and stock between 0 and 500 with about 5% out of stock.

    Raises:
        ValueError: if ``count`` is negative (raised immediately, not on first iteration).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return _generate(count, random.Random(seed))


def _generate(count: int, rng: random.Random) -> Iterator[DemoProduct]:
    rand = rng.random
    gauss = rng.gauss
    choice = rng.choice
    exp = math.exp
    for _ in range(count):
        category_id = 1 + int(rand() * 5)
        name, description = _MAKERS[category_id - 1](rng)
        brand = choice(_BRANDS_BY_CATEGORY[category_id])
        # Log-uniform price, snapped to a "x.99" price point inside [1.99, 999.99].
        raw = _MIN_PRICE_CENTS * exp(rand() * _LOG_PRICE_SPAN)
        price_cents = min(int(raw) // 100 * 100 + 99, _MAX_PRICE_CENTS)
        if rand() < 0.1:  # a long tail of poorly rated products
            rating_tenths = 10 + int(rand() * 41)
        else:  # most products cluster around 4.2 stars
            rating_tenths = min(50, max(10, round(gauss(42.0, 4.0))))
        stock = 0 if rand() < 0.05 else 1 + int(rand() * 500)
        yield DemoProduct(name, description, brand, category_id, price_cents, rating_tenths, stock)


# ---------------------------------------------------------------------------------------------
# SVG placeholder images
# ---------------------------------------------------------------------------------------------

_SVG_SIZE = 320
_MAX_LINES = 2
# (characters per line, font size): names that do not fit in the large size get a smaller one.
_TEXT_LAYOUTS: tuple[tuple[int, int], ...] = ((24, 18), (29, 15))

# Base hue (degrees) per category; unknown categories get a neutral slate.
_CATEGORY_HUES: dict[int, int] = {
    ELECTRONICS: 215,
    CLOTHING: 330,
    HOME_KITCHEN: 30,
    BOOKS: 265,
    SPORTS_OUTDOORS: 140,
}

_ICONS: dict[int, str] = {
    ELECTRONICS: (
        '<rect x="100" y="70" width="120" height="82" rx="10" fill="#ffffff"/>'
        '<rect x="110" y="80" width="100" height="62" rx="5" fill="{accent}"/>'
        '<rect x="152" y="152" width="16" height="16" fill="#ffffff"/>'
        '<rect x="128" y="166" width="64" height="9" rx="4.5" fill="#ffffff"/>'
    ),
    CLOTHING: (
        '<path d="M122 76 L142 68 Q160 86 178 68 L198 76 L224 102 L204 120 L194 110 '
        'L194 178 L126 178 L126 110 L116 120 L96 102 Z" fill="#ffffff"/>'
        '<path d="M142 68 Q160 86 178 68" fill="none" stroke="{accent}" stroke-width="4"/>'
    ),
    HOME_KITCHEN: (
        '<polygon points="96,122 160,70 224,122" fill="#ffffff"/>'
        '<rect x="112" y="116" width="96" height="64" fill="#ffffff"/>'
        '<rect x="150" y="140" width="22" height="40" rx="3" fill="{accent}"/>'
        '<rect x="122" y="130" width="18" height="18" rx="2" fill="{accent}"/>'
        '<rect x="182" y="130" width="18" height="18" rx="2" fill="{accent}"/>'
    ),
    BOOKS: (
        '<rect x="104" y="150" width="112" height="24" rx="4" fill="#ffffff"/>'
        '<rect x="114" y="124" width="98" height="24" rx="4" fill="{accent}"/>'
        '<rect x="108" y="98" width="104" height="24" rx="4" fill="#ffffff"/>'
        '<rect x="124" y="104" width="60" height="4" rx="2" fill="{accent}"/>'
        '<rect x="124" y="156" width="52" height="4" rx="2" fill="{accent}"/>'
    ),
    SPORTS_OUTDOORS: (
        '<circle cx="200" cy="88" r="16" fill="#ffffff"/>'
        '<polygon points="88,178 138,98 166,140 186,116 232,178" fill="#ffffff"/>'
        '<polygon points="138,98 126,117 138,112 150,118" fill="{accent}"/>'
    ),
}
_FALLBACK_ICON = (
    '<rect x="110" y="80" width="100" height="96" rx="14" fill="#ffffff"/>'
    '<circle cx="160" cy="128" r="22" fill="{accent}"/>'
)


def _hex_colour(hue: float, lightness: float, saturation: float) -> str:
    red, green, blue = colorsys.hls_to_rgb((hue % 360) / 360.0, lightness, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _clean_text(text: str) -> str:
    """Collapse whitespace and drop characters that XML 1.0 cannot represent."""
    kept = [
        ch
        for ch in text
        if ch in "\t\n\r"
        or "\x20" <= ch <= "\ud7ff"
        or "\ue000" <= ch <= "\ufffd"
        or ch >= "\U00010000"
    ]
    return " ".join("".join(kept).split())


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap into lines of at most ``width`` characters."""
    lines: list[str] = []
    current = ""
    for whole_word in text.split(" ") if text else []:
        word = whole_word
        while len(word) > width:  # hard-split words that cannot fit on a line
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _layout_name(text: str) -> tuple[list[str], int]:
    """Fit ``text`` onto at most ``_MAX_LINES`` lines; return the lines and the font size."""
    width, font_size = _TEXT_LAYOUTS[0]
    for width, font_size in _TEXT_LAYOUTS:
        lines = _wrap(text, width)
        if len(lines) <= _MAX_LINES:
            return lines, font_size
    tail = " ".join(lines[_MAX_LINES - 1 :])
    return [*lines[: _MAX_LINES - 1], tail[: width - 1].rstrip() + "\u2026"], font_size


def _initials(text: str) -> str:
    letters = [word[0] for word in text.split(" ") if word and word[0].isalnum()]
    return "".join(letters[:2]).upper() or "?"


def product_image_svg(name: str, category_id: int) -> str:
    """Return a small, self-contained SVG placeholder image for a product.

    The image is a rounded tile tinted by category (the exact hue varies slightly with the
    name), a simple category icon, the product initials and the name wrapped onto up to two
    lines. It references no external fonts, images or links, every piece of text is
    XML-escaped, element ids are derived from the input (so several images can be inlined in
    one HTML page), and the output is fully deterministic. Unknown category ids get a neutral
    grey tile rather than an error.
    """
    text = _clean_text(name)
    digest = zlib.crc32(f"{category_id}:{name}".encode("utf-8", "surrogatepass"))
    known = category_id in _CATEGORY_HUES
    hue = _CATEGORY_HUES.get(category_id, 210) + (digest % 31) - 15
    saturation = 0.55 if known else 0.12
    light = _hex_colour(hue, 0.93, saturation)
    mid = _hex_colour(hue + 12, 0.80, saturation)
    accent = _hex_colour(hue, 0.52, saturation + 0.1)
    ink = _hex_colour(hue, 0.22, saturation * 0.8)
    category_label = CATEGORY_NAMES[category_id - 1] if known else "Product"
    gradient_id = f"sk-bg-{digest:08x}"
    bubble_x = 40 + digest % 240
    bubble_y = 30 + (digest >> 8) % 60
    icon = _ICONS.get(category_id, _FALLBACK_ICON).replace("{accent}", accent)

    display = text or "Untitled product"
    lines, font_size = _layout_name(display)
    first_y = 232 if len(lines) == 1 else 220
    text_rows = "".join(
        f'<text x="160" y="{first_y + 24 * row}" font-size="{font_size}" font-weight="600" '
        f'text-anchor="middle" fill="{ink}">{escape(line, quote=True)}</text>'
        for row, line in enumerate(lines)
    )
    label = escape(display, quote=True)
    size = _SVG_SIZE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{label}" '
        f'font-family="Helvetica, Arial, sans-serif">'
        f"<title>{label}</title>"
        f'<defs><linearGradient id="{gradient_id}" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{mid}"/>'
        f"</linearGradient></defs>"
        f'<rect width="{size}" height="{size}" rx="24" fill="url(#{gradient_id})"/>'
        f'<circle cx="{bubble_x}" cy="{bubble_y}" r="70" fill="#ffffff" opacity="0.25"/>'
        f'<circle cx="{size - bubble_x}" cy="{size - bubble_y}" r="46" fill="{accent}" '
        f'opacity="0.12"/>'
        f'<g opacity="0.95">{icon}</g>'
        f'<circle cx="262" cy="58" r="24" fill="{accent}"/>'
        f'<text x="262" y="64" font-size="16" font-weight="700" text-anchor="middle" '
        f'fill="#ffffff">{escape(_initials(text), quote=True)}</text>'
        f"{text_rows}"
        f'<text x="160" y="292" font-size="12" letter-spacing="1.5" text-anchor="middle" '
        f'fill="{ink}" opacity="0.7">{escape(category_label.upper(), quote=True)}</text>'
        f"</svg>"
    )
