"""The contacts table: its key catalogue (keys.py); the attribute-value codec is shared.codec."""
