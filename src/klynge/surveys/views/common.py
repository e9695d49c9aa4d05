def base_url(request) -> str:
    """The site's address as the visitor reached it, for the links in e-mails."""
    return request.build_absolute_uri("/")[:-1]
