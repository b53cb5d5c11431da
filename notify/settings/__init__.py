"""Settings a team keeps in files: notify.toml for the CLI, the service's own for `notify serve`."""
