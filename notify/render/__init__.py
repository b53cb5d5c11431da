"""Cleaned fields into messages: every channel's templates, and the static status site."""
