"""Pages of the portal that are not generated from declarations."""

from __future__ import annotations

from flask_appbuilder import IndexView, expose
from flask_babel import gettext

from portal.web.current import current_site


class HomeView(IndexView):
    """The start page: the center, its sub-centers under their unified names."""

    index_template = "portal/index.html"

    @expose("/")
    def index(self):
        return self.render_template(self.index_template, site=current_site(),
                                    title=gettext("Home"))
