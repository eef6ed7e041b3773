"""The forms of the adoption step: the act, the facilitator's decision, the publication.

The act's form refuses what cannot be right wherever it is given (a date in the future, a
file that is not a PDF or is too large), with the model's and the document service's own
messages; what a submission needs is asked by the named checks of ``adopt``. Files are
checked by their content, up to the limit of an act (``upload_limit``), and a file chosen on
a form refused for another reason is named to be chosen again (a browser cannot keep it).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from plm_workflow.formats.sizes import file_size
from plm_workflow.limits import REASON_MAX_CHARS, TextLimitValidator
from plm_workflow.plans.documents import NOT_A_PDF, pdf_problems, upload_limit
from plm_workflow.plans.models import Adoption, DocumentKind
from plm_workflow.steps.adoption import (
    ACT_FIELDS,
    CORRECTION_NEEDS_REASON,
    PUBLICATION_FIELDS,
)

from .fields import TextField
from .steps import DecisionForm
from .tables import FILE_NOT_KEPT, _Limits

ISO_DATE = "%Y-%m-%d"
DATE_FORMATS = [ISO_DATE, "%d/%m/%Y"]
ACT_NOT_A_PDF = _(
    "“%(name)s” is not a PDF: choose the PDF of the signed act, a file of up to %(limit)s."
)
ANNEX_NOT_A_PDF = _("“%(name)s” is not a PDF: attach each annex as a PDF of up to %(limit)s.")
ACT_FILE_HELP = _(
    "The signed resolution as a PDF (PAdES signatures are fine), of up to %(limit)s. A new "
    "file replaces the one shown, which stays among the plan's documents."
)
ANNEXES_HELP = _(
    "Optional: the plan as adopted and any other annex, as PDFs of up to %(limit)s each; "
    "up to %(count)s files at a time. Annexes are added to those already attached."
)
TOO_MANY_FILES = _("Choose at most %(count)s files at a time.")


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class _MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PdfFilesField(forms.FileField):
    """Several files chosen at once: a list of uploads (empty when none was chosen)."""

    widget = _MultipleFileInput

    def clean(self, data, initial=None):
        chosen = data if isinstance(data, list | tuple) else [data]
        return [super(PdfFilesField, self).clean(item, initial) for item in chosen if item]


def _files_at_once() -> int:
    """How many files one request may carry beside the signed act (Django's limit)."""
    return max(settings.DATA_UPLOAD_MAX_NUMBER_FILES - 1, 1)


def _pdf_problems(upload, kind, not_a_pdf) -> list[str]:
    """The document service's refusals of ``upload``, "not a PDF" said for this field."""
    limit = file_size(upload_limit(kind))
    plain = str(NOT_A_PDF % {"name": upload.name})
    return [
        str(not_a_pdf % {"name": upload.name, "limit": limit}) if problem == plain else problem
        for problem in pdf_problems(upload, kind)
    ]


class AdoptionWorkForm(_Limits, forms.ModelForm):
    """The act: body, number, date, whether immediately enforceable, notes, the signed PDF and
    any annexes, with the revision the page showed (``version``)."""

    signed_act = forms.FileField(
        label=_("Signed act (PDF)"),
        required=False,
        allow_empty_file=True,  # refused by the document service, naming the file
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )
    annexes = PdfFilesField(
        label=_("Annexes (PDF)"),
        required=False,
        allow_empty_file=True,
        widget=_MultipleFileInput(attrs={"accept": "application/pdf"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    FILE_FIELDS = ("signed_act", "annexes")

    class Meta:
        model = Adoption
        fields = ACT_FIELDS
        widgets = {"act_date": _DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["act_date"].input_formats = DATE_FORMATS
        limit = file_size(upload_limit(DocumentKind.ADOPTION_ACT))
        self.fields["signed_act"].help_text = ACT_FILE_HELP % {"limit": limit}
        self.fields["annexes"].help_text = ANNEXES_HELP % {
            "limit": limit,
            "count": _files_at_once(),
        }

    @property
    def act_fields(self):
        """The act's own fields, as the page groups them (the files come after)."""
        return [self[name] for name in ("body", "act_number", "act_date")]

    def clean_signed_act(self):
        upload = self.cleaned_data.get("signed_act")
        if not upload:
            return None
        problems = _pdf_problems(upload, DocumentKind.ADOPTION_ACT, ACT_NOT_A_PDF)
        if problems:
            raise forms.ValidationError(problems)
        return upload

    def clean_annexes(self):
        uploads = self.cleaned_data.get("annexes") or []
        if len(uploads) > _files_at_once():
            raise forms.ValidationError(TOO_MANY_FILES % {"count": _files_at_once()})
        problems = []
        for upload in uploads:
            problems += _pdf_problems(upload, DocumentKind.ADOPTION_ANNEX, ANNEX_NOT_A_PDF)
        if problems:
            raise forms.ValidationError(problems)
        return uploads

    @property
    def not_kept(self) -> dict:
        """The files chosen on a refused form that were fine themselves, by field: each to be
        chosen again (a browser cannot keep them)."""
        if not self.is_bound:
            return {}
        found = {}
        for name in self.FILE_FIELDS:
            if name in self.errors:
                continue  # refused: its own message names it
            uploads = self.files.getlist(self.add_prefix(name))
            if uploads:
                found[name] = [str(FILE_NOT_KEPT % {"name": upload.name}) for upload in uploads]
        return found


class AdoptionCheckForm(DecisionForm):
    """Return with comments, or confirm the adoption: an approval is recorded only from the
    confirmation step, which posts ``confirmed``."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PublicationForm(_Limits, forms.ModelForm):
    """The act's publication on the albo pretorio: period, register number, link; correcting
    a recorded one needs a reason (``correcting``)."""

    reason = TextField(
        label=_("Reason for the correction"),
        required=False,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_CHARS}),
        help_text=_("Kept with the correction, in the plan's history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = Adoption
        fields = PUBLICATION_FIELDS
        widgets = {
            "published_from": _DateInput(),
            "published_to": _DateInput(),
            "publication_link": forms.URLInput(),
        }

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("published_from", "published_to"):
            self.fields[name].input_formats = DATE_FORMATS
        for name in ("published_from", "published_to", "register_number"):
            self.fields[name].required = True
        self.correcting = correcting
        if correcting:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = CORRECTION_NEEDS_REASON
        else:
            del self.fields["reason"]
