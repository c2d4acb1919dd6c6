"""The product catalog: categories, products, brands and the demo catalog."""
