"""The bottom layer: errors, problems, canonical JSON, server time, text helpers and the
working-day calendar. Imports nothing else of the portal."""
