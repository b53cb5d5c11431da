"""The policy layer: rule packs, the checks they run, rewrites and the suggestions a reviewer starts from."""
