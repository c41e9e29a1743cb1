"""templates/macros/forms.html: the field macro every app form uses. No database."""

from django import forms
from django.template import engines

from accounts.forms import HealthForm


def render(source: str, **context) -> str:
    env = engines["jinja2"].env
    return env.from_string(
        '{% from "macros/forms.html" import field, error_summary %}' + source
    ).render(**context)


class Sample(forms.Form):
    name = forms.CharField(label="Name", help_text="As it should appear.")
    note = forms.CharField(label="Note", required=False)
    agree = forms.BooleanField(label="I agree")


def test_a_valid_field_has_label_help_and_describedby_but_no_error():
    html = render("{{ field(form.name) }}", form=Sample())
    assert '<label for="id_name">Name</label>' in html
    assert '<div class="field-help" id="id_name_helptext">As it should appear.</div>' in html
    assert 'aria-describedby="id_name_helptext"' in html
    assert "aria-invalid" not in html
    assert "errorlist" not in html


def test_an_invalid_field_points_at_its_help_and_its_errors():
    form = Sample(data={"name": "", "agree": ""})
    form.is_valid()
    html = render("{{ field(form.name) }}", form=form)
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert '<ul class="errorlist field-errors" id="id_name_error">' in html
    assert "This field is required." in html


def test_an_optional_field_says_so():
    html = render("{{ field(form.note) }}", form=Sample())
    assert "(optional)" in html
    assert "(optional)" not in render("{{ field(form.name) }}", form=Sample())


def test_a_checkbox_has_its_label_after_the_box():
    html = render("{{ field(form.agree) }}", form=Sample())
    assert html.index('type="checkbox"') < html.index('<label for="id_agree">I agree</label>')


def test_a_choice_group_is_a_fieldset_with_a_legend():
    form = HealthForm(data={"ckd_stage": "0", "medications": ["aspirin"]})
    form.is_valid()
    html = render("{{ field(form.medications) }}", form=form)
    assert html.lstrip().startswith("<fieldset")
    assert 'aria-describedby="id_medications_helptext id_medications_error"' in html
    assert "<legend>Medicines you take" in html
    assert 'id="id_medications_0"' in html
    assert "aspirin is not one of the available choices" in html


def test_user_input_is_escaped():
    form = Sample(data={"name": '<script>alert("x")</script>'})
    html = render("{{ field(form.name) }}", form=form)
    assert "<script>" not in html


def test_the_error_summary_links_each_error_to_its_input():
    form = HealthForm(data={"ckd_stage": "9", "medications": ["aspirin"]})
    form.is_valid()
    html = render("{{ error_summary(form) }}", form=form)
    assert 'role="alert"' in html
    assert '<a href="#id_ckd_stage">Chronic kidney disease: Select a valid choice.' in html
    assert '<a href="#id_medications_0">Medicines you take: Select a valid choice.' in html


def test_no_summary_for_a_valid_or_unbound_form():
    assert render("{{ error_summary(form) }}", form=Sample()).strip() == ""
