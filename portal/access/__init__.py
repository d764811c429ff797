"""Who may do what: the built-in roles and the one scope rule over every query."""
