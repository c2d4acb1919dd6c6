"""Order emails: an outbox written with the event, sent after the commit by SMTP or to files."""
