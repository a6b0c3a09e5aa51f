"""Image decoding for the functions that handle photos (SPEC sections 7 and 8).

Pure code: no AWS calls, no boto3, nothing from ``ape_moments``. Its own Lambda layer carries it
with Pillow and pillow-heif, so functions that never decode an image do not load them.
"""
