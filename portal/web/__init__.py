"""Web layer: Flask-AppBuilder views and templates."""
