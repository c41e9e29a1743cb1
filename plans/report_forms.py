"""Forms of the dietitian's tools: custom target, notes, templates, report range.

They parse and check shape only; the services check everything that needs the database
(links, ownership, date limits) and their ValidationErrors are copied onto these forms.
"""

from datetime import timedelta
from typing import Any

from django import forms

from accounts.services import (
    CUSTOM_TARGET_MAX_MG,
    CUSTOM_TARGET_MIN_MG,
    CUSTOM_TARGET_REASON_MAX_CHARS,
)
from mgplanner.forms import date_input
from plans.models import MAX_DAY_NOTE_CHARS, NoteVisibility
from plans.reports import MAX_REPORT_DAYS
from plans.services import MAX_TEMPLATE_NAME_CHARS


class CustomTargetForm(forms.Form):
    target_mg = forms.IntegerField(
        label="Target (mg of magnesium a day, counted as the RDA is)",
        min_value=CUSTOM_TARGET_MIN_MG,
        max_value=CUSTOM_TARGET_MAX_MG,
        help_text=f"From {CUSTOM_TARGET_MIN_MG} to {CUSTOM_TARGET_MAX_MG} mg; replaces the RDA.",
    )
    reason = forms.CharField(
        label="Reason (shown to your client)",
        max_length=CUSTOM_TARGET_REASON_MAX_CHARS,
    )


class DayNoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=MAX_DAY_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label="Who reads it",
        choices=NoteVisibility.choices,
        initial=NoteVisibility.PRIVATE,
        widget=forms.RadioSelect,
    )


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label="Template name", max_length=MAX_TEMPLATE_NAME_CHARS)
    on = forms.DateField(label="Day (or first day of the week)", widget=date_input())
    span = forms.ChoiceField(
        label="Save",
        choices=[("day", "This day"), ("week", "Seven days from it")],
        initial="day",
        widget=forms.RadioSelect,
    )


class TemplateAssignForm(forms.Form):
    template = forms.ChoiceField(label="Template")
    start = forms.DateField(label="From", widget=date_input())
    mode = forms.ChoiceField(
        label="On days already planned",
        choices=[("append", "Add to their meals"), ("replace", "Replace the day")],
        initial="append",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        # Its own ids: the tools page also has the report form, whose "From" is id_start.
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = choices


class ReportRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=date_input())
    end = forms.DateField(label="To", widget=date_input())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif end - start > timedelta(days=MAX_REPORT_DAYS - 1):
                self.add_error("end", f"A report covers at most {MAX_REPORT_DAYS} days.")
        return cleaned
