"""The form renderer: every Django form renders with Bootstrap markup from templates/forms/."""

from django.forms.renderers import TemplatesSetting


class BootstrapFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
