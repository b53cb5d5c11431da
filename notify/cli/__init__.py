"""The notify command line."""
