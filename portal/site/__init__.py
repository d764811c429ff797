"""Declarations: the center's files, their checker, and the read-only site they describe."""

from portal.site.metadata import Site, load_site, site_from_documents

__all__ = ["Site", "load_site", "site_from_documents"]
