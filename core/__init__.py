"""What every layer may use: uploads and images, file serving, the email outbox, the cache
that fails soft, drafts, request checks, backups, the base `errors.ActionRefused`."""
