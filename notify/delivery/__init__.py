"""Getting approved messages out: SMTP, chat and outbound webhooks, Atlassian Statuspage."""
