"""The portal engine: declarations in, generated admin, cases, documents and assessments out."""

__version__ = "0.1.0"


def create_app(config: object | None = None):
    """Application factory (see :mod:`portal.web.app`)."""
    from portal.web.app import create_app as _create_app

    return _create_app(config)
