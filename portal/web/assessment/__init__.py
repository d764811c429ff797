"""Screens of the assessment: rankings, subject pages, exports and reports."""
