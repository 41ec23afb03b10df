"""Content-Security-Policy on pages only."""

from csp.middleware import CSPMiddleware


class HtmlOnlyCSPMiddleware(CSPMiddleware):
    """The policy is for HTML documents. A PDF (the minutes) or a CSV download does not run
    scripts, and a policy with `object-src 'none'` on a PDF keeps browsers from showing it
    in their built-in viewer."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
