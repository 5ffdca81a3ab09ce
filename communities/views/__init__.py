"""Community pages, one module per subject; urls.py maps them."""
