"""Staff pages: import organisations or people from CSV/XLSX (upload and choose what → map
columns and dry run → commit). The duplicates pages are in `views/duplicates.py`.

The uploaded file waits between the steps in ``DATA_DIR/imports/<token><suffix>``; the random
token lives only in the session, so nobody else can reach the file. Committing (or cancelling)
deletes it; files older than a day are swept on the next upload.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import rules
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from klynge.accounts.predicates import is_cluster_staff
from klynge.core.permissions import permission_required
from klynge.ecosystem import importing, importing_people
from klynge.ecosystem.privacy import record_personal_data_list_view

# TODO(lead): move these into ecosystem/rules.py (set_perm keeps a re-import harmless).
# `use_import` opens the import pages; `import_<what>` is checked for the kind chosen.
rules.set_perm("ecosystem.use_import", is_cluster_staff)
rules.set_perm("ecosystem.import_organisations", is_cluster_staff)
rules.set_perm("ecosystem.import_people", is_cluster_staff)
rules.set_perm("ecosystem.merge_organisations", is_cluster_staff)

# What the page imports: the engine's importer for each choice on the upload step.
IMPORTERS: dict[str, importing.Importer] = {
    "organisations": importing.ORGANISATIONS,
    "people": importing_people.PEOPLE,
}
WHAT_CHOICES = [
    ("organisations", gettext_lazy("Organisations")),
    ("people", gettext_lazy("People")),
]

SESSION_KEY = "ecosystem_import"
MAX_ERRORS_SHOWN = 5000
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}
_STALE_SECONDS = 24 * 3600


# --- Upload ----------------------------------------------------------------------------------


class _SizeLimitHandler(FileUploadHandler):
    """Stops storing an upload as soon as it passes the import's size limit (the rest of the
    request body is read and dropped, so the browser gets the page with the message)."""

    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A body far beyond the limit is refused before a byte of the file is stored.
        self.too_large = content_length > importing.MAX_FILE_BYTES + 64 * 1024

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.too_large:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > importing.MAX_FILE_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadForm(forms.Form):
    what = forms.ChoiceField(
        label=gettext_lazy("What do you import?"),
        choices=WHAT_CHOICES,
        initial="organisations",
        required=False,  # organisations when not given
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=format_lazy(
            gettext_lazy(
                "UTF-8 CSV (comma or semicolon separated) or an Excel workbook (.xlsx), at most "
                "{size} MB. The first row names the columns."
            ),
            size=importing.MAX_FILE_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean(self):
        if self.too_large:
            raise ValidationError(importing.size_limit_message())
        return super().clean()

    def clean_what(self):
        return self.cleaned_data.get("what") or "organisations"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_FILE_BYTES:
            raise ValidationError(importing.size_limit_message())
        suffix = Path(upload.name).suffix.lower()
        if suffix not in _SUFFIXES:
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def _imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep_stale(folder: Path) -> None:
    cutoff = time.time() - _STALE_SECONDS
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _pending(request) -> tuple[dict, Path] | None:
    """The session's pending import and its file, if both are still there."""
    state = request.session.get(SESSION_KEY)
    if not state or not _TOKEN.match(state.get("token", "")):
        return None
    if state.get("suffix") not in _SUFFIXES:
        return None
    path = _imports_dir() / f"{state['token']}{state['suffix']}"
    return (state, path) if path.is_file() else None


def _stored(request) -> tuple[dict, Path] | None:
    """The pending import, if the user may (still) import that kind of thing."""
    pending = _pending(request)
    if pending is None:
        return None
    what = pending[0].setdefault("what", "organisations")
    if what not in IMPORTERS or not request.user.has_perm(f"ecosystem.import_{what}"):
        return None
    return pending


def _forget(request) -> None:
    pending = _pending(request)
    if pending is not None:
        pending[1].unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body
@permission_required("ecosystem.use_import")
def import_start(request):
    limit = _SizeLimitHandler(request)
    request.upload_handlers.insert(0, limit)
    return _import_start(request, limit)


@csrf_protect
def _import_start(request, limit):
    if request.method != "POST":
        what = request.GET.get("what")
        form = UploadForm(initial={"what": what} if what in IMPORTERS else None)
        return render(request, "ecosystem/imports/upload.html", {"form": form})
    form = UploadForm(request.POST, request.FILES, too_large=limit.too_large)
    if form.is_valid():
        what = form.cleaned_data["what"]
        if not request.user.has_perm(f"ecosystem.import_{what}"):
            raise PermissionDenied
        upload = form.cleaned_data["file"]
        _forget(request)
        folder = _imports_dir()
        _sweep_stale(folder)
        token = secrets.token_urlsafe(24)
        suffix = Path(upload.name).suffix.lower()
        path = folder / f"{token}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            table = importing.read_table(path, name=upload.name)
        except importing.ImportFileError as error:
            path.unlink(missing_ok=True)
            form.add_error("file", error.message)
        else:
            request.session[SESSION_KEY] = {
                "token": token,
                "suffix": suffix,
                "name": Path(upload.name).name[:200],
                "what": what,
                "mapping": importing.suggest_mapping(table.headers, IMPORTERS[what].spec),
            }
            return redirect("ecosystem:import_preview")
    return render(request, "ecosystem/imports/upload.html", {"form": form}, status=400)


# --- Mapping, dry run, commit ----------------------------------------------------------------


class MappingForm(forms.Form):
    """A field (or nothing) for each column of the file."""

    def __init__(
        self, *args, headers: list[str], samples: list[str], spec: importing.ColumnSpec, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.spec = spec
        choices = [("", _("— do not import —"))] + [
            (name, str(label)) for name, label in spec.fields.items()
        ]
        for index, header in enumerate(headers):
            sample = samples[index] if index < len(samples) else ""
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)s") % {"number": index + 1},
                choices=choices,
                required=False,
                help_text=_("First value: %(value)s") % {"value": sample[:80]} if sample else "",
            )

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}", "") for i in range(len(self.headers))]

    def clean(self):
        cleaned = super().clean()
        try:
            importing.resolve_columns(self.headers, self.mapping(), self.spec)
        except importing.ImportFileError as error:
            raise ValidationError(error.message) from None
        return cleaned


def _initial(mapping: list[str]) -> dict:
    return {f"column_{index}": field for index, field in enumerate(mapping)}


def _mapping_form(state: dict, table, data=None) -> MappingForm:
    samples = table.rows[0][1] if table.rows else []
    spec = IMPORTERS[state["what"]].spec
    if data is not None:
        return MappingForm(data, headers=table.headers, samples=samples, spec=spec)
    return MappingForm(
        initial=_initial(state["mapping"]), headers=table.headers, samples=samples, spec=spec
    )


def _preview_context(state: dict, table, form, result=None, file_error: str = "") -> dict:
    errors = result.errors if result is not None else []
    return {
        "what": state["what"],
        "file_name": state["name"],
        "rows": len(table.rows) if table is not None else 0,
        "form": form,
        "result": result,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - MAX_ERRORS_SHOWN),
        "error_rows": len({error.line for error in errors}),
        "file_error": file_error,
    }


@permission_required("ecosystem.use_import")
def import_preview(request):
    stored = _stored(request)
    if stored is None:
        messages.error(request, _("Upload a file first; the previous one is gone."))
        return redirect("ecosystem:import")
    state, path = stored
    try:
        table = importing.read_table(path, name=state["name"])
    except importing.ImportFileError as error:
        _forget(request)
        messages.error(request, error.message)
        return redirect("ecosystem:import")
    if state["what"] == "people":
        # The preview and its problems show the file's names and e-mails: keep who looked.
        record_personal_data_list_view(
            actor=request.user,
            page="people import preview",
            details={"file": state["name"], "rows": len(table.rows)},
        )
    if request.method != "POST":
        form = _mapping_form(state, table)
        return render(
            request, "ecosystem/imports/preview.html", _preview_context(state, table, form)
        )
    form = _mapping_form(state, table, request.POST)
    if not form.is_valid():
        return render(
            request,
            "ecosystem/imports/preview.html",
            _preview_context(state, table, form),
            status=400,
        )
    state["mapping"] = form.mapping()
    state["checked"] = True
    request.session[SESSION_KEY] = state
    result = IMPORTERS[state["what"]].run(
        path, actor=request.user, mapping=state["mapping"], dry_run=True, name=state["name"]
    )
    return render(
        request, "ecosystem/imports/preview.html", _preview_context(state, table, form, result)
    )


@require_POST
@permission_required("ecosystem.use_import")
def import_commit(request):
    stored = _stored(request)
    if stored is None or not stored[0].get("checked"):
        messages.error(request, _("Upload a file and check it with a dry run first."))
        return redirect("ecosystem:import")
    state, path = stored
    skip_invalid = request.POST.get("skip_invalid") == "on"
    try:
        result = IMPORTERS[state["what"]].run(
            path,
            actor=request.user,
            mapping=state["mapping"],
            skip_invalid=skip_invalid,
            name=state["name"],
        )
    except importing.ImportFileError as error:
        messages.error(request, error.message)
        return redirect("ecosystem:import_preview")
    if not result.committed:
        table = importing.read_table(path, name=state["name"])
        form = _mapping_form(state, table)
        context = _preview_context(state, table, form, result)
        context["commit_refused"] = True
        return render(request, "ecosystem/imports/preview.html", context, status=400)
    _forget(request)
    messages.success(
        request,
        _(
            "Imported %(name)s: %(created)s created, %(updated)s updated, %(unchanged)s "
            "unchanged, %(skipped)s rows skipped."
        )
        % {
            "name": state["name"],
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "skipped": len({error.line for error in result.errors}),
        },
    )
    return redirect("ecosystem:import")


@require_POST
@permission_required("ecosystem.use_import")
def import_cancel(request):
    _forget(request)
    messages.success(request, _("The import is cancelled and the file deleted."))
    return redirect("ecosystem:import")
