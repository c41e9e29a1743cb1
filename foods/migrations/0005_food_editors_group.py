"""The "Food editors" group: exactly the permissions to curate database foods in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Food editors"
CODENAMES = [
    f"{action}_{model}"
    for model in ("food", "portion")
    for action in ("view", "add", "change", "delete")
] + ["view_historicalfood", "view_historicalportion", "view_fooddataload"]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; create the foods ones now.
    foods_config = apps.get_app_config("foods")
    foods_config.models_module = True
    create_permissions(foods_config, apps=apps, verbosity=0)
    foods_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    permissions = Permission.objects.filter(content_type__app_label="foods", codename__in=CODENAMES)
    group.permissions.set(permissions)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("foods", "0004_food_search"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
