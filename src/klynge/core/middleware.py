from django.utils.cache import patch_vary_headers


class VaryOnHtmxMiddleware:
    """Pages answer HTMX requests with a fragment and others with the whole page at the same
    URL; `Vary: HX-Request` keeps browsers and caches from serving one for the other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response
