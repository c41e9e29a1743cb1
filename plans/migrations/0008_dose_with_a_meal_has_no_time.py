"""A dose taken with a meal keeps no time of its own (plans.services._dose_taken_at): clear
the times that an edit moving an on-its-own dose to a meal used to leave behind."""

from django.db import migrations


def clear_times(apps, schema_editor):
    SupplementDose = apps.get_model("plans", "SupplementDose")
    SupplementDose.objects.filter(meal__isnull=False, taken_at__isnull=False).update(taken_at=None)


class Migration(migrations.Migration):
    dependencies = [("plans", "0007_day_template_recipe")]

    operations = [migrations.RunPython(clear_times, migrations.RunPython.noop)]
