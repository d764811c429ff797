"""Declarations: the center's files, their checker, and the read-only site they describe."""

from portal.declarations.site import Site, load_site, site_from_documents

__all__ = ["Site", "load_site", "site_from_documents"]
