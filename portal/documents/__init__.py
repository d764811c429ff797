"""Printed documents: rendering in the sandbox, issuing (numbered, stored once, verifiable)
and batches."""
