from django.shortcuts import render

from klynge.core.permissions import public
from klynge.ecosystem.forms import DirectoryFilterForm
from klynge.ecosystem.search import directory_results
from klynge.ecosystem.selectors import Level, directory_level, directory_queryset


@public
def directory(request):
    """The directory: search, facets, sorting and pages; HTMX gets the results part only."""
    form = DirectoryFilterForm(request.GET)
    filters = form.filters()
    result = directory_results(
        directory_queryset(request.user), filters, request.GET.get("page") or 1
    )
    template = (
        "ecosystem/directory/_results.html" if request.htmx else "ecosystem/directory/index.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "result": result,
            "page": result.page,
            "is_staff_view": directory_level(request.user) == Level.STAFF,
        },
    )
