"""Everything kept: the database and its migrations, drafts, audit log, outbox, subscriptions, waivers.

All SQL lives here."""
