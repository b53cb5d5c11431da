"""The incident record and what feeds it: record files, the scaffold, subscriber lists, incident tools' webhooks."""
