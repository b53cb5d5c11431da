"""The HTTP service: webhooks in, review pages, the public status page and subscription pages."""
