"""Screens of casework: intake, decisions and steps, the worklist, assessment records."""
