"""Screens of the declarations: item pages, edits that publish, the form designer, form
versions and print templates."""
