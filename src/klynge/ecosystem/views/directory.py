from django.shortcuts import render

from klynge.core.permissions import permission_required, public
from klynge.ecosystem.forms import DirectoryFilterForm
from klynge.ecosystem.search import directory_results
from klynge.ecosystem.selectors import Level, directory_level, directory_queryset


@public
def directory(request):
    """The directory: search, facets, sorting and pages; HTMX gets the results part only."""
    level = directory_level(request.user)
    tiers = level >= Level.MEMBER  # membership tiers are member information
    form = DirectoryFilterForm(request.GET, tiers=tiers)
    filters = form.filters()
    result = directory_results(
        directory_queryset(request.user), filters, request.GET.get("page") or 1, tiers=tiers
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
            "is_staff_view": level == Level.STAFF,
        },
    )


@permission_required("ecosystem.export_directory")
def directory_export(request, file_format):
    """The organisations matching the directory's current filters, as CSV or XLSX (staff)."""
    from django.http import HttpResponse, StreamingHttpResponse
    from django.utils import timezone

    from klynge.core import audit
    from klynge.ecosystem.exporting import csv_lines, xlsx_bytes
    from klynge.ecosystem.search import filter_directory

    filters = DirectoryFilterForm(
        request.GET, tiers=directory_level(request.user) >= Level.MEMBER
    ).filters()
    queryset = filter_directory(directory_queryset(request.user), filters)
    audit.record(
        actor=request.user,
        action="ecosystem.directory.export",
        data={"format": file_format, "query": request.GET.urlencode()},
    )
    name = f"klynge-organisations-{timezone.localdate():%Y-%m-%d}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(
            csv_lines(queryset), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            xlsx_bytes(queryset),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
