"""The contacts table: its key catalogue (keys.py) and attribute-value codec (codec.py)."""
