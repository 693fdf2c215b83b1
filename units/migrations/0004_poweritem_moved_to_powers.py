# PowerItem now lives in the `powers` app (its table is kept and renamed by powers/0002):
# forget it here without dropping anything.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_unit_form_layout"),
        ("powers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PowerItem")],
            database_operations=[],
        ),
    ]
